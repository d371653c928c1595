"""The gateway process: `uvicorn --factory gateway.app:create_app`."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from strawberry.fastapi import GraphQLRouter

from common.health import health_router
from common.observability import Metrics, MetricsMiddleware, RequestIdMiddleware, configure_logging, metrics_endpoint
from common.problems import install_problem_handlers
from gateway.schema import schema
from gateway.settings import GatewaySettings

WEB_DIR = Path(__file__).parent / "web"


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    configure_logging(settings.process_name, settings.log_level, settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=settings.downstream_timeout_seconds) as client:
            app.state.http = client
            yield

    app = FastAPI(title="Techniekpact gateway", version="1.0.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.metrics = Metrics(settings.process_name)
    install_problem_handlers(app)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(RequestIdMiddleware)

    async def services_ready(request: Request) -> bool:
        client: httpx.AsyncClient = request.app.state.http
        for url in settings.service_urls().values():
            try:
                if (await client.get(f"{url}/healthz", timeout=2.0)).status_code != 200:
                    return False
            except httpx.HTTPError:
                return False
        return True

    app.include_router(health_router({"services": services_ready}))
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    app.include_router(GraphQLRouter(schema, graphql_ide="graphiql"), prefix="/graphql")
    # The dashboard (gateway/web): static files that talk only to /graphql. Mounted last, so every
    # route above keeps its path.
    app.mount("/", StaticFiles(directory=WEB_DIR, html=True), name="web")
    return app
