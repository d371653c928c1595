"""Request ids, JSON logs, Prometheus metrics and (when configured) OpenTelemetry tracing for every process."""

import logging
import os
import re
import time
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from pythonjsonlogger.json import JsonFormatter
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common.asgi import HttpMiddleware

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sqlalchemy.pool import QueuePool

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    return _request_id.get()


class RequestIdMiddleware(HttpMiddleware):
    """Take the caller's X-Request-ID (if it is sane) or make one; echo it on the response."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        incoming = dict(scope["headers"]).get(REQUEST_ID_HEADER.lower().encode(), b"").decode("latin-1")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = _request_id.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _request_id.reset(token)


class _ContextFilter(logging.Filter):
    def __init__(self, process_name: str) -> None:
        super().__init__()
        self.process_name = process_name

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        record.process_name = self.process_name
        return True


def configure_logging(process_name: str, level: str = "INFO", as_json: bool = True) -> None:
    """One handler on the root logger; uvicorn's loggers propagate into it."""
    handler = logging.StreamHandler()
    handler.addFilter(_ContextFilter(process_name))
    if as_json:
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(process_name)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger", "process_name": "process"},
            )
        )
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s [%(process_name)s %(request_id)s] %(name)s: %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True


class Metrics:
    """Per-app registry, so several apps in one test process do not collide."""

    def __init__(self, process_name: str) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total", "HTTP requests by route and status",
            ["process", "method", "route", "status"], registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds", "HTTP request latency by route",
            ["process", "method", "route"], registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )
        self.in_progress = Gauge(
            "http_requests_in_progress", "HTTP requests being served (drains to 0 on SIGTERM)",
            ["process"], registry=self.registry,
        )
        self.batches = Counter(
            "ingest_batches_total", "Bulk batches written (feeds, pushes), by kind and source",
            ["process", "kind", "source"], registry=self.registry,
        )
        self.batch_rows = Histogram(
            "ingest_batch_rows", "Rows (records, observations) per bulk batch written",
            ["process", "kind", "source"], registry=self.registry,
            buckets=(1, 10, 100, 1_000, 5_000, 10_000, 50_000, 100_000, 500_000),
        )
        self.process_name = process_name

    def watch_pool(self, pool: "QueuePool", capacity: int) -> None:
        """DB pool gauges, read from the pool at each scrape (nothing to keep in step)."""
        self.registry.register(_PoolCollector(self.process_name, pool, capacity))

    def count_batch(self, kind: str, source: str, rows: int) -> None:
        self.batches.labels(self.process_name, kind, source).inc()
        self.batch_rows.labels(self.process_name, kind, source).observe(rows)

    def render(self) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


class _PoolCollector(Collector):
    def __init__(self, process_name: str, pool: "QueuePool", capacity: int) -> None:
        self.process_name = process_name
        self.pool = pool
        self.capacity = capacity

    def collect(self) -> Iterator[GaugeMetricFamily]:
        connections = GaugeMetricFamily("db_pool_connections", "Database connections of this process by state",
                                        labels=["process", "state"])
        connections.add_metric([self.process_name, "in_use"], self.pool.checkedout())
        connections.add_metric([self.process_name, "idle"], self.pool.checkedin())
        yield connections
        capacity = GaugeMetricFamily("db_pool_capacity", "Most connections the pool may open (size + overflow)",
                                     labels=["process"])
        capacity.add_metric([self.process_name], self.capacity)
        yield capacity


_current_metrics: ContextVar[Metrics | None] = ContextVar("current_metrics", default=None)


def count_batch(kind: str, source: str, rows: int) -> None:
    """Count one bulk batch that was written (not a dry run), from anywhere inside a request.

    `kind` names what the batch holds (`observations`, `organisations`), `source` the feed or
    pushing system. Outside a request (scripts, tests without the middleware) it does nothing.
    """
    metrics = _current_metrics.get()
    if metrics is not None:
        metrics.count_batch(kind, source, rows)


class MetricsMiddleware(HttpMiddleware):
    """Counts and times each request under its route template (never the raw path)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        super().__init__(app)
        self.metrics = metrics

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = 500
        name = self.metrics.process_name
        counted = False

        def count() -> None:
            nonlocal counted
            counted = True
            template = _route_template(scope)
            method = scope.get("method", "GET")
            self.metrics.requests.labels(name, method, template, str(status)).inc()
            self.metrics.latency.labels(name, method, template).observe(time.perf_counter() - started)

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body", False) and not counted:
                # Counted before the last byte leaves: a client that has the whole answer (over a kept
                # connection, at once) and then reads /metrics finds its request counted.
                count()
            await send(message)

        token = _current_metrics.set(self.metrics)
        self.metrics.in_progress.labels(name).inc()
        try:
            await self.app(scope, receive, record_status)
        finally:
            self.metrics.in_progress.labels(name).dec()
            _current_metrics.reset(token)
            if not counted:
                count()


def _route_template(scope: Scope) -> str:
    """The path template the request matched, with the prefix of an included router.

    FastAPI leaves the matched route in the scope, as declared in its router: without the prefix
    given to `include_router` (the gateway's GraphQL route is declared as ``), which is kept in
    the included router's context. Plain Starlette routes and mounts (/metrics, static files)
    leave nothing, so those are matched again here.
    """
    route = scope.get("route")
    path = getattr(route, "path", None)
    if path is not None:
        included = (scope.get("fastapi") or {}).get("included_router")
        prefix = getattr(getattr(included, "include_context", None), "prefix", "") or ""
        if prefix or path:
            return prefix + path
    router = getattr(scope.get("app"), "router", None)
    for candidate in getattr(router, "routes", ()):
        if candidate.matches({**scope, "root_path": ""})[0] is Match.FULL:
            return getattr(candidate, "path", "") or "/"
    return "unmatched"


async def metrics_endpoint(request: Request) -> Response:
    return request.app.state.metrics.render()


# Probes and scrapes would otherwise be most of the traces.
_UNTRACED_PATHS = "/healthz,/readyz,/metrics"


def install_tracing(app: "FastAPI", process_name: str, otlp_endpoint: str | None) -> bool:
    """OpenTelemetry tracing over OTLP/HTTP when an endpoint is configured; otherwise nothing at all.

    The OpenTelemetry packages (the `otel` extra) are imported only here, so a process without
    an endpoint neither loads them nor pays per request. Spans: each incoming request (W3C
    `traceparent` continued from the caller), each outgoing httpx call (which carries it on: the
    gateway's calls to the services join the gateway's trace), each SQL statement. The standard
    OTEL_* variables (sampler, batch sizes, headers) apply. Spans still queued are exported when
    the process exits.
    """
    if not otlp_endpoint:
        return False
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, ParentBased, Sampler
    from opentelemetry.trace import SpanKind

    class RequestsOnly(Sampler):
        """A trace starts only at an incoming request: the gateway's readiness calls to the
        services (every few seconds, from the probes) would otherwise each be a trace."""

        def should_sample(self, parent_context: Any, trace_id: int, name: str, kind: Any = None,
                          attributes: Any = None, links: Any = None, trace_state: Any = None) -> Any:
            return (ALWAYS_ON if kind is SpanKind.SERVER else ALWAYS_OFF).should_sample(
                parent_context, trace_id, name, kind, attributes, links)

        def get_description(self) -> str:
            return "RequestsOnly"

    # OTEL_TRACES_SAMPLER (e.g. parentbased_traceidratio), when set, replaces ours.
    sampler = None if os.environ.get("OTEL_TRACES_SAMPLER") else ParentBased(root=RequestsOnly())
    provider = TracerProvider(resource=Resource.create({"service.name": process_name}), sampler=sampler)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{otlp_endpoint.rstrip('/')}/v1/traces")))
    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider, excluded_urls=_UNTRACED_PATHS,
                                       exclude_spans=["receive", "send"])
    HTTPXClientInstrumentor().instrument(tracer_provider=provider)
    database = getattr(app.state, "database", None)
    if database is not None:
        # The instrumentation declares SQLAlchemy < 2.1; its engine events work on 2.1 unchanged
        # (tests/test_observability.py sees the SQL spans), so the version check is skipped.
        SQLAlchemyInstrumentor().instrument(engine=database.engine.sync_engine, tracer_provider=provider,
                                            skip_dep_check=True)
    for handler in logging.getLogger().handlers:
        handler.addFilter(_TraceIdFilter())
    logging.getLogger(__name__).info("tracing to %s", otlp_endpoint)
    return True


class _TraceIdFilter(logging.Filter):
    """With tracing on, each log line names its trace, so logs and traces can be joined."""

    def filter(self, record: logging.LogRecord) -> bool:
        from opentelemetry import trace

        context = trace.get_current_span().get_span_context()
        record.trace_id = format(context.trace_id, "032x") if context.is_valid else None
        return True
