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
