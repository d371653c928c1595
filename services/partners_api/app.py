"""The partners_api process: `uvicorn --factory services.partners_api.app:create_app`."""

import httpx
from fastapi import FastAPI

from common.app import create_service_app
from common.changes import ChangeFeed
from common.ratelimit import FixedWindowLimiter
from services.partners_api.actions_client import ActionsClient
from services.partners_api.metrics_client import MetricsClient
from services.partners_api.models import signup_rate_limits
from services.partners_api.routes import router
from services.partners_api.settings import PartnersSettings


def create_app(settings: PartnersSettings | None = None,
               actions_transport: httpx.AsyncBaseTransport | None = None,
               metrics_transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    """`actions_transport` and `metrics_transport` let tests answer for actions_api and metrics_api;
    in production they are plain HTTP."""
    settings = settings or PartnersSettings()
    app = create_service_app(
        title="Techniekpact partners API",
        description="The registry of partner organisations: organisations, contacts, pact memberships, "
                    "municipal pushes and sign-ups.",
        settings=settings,
        routers=[router],
        # Contacts and sign-ups are personal data: their events are listed only for contacts:read.
        change_feed=ChangeFeed(personal=frozenset({"contacts", "signups"})),
    )
    app.state.signup_limiter = FixedWindowLimiter(signup_rate_limits, limit=settings.signup_limit,
                                                  window_seconds=settings.signup_window_seconds)
    app.state.actions = ActionsClient(settings.actions_api_url, settings.actions_timeout_seconds,
                                      transport=actions_transport)
    # Not `state.metrics`: that is the Prometheus registry /metrics renders (common.app).
    app.state.metrics_api = MetricsClient(settings.metrics_api_url, settings.metrics_timeout_seconds,
                                          settings.municipality_registry_ttl_seconds, transport=metrics_transport)
    # Their pooled connections are closed with the database, when the app shuts down (or a test's client ends).
    app.state.database.on_dispose(app.state.actions.aclose)
    app.state.database.on_dispose(app.state.metrics_api.aclose)
    return app
