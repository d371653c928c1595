"""Unit tests of the pure parts: numbers as feeds write them, and sums over members."""

from decimal import Decimal, InvalidOperation

import pytest

from services.metrics_api.domain.feed.checking import parse_number
from services.metrics_api.domain.series import Figure, _sum


@pytest.mark.parametrize(("raw", "number"), [
    ("8740", Decimal("8740")), (" 8740 ", Decimal("8740")), ("0.439", Decimal("0.439")), ("0,439", Decimal("0.439")),
    ("1.234,5", Decimal("1234.5")), ("1.234.567,25", Decimal("1234567.25")), ("-3", Decimal("-3")),
    ("1e3", Decimal("1000")),
])
def test_numbers_with_a_decimal_point_or_a_decimal_comma(raw, number):
    assert parse_number(raw) == number


@pytest.mark.parametrize("raw", ["veel", "", "NaN", "Infinity", "1_000", "1,2,3", "12 345"])
def test_not_numbers(raw):
    with pytest.raises(InvalidOperation):
        parse_number(raw)


def figure(value, status="final", reason=None):
    return Figure(None if value is None else Decimal(value), status, 1, False, reason)


def test_a_sum_of_members_is_derived_and_provisional_if_any_member_is():
    total = _sum([figure(8740), figure(25295, "provisional"), figure(46989)])
    assert total == Figure(Decimal(81024), "provisional", None, True, None)


def test_a_sum_with_a_missing_member_is_missing_not_too_low():
    assert _sum([figure(8740), None, figure(46989)]).missing_reason == "not_available"
    assert _sum([figure(8740), None, figure(46989)]).value is None
    # The strongest reason wins: confidential before suppressed before not available.
    assert _sum([figure(None, reason="suppressed"), None]).missing_reason == "suppressed"
    strongest = _sum([figure(None, reason="suppressed"), figure(None, reason="confidential")])
    assert strongest.missing_reason == "confidential"
    assert _sum([None, None]) is None
