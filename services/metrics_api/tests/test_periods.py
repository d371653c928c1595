"""The platform's period parser (common/periods.py) as metrics reads periods: years, quarters and months."""

import pytest

from common.periods import Frequency, InvalidPeriod, Period
from common.periods import canonical_period as any_canonical_period
from common.periods import parse_period as any_period
from services.metrics_api.domain import PERIOD_FREQUENCIES


def canonical_period(text):
    return any_canonical_period(text, PERIOD_FREQUENCIES)


def parse_period(text):
    return any_period(text, PERIOD_FREQUENCIES)


@pytest.mark.parametrize(("text", "served", "frequency"), [
    ("2012", "2012", Frequency.year),
    ("2012JJ00", "2012", Frequency.year),
    ("2012-Q3", "2012-Q3", Frequency.quarter),
    ("2012-q3", "2012-Q3", Frequency.quarter),
    ("2012KW03", "2012-Q3", Frequency.quarter),
    ("2012-07", "2012-07", Frequency.month),
    ("2012MM07", "2012-07", Frequency.month),
    (" 2012MM12 ", "2012-12", Frequency.month),
])
def test_accepted_forms_are_served_in_the_first_form(text, served, frequency):
    assert canonical_period(text) == (served, frequency)


@pytest.mark.parametrize("text", [
    "", "12", "2012-13", "2012-00", "2012-Q5", "2012-Q0", "2012KW05", "2012MM13", "2012JJ01", "2012-7",
    "2012/07", "jan 2012", "20120", "0999", "2012-W03",
])
def test_malformed_periods_are_refused_with_a_reason(text):
    with pytest.raises(InvalidPeriod, match=r"period|Year"):
        parse_period(text)


def test_previous_period_crosses_year_boundaries():
    assert str(parse_period("2012").previous()) == "2011"
    assert str(parse_period("2012-Q1").previous()) == "2011-Q4"
    assert str(parse_period("2012-Q3").previous()) == "2012-Q2"
    assert str(parse_period("2012-01").previous()) == "2011-12"
    assert str(parse_period("2012-07").previous()) == "2012-06"


def test_served_form_sorts_in_time_order_within_a_frequency():
    months = [Period(2011, 12, Frequency.month), Period(2012, 1, Frequency.month), Period(2012, 10, Frequency.month)]
    assert sorted(str(p) for p in months) == [str(p) for p in months]
    quarters = [str(Period(2012, n, Frequency.quarter)) for n in (1, 2, 3, 4)] + ["2013-Q1"]
    assert sorted(quarters) == quarters


@pytest.mark.parametrize("text", ["2012-H1", "2012-07-15"])
def test_half_years_and_days_are_no_series_periods(text):
    assert any_period(text).frequency not in PERIOD_FREQUENCIES
    with pytest.raises(InvalidPeriod, match="period"):
        parse_period(text)
