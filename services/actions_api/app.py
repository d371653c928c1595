"""The actions_api process: `uvicorn --factory services.actions_api.app:create_app`."""

import httpx
from fastapi import FastAPI

from common.app import create_service_app
from common.changes import ChangeFeed
from services.actions_api.metrics_client import MetricsClient
from services.actions_api.partners_client import PartnersClient
from services.actions_api.routes import router
from services.actions_api.settings import ActionsSettings


def create_app(settings: ActionsSettings | None = None,
               partners_transport: httpx.AsyncBaseTransport | None = None,
               metrics_transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    """The transports let tests answer for partners_api and metrics_api; in production they are plain HTTP."""
    settings = settings or ActionsSettings()
    app = create_service_app(
        title="Techniekpact actions API",
        description="Pacts, action lines, goals, actions, milestones, results and progress reports of Techniekpacten.",
        settings=settings,
        routers=[router],
        change_feed=ChangeFeed(),
    )
    app.state.partners = PartnersClient(settings.partners_api_url, settings.partners_timeout_seconds,
                                        transport=partners_transport)
    app.state.metrics_api = MetricsClient(settings.metrics_api_url, settings.metrics_timeout_seconds,
                                      transport=metrics_transport)
    # Closed with the database, when the app shuts down (or a test's client ends).
    app.state.database.on_dispose(app.state.partners.aclose)
    app.state.database.on_dispose(app.state.metrics_api.aclose)
    return app
