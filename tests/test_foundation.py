"""The shared mechanism, seen through a real service app: health, errors, request ids, metrics, limits."""

import httpx
import pytest
import sqlalchemy
from fastapi import APIRouter
from pydantic import BaseModel, Field

from common.app import create_service_app
from common.database import SessionDep
from common.testing import service_client
from services.partners_api.settings import PartnersSettings


class Echo(BaseModel):
    name: str = Field(min_length=1)
    count: int


def probe_app(database_url: str, **settings):
    router = APIRouter(prefix="/v1")

    @router.post("/echo")
    async def echo(body: Echo) -> Echo:
        return body

    @router.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals at 10.0.0.5:5432")

    @router.get("/stored")
    async def stored(session: SessionDep, text_value: str = "", number: float = 0) -> dict:
        await session.execute(sqlalchemy.text("SELECT CAST(:t AS text), CAST(:n AS numeric(6, 2))"),
                              {"t": text_value, "n": number})
        return {"stored": True}

    @router.put("/stored")
    async def replace_stored() -> dict:
        return {"stored": True}

    return create_service_app(title="probe", description="probe",
                              settings=PartnersSettings(database_url=database_url, environment="test", **settings),
                              routers=[router])


@pytest.fixture
async def client(database_url):
    async with service_client(probe_app(database_url, max_body_bytes=1000)) as client:
        yield client


async def test_health_and_readiness(client):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok"}


async def test_not_ready_when_the_database_does_not_answer():
    app = probe_app("postgresql://postgres@127.0.0.1:1/nowhere")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "failing"}


async def test_request_id_is_taken_from_the_caller_or_made(client):
    assert (await client.get("/healthz", headers={"X-Request-ID": "trace-42"})).headers["x-request-id"] == "trace-42"
    made = (await client.get("/healthz")).headers["x-request-id"]
    assert len(made) == 32
    unsafe = (await client.get("/healthz", headers={"X-Request-ID": "bad id; drop"})).headers["x-request-id"]
    assert unsafe != "bad id; drop"


async def test_validation_errors_are_problem_json_naming_the_field(client):
    response = await client.post("/v1/echo", json={"name": "", "count": "many"}, headers={"X-Request-ID": "r1"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422 and problem["instance"] == "/v1/echo" and problem["request_id"] == "r1"
    assert {error["field"] for error in problem["errors"]} == {"name", "count"}


async def test_unknown_route_and_unexpected_errors_are_problems_without_internals(client):
    missing = await client.get("/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["title"] == "Not found"
    boom = await client.get("/v1/boom")
    assert boom.status_code == 500
    assert "10.0.0.5" not in boom.text and "Traceback" not in boom.text


async def test_oversized_body_is_refused_with_413(client):
    response = await client.post("/v1/echo", content=b'{"name": "' + b"x" * 2000 + b'", "count": 1}',
                                 headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["title"] == "Request body too large"


async def test_metrics_count_requests_per_route_template(client):
    await client.post("/v1/echo", json={"name": "a", "count": 1})
    text = (await client.get("/metrics")).text
    assert 'http_requests_total{method="POST",process="partners_api",route="/v1/echo",status="200"} 1.0' in text
    assert "http_request_duration_seconds_bucket" in text


async def test_input_the_database_refuses_is_a_422_not_a_500(client):
    nul = await client.get("/v1/stored", params={"text_value": "Gemeente\x00Huizen"})
    assert nul.status_code == 422 and "NUL" in nul.json()["detail"]
    too_big = await client.get("/v1/stored", params={"number": 1e12})
    assert too_big.status_code == 422 and "range" in too_big.json()["detail"]
    assert (await client.get("/v1/stored", params={"text_value": "Huizen", "number": 1.5})).status_code == 200


async def test_method_not_allowed_names_every_method_of_the_path(client):
    response = await client.delete("/v1/stored")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, PUT"


async def test_openapi_documents_errors_as_problem_details(client):
    document = (await client.get("/openapi.json")).json()
    echo = document["paths"]["/v1/echo"]["post"]["responses"]
    assert list(echo["422"]["content"]) == ["application/problem+json"]
    assert echo["default"]["content"]["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert "HTTPValidationError" not in document["components"]["schemas"]
