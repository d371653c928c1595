"""Unit tests of the pure parts: numbers as feeds write them, sums over members, and the reading of a body."""

import asyncio
import io
from decimal import Decimal

import pytest

from services.metrics_api.domain import DecimalSeparator
from services.metrics_api.domain.feed.numbers import NotANumber, NumberReader, Undecided
from services.metrics_api.domain.feed.parsing import text_lines
from services.metrics_api.domain.series import Figure, _sum

COMMA, POINT = DecimalSeparator.COMMA, DecimalSeparator.POINT


@pytest.mark.parametrize(("separator", "raw", "number"), [
    (None, "8740", Decimal("8740")), (None, " 8740 ", Decimal("8740")), (None, "-3", Decimal("-3")),
    (None, "1e3", Decimal("1000")),
    (COMMA, "7.912", Decimal("7912")), (COMMA, "1.234,56", Decimal("1234.56")), (COMMA, "0,439", Decimal("0.439")),
    (COMMA, "1.234.567,25", Decimal("1234567.25")), (COMMA, "1,234", Decimal("1.234")),
    (POINT, "7.912", Decimal("7.912")), (POINT, "1,234.56", Decimal("1234.56")), (POINT, "1,234", Decimal("1234")),
    (POINT, "0.439", Decimal("0.439")),
])
def test_numbers_in_the_files_convention(separator, raw, number):
    assert NumberReader.for_file(separator).read(raw, "line 2") == number


@pytest.mark.parametrize(("first", "separator"), [("0,25", COMMA), ("1.234,56", COMMA), ("1,5", COMMA),
                                                  ("8740.5", POINT), ("1,234.56", POINT), ("0.439", POINT)])
def test_the_first_value_that_reads_one_way_decides_the_file(first, separator):
    reader = NumberReader.for_file(None)
    reader.read(first, "line 2")
    assert reader.separator is separator and reader.decided_by == f"line 2: '{first}'"
    assert reader.read("7.912", "line 3") == (Decimal("7912") if separator is COMMA else Decimal("7.912"))


@pytest.mark.parametrize("raw", ["7.912", "1,234", "12.345"])
def test_a_value_that_reads_two_ways_is_never_guessed(raw):
    reader = NumberReader.for_file(None)
    with pytest.raises(Undecided, match="decimal=comma"):
        reader.read(raw, "line 2")
    assert reader.separator is None and reader.undecided == 1


@pytest.mark.parametrize(("separator", "raw"), [(COMMA, "1,234.56"), (COMMA, "8740.5"), (POINT, "1.234,56"),
                                                (POINT, "0,25"), (COMMA, "1.23"), (POINT, "1,23")])
def test_a_value_in_the_other_convention_or_grouped_wrongly_is_refused(separator, raw):
    with pytest.raises(NotANumber):
        NumberReader.for_file(separator).read(raw, "line 2")


@pytest.mark.parametrize("raw", ["veel", "", "NaN", "Infinity", "1_000", "1,2,3", "12 345", "1e400000", "1e-400000",
                                 "1e308", "1000000000000000", "0.000000000000000000001"])
def test_not_numbers_and_numbers_out_of_range(raw):
    with pytest.raises(NotANumber):
        NumberReader.for_file(None).read(raw, "line 2")


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


async def test_reading_a_body_hands_the_event_loop_back_at_least_every_128_kib():
    """The COPY or comparison of the chunk before runs on the event loop while the next is read: each
    of its steps waits for a turn of the loop, so one turn a megabyte left the database idle."""
    body = io.BytesIO(b"measure,region,period,occupation,value\n" + b"vacancies_new,GM0363,2024-01,ict,12\n" * 60_000)
    turns = 0

    async def other_work() -> None:
        nonlocal turns
        while True:
            await asyncio.sleep(0)
            turns += 1

    other = asyncio.create_task(other_work())
    await asyncio.sleep(0)
    read = sum([len(lines) async for _first, lines in text_lines(body, max_row_chars=10_000)])
    other.cancel()
    assert read == 60_001
    assert turns >= 2_000_000 // (128 * 1024)  # 2 MB: a turn at least every 128 KiB
