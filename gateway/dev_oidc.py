"""A built-in OpenID Connect issuer for development only, under /dev-oidc.

So that `make run` signs in with no outside service: discovery, an authorize page where one picks
a role and a name, the token endpoint (authorization code with PKCE S256, refresh tokens) and the
JWKS the services verify its RS256 tokens with. It stands in for a municipality's identity
provider and does only what the dashboard's OIDC client (oidc-client-ts) asks of one. Its state
(codes, refresh tokens, the signing key) lives in this process: a restart signs everybody out.
Production refuses to start with it on (gateway/sign_in_settings.py).
"""

import base64
import hashlib
import html
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from common.roles import MACHINE_ROLES, ROLES
from gateway.sign_in_settings import SignInSettings

PREFIX = "/dev-oidc"
CODE_SECONDS = 60
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
# The roles people sign in with (common/roles.py; machine clients get tokens, not a sign-in page).
PERSON_ROLES = {role: scopes for role, scopes in ROLES.items() if role not in MACHINE_ROLES}
ROLE_LABELS = {
    "coordinator": "Coördinator (acties, mijlpalen, rapportages; aanmeldingen afhandelen)",
    "trekker": "Trekker (acties bijwerken, rapportages opstellen en indienen)",
    "reviewer": "Beoordelaar (rapportages goedkeuren of terugsturen)",
    "partner_administrator": "Partnerbeheerder (organisaties, contactpersonen, aanmeldingen)",
    "statistics_administrator": "Statistiekbeheerder (regio's, maatstaven, beroepsklassen)",
}
# Discovery, keys and tokens are fetched by the browser, possibly from another origin (localhost
# against 127.0.0.1); public clients' token requests are meant to be answerable cross-origin.
OPEN_TO_ALL_ORIGINS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "no-store"}


@dataclass(frozen=True)
class Grant:
    """What a code or refresh token stands for."""

    subject: str
    role: str
    client_id: str
    redirect_uri: str
    expires_at: float
    code_challenge: str = ""
    nonce: str | None = None
    # When the person signed in: renewed ID tokens keep it (OIDC Core 12.2; clients check it).
    auth_time: int = 0


class OAuthError(Exception):
    """An error answered as RFC 6749 writes it (`error`, `error_description`), which OIDC clients read."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


class DevIssuer:
    def __init__(self, settings: SignInSettings) -> None:
        self.settings = settings
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.key_id = secrets.token_urlsafe(8)
        self.codes: dict[str, Grant] = {}
        self.refresh_tokens: dict[str, Grant] = {}

    def issuer(self, request: Request) -> str:
        return issuer_url(self.settings, request)

    def discovery(self, request: Request) -> dict[str, Any]:
        issuer = self.issuer(request)
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "jwks_uri": f"{issuer}/jwks",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["none"],
            "scopes_supported": ["openid", "profile", "offline_access",
                                 *sorted({scope for scopes in PERSON_ROLES.values() for scope in scopes})],
            "claims_supported": ["sub", "name", "roles", "scope"],
        }

    def jwks(self) -> dict[str, Any]:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**public, "kid": self.key_id, "use": "sig", "alg": "RS256"}]}

    def check_client(self, client_id: str, redirect_uri: str, request: Request) -> None:
        if client_id != self.settings.oidc_client_id:
            raise OAuthError("invalid_client", f"Unknown client_id '{client_id}'.")
        target = urlsplit(redirect_uri)
        if target.scheme not in ("http", "https") or not (
                target.hostname in LOOPBACK_HOSTS or target.netloc == request.url.netloc):
            raise OAuthError("invalid_request", "redirect_uri must lead back to this gateway or to a loopback host.")

    def authorize(self, request: Request, form: dict[str, str]) -> str:
        """The chosen role and name become a code; answers the URL to send the browser back to."""
        self.check_client(form.get("client_id", ""), form.get("redirect_uri", ""), request)
        if form.get("response_type") != "code":
            raise OAuthError("unsupported_response_type", "Only response_type=code is offered.")
        if form.get("code_challenge_method") != "S256" or not form.get("code_challenge"):
            raise OAuthError("invalid_request", "PKCE is required: code_challenge with code_challenge_method=S256.")
        role, name = form.get("role", ""), " ".join(form.get("name", "").split())
        if role not in PERSON_ROLES:
            raise OAuthError("invalid_request", "Choose one of the roles.")
        if not 1 <= len(name) <= 100:
            raise OAuthError("invalid_request", "Give a name of 1 to 100 characters.")
        code = secrets.token_urlsafe(32)
        self._forget_expired()
        self.codes[code] = Grant(subject=name, role=role, client_id=form["client_id"],
                                 redirect_uri=form["redirect_uri"], expires_at=time.time() + CODE_SECONDS,
                                 code_challenge=form["code_challenge"], nonce=form.get("nonce") or None,
                                 auth_time=int(time.time()))
        answer = {"code": code, **({"state": form["state"]} if form.get("state") else {})}
        return f"{form['redirect_uri']}{'&' if '?' in form['redirect_uri'] else '?'}{urlencode(answer)}"

    def token(self, request: Request, form: dict[str, str]) -> dict[str, Any]:
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            grant = self.codes.pop(form.get("code", ""), None)  # a code is used once, whatever follows
            if grant is None or grant.expires_at < time.time():
                raise OAuthError("invalid_grant", "The code is unknown, used or expired.")
            if form.get("client_id") != grant.client_id or form.get("redirect_uri") != grant.redirect_uri:
                raise OAuthError("invalid_grant", "client_id and redirect_uri must be those of the authorization.")
            if not secrets.compare_digest(_s256(form.get("code_verifier", "")), grant.code_challenge):
                raise OAuthError("invalid_grant", "The code_verifier does not match the code_challenge (PKCE).")
        elif grant_type == "refresh_token":
            grant = self.refresh_tokens.pop(form.get("refresh_token", ""), None)  # rotated on every use
            if grant is None or grant.expires_at < time.time():
                raise OAuthError("invalid_grant", "The refresh token is unknown, used or expired.")
            if form.get("client_id") != grant.client_id:
                raise OAuthError("invalid_grant", "client_id must be the one the refresh token was issued to.")
        else:
            raise OAuthError("unsupported_grant_type", "grant_type must be authorization_code or refresh_token.")
        return self._tokens(request, grant)

    def _tokens(self, request: Request, grant: Grant) -> dict[str, Any]:
        now = int(time.time())
        lifetime = self.settings.dev_oidc_access_token_seconds
        issuer, scopes = self.issuer(request), " ".join(PERSON_ROLES[grant.role])
        common = {"iss": issuer, "sub": grant.subject, "iat": now, "exp": now + lifetime,
                  "name": grant.subject, "roles": [grant.role]}
        access = self._sign({**common, "aud": self.settings.jwt_audience, "scope": scopes,
                             "client_id": grant.client_id, "jti": secrets.token_urlsafe(12)})
        identity = self._sign({**common, "aud": grant.client_id, "auth_time": grant.auth_time,
                               **({"nonce": grant.nonce} if grant.nonce else {})})
        refresh = secrets.token_urlsafe(32)
        self.refresh_tokens[refresh] = Grant(
            subject=grant.subject, role=grant.role, client_id=grant.client_id, redirect_uri=grant.redirect_uri,
            expires_at=time.time() + self.settings.dev_oidc_refresh_token_seconds, auth_time=grant.auth_time)
        return {"access_token": access, "id_token": identity, "refresh_token": refresh, "token_type": "Bearer",
                "expires_in": lifetime, "scope": f"openid profile offline_access {scopes}"}

    def _sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.key_id})

    def _forget_expired(self) -> None:
        now = time.time()
        for store in (self.codes, self.refresh_tokens):
            for token in [token for token, grant in store.items() if grant.expires_at < now]:
                del store[token]


def issuer_url(settings: SignInSettings, request: Request) -> str:
    return settings.dev_oidc_issuer or f"{str(request.base_url).rstrip('/')}{PREFIX}"


def _s256(verifier: str) -> str:
    """RFC 7636: BASE64URL(SHA256(code_verifier)), unpadded."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii", "replace")).digest()).rstrip(b"=").decode()


async def _form(request: Request) -> dict[str, str]:
    """An `application/x-www-form-urlencoded` body (or query), one value per name."""
    if request.method == "POST":
        fields = parse_qs((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
        return {name: values[0] for name, values in fields.items()}
    return dict(request.query_params)


def _error_page(error: OAuthError) -> HTMLResponse:
    # Never redirected: a redirect_uri that failed the check must not receive anything.
    return HTMLResponse(_page("Aanmelden mislukt", f"<p role='alert'>{html.escape(error.description)}</p>"),
                        status_code=error.status)


def dev_oidc_router(settings: SignInSettings) -> APIRouter:
    issuer = DevIssuer(settings)
    router = APIRouter(prefix=PREFIX, include_in_schema=False)

    @router.get("/.well-known/openid-configuration")
    async def discovery(request: Request) -> JSONResponse:
        return JSONResponse(issuer.discovery(request), headers=OPEN_TO_ALL_ORIGINS)

    @router.get("/jwks")
    async def jwks() -> JSONResponse:
        return JSONResponse(issuer.jwks(), headers=OPEN_TO_ALL_ORIGINS)

    @router.get("/authorize")
    async def authorize_page(request: Request) -> Response:
        form = await _form(request)
        try:
            issuer.check_client(form.get("client_id", ""), form.get("redirect_uri", ""), request)
        except OAuthError as error:
            return _error_page(error)
        return HTMLResponse(_choose_role_page(form))

    @router.post("/authorize")
    async def authorize(request: Request) -> Response:
        try:
            return RedirectResponse(issuer.authorize(request, await _form(request)), status_code=303)
        except OAuthError as error:
            return _error_page(error)

    @router.post("/token")
    async def token(request: Request) -> JSONResponse:
        try:
            return JSONResponse(issuer.token(request, await _form(request)), headers=OPEN_TO_ALL_ORIGINS)
        except OAuthError as error:
            return JSONResponse({"error": error.error, "error_description": error.description},
                                status_code=error.status, headers=OPEN_TO_ALL_ORIGINS)

    return router


PASSED_ON = ("client_id", "redirect_uri", "response_type", "scope", "state", "nonce", "code_challenge",
             "code_challenge_method")


def _choose_role_page(form: dict[str, str]) -> str:
    hidden = "".join(f'<input type="hidden" name="{name}" value="{html.escape(form[name])}">'
                     for name in PASSED_ON if name in form)
    roles = "".join(
        f'<div><input type="radio" name="role" id="role-{role}" value="{role}" required{" checked" if i == 0 else ""}>'
        f' <label for="role-{role}">{html.escape(label)}</label></div>'
        for i, (role, label) in enumerate(ROLE_LABELS.items()))
    body = f"""<p>Dit is de ingebouwde aanmeldpagina voor ontwikkeling: kies een rol en een naam.
      In productie meldt u zich aan bij de identiteitsaanbieder van uw organisatie.</p>
    <form method="post" action="authorize">
      {hidden}
      <fieldset><legend>Rol</legend>{roles}</fieldset>
      <p><label for="name">Naam</label><br>
        <input id="name" name="name" required maxlength="100" autocomplete="name"></p>
      <p><button type="submit">Aanmelden</button></p>
    </form>"""
    return _page("Aanmelden (ontwikkeling)", body)


def _page(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} · Techniekpact</title><link rel="icon" href="data:,">
<style>body{{font:1rem/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}}
fieldset{{border:1px solid #767676;padding:.5rem 1rem}}input[type=radio]{{margin:.4rem .3rem .4rem 0}}
input#name{{font:inherit;padding:.3rem;width:100%;max-width:20rem}}button{{font:inherit;padding:.4rem 1rem}}</style>
</head><body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>"""
