"""Numbers as feeds write them: a decimal point or, as Dutch spreadsheets do, a decimal comma.

A file uses one convention. The feed declares it (`?decimal=comma` or `?decimal=point`), or the
first value that can be read one way only decides it for the file: `0,25` and `1.234,56` are
written with a decimal comma, `8740.5` and `1,234.56` with a decimal point. With a decimal comma,
`.` groups thousands: `7.912` is 7912. Until a value decides, `7.912` and `1,234` are ambiguous
(7912 or 7.912; 1234 or 1.234): such a value is never guessed. The feed reads the file again once
a later value decided (`Undecided`), and refuses them if none did. A value written in the other
convention than the file's, or grouped wrongly, is refused.

Babel's `parse_decimal(strict=True)` reads the separators (nl_NL for a decimal comma, en_US for a
decimal point); plain digits, most of a feed, never reach it.
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from babel import Locale
from babel.numbers import NumberFormatError, parse_decimal

from services.metrics_api.domain import DecimalSeparator

LOCALES = {DecimalSeparator.COMMA: Locale.parse("nl_NL"), DecimalSeparator.POINT: Locale.parse("en_US")}
WRITTEN = {DecimalSeparator.COMMA: "a decimal comma (1.234,5)", DecimalSeparator.POINT: "a decimal point (1,234.5)"}
# What a figure may be: PostgreSQL's numeric holds far more, but nothing a feed means does.
MAX_INTEGER_DIGITS = 15
MAX_DECIMALS = 20
LIMIT = Decimal(10) ** MAX_INTEGER_DIGITS
# Babel takes some 10 us a value; feeds repeat their values, so each file remembers this many.
CACHED_VALUES = 100_000
OUT_OF_RANGE = (f"Out of range: a figure has at most {MAX_INTEGER_DIGITS} digits before the decimal point "
                f"and {MAX_DECIMALS} after it.")


class NotANumber(ValueError):
    """The value cannot be read as a figure; the message says why."""


class Undecided(ValueError):
    """The value reads two ways and nothing in the file so far says which."""


def in_range(number: Decimal) -> Decimal:
    """The number, if it is a figure a feed can mean (finite, not absurdly large or fine)."""
    if not number.is_finite():
        raise NotANumber("Not a number.")
    if abs(number) >= LIMIT or (number and number.normalize().as_tuple().exponent < -MAX_DECIMALS):  # type: ignore[operator]
        raise NotANumber(OUT_OF_RANGE)
    return number


def _parse(raw: str, separator: DecimalSeparator) -> Decimal | None:
    try:
        return parse_decimal(raw, locale=LOCALES[separator], strict=True)
    except (NumberFormatError, InvalidOperation, ValueError):
        return None


@dataclass
class NumberReader:
    """Reads the values of one file; `separator` is the file's convention once declared or decided."""

    separator: DecimalSeparator | None = None
    declared: bool = False
    decided_by: str = ""  # "?decimal=comma", or the line or index and value that decided
    undecided: int = 0  # ambiguous values met before anything decided

    _cache: dict[str, Decimal] = field(default_factory=dict)

    @classmethod
    def for_file(cls, separator: DecimalSeparator | None) -> "NumberReader":
        if separator is None:
            return cls()
        return cls(separator, declared=True, decided_by=f"?decimal={separator.value}")

    def known(self, raw: str) -> Decimal | None:
        """The value of text read before in this file, if it was good (the feed's fast path)."""
        return self._cache.get(raw)

    def read(self, raw: str, where: str) -> Decimal:
        """The value of a figure written as text; `where` names its place ("line 7") for later messages."""
        text = raw.strip()
        if "." not in text and "," not in text:
            if not text or "_" in text:
                raise NotANumber("Not a number.")
            try:
                return in_range(Decimal(text))
            except InvalidOperation:
                raise NotANumber("Not a number.") from None
        cached = self._cache.get(text)
        if cached is not None:
            return cached
        number = self._read_separated(text, where)
        if len(self._cache) < CACHED_VALUES:
            self._cache[text] = number
        return number

    def _read_separated(self, text: str, where: str) -> Decimal:
        if "_" in text or " " in text:
            raise NotANumber("Not a number.")
        if self.separator is not None:
            number = _parse(text, self.separator)
            if number is not None:
                return in_range(number)
            if _parse(text, self._other()) is not None:
                raise NotANumber(f"'{text}' is written with {WRITTEN[self._other()]}, but this file uses "
                                 f"{WRITTEN[self.separator]} ({self.decided_by}); a file keeps one convention.")
            raise NotANumber("Not a number (or its thousands are grouped wrongly).")
        comma, point = _parse(text, DecimalSeparator.COMMA), _parse(text, DecimalSeparator.POINT)
        if comma is None:
            if point is None:
                raise NotANumber("Not a number (or its thousands are grouped wrongly).")
            self.separator, number = DecimalSeparator.POINT, point
        elif point is None:
            self.separator, number = DecimalSeparator.COMMA, comma
        else:
            self.undecided += 1
            raise Undecided(f"'{text}' is {comma} with a decimal comma and {point} with a decimal point, and no "
                            "value before it says which this file uses: send ?decimal=comma or ?decimal=point.")
        self.decided_by = f"{where}: '{text}'"
        return in_range(number)

    def _other(self) -> DecimalSeparator:
        return DecimalSeparator.POINT if self.separator is DecimalSeparator.COMMA else DecimalSeparator.COMMA
