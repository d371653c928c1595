"""Due moments of milestones: a period of common.periods, read from a plan's Dutch wording or its canonical form."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from common.periods import Frequency, InvalidPeriod, Period, parse_period
from services.actions_api.domain import MomentKind

FREQUENCY_OF = {
    MomentKind.date: Frequency.day, MomentKind.month: Frequency.month, MomentKind.quarter: Frequency.quarter,
    MomentKind.half: Frequency.half, MomentKind.year: Frequency.year,
}
KIND_OF = {frequency: kind for kind, frequency in FREQUENCY_OF.items()}


def today() -> date:
    return date.today()


@dataclass(frozen=True)
class Moment:
    """A day, month, quarter, half year or year, written canonically: 2013-10-15, 2013-10, 2014-Q1, 2014-H2, 2014."""

    period: Period
    label: str | None = None

    @property
    def kind(self) -> MomentKind:
        return KIND_OF[self.period.frequency]

    @property
    def value(self) -> str:
        return str(self.period)

    @property
    def starts_on(self) -> date:
        return self.period.starts_on

    @property
    def due_by(self) -> date:
        """The last day of the moment: a milestone due "eind 2013" is met in time on 31 December 2013."""
        return self.period.ends_on

    def is_overdue(self, on: date, met: bool) -> bool:
        return not met and on > self.due_by


def moment(kind: str, value: str, label: str | None = None) -> Moment:
    """A moment from its kind and canonical value; ValueError says what is wrong."""
    try:
        moment_kind = MomentKind(kind)
    except ValueError:
        raise ValueError(f"Unknown kind '{kind}'; one of {', '.join(MomentKind)}.") from None
    return Moment(parse_period(value, frozenset({FREQUENCY_OF[moment_kind]})), label)


MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "maart": 3, "mrt": 3, "april": 4, "apr": 4,
    "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "augustus": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}
_ORDINALS = {"1e": 1, "eerste": 1, "2e": 2, "tweede": 2, "3e": 3, "derde": 3, "4e": 4, "vierde": 4}
_YEAR = r"(\d{4})"
_MONTH = "(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
# Words that say "by then" without changing the moment: "uiterlijk eind 2013", "gereed oktober 2013".
_FILLER = re.compile(r"^(uiterlijk|voor|vóór|gereed|klaar|per|in(?! de loop))\s+")

_PHRASES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], tuple[MomentKind, str]]]] = [
    (re.compile(rf"^(\d{{1,2}}) {_MONTH} {_YEAR}$"),
     lambda m: (MomentKind.date, f"{m[3]}-{MONTHS[m[2]]:02d}-{int(m[1]):02d}")),
    (re.compile(rf"^(?:(?:begin|eind|einde|medio|half|midden) )?{_MONTH} {_YEAR}$"),
     lambda m: (MomentKind.month, f"{m[2]}-{MONTHS[m[1]]:02d}")),
    (re.compile(rf"^(?:q|kwartaal )([1-4]) {_YEAR}$"), lambda m: (MomentKind.quarter, f"{m[2]}-Q{m[1]}")),
    (re.compile(rf"^(1e|2e|3e|4e|eerste|tweede|derde|vierde) kwartaal(?: van)? {_YEAR}$"),
     lambda m: (MomentKind.quarter, f"{m[2]}-Q{_ORDINALS[m[1]]}")),
    (re.compile(rf"^(1e|2e|eerste|tweede) helft(?: van)? {_YEAR}$"),
     lambda m: (MomentKind.half, f"{m[2]}-H{_ORDINALS[m[1]]}")),
    (re.compile(rf"^(?:begin|start|aanvang|vroeg in) {_YEAR}$"), lambda m: (MomentKind.quarter, f"{m[1]}-Q1")),
    (re.compile(rf"^(?:voorjaar|medio|midden|halverwege) {_YEAR}$"), lambda m: (MomentKind.half, f"{m[1]}-H1")),
    (re.compile(rf"^(?:zomer) {_YEAR}$"), lambda m: (MomentKind.quarter, f"{m[1]}-Q3")),
    (re.compile(rf"^(?:najaar) {_YEAR}$"), lambda m: (MomentKind.half, f"{m[1]}-H2")),
    (re.compile(rf"^(?:eind|einde|eind van|einde van|eind jaar|ultimo) {_YEAR}$"),
     lambda m: (MomentKind.year, m[1])),
    (re.compile(rf"^(?:in de loop van|gedurende|tijdens|in het jaar|het jaar) {_YEAR}$"),
     lambda m: (MomentKind.year, m[1])),
    # "realisatie in 2014/2015": the range ends with its last year.
    (re.compile(rf"^{_YEAR}\s*[/-]\s*{_YEAR}$"), lambda m: (MomentKind.year, m[2])),
    (re.compile(rf"^{_YEAR}$"), lambda m: (MomentKind.year, m[1])),
]


def parse_due(text: str) -> Moment:
    """A due moment from a plan's Dutch wording, or a canonical value; the wording is kept as label.

    "oktober 2013" -> month 2013-10, "eind 2013" -> year 2013 (due by its last day),
    "begin 2014" -> quarter 2014-Q1, "in de loop van 2014" -> year 2014, "1e helft 2014" -> 2014-H1.
    """
    label = " ".join(text.split())
    if not label:
        raise ValueError("A due moment needs a date, month, quarter, half year or year.")
    try:
        return Moment(parse_period(label))
    except InvalidPeriod:
        pass  # not canonical: read it as the plan's wording
    normal = label.lower().strip(" .,;:")
    while (stripped := _FILLER.sub("", normal)) != normal:
        normal = stripped
    for pattern, build in _PHRASES:
        match = pattern.match(normal)
        if match:
            kind, value = build(match)
            return moment(kind, value, label)
    raise ValueError(
        f"Cannot read '{label}' as a moment; write a date (2013-10-15), month (2013-10 or 'oktober 2013'), "
        "quarter (2014-Q1 or 'begin 2014'), half (2014-H1) or year (2014 or 'eind 2013')."
    )
