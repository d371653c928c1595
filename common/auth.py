"""Bearer tokens (JWT): who calls, with which scopes, for which sources.

Tokens carry `sub`, `aud`, `exp`, a space-separated `scope` (as OAuth 2 writes it) and, for
municipal and feed clients, `sources`: the pushing systems they may write for. Development
tokens are signed with a shared secret (HS256); an identity provider's tokens (in development, the
gateway's /dev-oidc) are RS256 or ES256, verified with the keys of its JWKS (`JWT_JWKS_URL`), and in
production with a JWKS they are the only ones taken. `alg: none` and any other algorithm are refused.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

import jwt
from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from common.problems import Problem
from common.settings import BaseProcessSettings

ASYMMETRIC_ALGORITHMS = ["RS256", "ES256"]


@dataclass(frozen=True)
class Principal:
    subject: str
    scopes: frozenset[str] = field(default_factory=frozenset)
    sources: frozenset[str] = field(default_factory=frozenset)
    token: str = field(default="", repr=False)

    def has(self, scope: str) -> bool:
        return scope in self.scopes


class TokenVerifier:
    def __init__(self, settings: BaseProcessSettings) -> None:
        self.audience = settings.jwt_audience
        self.issuer = settings.jwt_issuer
        self.jwks_issuer = settings.jwt_jwks_issuer or settings.jwt_issuer
        self._secret = settings.jwt_secret.get_secret_value()
        self._jwks = jwt.PyJWKClient(settings.jwt_jwks_url, cache_keys=True) if settings.jwt_jwks_url else None
        # With an identity provider's keys, production takes its tokens only; development keeps the
        # shared-secret tokens (`techniekpact token`, the tests) working beside them.
        self._takes_shared_secret = self._jwks is None or not settings.is_production

    def verify(self, token: str) -> Principal:
        try:
            algorithm = jwt.get_unverified_header(token).get("alg")
            if self._jwks is not None and algorithm in ASYMMETRIC_ALGORITHMS:
                key = self._jwks.get_signing_key_from_jwt(token).key
                algorithms, issuer = ASYMMETRIC_ALGORITHMS, self.jwks_issuer
            elif self._takes_shared_secret:
                key, algorithms, issuer = self._secret, ["HS256"], self.issuer
            else:
                raise unauthorized("The token is not valid.")
            claims = jwt.decode(
                token, key, algorithms=algorithms, audience=self.audience, issuer=issuer,
                options={"require": ["exp", "sub", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise unauthorized("The token has expired.") from None
        except jwt.InvalidAudienceError:
            raise unauthorized("The token is not meant for this API (audience).") from None
        except (jwt.PyJWTError, ValueError):
            raise unauthorized("The token is not valid.") from None
        scopes = claims.get("scope", "")
        sources = claims.get("sources", [])
        if not isinstance(scopes, str) or not isinstance(sources, list):
            raise unauthorized("The token's scope or sources claim is malformed.")
        return Principal(
            subject=str(claims["sub"]),
            scopes=frozenset(scopes.split()),
            sources=frozenset(str(s) for s in sources),
            token=token,
        )


def issue_token(
    secret: str,
    *,
    subject: str,
    scopes: list[str],
    sources: list[str] | None = None,
    audience: str = "techniekpact",
    issuer: str = "techniekpact-dev",
    ttl_seconds: int = 3600,
) -> str:
    """A development token, signed with the shared secret."""
    now = int(time.time())
    claims = {
        "sub": subject, "aud": audience, "iss": issuer, "iat": now, "exp": now + ttl_seconds,
        "scope": " ".join(scopes), "sources": sources or [],
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def unauthorized(detail: str) -> Problem:
    return Problem(401, "Unauthorized", detail, type="unauthorized", headers={"WWW-Authenticate": "Bearer"})


def forbidden(detail: str) -> Problem:
    return Problem(403, "Forbidden", detail, type="forbidden")


def _bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    kind, _, token = header.partition(" ")
    if kind.lower() != "bearer" or not token.strip():
        raise unauthorized("Use 'Authorization: Bearer <token>'.")
    return token.strip()


def optional_principal(request: Request) -> Principal | None:
    """The caller if a token was sent (a bad token is still 401), else None for public reads."""
    token = _bearer_token(request)
    if token is None:
        return None
    return request.app.state.token_verifier.verify(token)


# Declared as a security scheme so the OpenAPI document says which operations need a token
# (clients and schema-driven fuzzers rely on that); public reads use optional_principal instead.
bearer_scheme = HTTPBearer(
    auto_error=False,
    description="A JWT from the identity provider; in development, `techniekpact token --scope ...`.",
)


def authenticated(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)],
) -> Principal:
    if credentials is None:
        _bearer_token(request)  # a header in another scheme gets its own message
        raise unauthorized("This endpoint needs a bearer token.")
    return request.app.state.token_verifier.verify(credentials.credentials)


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]
AuthenticatedPrincipal = Annotated[Principal, Depends(authenticated)]


def require_scope(scope: str) -> Callable[[Principal], Principal]:
    """A dependency: the caller must hold `scope`."""

    def dependency(principal: AuthenticatedPrincipal) -> Principal:
        if not principal.has(scope):
            raise forbidden(f"This needs the scope '{scope}'.")
        return principal

    return dependency


def require_source(principal: Principal, source: str) -> None:
    if source not in principal.sources:
        raise forbidden(f"The token may not write for source '{source}'.")
