"""The goal-actual rule over the table of cases (tests/goal_actual_cases.json): the one rule of the
platform (the gateway shows what actions_api computes)."""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from services.actions_api.domain.measuring import Measured, Window, actual_of

CASES = json.loads((Path(__file__).resolve().parents[3] / "tests" / "goal_actual_cases.json").read_text())


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_the_domain_rule_gives_each_cases_actual(case):
    # Values without reported_at are listed in the order they were reported, the last one winning.
    values = [Measured(item["period"], Decimal(str(item["value"])),
                       date.fromisoformat(item["reported_at"]) if "reported_at" in item else None)
              for item in case["values"]]
    window = Window(**case.get("window", {}))
    actual = actual_of(values, case["aggregation"], window)
    if case["actual"] is None:
        assert actual is None
    else:
        assert actual is not None and actual.value == Decimal(str(case["actual"]))
        if "period" in case:
            assert actual.period == case["period"]


def test_the_cases_cover_both_aggregations_corrections_mixed_frequencies_and_windows():
    assert {case["aggregation"] for case in CASES} == {"sum", "latest"}
    periods = {item["period"] for case in CASES for item in case["values"]}
    assert {"2016", "2016-Q4", "2017-01"} <= periods
    assert any(len({item["period"] for item in case["values"]}) < len(case["values"]) for case in CASES)
    assert {"sum", "latest"} <= {case["aggregation"] for case in CASES if "window" in case}
