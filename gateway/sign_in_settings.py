"""How people sign in to the dashboard: OpenID Connect, authorization code with PKCE."""

from common.settings import BaseProcessSettings


class SignInSettings(BaseProcessSettings):
    # The identity provider the dashboard signs in with (its issuer URL, where
    # /.well-known/openid-configuration is). Unset: the built-in issuer in development, and no
    # sign-in (public pages only) in production.
    oidc_issuer: str | None = None
    oidc_client_id: str = "techniekpact-dashboard"
    oidc_scopes: str = "openid profile offline_access actions:write actions:approve partners:admin contacts:read"

    # The built-in issuer for development: its sign-in page lets anyone pick any role. Unset, it is
    # on in development and test when OIDC_ISSUER is unset; production refuses to start with it on.
    dev_oidc: bool | None = None
    # Its issuer URL, as the services check it (JWT_JWKS_ISSUER); unset, the address it was reached at.
    dev_oidc_issuer: str | None = None
    dev_oidc_access_token_seconds: int = 900
    dev_oidc_refresh_token_seconds: int = 8 * 3600

    @property
    def dev_oidc_enabled(self) -> bool:
        if self.dev_oidc is not None:
            return self.dev_oidc
        return not self.is_production and self.oidc_issuer is None

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if self.dev_oidc:
            problems.append("DEV_OIDC must be off in production (its sign-in page lets anyone pick a role)")
        return problems
