"""The statistics feed and the region graph of metrics_api, attacked through a real process.

Before: a 10 MB CSV line or a stray quote in a large feed was a 500 (the csv module's 128 KiB field
limit) and line numbers went wrong; `1e400000` was a 500 from the database; two concurrent region
PUTs deadlocked or both made an aggregate cycle, after which the series answered 500; and 15
stalled feed uploads held the whole pool, so every public read answered 503. Each case here checks
the status, the problem's type, that nothing was written, and that the process still answers.
(Nesting depth, the feed included, is tests/hostile/test_json_depth.py.)
"""

import asyncio
import json
import uuid

import httpx
import pytest

from tests.hostile.service_cases import assert_answering, bearer, row_counts
from tests.hostile.test_slow_uploads import _gauge, _open_transactions, _stall

pytestmark = pytest.mark.e2e

FEED = "/v1/feeds/uwv/observations"
VALIDATION = "https://techniekpact.nl/problems/validation"
CONFLICT = "https://techniekpact.nl/problems/conflict"
HEADER = "measure;region;period;occupation;value\n"
# Codes of its own, so that whatever else the shared database holds does not matter.
MEASURE, OCCUPATION = "hostile_vacancies", "hostile_total"


async def _reference(client: httpx.AsyncClient) -> None:
    admin = bearer(["metrics:admin"])
    for path, body in ((f"/v1/measures/{MEASURE}", {"name": "Vacatures", "unit": "vacatures", "kind": "flow"}),
                       (f"/v1/occupations/{OCCUPATION}", {"name": "Alles"}),
                       ("/v1/regions/NL01", {"name": "Nederland", "kind": "country"}),
                       ("/v1/regions/PV24", {"name": "Flevoland", "kind": "province", "parent": "NL01"})):
        response = await client.put(path, json=body, headers=admin)
        assert response.status_code in (200, 201), response.text


def _rows(count: int) -> str:
    return "".join(f"{MEASURE};PV24;{1900 + index % 300}-{index % 12 + 1:02d};{OCCUPATION};{index}\n"
                   for index in range(count))


@pytest.fixture
async def metrics(stack):
    async with httpx.AsyncClient(base_url=stack.url("metrics_api"), timeout=60) as client:
        await _reference(client)
        yield client


@pytest.mark.parametrize(("name", "body", "line"), [
    ("a 10 MB line", HEADER + _rows(3) + f"{MEASURE};{'x' * 10_000_000};2001;{OCCUPATION};1\n" + _rows(2), 5),
    ("a stray quote in a large feed", HEADER + _rows(20) + f'{MEASURE};"PV24;2001;{OCCUPATION};1\n' + _rows(20_000),
     22),
    ("a field past 128 KiB, quoted", HEADER + _rows(1) + f'{MEASURE};PV24;2001;"{"y" * 140_000}";1\n', 3),
])
async def test_a_csv_row_past_the_limit_is_422_naming_its_line(stack, database_url, metrics, name, body, line):
    before = await row_counts(database_url)
    response = await metrics.post(FEED, content=body.encode(), headers={**bearer(), "Content-Type": "text/csv"})
    assert response.status_code == 422, response.text[:500]
    problem = response.json()
    assert problem["type"] == VALIDATION
    assert [(e["field"], e["line"]) for e in problem["errors"]] == [("row", line)], name
    assert await row_counts(database_url) == before
    await assert_answering(stack, "metrics_api")


@pytest.mark.parametrize("value", ["1e400000", "1e-400000", "-1e400000", "Infinity"])
async def test_a_value_out_of_range_is_422_naming_line_and_field(stack, database_url, metrics, value):
    before = await row_counts(database_url)
    csv_body = HEADER + _rows(2) + f"{MEASURE};PV24;2001;{OCCUPATION};{value}\n"
    response = await metrics.post(FEED, content=csv_body.encode(), headers={**bearer(), "Content-Type": "text/csv"})
    assert response.status_code == 422 and response.json()["type"] == VALIDATION, response.text
    assert [(e["line"], e["field"]) for e in response.json()["errors"]] == [(4, "value")]
    number = value if value[-1].isdigit() else f'"{value}"'  # a JSON number as written, which json.dumps cannot
    json_body = json.dumps({"observations": [{"measure": MEASURE, "region": "PV24", "period": "2001",
                                              "occupation": OCCUPATION, "value": "VALUE"}]}).replace('"VALUE"', number)
    response = await metrics.post(FEED, content=json_body.encode(),
                                  headers={**bearer(), "Content-Type": "application/json"})
    assert response.status_code == 422 and response.json()["type"] == VALIDATION, response.text
    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [(0, "observations.0.value")]
    assert await row_counts(database_url) == before
    await assert_answering(stack, "metrics_api")


async def test_concurrent_region_puts_never_make_a_cycle_nor_a_500(stack, database_url, metrics):
    admin = bearer(["metrics:admin"])
    for attempt in range(4):
        pair = [f"hostile-{uuid.uuid4().hex[:8]}" for _ in range(2)]
        for code in pair:
            body = {"name": code, "kind": "aggregate", "members": ["PV24"]}
            assert (await metrics.put(f"/v1/regions/{code}", json=body, headers=admin)).status_code == 201
        before = await row_counts(database_url)
        answers = await asyncio.gather(*[
            metrics.put(f"/v1/regions/{one}", json={"name": one, "kind": "aggregate", "members": ["PV24", other]},
                        headers={**admin, "If-Match": '"1"'}) for one, other in (pair, pair[::-1])])
        assert sorted(answer.status_code for answer in answers) == [200, 409], [a.text for a in answers]
        conflict = next(answer for answer in answers if answer.status_code == 409).json()
        assert conflict["type"] == CONFLICT and conflict["errors"][0]["field"] == "members"
        # Only the change that won was written: one link more.
        after = await row_counts(database_url)
        assert after["metrics.region_members"] == before["metrics.region_members"] + 1, attempt
        for code in pair:
            read = await metrics.get("/v1/series", params={"measure": MEASURE, "region": code,
                                                           "occupation": OCCUPATION})
            assert read.status_code == 200, read.text
    await assert_answering(stack, "metrics_api")


async def test_stalled_feed_uploads_hold_no_connection_while_reads_answer(stack, database_url, metrics):
    """More stalled uploads than the pool has connections (10 + 5): the feed reads its body whole before
    its transaction starts, so they hold none, and public reads answer 200 meanwhile, not 503."""
    before = await row_counts(database_url)
    in_flight_before = await _gauge(metrics, "http_requests_in_progress", process="metrics_api")
    stalled = [await _stall(stack, "metrics_api", "POST", FEED, bearer()) for _ in range(20)]
    try:
        for _ in range(600):  # until every upload is inside the app, waiting for the rest of its body
            if await _gauge(metrics, "http_requests_in_progress", process="metrics_api") >= in_flight_before + 20:
                break
            await asyncio.sleep(0.05)
        else:
            pytest.fail("the stalled uploads never reached the app")
        assert await _gauge(metrics, "db_pool_connections", process="metrics_api", state="in_use") == 0
        assert await _open_transactions(database_url) == 0
        for path, params in (("/v1/regions", {"kind": "province"}), ("/v1/measures", {}),
                             ("/v1/series", {"measure": MEASURE, "region": "PV24", "occupation": OCCUPATION})):
            response = await metrics.get(path, params=params)
            assert response.status_code == 200, response.text
        assert await _gauge(metrics, "http_requests_in_progress", process="metrics_api") >= in_flight_before + 20
    finally:
        for _, writer in stalled:
            writer.close()
    assert await row_counts(database_url) == before
    await assert_answering(stack, "metrics_api")
