"""What operators see: Prometheus figures per process, and OpenTelemetry traces when configured."""

import gzip
import json
import logging
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from cli.processes import PROCESSES, Stack, free_port
from common.app import create_service_app
from common.database import SessionDep
from common.observability import count_batch
from common.settings import BaseServiceSettings
from common.testing import bearer, service_client

REPO = Path(__file__).resolve().parent.parent


class ProbeSettings(BaseServiceSettings):
    process_name = "probe_api"
    schema_name = "public"


def samples(text_: str) -> dict[tuple[str, frozenset], float]:
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text_) for sample in family.samples}


@pytest.fixture
def probe_app(database_url):
    router = APIRouter(prefix="/v1")
    seen: dict[str, float] = {}

    @router.post("/feeds/{source}/observations")
    async def feed(source: str, session: SessionDep) -> dict:
        await session.execute(text("SELECT 1"))
        # While this request holds its session, the pool reports a connection in use.
        metrics = samples(probe.state.metrics.render().body.decode())
        seen["in_use"] = metrics[("db_pool_connections", frozenset({("process", "probe_api"), ("state", "in_use")}))]
        seen["in_progress"] = metrics[("http_requests_in_progress", frozenset({("process", "probe_api")}))]
        count_batch("observations", source, 250)
        return {"inserted": 250}

    probe = create_service_app(title="probe", description="probe",
                               settings=ProbeSettings(database_url=database_url, db_pool_size=3, db_max_overflow=2),
                               routers=[router])
    probe.state.seen = seen
    return probe


async def test_metrics_show_pool_use_requests_in_flight_and_batches(probe_app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(probe_app), base_url="http://probe") as client:
        for _ in range(2):
            assert (await client.post("/v1/feeds/uwv/observations")).status_code == 200
        assert (await client.post("/v1/feeds/cbs/observations")).status_code == 200
        response = await client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    metrics = samples(response.text)
    process = ("process", "probe_api")
    assert probe_app.state.seen == {"in_use": 1, "in_progress": 1}
    assert metrics[("db_pool_capacity", frozenset({process}))] == 5
    assert metrics[("db_pool_connections", frozenset({process, ("state", "in_use")}))] == 0
    assert metrics[("db_pool_connections", frozenset({process, ("state", "idle")}))] >= 1
    uwv = frozenset({process, ("kind", "observations"), ("source", "uwv")})
    assert metrics[("ingest_batches_total", uwv)] == 2
    assert metrics[("ingest_batch_rows_sum", uwv)] == 500
    assert metrics[("ingest_batch_rows_count", frozenset({process, ("kind", "observations"), ("source", "cbs")}))] == 1
    route = frozenset({process, ("method", "POST"), ("route", "/v1/feeds/{source}/observations"), ("status", "200")})
    assert metrics[("http_requests_total", route)] == 3
    # /metrics itself is counted as in flight while it renders.
    assert metrics[("http_requests_in_progress", frozenset({process}))] == 1


def test_count_batch_outside_a_request_does_nothing():
    count_batch("observations", "uwv", 10)


def test_without_an_exporter_no_tracing_code_is_even_loaded(database_url):
    """FastAPI itself imports the OpenTelemetry API (a no-op without a provider); the SDK, the
    exporter and the instrumentations stay out of the process."""
    script = """
import sys
from fastapi.testclient import TestClient
from cli.main import _served_app
from services.metrics_api.settings import MetricsSettings
app = _served_app("metrics_api", MetricsSettings())
with TestClient(app) as client:
    assert client.get("/v1/regions").status_code == 200
print(sorted({name for name in sys.modules if name.startswith(("opentelemetry.sdk", "opentelemetry.exporter",
                                                                  "opentelemetry.instrumentation"))}))
print(sorted(middleware.cls.__name__ for middleware in app.user_middleware))
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=60,
                            env={**os.environ, "DATABASE_URL": database_url, "OTEL_EXPORTER_OTLP_ENDPOINT": ""})
    assert result.returncode == 0, result.stderr
    loaded, middleware = result.stdout.strip().splitlines()[-2:]
    assert loaded == "[]"
    assert "OpenTelemetryMiddleware" not in middleware and "MetricsMiddleware" in middleware


class _Collector(ThreadingHTTPServer):
    """An OTLP/HTTP receiver: keeps the spans that processes export."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _CollectorHandler)
        self.spans: list[dict] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _CollectorHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest,
            ExportTraceServiceResponse,
        )

        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        request = ExportTraceServiceRequest.FromString(body)
        for resource_spans in request.resource_spans:
            service = next(attribute.value.string_value for attribute in resource_spans.resource.attributes
                           if attribute.key == "service.name")
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    with self.server.lock:
                        self.server.spans.append({
                            "service": service, "name": span.name, "trace_id": span.trace_id.hex(),
                            "span_id": span.span_id.hex(), "parent_id": span.parent_span_id.hex(),
                            "attributes": {attribute.key for attribute in span.attributes},
                        })
        payload = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[_Collector]:
    server = _Collector()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def traced_stack(database_url, collector, tmp_path) -> Iterator[Stack]:
    """The four processes, exporting their spans to `collector` (within 50 ms of a span's end)."""
    stack = Stack(database_url, {name: free_port() for name in PROCESSES}, log_dir=tmp_path,
                  extra_env={"ENVIRONMENT": "test", "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url,
                             "OTEL_BSP_SCHEDULE_DELAY": "50"})
    try:
        stack.start()
        stack.wait_ready(timeout=60)
        yield stack
    finally:
        stack.stop()


def wait_for_spans(collector: _Collector, trace_id: str, names: set[str], timeout: float = 10) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        with collector.lock:
            spans = [span for span in collector.spans if span["trace_id"] == trace_id]
        if names <= {span["name"] for span in spans} or time.monotonic() > deadline:
            return spans
        time.sleep(0.05)


@pytest.mark.e2e
def test_with_an_exporter_a_request_is_traced_into_the_database(traced_stack, collector):
    trace_id, caller_span = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    response = httpx.get(f"{traced_stack.url('metrics_api')}/v1/regions",
                         headers={"traceparent": f"00-{trace_id}-{caller_span}-01"}, timeout=10)
    assert response.status_code == 200

    spans = wait_for_spans(collector, trace_id, {"GET /v1/regions"})
    [server] = [span for span in spans if span["name"] == "GET /v1/regions"]
    assert server["service"] == "metrics_api"
    assert server["parent_id"] == caller_span  # the caller's trace continues here
    queries = [span for span in spans if {"db.statement", "db.query.text"} & span["attributes"]]
    assert queries and all(span["service"] == "metrics_api" for span in queries)
    # Probes are not traced, nor the gateway's readiness calls to the services they cause.
    assert not [span for span in collector.spans if span["name"].startswith(("GET /healthz", "GET /readyz"))]
    assert {span["name"] for span in collector.spans if not span["parent_id"]} <= {"GET /v1/regions"}


# --- the Grafana dashboard ----------------------------------------------------------------------

def exposed_series(metrics_text: str) -> set[str]:
    """Every series name a scrape can hold, from the families an app registers (sampled or not)."""
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}
    return {family.name + suffix for family in text_string_to_metric_families(metrics_text)
            for suffix in suffixes.get(family.type, ("",))}


async def test_the_dashboard_shows_only_figures_the_processes_expose(probe_app):
    from gateway.app import create_app as create_gateway
    from gateway.settings import GatewaySettings

    exposed: set[str] = set()
    for app in (probe_app, create_gateway(GatewaySettings(_env_file=None))):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://app") as client:
            exposed |= exposed_series((await client.get("/metrics")).text)
            if app is not probe_app:
                assert (await client.post("/graphql", json={"query": "{ __typename }"})).status_code == 200
                gateway_metrics = samples((await client.get("/metrics")).text)
    # The panels that divide by GraphQL requests find them under their route.
    graphql = frozenset({("process", "gateway"), ("method", "POST"), ("route", "/graphql"), ("status", "200")})
    assert gateway_metrics[("http_requests_total", graphql)] == 1

    dashboard = json.loads((REPO / "deploy" / "grafana" / "techniekpact.json").read_text())
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
    used = {name for expr in expressions for name in re.findall(r"\b([a-z_]+)(?=\{|\[)", expr)}
    assert used and used <= exposed, used - exposed
    # What issue 11 asks the dashboard to show.
    assert {"http_requests_total", "http_request_duration_seconds_bucket", "gateway_downstream_requests_total",
            "gateway_downstream_request_duration_seconds_bucket", "db_pool_connections", "db_pool_capacity",
            "ingest_batches_total", "ingest_batch_rows_bucket"} <= used
    assert len({panel["id"] for panel in dashboard["panels"]}) == len(dashboard["panels"])


# --- batches counted where the services write them ----------------------------------------------

def batch_figures(metrics_text: str, process: str, kind: str, source: str) -> tuple[float, float]:
    labels = frozenset({("process", process), ("kind", kind), ("source", source)})
    figures = samples(metrics_text)
    return figures.get(("ingest_batches_total", labels), 0), figures.get(("ingest_batch_rows_sum", labels), 0)


async def test_the_statistics_feed_counts_each_batch_it_writes(database_url, token):
    from services.metrics_api.app import create_app
    from services.metrics_api.settings import MetricsSettings
    from services.metrics_api.tests.conftest import MEASURES, OCCUPATIONS, REGIONS
    from services.metrics_api.tests.uwv import uwv_observations

    app = create_app(MetricsSettings(database_url=database_url, environment="test"))
    admin = bearer(token("metrics:admin"))
    writer = {**bearer(token("metrics:write", sources=["uwv"])), "Idempotency-Key": "observability-1"}
    async with service_client(app) as client:
        for path, items in (("regions", REGIONS), ("measures", MEASURES), ("occupations", OCCUPATIONS)):
            for code, body in items:
                # The CBS registry the migrations load may hold the region already.
                assert (await client.put(f"/v1/{path}/{code}", json=body, headers=admin)).status_code in (200, 201)
        feed = "/v1/feeds/uwv/observations"
        assert (await client.post(feed, json={"observations": uwv_observations()}, headers=writer)).status_code == 200
        # Not written, so not counted: a replay of the same key, a dry run, a rejected batch.
        assert (await client.post(feed, json={"observations": uwv_observations()}, headers=writer)).status_code == 200
        assert (await client.post(f"{feed}?dry_run=true", json={"observations": uwv_observations()},
                                  headers=bearer(token("metrics:write", sources=["uwv"])))).status_code == 200
        bad = [{**uwv_observations()[0], "region": "XX99"}]
        assert (await client.post(feed, json={"observations": bad},
                                  headers=bearer(token("metrics:write", sources=["uwv"])))).status_code == 422
        metrics = (await client.get("/metrics")).text
    assert batch_figures(metrics, "metrics_api", "observations", "uwv") == (1, len(uwv_observations()))




def wait_for_span(collector: _Collector, service: str, name: str, timeout: float = 10) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with collector.lock:
            found = [span for span in collector.spans if span["service"] == service and span["name"] == name]
        if found:
            return found[0]
        time.sleep(0.05)
    raise AssertionError(f"no span {name} from {service}")


@pytest.mark.e2e
def test_a_graphql_query_and_the_service_calls_it_makes_are_one_trace(traced_stack, collector):
    response = httpx.post(f"{traced_stack.url('gateway')}/graphql", json={"query": "{ pacts { slug } }"}, timeout=10)
    assert response.status_code == 200 and "errors" not in response.json(), response.text

    query = wait_for_span(collector, "gateway", "POST /graphql")
    spans = wait_for_spans(collector, query["trace_id"], {"POST /graphql", "GET /v1/pacts"})
    by_id = {span["span_id"]: span for span in spans}
    [service] = [span for span in spans if span["service"] == "actions_api" and span["name"] == "GET /v1/pacts"]
    # actions_api's request hangs under the gateway's outgoing call, which hangs under the query.
    call = by_id[service["parent_id"]]
    assert call["service"] == "gateway" and call["name"] == "GET"
    chain = [call]
    while chain[-1]["parent_id"] in by_id:
        chain.append(by_id[chain[-1]["parent_id"]])
    assert chain[-1] is query
    assert any({"db.statement", "db.query.text"} & span["attributes"]
               for span in spans if span["service"] == "actions_api")
    # With tracing on, the JSON log lines have a trace_id field (null outside a trace).
    log = (traced_stack.log_dir / "actions_api.log").read_text().splitlines()
    assert all("trace_id" in json.loads(line) for line in log if line.startswith("{"))


def test_log_lines_inside_a_trace_name_it():
    from opentelemetry.sdk.trace import TracerProvider

    from common.observability import _TraceIdFilter

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "message", None, None)
    assert _TraceIdFilter().filter(record) and record.trace_id is None
    with TracerProvider().get_tracer("test").start_as_current_span("request") as span:
        _TraceIdFilter().filter(record)
    assert record.trace_id == format(span.get_span_context().trace_id, "032x")


async def test_the_municipal_push_counts_each_batch_it_writes(database_url, token):
    from services.partners_api.app import create_app
    from services.partners_api.settings import PartnersSettings

    app = create_app(PartnersSettings(database_url=database_url, environment="test"))
    writer = bearer(token("partners:write", sources=["hilversum"]))
    records = [{"external_id": "hv-1", "name": "Tata Steel", "kind": "company"},
               {"external_id": "hv-2", "name": "ROC van Amsterdam", "kind": "mbo"}]
    async with service_client(app) as client:
        push = "/v1/sources/hilversum/organisations"
        assert (await client.put(push, json={"records": records}, headers=writer)).status_code == 200
        assert (await client.put(push, json={"records": [{"external_id": "hv-3"}]}, headers=writer)).status_code == 422
        metrics = (await client.get("/metrics")).text
    assert batch_figures(metrics, "partners_api", "organisations", "hilversum") == (1, 2)
