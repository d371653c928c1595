"""The gateway process: `uvicorn --factory gateway.app:create_app`."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
from cross_web import HTTPException
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from httpx_aiohttp import AiohttpTransport
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET

from common.health import health_router
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
from gateway.downloads import install_downloads
from gateway.downstream import Downstream
from gateway.refusals import BodyLimitMiddleware, Code, Refusal, decode_request_json, is_refusal, refusal_body
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
    for a request that fails before execution (parse, validation, variables). A refusal by the
    gateway's limits (gateway/refusals.py) is 400 whatever the client accepts."""

    @property
    def graphql_ide_html(self) -> str:
        return GRAPHIQL_HTML

    def __init__(self, *args: Any, max_json_depth: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_json_depth = max_json_depth

    def decode_json(self, data: str | bytes) -> object:
        return decode_request_json(data, self.max_json_depth)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        processed = await super().process_result(request, result)
        if result.data is None and result.errors:
            request.state.graphql_request_error = True
            request.state.graphql_refused = is_refusal(result.errors)
            if _wants_graphql_response(request):
                processed.pop("data", None)
        return processed

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        try:
            response = await super().run(request, context, root_value)
        except Refusal as refusal:
            return _refused(request, refusal)
        except HTTPException as exc:
            # Strawberry's own 400s (batches, a body that is no GraphQL request) get a code too.
            # It says 400 for a mutation over GET; GraphQL over HTTP says 405 Method Not Allowed.
            if isinstance(request, Request) and request.method == "GET" and "are not allowed" in exc.reason:
                raise HTTPException(405, exc.reason) from exc
            if exc.status_code == 400:
                return _refused(request, Refusal(exc.reason, Code.BAD_REQUEST))
            raise
        if not (isinstance(request, Request) and isinstance(response, Response)):
            return response
        if getattr(request.state, "graphql_refused", False):
            response.status_code = 400
        if _wants_graphql_response(request) and response.media_type == "application/json":
            status = 400 if getattr(request.state, "graphql_request_error", False) else response.status_code
            headers = {key: value for key, value in response.headers.items() if key.lower() not in
                       ("content-length", "content-type")}
            return Response(response.body, status_code=status, headers=headers, media_type=GRAPHQL_RESPONSE_MEDIA_TYPE)
        return response


def _refused(request: Any, refusal: Refusal) -> Response:
    media_type = GRAPHQL_RESPONSE_MEDIA_TYPE if isinstance(request, Request) and _wants_graphql_response(request) \
        else "application/json"
    return JSONResponse(refusal_body(refusal), status_code=400, media_type=media_type)


def _wants_graphql_response(request: Request) -> bool:
    return GRAPHQL_RESPONSE_MEDIA_TYPE in request.headers.get("accept", "")


def create_app(settings: GatewaySettings | None = None,
               transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    """`transport` replaces the network in tests that fake the services (httpx.MockTransport)."""
    settings = settings or GatewaySettings()
    configure_logging(settings.process_name, settings.log_level, settings.log_json)
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=50)
    # OpenTelemetry instruments httpx's own transport: a traced gateway keeps it, so its calls join the trace.
    if transport is None and settings.downstream_transport == "aiohttp" and not settings.otel_exporter_otlp_endpoint:
        transport = AiohttpTransport(limits=limits)
    client = httpx.AsyncClient(transport=transport, timeout=settings.downstream_timeout_seconds, limits=limits)
    metrics = Metrics(settings.process_name)
    downstream = Downstream(client, settings.service_urls(), timeout_seconds=settings.downstream_timeout_seconds,
                            retry_backoff_seconds=settings.downstream_retry_backoff_seconds,
                            registry=metrics.registry)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The schema, the app and the imported modules live as long as the process: frozen, they are
        # out of the collector's full passes, which otherwise stop every request for tens of
        # milliseconds now and then (each GraphQL document allocates thousands of objects).
        gc.freeze()
        yield
        gc.unfreeze()
        await client.aclose()

    app = FastAPI(title="Techniekpact gateway", version="1.0.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.downstream = downstream
    install_problem_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
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
        # The visitor's address as uvicorn resolved it: from X-Forwarded-For only when the peer is a
        # proxy FORWARDED_ALLOW_IPS trusts, else the peer itself. The services see it as
        # X-Forwarded-For (partners_api limits public sign-ups per visitor).
        client = request.client.host if request.client else None
        calls = downstream.session(request.headers.get("authorization"), current_request_id(), client)
        return GatewayContext(calls, settings)

    app.include_router(health_router({"services": services_ready}))
    install_sign_in(app, settings)
    install_downloads(app, settings)
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    app.include_router(GraphQLEndpoint(create_schema(settings), graphql_ide="graphiql", context_getter=context,
                                       max_json_depth=settings.max_json_depth), prefix="/graphql")
    # The dashboard (gateway/web): static files that talk only to /graphql. Mounted last, so every
    # route above keeps its path.
    app.mount("/", StaticFiles(directory=WEB_DIR, html=True), name="web")
    return app
