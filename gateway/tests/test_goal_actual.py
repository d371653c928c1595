"""The gateway's copy of the goal-actual rule over the table of cases actions_api's rule is checked
against too (tests/goal_actual_cases.json)."""

import json
from datetime import date
from pathlib import Path

import pytest

from gateway.goal_actual import Measured, goal_actual, latest_period

CASES = json.loads((Path(__file__).resolve().parents[2] / "tests" / "goal_actual_cases.json").read_text())


def _measured(value: dict) -> Measured:
    reported = value.get("reported_at")
    return Measured(period=value["period"], value=float(value["value"]),
                    reported_on=date.fromisoformat(reported[:10]) if reported else None)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_the_gateway_rule_gives_the_actual_of_every_case(case):
    found = goal_actual([_measured(value) for value in case["values"]], case["aggregation"])
    if case["actual"] is None:
        assert found is None
    else:
        assert found is not None and found.value == pytest.approx(case["actual"])


def test_a_sum_is_derived_when_any_period_is_and_names_the_latest_period():
    found = goal_actual([Measured("2016-12", 2, derived=True), Measured("2016-Q1", 1)], "sum")
    assert found is not None and (found.value, found.period, found.derived) == (3, "2016-12", True)


def test_the_latest_period_is_latest_in_time_not_in_text():
    assert latest_period(["2016-12", "2016-Q1", "2016-H1"]) == "2016-12"
    assert latest_period(["2016-H2", "2016-Q3"]) == "2016-H2"
    assert latest_period([]) is None
