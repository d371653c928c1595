"""Signing in with OpenID Connect: the gateway's development issuer (/dev-oidc), its refusal in
production, and the services verifying its RS256 tokens with its JWKS beside the HS256 ones."""

import base64
import hashlib
import secrets
import uuid
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pydantic
import pytest

from cli.processes import dev_issuer_wiring
from common.auth import TokenVerifier, issue_token
from common.problems import Problem
from common.settings import DEVELOPMENT_JWT_SECRET, BaseProcessSettings
from gateway.app import create_app
from gateway.dev_oidc import PERSON_ROLES, ROLE_LABELS
from gateway.settings import GatewaySettings

CLIENT = "techniekpact-dashboard"
BACK = "http://gateway/"


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def _authorization(challenge: str, **overrides: str) -> dict[str, str]:
    return {"client_id": CLIENT, "redirect_uri": BACK, "response_type": "code", "scope": "openid profile",
            "state": "s-1", "nonce": "n-1", "code_challenge": challenge, "code_challenge_method": "S256",
            "role": "reviewer", "name": "Bea Oordelaar", **overrides}


@pytest.fixture
async def gateway():
    app = create_app(GatewaySettings(environment="test"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client:
        yield client


async def _sign_in(client: httpx.AsyncClient, role: str = "reviewer", name: str = "Bea Oordelaar") -> dict:
    verifier, challenge = _pkce()
    answer = await client.post("/dev-oidc/authorize", data=_authorization(challenge, role=role, name=name))
    assert answer.status_code == 303, answer.text
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    tokens = await client.post("/dev-oidc/token", data={"grant_type": "authorization_code", "code": code,
                                                        "redirect_uri": BACK, "client_id": CLIENT,
                                                        "code_verifier": verifier})
    assert tokens.status_code == 200, tokens.text
    return tokens.json()


async def test_discovery_names_the_endpoints_and_the_dashboard_is_told_where_to_sign_in(gateway):
    discovery = (await gateway.get("/dev-oidc/.well-known/openid-configuration")).json()
    assert discovery["issuer"] == "http://gateway/dev-oidc"
    assert discovery["authorization_endpoint"] == "http://gateway/dev-oidc/authorize"
    assert discovery["token_endpoint"] == "http://gateway/dev-oidc/token"
    assert discovery["jwks_uri"] == "http://gateway/dev-oidc/jwks"
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    keys = (await gateway.get("/dev-oidc/jwks")).json()["keys"]
    assert [(key["kty"], key["alg"], key["use"]) for key in keys] == [("RSA", "RS256", "sig")]
    assert "d" not in keys[0], "the JWKS must hold the public key only"
    config = (await gateway.get("/auth/config")).json()
    assert config == {"authority": "http://gateway/dev-oidc", "client_id": CLIENT,
                      "scope": GatewaySettings().oidc_scopes, "development": True}


async def test_the_authorize_page_offers_the_roles_and_keeps_the_request(gateway):
    _, challenge = _pkce()
    request = {key: value for key, value in _authorization(challenge).items() if key not in ("role", "name")}
    page = await gateway.get("/dev-oidc/authorize", params=request)
    assert page.status_code == 200 and '<html lang="nl">' in page.text
    assert set(ROLE_LABELS) == set(PERSON_ROLES) == {"coordinator", "trekker", "reviewer", "partner_administrator",
                                                     "statistics_administrator"}
    for role in PERSON_ROLES:
        assert f'value="{role}"' in page.text
    assert f'name="code_challenge" value="{challenge}"' in page.text and 'name="state" value="s-1"' in page.text


async def test_a_code_with_pkce_gives_tokens_carrying_the_roles_scopes(gateway):
    tokens = await _sign_in(gateway, role="partner_administrator", name="  Piet   Beheer ")
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 900 and tokens["refresh_token"]
    keys = jwt.PyJWKSet.from_dict((await gateway.get("/dev-oidc/jwks")).json())
    header = jwt.get_unverified_header(tokens["access_token"])
    access = jwt.decode(tokens["access_token"], keys[header["kid"]].key, algorithms=["RS256"],
                        audience="techniekpact", issuer="http://gateway/dev-oidc")
    assert access["sub"] == "Piet Beheer" and access["roles"] == ["partner_administrator"]
    assert access["scope"].split() == ["partners:admin", "contacts:read"]
    identity = jwt.decode(tokens["id_token"], keys[header["kid"]].key, algorithms=["RS256"], audience=CLIENT,
                          issuer="http://gateway/dev-oidc")
    assert identity["nonce"] == "n-1" and identity["name"] == "Piet Beheer"


async def test_a_refresh_token_renews_once_and_is_then_spent(gateway):
    tokens = await _sign_in(gateway)
    renew = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "client_id": CLIENT}
    renewed = await gateway.post("/dev-oidc/token", data=renew)
    assert renewed.status_code == 200 and renewed.json()["access_token"] != tokens["access_token"]
    # The renewed ID token keeps when the person signed in (OIDC clients refuse it otherwise).
    assert (jwt.decode(renewed.json()["id_token"], options={"verify_signature": False})["auth_time"]
            == jwt.decode(tokens["id_token"], options={"verify_signature": False})["auth_time"])
    again = await gateway.post("/dev-oidc/token", data=renew)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("change, error", [
    ({"code_verifier": "not-the-verifier-at-all-not-the-verifier-at-all"}, "invalid_grant"),
    ({"redirect_uri": "http://gateway/elsewhere"}, "invalid_grant"),
    ({"client_id": "someone-else"}, "invalid_grant"),
    ({"grant_type": "password"}, "unsupported_grant_type"),
])
async def test_the_token_endpoint_refuses_a_code_without_its_verifier_or_client(gateway, change, error):
    verifier, challenge = _pkce()
    answer = await gateway.post("/dev-oidc/authorize", data=_authorization(challenge))
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": BACK, "client_id": CLIENT,
                "code_verifier": verifier}
    refused = await gateway.post("/dev-oidc/token", data={**exchange, **change})
    assert refused.status_code == 400 and refused.json()["error"] == error
    if error == "invalid_grant":
        # The code was spent by the failed attempt: it cannot be tried again with the right verifier.
        retried = await gateway.post("/dev-oidc/token", data=exchange)
        assert retried.status_code == 400 and retried.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("change, reason", [
    ({"redirect_uri": "https://attacker.example/steal"}, "redirect_uri"),
    ({"client_id": "someone-else"}, "client_id"),
    ({"code_challenge": ""}, "PKCE"),
    ({"code_challenge_method": "plain"}, "PKCE"),
    ({"response_type": "token"}, "response_type"),
    ({"role": "administrator"}, "roles"),
    ({"name": "   "}, "name"),
])
async def test_the_authorize_step_refuses_bad_requests_without_redirecting(gateway, change, reason):
    _, challenge = _pkce()
    answer = await gateway.post("/dev-oidc/authorize", data=_authorization(challenge, **change))
    assert answer.status_code == 400 and "location" not in answer.headers
    assert reason in answer.text


def test_production_refuses_to_start_with_the_development_issuer_on():
    production = {"environment": "production", "jwt_secret": "a-real-secret-from-the-vault-0123456789",
                  "graphql_introspection": False}
    with pytest.raises(pydantic.ValidationError, match="DEV_OIDC must be off in production"):
        GatewaySettings(**production, dev_oidc=True)
    assert not GatewaySettings(**production).dev_oidc_enabled
    assert not GatewaySettings(environment="development", oidc_issuer="https://sso.example.nl").dev_oidc_enabled


async def test_without_the_development_issuer_there_is_no_dev_oidc():
    app = create_app(GatewaySettings(environment="test", dev_oidc=False))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client:
        assert (await client.get("/dev-oidc/.well-known/openid-configuration")).status_code == 404
        assert (await client.get("/auth/config")).json()["authority"] is None


def test_the_stack_wires_the_services_to_the_development_issuers_keys():
    wired = dev_issuer_wiring({"ENVIRONMENT": "development"}, "http://127.0.0.1:8000")
    assert wired == {"DEV_OIDC_ISSUER": "http://127.0.0.1:8000/dev-oidc",
                     "JWT_JWKS_URL": "http://127.0.0.1:8000/dev-oidc/jwks",
                     "JWT_JWKS_ISSUER": "http://127.0.0.1:8000/dev-oidc"}
    for env in ({"ENVIRONMENT": "production"}, {"DEV_OIDC": "false"}, {"OIDC_ISSUER": "https://sso.example.nl"},
                {"JWT_JWKS_URL": "https://sso.example.nl/keys"}):
        assert dev_issuer_wiring(env, "http://127.0.0.1:8000") == {}, env


def test_in_production_with_a_jwks_the_shared_secret_tokens_are_refused():
    verifier = TokenVerifier(BaseProcessSettings(environment="production", jwt_jwks_url="http://127.0.0.1:9/jwks"))
    with pytest.raises(Problem) as refused:
        verifier.verify(issue_token(DEVELOPMENT_JWT_SECRET, subject="a", scopes=["actions:write"]))
    assert refused.value.status == 401


@pytest.mark.e2e
def test_the_services_take_the_issuers_rs256_tokens_by_its_jwks_and_the_hs256_ones_still(stack, token):
    """Real processes: the gateway's /dev-oidc signs, partners_api fetches its JWKS over HTTP."""
    gateway, partners = stack.url("gateway"), stack.url("partners_api")
    back = f"{gateway}/"
    with httpx.Client(base_url=gateway, timeout=10) as client:
        def sign_in(role: str) -> str:
            verifier, challenge = _pkce()
            answer = client.post("/dev-oidc/authorize", data=_authorization(challenge, role=role, redirect_uri=back))
            code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
            return client.post("/dev-oidc/token", data={"grant_type": "authorization_code", "code": code,
                                                         "redirect_uri": back, "client_id": CLIENT,
                                                         "code_verifier": verifier}).json()["access_token"]

        coordinator, trekker = sign_in("coordinator"), sign_in("trekker")
    assert jwt.get_unverified_header(coordinator)["alg"] == "RS256"
    with httpx.Client(base_url=partners, timeout=10) as client:
        def contacts(bearer: str) -> int:
            # Personal data: contacts:read, which a coordinator holds and a trekker does not.
            return client.get("/v1/contacts", params={"organisation_ids": str(uuid.uuid4())},
                              headers={"Authorization": f"Bearer {bearer}"}).status_code

        assert contacts(coordinator) == 200
        assert contacts(trekker) == 403
        assert contacts(token("contacts:read")) == 200  # `techniekpact token` keeps working
        head, body, signature = coordinator.split(".")
        assert contacts(f"{head}.{body}.{signature[::-1]}") == 401
