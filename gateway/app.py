"""The gateway process: `uvicorn --factory gateway.app:create_app`."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET

from common.health import health_router
from common.limits import BodySizeLimitMiddleware
from common.observability import (
    Metrics,
    MetricsMiddleware,
    RequestIdMiddleware,
    configure_logging,
    current_request_id,
    metrics_endpoint,
)
from common.problems import install_problem_handlers
from gateway.context import GatewayContext
from gateway.downstream import Downstream
from gateway.schema import create_schema
from gateway.settings import GatewaySettings
from gateway.sign_in import install_sign_in

GRAPHQL_RESPONSE_MEDIA_TYPE = "application/graphql-response+json"
WEB_DIR = Path(__file__).parent / "web"
# Strawberry's own GraphiQL page loads React and GraphiQL from a public CDN; this one, from WEB_DIR.
GRAPHIQL_HTML = (Path(__file__).parent / "graphiql.html").read_text(encoding="utf-8")


class GraphQLEndpoint(GraphQLRouter):
    """GraphQL over HTTP: POST JSON, GET for queries, GraphiQL for a browser, and
    `application/graphql-response+json` when the client asks for it, with 400 and no `data` entry
    for a request that fails before execution (parse, validation, variables)."""

    @property
    def graphql_ide_html(self) -> str:
        return GRAPHIQL_HTML

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        processed = await super().process_result(request, result)
        if result.data is None and result.errors:
            request.state.graphql_request_error = True
            if _wants_graphql_response(request):
                processed.pop("data", None)
        return processed

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        try:
            response = await super().run(request, context, root_value)
        except Exception as exc:
            # Strawberry's HTTP exception (from its cross-web dependency) says 400 for a mutation
            # over GET; GraphQL over HTTP says 405 Method Not Allowed.
            reason = getattr(exc, "reason", "")
            if isinstance(request, Request) and request.method == "GET" and "are not allowed" in str(reason):
                raise type(exc)(405, reason) from exc
            raise
        if (isinstance(request, Request) and isinstance(response, Response) and _wants_graphql_response(request)
                and response.media_type == "application/json"):
            status = 400 if getattr(request.state, "graphql_request_error", False) else response.status_code
            headers = {key: value for key, value in response.headers.items() if key.lower() not in
                       ("content-length", "content-type")}
            return Response(response.body, status_code=status, headers=headers, media_type=GRAPHQL_RESPONSE_MEDIA_TYPE)
        return response


def _wants_graphql_response(request: Request) -> bool:
    return GRAPHQL_RESPONSE_MEDIA_TYPE in request.headers.get("accept", "")


def create_app(settings: GatewaySettings | None = None,
               transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    """`transport` replaces the network in tests that fake the services (httpx.MockTransport)."""
    settings = settings or GatewaySettings()
    configure_logging(settings.process_name, settings.log_level, settings.log_json)
    client = httpx.AsyncClient(
        transport=transport, timeout=settings.downstream_timeout_seconds,
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=50),
    )
    metrics = Metrics(settings.process_name)
    downstream = Downstream(client, settings.service_urls(), timeout_seconds=settings.downstream_timeout_seconds,
                            retry_backoff_seconds=settings.downstream_retry_backoff_seconds,
                            registry=metrics.registry)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await client.aclose()

    app = FastAPI(title="Techniekpact gateway", version="1.0.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.downstream = downstream
    install_problem_handlers(app)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_middleware(RequestIdMiddleware)

    async def services_ready(request: Request) -> bool:
        for url in settings.service_urls().values():
            try:
                if (await client.get(f"{url}/healthz", timeout=2.0)).status_code != 200:
                    return False
            except httpx.HTTPError:
                return False
        return True

    async def context(request: Request) -> GatewayContext:
        calls = downstream.session(request.headers.get("authorization"), current_request_id())
        return GatewayContext(calls, settings)

    app.include_router(health_router({"services": services_ready}))
    install_sign_in(app, settings)
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    app.include_router(GraphQLEndpoint(create_schema(settings), graphql_ide="graphiql", context_getter=context),
                       prefix="/graphql")
    # The dashboard (gateway/web): static files that talk only to /graphql. Mounted last, so every
    # route above keeps its path.
    app.mount("/", StaticFiles(directory=WEB_DIR, html=True), name="web")
    return app
