"""Checking feed rows one at a time, against the codes the reference tables hold."""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from common.periods import InvalidPeriod, canonical_period
from common.problems import field_error
from services.metrics_api.domain import PERIOD_FREQUENCIES, MissingReason, ObservationStatus, ValueType

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


def parse_number(raw: str) -> Decimal:
    """A number as feeds write it: `8740`, `0.439`, or with a decimal comma `0,439` / `1.234,5`."""
    cleaned = raw.strip()
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    if "_" in cleaned:
        raise InvalidOperation
    number = Decimal(cleaned)
    if not number.is_finite():
        raise InvalidOperation
    return number


@dataclass
class Reference:
    """The codes a feed may use, loaded once per post (a few hundred rows)."""

    measures: dict[str, str]  # code -> value_type
    regions: frozenset[str]
    occupations: frozenset[str]


@dataclass
class Checker:
    """Checks rows one at a time; keeps every error (the first MAX_LISTED_ERRORS listed)."""

    reference: Reference
    is_csv: bool
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0
    bad_rows: int = 0
    rows: int = 0
    # Hashes of the keys seen: a repeat makes the batch suspect, and only then does SQL look
    # for duplicate keys exactly (the check is a sort of the whole batch; most batches skip it).
    _keys: set[int] = field(default_factory=set)
    suspect_duplicates: bool = False
    _periods: dict[str, tuple[str, str]] = field(default_factory=dict)

    def error(self, position: int, name: str, reason: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            if self.is_csv:
                self.errors.append(field_error(name, reason, line=position))
            else:
                self.errors.append(field_error(f"observations.{position}.{name}", reason, index=position))

    def fast(self, position: int, measure: str, region: str, period: str, occupation: str, value: str,
             status: str, action: str, missing_reason: str) -> tuple | None:
        """The common CSV row in few steps: known codes, a plain number, nothing withdrawn or missing.

        None means "not sure": the row then goes through `check`, which names every problem. A
        million-row feed spends most of its Python time here, hence the flat shape.
        """
        value_type = self.reference.measures.get(measure)
        canonical = self._periods.get(period)
        status_code = STATUSES.get(status)
        if (value_type is None or canonical is None or status_code is None or missing_reason
                or region not in self.reference.regions or occupation not in self.reference.occupations
                or action not in PLAIN_ACTIONS or "_" in value or not value.isascii()):
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            return None
        if not number.is_finite() or (value_type == COUNT and number < 0) or (
                value_type == SHARE and not 0 <= number <= 1):
            return None
        self.rows += 1
        self._remember(measure, region, occupation, canonical[0])
        return (position, measure, region, occupation, canonical[0], canonical[1], value, status_code, None, False)

    def _remember(self, measure: str, region: str, occupation: str, period: str) -> None:
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
        if not isinstance(region, str) or region not in self.reference.regions:
            self.error(position, "region", "Missing." if not region else f"Unknown region '{region}'.")
        if not isinstance(occupation, str) or occupation not in self.reference.occupations:
            self.error(position, "occupation",
                       "Missing." if not occupation else f"Unknown occupation class '{occupation}'.")
        canonical = self._periods.get(period) if isinstance(period, str) else None
        if canonical is None:
            try:
                if not isinstance(period, str):
                    raise InvalidPeriod("Missing." if period is None else "A period is text, e.g. \"2012\".")
                served, frequency = canonical_period(period, PERIOD_FREQUENCIES)
                canonical = self._periods[period] = (served, frequency.value)
            except InvalidPeriod as exc:
                self.error(position, "period", "Missing." if not period else str(exc))
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
            if isinstance(value, bool):
                raise InvalidOperation
            if isinstance(value, Decimal):
                number = value
            elif isinstance(value, (int, float)):
                number = Decimal(str(value))
            else:
                number = parse_number(value)
            if not number.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError, TypeError, AttributeError):
            self.error(position, "value", "Not a number.")
            return None
        if value_type == COUNT and number < 0:
            self.error(position, "value", "A count cannot be negative.")
        elif value_type == SHARE and not 0 <= number <= 1:
            self.error(position, "value", "A share lies between 0 and 1.")
        return number
