"""Where the dashboard signs in: the identity provider's address for its OIDC client, and in
development the built-in issuer (gateway/dev_oidc.py)."""

from typing import Any

from fastapi import FastAPI, Request

from gateway.dev_oidc import dev_oidc_router, issuer_url
from gateway.sign_in_settings import SignInSettings


def install_sign_in(app: FastAPI, settings: SignInSettings) -> None:
    if settings.dev_oidc_enabled:
        app.include_router(dev_oidc_router(settings))

    @app.get("/auth/config", include_in_schema=False)
    async def sign_in_config(request: Request) -> dict[str, Any]:
        """The dashboard's OIDC client settings; `authority` null means there is no sign-in."""
        authority = settings.oidc_issuer
        if authority is None and settings.dev_oidc_enabled:
            authority = issuer_url(settings, request)
        return {"authority": authority, "client_id": settings.oidc_client_id, "scope": settings.oidc_scopes,
                "development": settings.dev_oidc_enabled}
