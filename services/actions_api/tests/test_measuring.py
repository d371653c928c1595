"""The measuring rule, pure: an indicator's window, its target levels and its progress from baseline to target."""

from decimal import Decimal

import pytest

from services.actions_api.domain.measuring import (
    Actual,
    Measured,
    TargetValue,
    Window,
    actual_of,
    final_target,
    progress_of,
    scaled,
    target_level,
    window_of,
)

PUPILS = [TargetValue("2020", Decimal(40))]


def actual(value: str, period: str = "2016") -> Actual:
    return Actual(Decimal(value), period, "series", False)


def test_the_window_runs_from_the_baseline_year_to_the_latest_target_unless_declared():
    assert window_of(2013, [TargetValue("2016", Decimal(1)), TargetValue("2020", Decimal(2))]) == Window("2013", "2020")
    assert window_of(None, PUPILS) == Window(None, "2020")   # "25%" without a year: open start
    assert window_of(2013, [TargetValue(None, Decimal(75))]) == Window("2013", None)   # no year for the target
    assert window_of(None, []) == Window(None, None)
    assert window_of(None, [], start="2013") == Window("2013", None)
    assert window_of(2013, PUPILS, end="2018-Q2") == Window("2013", "2018-Q2")
    # the latest target in time, not in text
    assert window_of(None, [TargetValue("2016-12", Decimal(1)), TargetValue("2016-Q1", Decimal(1))]).end == "2016-12"


def test_a_share_read_as_a_percentage_shows_in_percent_with_its_progress():
    """Noordvleugel: 25% -> 40% of pupils choose technology, read from a series of shares (0..1)."""
    points = scaled([Measured("2015", Decimal("0.27")), Measured("2016", Decimal("0.28"))], Decimal(100))
    measured = actual_of(points, "latest", window_of(None, PUPILS), "series")
    assert measured == Actual(Decimal("28.00"), "2016", "series", False)
    progress = progress_of("percentage", Decimal(25), PUPILS, measured)
    assert (progress.value, progress.note) == (Decimal("0.2"), None)   # (28 - 25) / (40 - 25)


def test_a_sum_goal_adds_up_only_the_periods_in_its_window():
    """10.000 job seekers from 2013: earlier years and a stray future one are not counted."""
    points = [Measured(year, Decimal(value)) for year, value in
              (("2011", 5000), ("2013", 1500), ("2014", 2500), ("2099", 9999))]
    measured = actual_of(points, "sum", Window("2013", "2020"))
    assert measured is not None and (measured.value, measured.period) == (Decimal(4000), "2014")
    progress = progress_of("number", Decimal(0), [TargetValue("2020", Decimal(10000))], measured)
    assert progress.value == Decimal("0.4")


def test_a_target_is_a_level_or_a_change_from_the_baseline():
    assert target_level(TargetValue("2020", Decimal(40)), Decimal(25)) == Decimal(40)
    assert target_level(TargetValue("2016", Decimal(500), "change"), Decimal(2000)) == Decimal(2500)
    # "10% meer leerlingen in 2016": +10% of the baseline's count
    assert target_level(TargetValue("2016", Decimal(10), "relative_change"), Decimal(200)) == Decimal(220)
    assert target_level(TargetValue("2016", Decimal(-10), "relative_change"), Decimal(200)) == Decimal(180)
    assert target_level(TargetValue("2016", Decimal(10), "relative_change"), None) is None
    progress = progress_of("number", Decimal(200), [TargetValue("2016", Decimal(10), "relative_change")],
                           actual("210"))
    assert progress.value == Decimal("0.5")


@pytest.mark.parametrize("kind, baseline, targets, measured, note", [
    ("qualitative", None, [], None, "qualitative"),
    ("number", Decimal(0), [], actual("3"), "no_target"),
    ("percentage", None, [TargetValue("2016", Decimal(10), "relative_change")], actual("3"), "no_baseline"),
    ("percentage", None, PUPILS, None, "no_baseline"),
    ("percentage", Decimal(25), PUPILS, None, "not_measured"),
    ("percentage", Decimal(40), PUPILS, actual("41"), "target_is_baseline"),
])
def test_progress_is_null_with_the_reason_when_a_part_is_missing(kind, baseline, targets, measured, note):
    progress = progress_of(kind, baseline, targets, measured)
    assert (progress.value, progress.note) == (None, note)


def test_progress_is_not_clamped_and_runs_the_goals_way():
    assert progress_of("percentage", Decimal(25), PUPILS, actual("43")).value == Decimal("1.2")
    assert progress_of("percentage", Decimal(25), PUPILS, actual("22")).value == Decimal("-0.2")
    # a descending goal: from 30% dropping out to 20%
    assert progress_of("percentage", Decimal(30), [TargetValue("2020", Decimal(20))], actual("25")).value == \
        Decimal("0.5")


def test_the_final_target_is_the_latest_one_without_a_period_last():
    assert final_target([TargetValue("2020", Decimal(40)), TargetValue("2016", Decimal(30))]).value == 40
    assert final_target([TargetValue(None, Decimal(75)), TargetValue("2020", Decimal(60))]).value == 75
    assert final_target([]) is None
