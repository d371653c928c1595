"""The goal-actual rule over the shared table of cases (tests/goal_actual_cases.json), which the gateway runs too."""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from services.actions_api.domain.indicators import ReportedValue, indicator_actual, reported_per_period

CASES = json.loads((Path(__file__).resolve().parents[3] / "tests" / "goal_actual_cases.json").read_text())
# Values without reported_at are listed in the order they were reported: the same day for all, the last one winning.
SAME_DAY = date(2000, 1, 1)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_the_domain_rule_gives_each_cases_actual(case):
    values = [ReportedValue(item["period"], Decimal(str(item["value"])),
                            date.fromisoformat(item["reported_at"]) if "reported_at" in item else SAME_DAY)
              for item in case["values"]]
    actual = indicator_actual(case["aggregation"], reported_per_period(values))
    assert actual == (None if case["actual"] is None else Decimal(str(case["actual"])))


def test_the_cases_cover_both_aggregations_corrections_and_mixed_frequencies():
    assert {case["aggregation"] for case in CASES} == {"sum", "latest"}
    periods = {item["period"] for case in CASES for item in case["values"]}
    assert {"2016", "2016-Q4", "2017-01"} <= periods
    assert any(len({item["period"] for item in case["values"]}) < len(case["values"]) for case in CASES)
