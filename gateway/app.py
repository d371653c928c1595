"""The gateway process: `uvicorn --factory gateway.app:create_app`."""

import gc
import hashlib
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
from graphql import GraphQLError
from httpx_aiohttp import AiohttpTransport
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
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
from gateway.cache import PersistedQueries, Policy, ResponseCache
from gateway.context import GatewayContext
from gateway.downloads import install_downloads
from gateway.downstream import Downstream
from gateway.refusals import BodyLimitMiddleware, Code, Refusal, decode_request_json, is_refusal, refusal_body
from gateway.schema import create_schema
from gateway.settings import GatewaySettings
from gateway.sign_in import install_sign_in
from gateway.transport import Http11Transport

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

    def should_render_graphql_ide(self, request: Any) -> bool:
        # A persisted query over GET names only its hash (`extensions`): it wants the answer, whatever it accepts.
        return super().should_render_graphql_ide(request) and request.query_params.get("extensions") is None

    def __init__(self, *args: Any, max_json_depth: int, cache: ResponseCache | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_json_depth = max_json_depth
        self.cache = cache
        self.persisted = PersistedQueries()

    async def execute_single(self, request: Any, request_adapter: Any, sub_response: Any, context: Any,
                             root_value: Any, request_data: GraphQLRequestData) -> ExecutionResult:
        """Persisted queries first; then the response cache (gateway/cache.py) around the execution."""
        resolved = self.persisted.resolve(request_data)
        if isinstance(resolved, GraphQLError):
            return ExecutionResult(data=None, errors=[resolved])
        request_data = resolved
        cache = self.cache
        if cache is None or request_data.query is None or not isinstance(request, Request):
            return await super().execute_single(request, request_adapter, sub_response, context, root_value,
                                                request_data)
        policy = cache.policy(request_data.query, request_data.operation_name)
        status, key, born = _cache_status(request, policy, cache), None, 0
        if status is None:
            key = cache.key(policy, request_data.operation_name, request_data.variables)
            entry, born = await cache.lookup(key)
            if entry is not None:
                cache.metrics.hits.inc()
                request.state.cache = ("HIT", policy)
                return ExecutionResult(data=entry.data, errors=None, extensions={
                    **entry.extensions, "downstream": {"requests": 0, "seconds": 0.0}, "cache": {"status": "HIT"}})
            cache.metrics.misses.inc()
            status = "MISS"
        else:
            cache.metrics.bypasses.labels(status.split(":")[1]).inc()
        calls = context.calls
        if key is not None:
            calls.reads = []  # what the answer is built from: its entry's tags
        result = await super().execute_single(request, request_adapter, sub_response, context, root_value,
                                              request_data)
        if policy.mutation:
            # The caller's (and everyone's) next query sees what the mutation wrote, without waiting for the feed.
            await cache.written(calls.services)
        elif key is not None and not result.errors and result.data is not None:
            kept = {name: value for name, value in (result.extensions or {}).items() if name == "cost"}
            await cache.store(key, policy, result.data, kept, calls.reads or (), born)
        request.state.cache = (status.split(":")[0], policy)
        result.extensions = {**(result.extensions or {}), "cache": {"status": status.split(":")[0]}}
        return result

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
        cached = getattr(request.state, "cache", None)
        if cached is not None:
            response.headers["X-Cache"] = cached[0]
            if request.method == "GET" and cached[1].cacheable and response.status_code == 200:
                return _conditional(request, response)
        if request.method == "GET":
            # Not a shared answer (private, refused, an unknown persisted query): nobody on the way may keep it.
            response.headers.setdefault("Cache-Control", "no-store")
        if _wants_graphql_response(request) and response.media_type == "application/json":
            status = 400 if getattr(request.state, "graphql_request_error", False) else response.status_code
            headers = {key: value for key, value in response.headers.items() if key.lower() not in
                       ("content-length", "content-type")}
            return Response(response.body, status_code=status, headers=headers, media_type=GRAPHQL_RESPONSE_MEDIA_TYPE)
        return response


def _cache_status(request: Request, policy: Policy, cache: ResponseCache) -> str | None:
    """None when the shared cache may answer; else why not ("BYPASS:<reason>")."""
    if not policy.cacheable:
        return f"BYPASS:{policy.reason.replace(' ', '_')}"
    if "authorization" in request.headers:
        return "BYPASS:token"  # what a token may show is its holder's own
    if "no-cache" in request.headers.get("cache-control", ""):
        return "BYPASS:no_cache"
    if not cache.backend.available():
        return "BYPASS:backend_unavailable"
    if not cache.serving():
        return "BYPASS:stream_not_followed"
    return None


def _conditional(request: Request, response: Response) -> Response:
    """A cacheable query over GET: an ETag, and 304 when the client holds that answer. The browser or CDN
    revalidates every time (max-age=0), so its copy is never older than the gateway's cache."""
    # Of the answer alone: its extensions (timings, cache status) differ each time the same data is served.
    answer = orjson.loads(response.body)
    tag = '"' + hashlib.sha256(orjson.dumps([answer.get("data"), answer.get("errors")],
                                            option=orjson.OPT_SORT_KEYS)).hexdigest()[:32] + '"'
    headers = {"ETag": tag, "Cache-Control": "public, max-age=0, must-revalidate",
               "X-Cache": response.headers["X-Cache"]}
    if tag in [one.strip() for one in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
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
    if transport is None and not settings.otel_exporter_otlp_endpoint:
        plain = all(url.startswith("http://") for url in settings.service_urls().values())
        if settings.downstream_transport == "http11" and plain:
            transport = Http11Transport(limits)
        elif settings.downstream_transport != "httpx":  # aiohttp's, also for services behind https
            transport = AiohttpTransport(limits=limits)
    client = httpx.AsyncClient(transport=transport, timeout=settings.downstream_timeout_seconds, limits=limits)
    metrics = Metrics(settings.process_name)
    downstream = Downstream(client, settings.service_urls(), timeout_seconds=settings.downstream_timeout_seconds,
                            retry_backoff_seconds=settings.downstream_retry_backoff_seconds,
                            registry=metrics.registry)

    schema = create_schema(settings)
    cache = ResponseCache(schema._schema, settings.service_urls(), size=settings.gateway_cache_size,
                          default_max_age=settings.gateway_cache_max_age, max_tokens=settings.graphql_max_tokens,
                          redis_url=settings.gateway_cache_url, redis_prefix=settings.gateway_cache_prefix,
                          registry=metrics.registry) if settings.gateway_cache != "off" else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The schema, the app and the imported modules live as long as the process: frozen, they are
        # out of the collector's full passes, which otherwise stop every request for tens of
        # milliseconds now and then (each GraphQL document allocates thousands of objects).
        gc.freeze()
        if cache is not None:
            cache.start(client)
        yield
        if cache is not None:
            await cache.stop()
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
    app.include_router(GraphQLEndpoint(schema, graphql_ide="graphiql", context_getter=context, cache=cache,
                                       max_json_depth=settings.max_json_depth), prefix="/graphql")
    # The dashboard (gateway/web): static files that talk only to /graphql. Mounted last, so every
    # route above keeps its path.
    app.mount("/", StaticFiles(directory=WEB_DIR, html=True), name="web")
    return app
