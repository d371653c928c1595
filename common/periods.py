"""Periods: a year, half year, quarter, month or day, as the API writes them and as CBS codes them.

The one parser of the platform. Accepted: `2012`, `2012-H1`, `2012-Q3`, `2012-07`, `2012-07-15`,
and the CBS StatLine codes `2012JJ00`, `2012KW03`, `2012MM07`; served in the first forms only.
A caller names the frequencies it takes (metrics series are yearly, quarterly or monthly).
Periods compare as spans of time (`sort_key`), never as text: within one frequency the served
text sorts in time order, across frequencies it does not.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache


class Frequency(StrEnum):
    """SDMX FREQ codes."""

    year = "A"
    half = "S"
    quarter = "Q"
    month = "M"
    day = "D"


PERIODS_PER_YEAR = {Frequency.year: 1, Frequency.half: 2, Frequency.quarter: 4, Frequency.month: 12}
FREQUENCY_ORDER = {frequency: order for order, frequency in enumerate(Frequency)}
EVERY_FREQUENCY = frozenset(Frequency)
FIRST_YEAR, LAST_YEAR = 1800, 2200

_PATTERNS = [
    (re.compile(r"^(\d{4})$"), Frequency.year),
    (re.compile(r"^(\d{4})JJ00$"), Frequency.year),
    (re.compile(r"^(\d{4})-H([12])$"), Frequency.half),
    (re.compile(r"^(\d{4})-Q([1-4])$"), Frequency.quarter),
    (re.compile(r"^(\d{4})KW0([1-4])$"), Frequency.quarter),
    (re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"), Frequency.month),
    (re.compile(r"^(\d{4})MM(0[1-9]|1[0-2])$"), Frequency.month),
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"), Frequency.day),
]

_FORMS = {
    Frequency.year: "2012", Frequency.half: "2012-H1", Frequency.quarter: "2012-Q3",
    Frequency.month: "2012-07", Frequency.day: "2012-07-15",
}
_CBS_FORMS = {Frequency.year: "2012JJ00", Frequency.quarter: "2012KW03", Frequency.month: "2012MM07"}


class InvalidPeriod(ValueError):
    pass


@dataclass(frozen=True, order=True)
class Period:
    year: int
    number: int  # 1 for a year; the half 1-2, quarter 1-4 or month 1-12; the day of the year
    frequency: Frequency

    def __str__(self) -> str:
        if self.frequency is Frequency.year:
            return f"{self.year:04d}"
        if self.frequency is Frequency.half:
            return f"{self.year:04d}-H{self.number}"
        if self.frequency is Frequency.quarter:
            return f"{self.year:04d}-Q{self.number}"
        if self.frequency is Frequency.month:
            return f"{self.year:04d}-{self.number:02d}"
        return self.starts_on.isoformat()

    @property
    def starts_on(self) -> date:
        if self.frequency is Frequency.day:
            return date(self.year, 1, 1) + timedelta(days=self.number - 1)
        months = 12 // PERIODS_PER_YEAR[self.frequency]
        return date(self.year, months * (self.number - 1) + 1, 1)

    @property
    def ends_on(self) -> date:
        """The last day of the period: something due "eind 2013" is in time on 31 December 2013."""
        if self.frequency is Frequency.day:
            return self.starts_on
        last_month = 12 // PERIODS_PER_YEAR[self.frequency] * self.number
        return date(self.year, last_month, calendar.monthrange(self.year, last_month)[1])

    @property
    def sort_key(self) -> tuple[date, date]:
        """Time order across frequencies: by the day a period ends, the longer one first."""
        return self.ends_on, self.starts_on

    def previous(self) -> "Period":
        if self.frequency is Frequency.day:
            return day_period(self.starts_on - timedelta(days=1))
        if self.number > 1:
            return Period(self.year, self.number - 1, self.frequency)
        return Period(self.year - 1, PERIODS_PER_YEAR[self.frequency], self.frequency)


def day_period(day: date) -> Period:
    return Period(day.year, day.timetuple().tm_yday, Frequency.day)


def forms(allowed: frozenset[Frequency] = EVERY_FREQUENCY) -> str:
    written = [_FORMS[f] for f in Frequency if f in allowed]
    cbs = [_CBS_FORMS[f] for f in Frequency if f in allowed and f in _CBS_FORMS]
    return ", ".join(written) + (f" or a CBS code ({', '.join(cbs)})" if cbs else "")


@lru_cache(maxsize=8192)  # the same few hundred periods are read over and over
def parse_period(text: str, allowed: frozenset[Frequency] = EVERY_FREQUENCY) -> Period:
    """A period from any accepted form of an allowed frequency; InvalidPeriod with the reason otherwise."""
    candidate = text.strip().upper() if isinstance(text, str) else ""
    for pattern, frequency in _PATTERNS:
        match = pattern.match(candidate)
        if not match or frequency not in allowed:
            continue
        year = int(match.group(1))
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise InvalidPeriod(f"Year {year} is out of range ({FIRST_YEAR} to {LAST_YEAR}).")
        if frequency is Frequency.year:
            return Period(year, 1, frequency)
        if frequency is Frequency.day:
            try:
                return day_period(date(year, int(match.group(2)), int(match.group(3))))
            except ValueError:
                raise InvalidPeriod(f"'{text}' is not a calendar date.") from None
        return Period(year, int(match.group(2)), frequency)
    raise InvalidPeriod(f"Not a period: use {forms(allowed)}.")


def canonical_period(text: str, allowed: frozenset[Frequency] = EVERY_FREQUENCY) -> tuple[str, Frequency]:
    """The served form and frequency of an accepted period; the feed's hot path."""
    period = parse_period(text, allowed)
    return str(period), period.frequency
