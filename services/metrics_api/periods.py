"""Periods: a year, a quarter or a month, as our API writes them and as CBS StatLine codes them.

Accepted: `2012`, `2012-Q3`, `2012-07`, and the CBS codes `2012JJ00`, `2012KW03`, `2012MM07`.
Served in the first form only. Within one frequency the canonical text sorts in time order,
which is why the database stores the text and a one-letter frequency beside it.
"""

import re
from functools import lru_cache
from dataclasses import dataclass
from enum import StrEnum


class Frequency(StrEnum):
    """SDMX FREQ codes: annual, quarterly, monthly."""

    year = "A"
    quarter = "Q"
    month = "M"


FREQUENCY_ORDER = {Frequency.year: 0, Frequency.quarter: 1, Frequency.month: 2}
PERIODS_PER_YEAR = {Frequency.year: 1, Frequency.quarter: 4, Frequency.month: 12}

_PATTERNS = [
    (re.compile(r"^(\d{4})$"), Frequency.year),
    (re.compile(r"^(\d{4})JJ00$"), Frequency.year),
    (re.compile(r"^(\d{4})-Q([1-4])$"), Frequency.quarter),
    (re.compile(r"^(\d{4})KW0([1-4])$"), Frequency.quarter),
    (re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"), Frequency.month),
    (re.compile(r"^(\d{4})MM(0[1-9]|1[0-2])$"), Frequency.month),
]


class InvalidPeriod(ValueError):
    pass


@dataclass(frozen=True, order=True)
class Period:
    year: int
    number: int  # 1 for a year, the quarter 1-4, or the month 1-12
    frequency: Frequency

    def __str__(self) -> str:
        if self.frequency is Frequency.year:
            return f"{self.year:04d}"
        if self.frequency is Frequency.quarter:
            return f"{self.year:04d}-Q{self.number}"
        return f"{self.year:04d}-{self.number:02d}"

    def previous(self) -> "Period":
        if self.number > 1:
            return Period(self.year, self.number - 1, self.frequency)
        return Period(self.year - 1, PERIODS_PER_YEAR[self.frequency], self.frequency)


@lru_cache(maxsize=8192)  # the same few hundred periods are read over and over
def parse_period(text: str) -> Period:
    """A period from any accepted form; InvalidPeriod with the reason otherwise."""
    candidate = text.strip().upper() if isinstance(text, str) else ""
    for pattern, frequency in _PATTERNS:
        match = pattern.match(candidate)
        if match:
            year = int(match.group(1))
            if not 1800 <= year <= 2200:
                raise InvalidPeriod(f"Year {year} is out of range.")
            number = int(match.group(2)) if frequency is not Frequency.year else 1
            return Period(year, number, frequency)
    raise InvalidPeriod("Not a period: use 2012, 2012-Q3, 2012-07 or a CBS code (2012JJ00, 2012KW03, 2012MM07).")


def canonical_period(text: str) -> tuple[str, Frequency]:
    """The served form and frequency of an accepted period; the feed's hot path."""
    period = parse_period(text)
    return str(period), period.frequency
