"""Checking feed rows one at a time, against the codes the reference tables hold."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from common.periods import InvalidPeriod, parse_period
from common.problems import field_error
from services.metrics_api.domain import PERIOD_FREQUENCIES, MissingReason, ObservationStatus, ValueType
from services.metrics_api.domain.feed.numbers import MAX_INTEGER_DIGITS, NotANumber, NumberReader, Undecided, in_range

COLUMNS = ("measure", "region", "period", "occupation", "value", "status", "action", "missing_reason")
COLUMN_SET = frozenset(COLUMNS)
REQUIRED_COLUMNS = ("measure", "region", "period", "occupation", "value")
FINAL, PROVISIONAL = ObservationStatus.FINAL.value, ObservationStatus.PROVISIONAL.value
# Our words and the SDMX OBS_STATUS codes A (normal) and P (provisional); no status is final.
STATUSES = {"": FINAL, FINAL: FINAL, "a": FINAL, PROVISIONAL: PROVISIONAL, "p": PROVISIONAL}
MISSING_REASONS: dict[str, str | None] = {"": None} | {reason.value: reason.value for reason in MissingReason}
# Plain text, not the enum members: the hot path compares these per row.
COUNT, SHARE = ValueType.COUNT.value, ValueType.SHARE.value
# SDMX-CSV 2.0 ACTION: I (information), A (append) and R (replace) write a figure; D withdraws it.
ACTIONS = {"": False, "i": False, "a": False, "r": False, "d": True}
PLAIN_ACTIONS = frozenset(["", "I", "A", "R", "i", "a", "r"])
MAX_LISTED_ERRORS = 1000


@dataclass
class Reference:
    """The codes a feed may use, loaded once per post (a few hundred rows)."""

    measures: dict[str, str]  # code -> value_type
    forecasts: frozenset[str]  # measures that take periods after the end of next year
    regions: frozenset[str]  # codes without an end: valid for every period
    ended: dict[str, tuple[date, str | None]]  # merged-away code -> (the day it ended, its successor)
    occupations: frozenset[str]


@dataclass
class Checker:
    """Checks rows one at a time; keeps every error (the first MAX_LISTED_ERRORS listed)."""

    reference: Reference
    is_csv: bool
    numbers: NumberReader = field(default_factory=NumberReader)
    # A period after the end of next year is a forecast: refused unless its measure takes them.
    last_year: int = field(default_factory=lambda: date.today().year + 1)
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0
    bad_rows: int = 0
    rows: int = 0
    # Hashes of the keys seen: a repeat makes the batch suspect, and only then does SQL look
    # for duplicate keys exactly (the check is a sort of the whole batch; most batches skip it).
    _keys: set[int] = field(default_factory=set)
    suspect_duplicates: bool = False
    # The measures of the good rows (a feed's first figures of a measure make its source the first).
    measures: set[str] = field(default_factory=set)
    # period as written -> (served form, frequency, year, last day)
    _periods: dict[str, tuple[str, str, int, date]] = field(default_factory=dict)

    def error(self, position: int, name: str, reason: str, **extra: Any) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            if self.is_csv:
                self.errors.append(field_error(name, reason, line=position, **extra))
            else:
                self.errors.append(field_error(f"observations.{position}.{name}", reason, index=position, **extra))

    def fast(self, position: int, measure: str, region: str, period: str, occupation: str, value: str,
             status: str, action: str, missing_reason: str) -> tuple | None:
        """The common CSV row in few steps: known codes, plain digits or a value read before, nothing
        withdrawn, missing or ahead.

        None means "not sure": the row then goes through `check`, which names every problem. A
        million-row feed spends most of its Python time here, hence the flat shape.
        """
        value_type = self.reference.measures.get(measure)
        canonical = self._periods.get(period)
        status_code = STATUSES.get(status)
        if (value_type is None or canonical is None or status_code is None or missing_reason
                or region not in self.reference.regions or occupation not in self.reference.occupations
                or action not in PLAIN_ACTIONS or canonical[2] > self.last_year):
            return None
        if value.isdigit() and value.isascii() and len(value) <= MAX_INTEGER_DIGITS:
            if value_type == SHARE and int(value) > 1:
                return None
        else:
            # A value with separators this file had before (Dutch files: most of them) skips Babel.
            number = self.numbers.known(value)
            if number is None or (value_type == COUNT and (number < 0 or number != number.to_integral_value())) or (
                    value_type == SHARE and not 0 <= number <= 1):
                return None
            value = str(number)
        self.rows += 1
        self._remember(measure, region, occupation, canonical[0])
        return (position, measure, region, occupation, canonical[0], canonical[1], value, status_code, None, False)

    def _remember(self, measure: str, region: str, occupation: str, period: str) -> None:
        self.measures.add(measure)
        keys = self._keys
        before = len(keys)
        keys.add(hash((measure, region, occupation, period)))
        if len(keys) == before:
            self.suspect_duplicates = True

    def check(self, position: int, measure: Any, region: Any, period: Any, occupation: Any, value: Any,
              status: Any, action: Any, missing_reason: Any) -> tuple | None:
        """The staging record of a good row, else None (its errors recorded)."""
        self.rows += 1
        before = self.error_count
        value_type = self.reference.measures.get(measure) if isinstance(measure, str) else None
        if value_type is None:
            self.error(position, "measure", "Missing." if not measure else f"Unknown measure '{measure}'.")
        known_region = isinstance(region, str) and (region in self.reference.regions or region in self.reference.ended)
        if not known_region:
            self.error(position, "region", "Missing." if not region else f"Unknown region '{region}'.")
        if not isinstance(occupation, str) or occupation not in self.reference.occupations:
            self.error(position, "occupation",
                       "Missing." if not occupation else f"Unknown occupation class '{occupation}'.")
        canonical = self._period(position, period)
        if canonical is not None:
            if canonical[2] > self.last_year and measure not in self.reference.forecasts:
                self.error(position, "period", f"{canonical[0]} lies after the end of next year ({self.last_year}): "
                           "a forecast, which this measure does not take (a metrics:admin setting of the measure).")
            if known_region and region in self.reference.ended:
                self._check_ended_region(position, region, canonical)
        withdraw = ACTIONS.get(action.lower()) if isinstance(action, str) else None
        if withdraw is None:
            self.error(position, "action", "One of I, A, R (write the figure) or D (withdraw it).")
        status_code = STATUSES.get(status.lower()) if isinstance(status, str) else None
        if status_code is None:
            self.error(position, "status", f"One of {', '.join(ObservationStatus)}.")
        reason = MISSING_REASONS.get(missing_reason.lower(), "?") if isinstance(missing_reason, str) else "?"
        if reason == "?":
            self.error(position, "missing_reason", f"One of {', '.join(MissingReason)}.")
        number = None
        if not withdraw:
            number = self._value(position, value, reason, value_type)
        if self.error_count > before or canonical is None:
            self.bad_rows += 1
            return None
        self._remember(measure, region, occupation, canonical[0])
        return (position, measure, region, occupation, canonical[0], canonical[1],
                None if number is None else str(number), status_code, None if withdraw else reason, withdraw)

    def _period(self, position: int, period: Any) -> tuple[str, str, int, date] | None:
        canonical = self._periods.get(period) if isinstance(period, str) else None
        if canonical is not None:
            return canonical
        try:
            if not isinstance(period, str):
                raise InvalidPeriod("Missing." if period is None else "A period is text, e.g. \"2012\".")
            parsed = parse_period(period, PERIOD_FREQUENCIES)
        except InvalidPeriod as exc:
            self.error(position, "period", "Missing." if not period else str(exc))
            return None
        canonical = self._periods[period] = (str(parsed), parsed.frequency.value, parsed.year, parsed.ends_on)
        return canonical

    def _check_ended_region(self, position: int, region: str, period: tuple[str, str, int, date]) -> None:
        ended_on, successor = self.reference.ended[region]
        if period[3] < ended_on:
            return
        reason = (f"{region} was merged away on {ended_on.isoformat()}: its code is accepted only for periods that "
                  f"end before that day, and {period[0]} does not.")
        if successor is not None:
            reason += f" Its successor is {successor}."
        self.error(position, "region", reason, successor=successor)

    def _value(self, position: int, value: Any, reason: str | None, value_type: str | None) -> Decimal | None:
        absent = value is None or (isinstance(value, str) and not value.strip())
        if reason not in (None, "?"):
            if not absent:
                self.error(position, "value", f"A figure that is {reason} has no value; leave it empty.")
            return None
        if absent:
            self.error(position, "value", "Missing: give a value, or a missing_reason when it is not published.")
            return None
        try:
            if isinstance(value, str):
                number = self.numbers.read(value, f"line {position}" if self.is_csv else f"index {position}")
            elif isinstance(value, (int, Decimal)) and not isinstance(value, bool):
                number = in_range(Decimal(value))
            else:
                raise NotANumber("Not a number.")
        except (NotANumber, Undecided) as exc:
            self.error(position, "value", str(exc))
            return None
        if value_type == COUNT and number < 0:
            self.error(position, "value", "A count cannot be negative.")
        elif value_type == COUNT and number != number.to_integral_value():
            self.error(position, "value", "A count is a whole number.")
        elif value_type == SHARE and not 0 <= number <= 1:
            self.error(position, "value", "A share lies between 0 and 1.")
        return number
