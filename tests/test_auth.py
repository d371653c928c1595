"""Bearer tokens: what is accepted and every way a token is refused."""

import base64
import json
import time

import jwt
import pytest

from common.auth import TokenVerifier, issue_token
from common.problems import Problem
from common.settings import DEVELOPMENT_JWT_SECRET, BaseProcessSettings

verifier = TokenVerifier(BaseProcessSettings(environment="test"))


def test_a_valid_token_gives_subject_scopes_and_sources():
    principal = verifier.verify(issue_token(DEVELOPMENT_JWT_SECRET, subject="gemeente-hilversum",
                                            scopes=["partners:write", "contacts:read"], sources=["hilversum"]))
    assert principal.subject == "gemeente-hilversum"
    assert principal.scopes == {"partners:write", "contacts:read"}
    assert principal.sources == {"hilversum"}


def _unsigned(claims: dict) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


@pytest.mark.parametrize("token, reason", [
    (issue_token(DEVELOPMENT_JWT_SECRET, subject="a", scopes=[], ttl_seconds=-10), "expired"),
    (issue_token("another-key-entirely-another-key", subject="a", scopes=[]), "not valid"),
    (issue_token(DEVELOPMENT_JWT_SECRET, subject="a", scopes=[], audience="someone-else"), "audience"),
    (issue_token(DEVELOPMENT_JWT_SECRET, subject="a", scopes=[], issuer="elsewhere"), "not valid"),
    (_unsigned({"sub": "a", "aud": "techniekpact", "iss": "techniekpact-dev", "exp": int(time.time()) + 60}),
     "not valid"),
    (jwt.encode({"sub": "a", "aud": "techniekpact", "iss": "techniekpact-dev"}, DEVELOPMENT_JWT_SECRET), "not valid"),
    ("not-a-token", "not valid"),
])
def test_bad_tokens_are_refused_with_401(token, reason):
    with pytest.raises(Problem) as refused:
        verifier.verify(token)
    assert refused.value.status == 401
    assert reason in refused.value.detail


def test_production_refuses_the_development_secret():
    with pytest.raises(ValueError, match="JWT_SECRET"):
        BaseProcessSettings(environment="production")
    assert BaseProcessSettings(environment="production", jwt_secret="a-real-secret-from-the-vault").is_production


def _guarded_app():
    from fastapi import Depends, FastAPI

    from common.auth import OptionalPrincipal, require_scope
    from common.problems import install_problem_handlers

    app = FastAPI()
    app.state.token_verifier = verifier
    install_problem_handlers(app)

    @app.post("/write", dependencies=[Depends(require_scope("partners:write"))])
    async def write() -> dict:
        return {"written": True}

    @app.get("/read")
    async def read(principal: OptionalPrincipal) -> dict:
        return {"subject": principal.subject if principal else None}

    return app


async def test_write_endpoints_ask_for_a_bearer_token_and_the_scope():
    import httpx

    app = _guarded_app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        missing = await client.post("/write")
        assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
        assert "needs a bearer token" in missing.json()["detail"]
        basic = await client.post("/write", headers={"Authorization": "Basic dXNlcjpwdw=="})
        assert basic.status_code == 401 and "Bearer" in basic.json()["detail"]
        no_scope = issue_token(DEVELOPMENT_JWT_SECRET, subject="a", scopes=["metrics:write"])
        wrong = await client.post("/write", headers={"Authorization": f"Bearer {no_scope}"})
        assert wrong.status_code == 403 and "partners:write" in wrong.json()["detail"]
        good = issue_token(DEVELOPMENT_JWT_SECRET, subject="a", scopes=["partners:write"])
        assert (await client.post("/write", headers={"Authorization": f"Bearer {good}"})).json() == {"written": True}
        assert (await client.get("/read")).json() == {"subject": None}
        assert (await client.get("/read", headers={"Authorization": "Bearer nonsense"})).status_code == 401


def test_openapi_declares_the_bearer_scheme_on_guarded_operations_only():
    spec = _guarded_app().openapi()
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert spec["paths"]["/write"]["post"]["security"] == [{"HTTPBearer": []}]
    assert "security" not in spec["paths"]["/read"]["get"]
