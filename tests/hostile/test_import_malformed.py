"""`techniekpact import` on files that are not what they claim: every bad row is a rejected row
with its line, the good rows go in, and the command never crashes.

Before, a quoted cell spanning two lines made the import crash with an IndexError (the service
names rows by line, and the lines no longer matched the rows), importing nothing and writing no
rejected-rows file; a stray quote or an oversized cell made it crash in the csv module.
"""

import json
import os
import subprocess
import sys
import uuid

import httpx
import pytest

from cli.importer import Origin, bad_positions, csv_rows
from tests.hostile.service_cases import bearer

MEASURE, OCCUPATION = "hostile_import_vacancies", "hostile_import_total"
GOOD, OTHER = "GM9911", "GM9912"
HEADER = "measure;region;period;occupation;value;status\n"


def _row(region: str, period: str, value: str = "10") -> str:
    return f"{MEASURE};{region};{period};{OCCUPATION};{value};final\n"


# --- reading the file -------------------------------------------------------------------------

def test_rows_are_known_by_the_line_they_start_on():
    found = csv_rows(HEADER + _row(GOOD, "2013") + f'{MEASURE};"{GOOD}\nX";2014;{OCCUPATION};1;final\n'
                     + f"{MEASURE};{GOOD};\u2028 2015;{OCCUPATION};1;final\n" + _row(GOOD, "2016"))
    assert found.origins == [Origin(1, 2), Origin(2, 3), Origin(3, 5), Origin(4, 6)]
    assert found.rows[1]["region"] == f"{GOOD}\nX" and found.malformed == []


@pytest.mark.parametrize(("text", "line", "reason"), [
    (HEADER + _row(GOOD, "2013") + f'{MEASURE};{GOOD};"2014"x;{OCCUPATION};1;final\n' + _row(GOOD, "2015"),
     3, "line 3: not CSV:"),
    (HEADER + _row(GOOD, "2013") + f"{MEASURE};{GOOD};2014;{OCCUPATION};1;final;extra\n" + _row(GOOD, "2015"),
     3, "line 3: 7 cells where the header names 6"),
    (HEADER + _row(GOOD, "2013") + f"{MEASURE};{GOOD};2014;{OCCUPATION};{'9' * 200_000};final\n" + _row(GOOD, "2015"),
     3, "line 3: not CSV: field larger than field limit"),
])
def test_a_spoilt_row_is_set_aside_with_its_line_and_the_rest_is_read(text, line, reason):
    found = csv_rows(text)
    [bad] = found.malformed
    assert (bad["row"], bad["line"]) == (2, line) and bad["reason"].startswith(reason), bad
    assert [origin.row for origin in found.origins] == [1, 3]


def test_an_unterminated_quote_takes_the_rest_of_the_file_and_says_which_lines():
    found = csv_rows(HEADER + _row(GOOD, "2013") + f'{MEASURE};{GOOD};"2014;{OCCUPATION};1;final\n'
                     + _row(GOOD, "2015") + _row(GOOD, "2016"))
    [bad] = found.malformed
    assert (bad["row"], bad["line"]) == (2, 3)
    assert bad["reason"] == "lines 3 to 5: not CSV: unexpected end of data"


def test_lines_the_service_names_that_the_batch_does_not_have_are_not_positions():
    problem = {"errors": [{"line": 3, "field": "region", "reason": "unknown"},
                          {"line": "x", "field": "row", "reason": "?"}]}
    assert bad_positions(problem, lambda line: {2: 0, 3: 0, 4: 1}[line]) == {0: "region: unknown"}


# --- the command against the real services ----------------------------------------------------

@pytest.fixture(scope="module")
def metrics(stack) -> str:
    """Reference data of the module's own, so other tests' codes are not needed."""
    url = stack.url("metrics_api")
    admin = bearer(["metrics:admin"])
    for path, body in [(f"/v1/regions/{GOOD}", {"name": "Proefgemeente Een", "kind": "municipality"}),
                       (f"/v1/regions/{OTHER}", {"name": "Proefgemeente Twee", "kind": "municipality"}),
                       (f"/v1/measures/{MEASURE}", {"name": "Proefvacatures", "unit": "vacatures", "kind": "flow"}),
                       (f"/v1/occupations/{OCCUPATION}", {"name": "Proeftotaal"})]:
        response = httpx.put(url + path, json=body, headers=admin, timeout=30)
        assert response.status_code in (200, 201), response.text
    return url


def _import(metrics_url: str, path, source: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli.main", "import", "observations", str(path), "--source", source],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "METRICS_API_URL": metrics_url, "COLUMNS": "120"})


def _points(metrics_url: str, region: str, source: str) -> dict[str, float]:
    """The source's own figures: each test imports as a source of its own, and only the first is the measure's primary."""
    series = httpx.get(f"{metrics_url}/v1/series", timeout=30, params={
        "measure": MEASURE, "region": region, "occupation": OCCUPATION, "from": "1900", "to": "2099",
        "source": source}).json()
    return {point["period"]: point["value"] for point in series["points"]}


@pytest.mark.e2e
def test_a_cell_spanning_two_lines_is_a_rejected_row_with_its_line(metrics, tmp_path):
    file = tmp_path / "uwv.csv"
    file.write_text(HEADER + _row(GOOD, "2013", "11") + f'{MEASURE};"{OTHER}\nX";2013;{OCCUPATION};12;final\n'
                    + _row(OTHER, "2014", "13") + _row(OTHER, "2015", "1e400000"), encoding="utf-8")
    source = f"uwv-{uuid.uuid4().hex[:6]}"
    result = _import(metrics, file, source)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    rejected = [json.loads(line) for line in (tmp_path / "uwv.rejected.jsonl").read_text().splitlines()]
    assert [(item["row"], item["line"], item["reason"].split(":")[0]) for item in rejected] == [
        (2, 3, "region"), (4, 6, "value")]
    assert _points(metrics, GOOD, source)["2013"] == 11 and _points(metrics, OTHER, source) == {"2014": 13}


@pytest.mark.e2e
def test_a_stray_quote_and_a_long_cell_are_rejected_rows_and_the_rest_goes_in(metrics, tmp_path):
    file = tmp_path / "kapot.csv"
    file.write_text(HEADER + _row(GOOD, "2020", "21") + f"{MEASURE};{GOOD};2021;{OCCUPATION};{'9' * 200_000};final\n"
                    + f"{MEASURE};{GOOD};2022;{OCCUPATION};22;final;extra\n" + _row(GOOD, "2023", "23")
                    + f'{MEASURE};{GOOD};"2024;{OCCUPATION};24;final\n' + _row(GOOD, "2025", "25"), encoding="utf-8")
    source = f"uwv-{uuid.uuid4().hex[:6]}"
    result = _import(metrics, file, source)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    rejected = [json.loads(line) for line in (tmp_path / "kapot.rejected.jsonl").read_text().splitlines()]
    assert [(item["row"], item["line"]) for item in rejected] == [(2, 3), (3, 4), (5, 6)]
    assert rejected[2]["reason"] == "lines 6 to 7: not CSV: unexpected end of data"
    points = _points(metrics, GOOD, source)
    assert (points["2020"], points["2023"]) == (21, 23) and "2025" not in points  # inside the unterminated cell
