"""The metrics rules, one module per aggregate, and their vocabularies (defined here once).

This package's own namespace holds only the vocabularies, so that models, schemas and the CLI can
import them without pulling in the rules (which import the repository, which imports the models).
"""

import re
from enum import StrEnum

from common.periods import Frequency


class RegionKind(StrEnum):
    COUNTRY = "country"
    PROVINCE = "province"
    LABOUR_MARKET_REGION = "labour_market_region"
    MUNICIPALITY = "municipality"
    AGGREGATE = "aggregate"


# The code of a region of each kind: CBS codes, and a slug for the aggregates we define ourselves.
REGION_CODE_PATTERNS = {
    RegionKind.COUNTRY: (re.compile(r"^NL\d{2}$"), "NL and 2 digits (CBS), e.g. NL01"),
    RegionKind.PROVINCE: (re.compile(r"^PV\d{2}$"), "PV and 2 digits (CBS), e.g. PV27"),
    RegionKind.LABOUR_MARKET_REGION: (re.compile(r"^AM\d{2}$"), "AM and 2 digits (CBS), e.g. AM01"),
    RegionKind.MUNICIPALITY: (re.compile(r"^GM\d{4}$"), "GM and 4 digits (CBS), e.g. GM0402"),
    RegionKind.AGGREGATE: (re.compile(r"^[a-z][a-z0-9_-]{1,39}$"), "a lowercase slug, e.g. noordvleugel"),
}


class MeasureKind(StrEnum):
    FLOW = "flow"  # arose in the period
    STOCK = "stock"  # at the period's end


class ValueType(StrEnum):
    COUNT = "count"  # non-negative, adds up over regions and classes
    AMOUNT = "amount"  # adds up
    SHARE = "share"  # 0 to 1, never summed


class DecimalSeparator(StrEnum):
    """How a feed writes the fraction of a number: `0,25` (Dutch, `.` groups thousands) or `0.25`."""

    COMMA = "comma"
    POINT = "point"


class ObservationStatus(StrEnum):
    PROVISIONAL = "provisional"
    FINAL = "final"


class MissingReason(StrEnum):
    """Why a figure is not published."""

    # Strongest first: a sum over members that are missing for different reasons carries the strongest.
    CONFIDENTIAL = "confidential"
    SUPPRESSED = "suppressed"
    NOT_AVAILABLE = "not_available"


# Series are yearly, quarterly or monthly; observations store these letters as their frequency.
PERIOD_FREQUENCIES = frozenset({Frequency.year, Frequency.quarter, Frequency.month})


class SeriesFrequency(StrEnum):
    """The frequency of one series' points, as a reader asks for it."""

    YEAR = "year"
    QUARTER = "quarter"
    MONTH = "month"

    @property
    def frequency(self) -> Frequency:
        return Frequency[self.value]

__all__ = [
    "PERIOD_FREQUENCIES", "REGION_CODE_PATTERNS", "DecimalSeparator", "MeasureKind", "MissingReason",
    "ObservationStatus", "RegionKind", "SeriesFrequency", "ValueType",
]
