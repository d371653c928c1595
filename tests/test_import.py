"""`techniekpact import` against the real services: summary, rejected-rows file, exit code."""

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from cli.seed.documents import read_seed
from cli.seed.load import PARTNER_SOURCE, SCOPES, SeedLoader
from common.auth import issue_token
from common.settings import DEVELOPMENT_JWT_SECRET


@pytest.fixture(scope="module")
def services(empty_stack):
    """The stack with the seed's codes (regions, measures, classes) in place, as feeds expect them."""
    seed = read_seed()
    loader = SeedLoader(seed, actions_url=empty_stack.url("actions_api"), partners_url=empty_stack.url("partners_api"),
                        metrics_url=empty_stack.url("metrics_api"),
                        token=issue_token(DEVELOPMENT_JWT_SECRET, subject="t", scopes=SCOPES, sources=[PARTNER_SOURCE]))
    try:
        loader.load_reference()
    finally:
        loader.close()
    return empty_stack


def techniekpact_import(stack, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", "import", *args], capture_output=True, text=True, timeout=120,
        env={**os.environ, "METRICS_API_URL": stack.url("metrics_api"), "PARTNERS_API_URL": stack.url("partners_api"),
             "COLUMNS": "120"})


def summary(result: subprocess.CompletedProcess) -> dict[str, int]:
    """The counts of the table the command prints at the end."""
    lines = [line for line in result.stdout.splitlines() if line.count("┃") >= 2 or line.count("│") >= 2]
    header = [cell.strip() for cell in lines[0].strip("┃").split("┃")]
    values = [int(cell.strip()) for cell in lines[1].strip("│").split("│")]
    return dict(zip(header, values, strict=True))


def rejected(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def series_value(stack, region: str, period: str, occupation: str = "total"):
    points = httpx.get(f"{stack.url('metrics_api')}/v1/series", params={
        "measure": "vacancies_open", "region": region, "occupation": occupation, "from": period, "to": period}).json()["points"]
    return points[0]["value"] if points else None


@pytest.mark.e2e
def test_observations_csv_with_a_bad_row(services, tmp_path):
    file = tmp_path / "uwv.csv"
    file.write_text("measure;region;period;occupation;value;status\n"
                    "vacancies_open;PV27;2013-01;total;12345;provisional\n"
                    "vacancies_open;PV27;2013-02;total;12.400,0;provisional\n"
                    "vacancies_open;XX99;2013-02;total;1;provisional\n"
                    "vacancies_open;PV26;2013-01;ict;800;final\n", encoding="utf-8")
    result = techniekpact_import(services, "observations", str(file), "--source", "uwv", "--batch-size", "2")
    assert result.returncode == 1, result.stderr
    assert summary(result) == {"inserted": 3, "revised": 0, "unchanged": 0, "rejected": 1}
    [bad] = rejected(tmp_path / "uwv.rejected.jsonl")
    assert bad["row"] == 3 and bad["record"]["region"] == "XX99" and bad["reason"].startswith("region:")
    assert "1 rejected rows written to" in result.stderr
    assert series_value(services, "PV27", "2013-02") == 12400        # a thousands dot and a decimal comma

    again = techniekpact_import(services, "observations", str(file), "--source", "uwv", "--rejected",
                                str(tmp_path / "again.jsonl"))
    assert summary(again) == {"inserted": 0, "revised": 0, "unchanged": 3, "rejected": 1}
    assert len(rejected(tmp_path / "again.jsonl")) == 1


@pytest.mark.e2e
def test_a_clean_file_exits_zero(services, tmp_path):
    file = tmp_path / "clean.json"
    file.write_text(json.dumps({"observations": [
        {"measure": "vacancies_open", "region": "PV24", "period": "2013-01", "occupation": "total", "value": 10,
         "status": "final"}]}), encoding="utf-8")
    result = techniekpact_import(services, "observations", str(file), "--source", "uwv")
    assert result.returncode == 0, result.stderr
    assert summary(result) == {"inserted": 1, "revised": 0, "unchanged": 0, "rejected": 0}
    assert not (tmp_path / "clean.rejected.jsonl").exists()


@pytest.mark.e2e
def test_organisations_json_then_a_revision(services, tmp_path):
    file = tmp_path / "hilversum.json"
    records = [
        {"external_id": "h-1", "name": "Bouwbedrijf Test", "kind": "company", "municipality_code": "GM0402",
         "sectors": ["construction"]},
        {"external_id": "h-2", "name": "Kapotte Soort", "kind": "spaceship"},
        {"external_id": "h-3", "name": "School X", "kind": "vmbo", "brin_code": "12AB"},
    ]
    file.write_text(json.dumps({"records": records}), encoding="utf-8")
    result = techniekpact_import(services, "partners", str(file), "--source", "hilversum")
    assert result.returncode == 1, result.stderr
    assert summary(result) == {"created": 2, "updated": 0, "unchanged": 0, "withdrawn": 0, "rejected": 1}
    [bad] = rejected(tmp_path / "hilversum.rejected.jsonl")
    assert bad["row"] == 2 and bad["reason"].startswith("kind:")

    records[0]["name"] = "Bouwbedrijf Test BV"
    file.write_text(json.dumps(records), encoding="utf-8")      # a bare list is read too
    again = techniekpact_import(services, "partners", str(file), "--source", "hilversum")
    assert summary(again) == {"created": 0, "updated": 1, "unchanged": 1, "withdrawn": 0, "rejected": 1}
    found = httpx.get(f"{services.url('partners_api')}/v1/organisations", params={"search": "Bouwbedrijf Test"}).json()
    assert [o["name"] for o in found["items"]] == ["Bouwbedrijf Test BV"]


@pytest.mark.e2e
def test_organisations_csv_cells(services, tmp_path):
    file = tmp_path / "huizen.csv"
    file.write_text("external_id,name,kind,municipality_code,sectors,active\n"
                    "c-1,Installateur Een,company,GM0406,installation|construction,ja\n"
                    "c-2,Installateur Twee,company,GM0406,,nee\n"
                    "c-3,Verkeerde Gemeente,company,0406,,ja\n", encoding="utf-8")
    result = techniekpact_import(services, "partners", str(file), "--source", "huizen")
    assert summary(result) == {"created": 2, "updated": 0, "unchanged": 0, "withdrawn": 0, "rejected": 1}
    [bad] = rejected(tmp_path / "huizen.rejected.jsonl")
    assert (bad["row"], bad["reason"].split(":")[0]) == (3, "municipality_code")
    items = httpx.get(f"{services.url('partners_api')}/v1/organisations",
                      params={"municipality": "GM0406", "limit": 100}).json()["items"]
    by_name = {o["name"]: o for o in items}
    assert by_name["Installateur Een"]["sectors"] == ["construction", "installation"]
    assert by_name["Installateur Twee"]["active"] is False


@pytest.mark.e2e
def test_a_refused_import_is_one_line_and_writes_nothing(services, tmp_path):
    file = tmp_path / "other.csv"
    file.write_text("external_id,name,kind\nx-1,Niet Van Mij,company\n", encoding="utf-8")
    wrong_source = issue_token(DEVELOPMENT_JWT_SECRET, subject="t", scopes=["partners:write"], sources=["huizen"])
    result = techniekpact_import(services, "partners", str(file), "--source", "laren", "--token", wrong_source)
    assert result.returncode == 1
    assert [line for line in result.stderr.splitlines() if line.startswith("error: ")] == [
        "error: the service refused the batch at row 1: HTTP 403 The token may not write for source 'laren'."]
    assert "Traceback" not in result.stderr
    found = httpx.get(f"{services.url('partners_api')}/v1/organisations", params={"search": "Niet Van Mij"}).json()
    assert found["items"] == []


def test_a_retried_batch_keeps_its_idempotency_key():
    """503 then 200: the retry carries the first attempt's key, so the service can answer instead of redoing."""
    from cli.importer import TARGETS, Importer, Origin, Summary
    from cli.text_files import ParsedRows

    keys = []

    def answer(request: httpx.Request) -> httpx.Response:
        keys.append(request.headers["Idempotency-Key"])
        if len(keys) == 1:
            return httpx.Response(503, json={"title": "Service Unavailable"})
        return httpx.Response(200, json={"batch_id": "b", "received": 1, "inserted": 1, "revised": 0, "unchanged": 0})

    with httpx.Client(base_url="http://feed.test", transport=httpx.MockTransport(answer)) as client:
        summary = Summary()
        Importer(client, TARGETS["observations"], "uwv", send_csv=True).send_batch(ParsedRows([(
            {"measure": "vacancies_new", "region": "PV27", "period": "2013", "occupation": "total", "value": "1"},
            Origin(1, 2))]), summary)
    assert len(keys) == 2 and keys[0] == keys[1]
    assert summary.counts["inserted"] == 1


def organisations_named(stack, name: str) -> dict[str, dict]:
    found = httpx.get(f"{stack.url('partners_api')}/v1/organisations", params={"search": name, "limit": 100}).json()
    return {o["name"]: o for o in found["items"]}


def pushed_before(stack, tmp_path, source: str, name: str, count: int, *extra: str) -> tuple[Path, list[dict]]:
    """`count` organisations named `name 1`, `name 2`... imported for `source`: the file, its records."""
    file = tmp_path / f"{source}.json"
    records = [{"external_id": f"{source}-{n}", "name": f"{name} {n}", "kind": "company"} for n in range(1, count + 1)]
    file.write_text(json.dumps(records), encoding="utf-8")
    first = techniekpact_import(stack, "partners", str(file), "--source", source, *extra)
    assert summary(first) == {"created": count, "updated": 0, "unchanged": 0, "withdrawn": 0, "rejected": 0}
    return file, records


@pytest.mark.e2e
def test_a_full_sync_withdraws_what_the_file_no_longer_holds(services, tmp_path):
    file, records = pushed_before(services, tmp_path, "zeist", "Zeister Bedrijf", 5, "--batch-size", "2")

    file.write_text(json.dumps(records[:3]), encoding="utf-8")
    synced = techniekpact_import(services, "partners", str(file), "--source", "zeist", "--full-sync",
                                 "--batch-size", "1", "--concurrency", "3")
    assert synced.returncode == 0, synced.stderr
    assert summary(synced) == {"created": 0, "updated": 0, "unchanged": 3, "withdrawn": 2, "rejected": 0}
    active = {name: o["active"] for name, o in organisations_named(services, "Zeister Bedrijf").items()}
    assert active == {"Zeister Bedrijf 1": True, "Zeister Bedrijf 2": True, "Zeister Bedrijf 3": True,
                      "Zeister Bedrijf 4": False, "Zeister Bedrijf 5": False}


@pytest.mark.e2e
def test_a_full_sync_with_rejected_rows_withdraws_nothing(services, tmp_path):
    file, records = pushed_before(services, tmp_path, "baarn", "Baarnse Zaak", 3)

    file.write_text(json.dumps([records[0], {**records[1], "kind": "spaceship"}]), encoding="utf-8")
    result = techniekpact_import(services, "partners", str(file), "--source", "baarn", "--full-sync")
    assert result.returncode == 1
    assert summary(result) == {"created": 0, "updated": 0, "unchanged": 1, "withdrawn": 0, "rejected": 1}
    assert "The full sync was not closed, so nothing was withdrawn" in result.stderr
    assert all(o["active"] for o in organisations_named(services, "Baarnse Zaak").values())


@pytest.mark.e2e
def test_a_full_sync_that_would_withdraw_most_needs_confirmation(services, tmp_path):
    file, records = pushed_before(services, tmp_path, "soest", "Soester Firma", 4)

    file.write_text(json.dumps(records[:1]), encoding="utf-8")
    refused = techniekpact_import(services, "partners", str(file), "--source", "soest", "--full-sync")
    assert refused.returncode == 1
    assert "--confirm-withdraw" in refused.stderr and "nothing was withdrawn" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert all(o["active"] for o in organisations_named(services, "Soester Firma").values())

    confirmed = techniekpact_import(services, "partners", str(file), "--source", "soest", "--full-sync",
                                    "--confirm-withdraw")
    assert summary(confirmed)["withdrawn"] == 3
    assert [n for n, o in organisations_named(services, "Soester Firma").items() if o["active"]] == ["Soester Firma 1"]


def test_full_sync_is_for_partners_only(tmp_path):
    file = tmp_path / "x.csv"
    file.write_text("measure;region;period;occupation;value;status\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "cli.main", "import", "observations", str(file), "--source", "uwv",
                             "--full-sync"], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "--full-sync and --confirm-withdraw are for partners" in result.stderr


def test_concurrent_batches_keep_the_files_rows_and_stop_at_a_refused_one():
    """Four batches in flight; the third is refused whole (403): the import fails naming that batch's
    first row, the batches that were answered count, and a rejected row keeps its line."""
    import threading

    from cli.importer import TARGETS, Importer, ImportFailed, Origin, Summary
    from cli.text_files import batched

    seen: list[str] = []
    lock = threading.Lock()

    def answer(request: httpx.Request) -> httpx.Response:
        records = json.loads(request.content)["records"]
        with lock:
            seen.append(records[0]["external_id"])
        if records[0]["external_id"] == "r-5":
            return httpx.Response(403, json={"title": "Forbidden", "detail": "Not yours."})
        bad = [{"index": position, "field": f"records.{position}.kind", "reason": "unknown kind"}
               for position, record in enumerate(records) if record["kind"] == "spaceship"]
        if bad:
            return httpx.Response(422, json={"title": "Validation failed", "errors": bad})
        return httpx.Response(200, json={"created": len(records), "updated": 0, "unchanged": 0, "withdrawn": 0})

    rows = [{"external_id": f"r-{n}", "name": "x", "kind": "spaceship" if n == 2 else "company"}
            for n in range(1, 21)]
    origins = [Origin(n, n + 1) for n in range(1, 21)]
    summary, done = Summary(), []
    with httpx.Client(base_url="http://push.test", transport=httpx.MockTransport(answer)) as client:
        importer = Importer(client, TARGETS["partners"], "zeist")
        with pytest.raises(ImportFailed, match="at row 5: HTTP 403 Not yours"):
            importer.send_all(batched(zip(rows, origins, strict=True), 2), summary, concurrency=4,
                              advance=done.append)
    assert {"r-1", "r-3", "r-5", "r-7"} <= set(seen)
    assert summary.rejected == [{"row": 2, "line": 3, "reason": "kind: unknown kind", "record": rows[1]}]
    assert summary.counts["created"] == sum(done) - 1  # the rejected row is not created


# --- a CSV file's plain lines, sent as the file writes them --------------------------------------

FEED_HEADER = "measure;region;period;occupation;value;status\r\n"


def _feed_line(period: str, value: str = "1", region: str = "PV27") -> str:
    return f"vacancies_open;{region};{period};total;{value};final\r\n"


def _batches_of(text: str, size: int) -> list:
    from cli.importer import TARGETS
    from cli.text_files import CsvReading, FileRows

    target = TARGETS["observations"]
    return list(CsvReading(text, FileRows()).plain_batches(size, target.columns, target.required))


def _rows_of(batches: list) -> list:
    return [item for batch in batches for item in batch.parsed()]


@pytest.mark.parametrize(("text", "kinds"), [
    # plain lines, a batch with a blank line (parsed), then from the first quote on every row parsed
    (FEED_HEADER + "".join(_feed_line(f"2013-{n:02d}", f"{n},5") for n in range(1, 5)) + _feed_line("2014-01")
     + "\r\n" + 'vacancies_open;"PV\n27";2014-02;total;1;final\r\n' + _feed_line("2014-03"), "LLPP"),
    # a cell with a space, a short row, a row with an empty first cell: those batches are parsed
    (FEED_HEADER + _feed_line("2013-01") + _feed_line("2013-02", " 7") + _feed_line("2013-03")
     + "vacancies_open;PV27;2013-04;total;1\r\n" + ";PV27;2013-05;total;1;final\r\n" + _feed_line("2013-06")
     + _feed_line("2013-07") + _feed_line("2013-08"), "PPPL"),
    # a column the feed does not know, or a header without a required column: every row parsed
    ("measure;region;period;occupation;value;opmerking\n" + "vacancies_open;PV27;2013;total;1;\n" * 3, "PP"),
    ("measure;region;period;occupation\n" + "vacancies_open;PV27;2013;total\n" * 3, "PP"),
    # a lone \r ends a line for the csv module only: from there on parsed
    (FEED_HEADER + _feed_line("2013-01") + _feed_line("2013-02") + "vacancies_open;PV27;2013-03;total;1;final\r"
     + _feed_line("2013-04"), "LP"),
    # a file of lone \r line ends (old Macs) whose header line is one: every row parsed
    ("measure;region;period;occupation;value\r" + "vacancies_open;PV27;2013;total;1", "P"),
], ids=["quote", "spaces-short-blank", "unknown-column", "missing-column", "lone-cr", "lone-cr-header"])
def test_plain_lines_are_the_files_own_and_read_as_the_parsed_rows(text, kinds):
    from cli.importer import csv_rows
    from cli.text_files import Lines

    batches = _batches_of(text, 2)
    assert "".join("L" if isinstance(batch, Lines) else "P" for batch in batches) == kinds
    found = csv_rows(text)
    assert _rows_of(batches) == list(zip(found.rows, found.origins, strict=True))
    plain = [batch for batch in batches if isinstance(batch, Lines)]
    assert all(batch.header + batch.lines in text or batch.lines in text for batch in plain)


def test_a_refused_plain_batch_names_the_files_rows_and_sends_the_rest_again():
    """The feed names the lines of the body it was sent; the import maps them back to the file's,
    also on the second attempt, which holds the other lines only."""
    from cli.importer import TARGETS, Importer, Summary
    from cli.text_files import Lines

    text = FEED_HEADER + _feed_line("2013-01") + _feed_line("2013-02", region="XX99") + _feed_line("2013-03") \
        + _feed_line("2013-04", "-1")
    [batch] = _batches_of(text, 10)
    assert isinstance(batch, Lines)
    bodies: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content.decode())
        if len(bodies) == 1:
            return httpx.Response(422, json={"errors": [{"line": 3, "field": "region", "reason": "unknown"}]})
        if len(bodies) == 2:
            return httpx.Response(422, json={"errors": [{"line": 4, "field": "value", "reason": "negative"}]})
        return httpx.Response(200, json={"received": 2, "inserted": 2, "revised": 0, "unchanged": 0})

    summary = Summary()
    with httpx.Client(base_url="http://feed.test", transport=httpx.MockTransport(answer)) as client:
        Importer(client, TARGETS["observations"], "uwv", send_csv=True).send_batch(batch, summary)
    assert bodies[0] == text
    assert bodies[2] == FEED_HEADER + _feed_line("2013-01") + _feed_line("2013-03")
    assert [(bad["row"], bad["line"], bad["reason"], bad["record"]["period"]) for bad in summary.rejected] == [
        (2, 3, "region: unknown", "2013-02"), (4, 5, "value: negative", "2013-04")]
    assert summary.counts["inserted"] == 2


@pytest.mark.e2e
def test_observations_csv_of_plain_and_parsed_rows_names_the_files_rows(services, tmp_path):
    file = tmp_path / "mixed.csv"
    file.write_text(FEED_HEADER + _feed_line("2015-01", "10") + _feed_line("2015-02", "11", "XX98")
                    + _feed_line("2015-03", "1.200,0") + _feed_line("2015-04", " 13")
                    + 'vacancies_open;"PV27";2015-05;total;14;final\r\n' + _feed_line("2015-06", "15", "XX97")
                    + "vacancies_open;PV27;2015-07;total;16;final;extra\r\n", encoding="utf-8", newline="")
    result = techniekpact_import(services, "observations", str(file), "--source", "uwv", "--batch-size", "2")
    assert result.returncode == 1, result.stderr
    assert summary(result) == {"inserted": 4, "revised": 0, "unchanged": 0, "rejected": 3}
    bad = rejected(tmp_path / "mixed.rejected.jsonl")
    assert [(item["row"], item["line"], item["reason"].split(":")[0]) for item in bad] == [
        (2, 3, "region"), (6, 7, "region"), (7, 8, "line 8")]
    assert series_value(services, "PV27", "2015-03") == 1200 and series_value(services, "PV27", "2015-04") == 13


def test_the_observations_columns_are_the_feeds() -> None:
    """The command writes the feed's columns out rather than import the service: they must not drift."""
    from cli.importer import TARGETS
    from services.metrics_api.domain.feed.checking import COLUMNS, REQUIRED_COLUMNS

    target = TARGETS["observations"]
    assert (target.columns, target.required) == (COLUMNS, REQUIRED_COLUMNS)


def test_plain_lines_of_a_windows_1252_file_go_as_utf8(tmp_path):
    from cli.importer import TARGETS, Importer, Summary, file_batches

    text = "measure;region;period;occupation;value;missing_reason\n" + "vacancies_open;PV27;2013;total;1;geheim_é\n"
    file = tmp_path / "excel.csv"
    file.write_bytes(text.encode("cp1252"))
    bodies: list[bytes] = []

    def answer(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content)
        return httpx.Response(200, json={"received": 1, "inserted": 1, "revised": 0, "unchanged": 0})

    stream = file_batches(file, TARGETS["observations"], 10, plain=True)
    with httpx.Client(base_url="http://feed.test", transport=httpx.MockTransport(answer)) as client:
        Importer(client, TARGETS["observations"], "uwv", send_csv=True).send_all(stream.batches, Summary())
    assert bodies == [text.encode("utf-8")] and stream.rows == 1
