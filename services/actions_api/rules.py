"""Pure rules of the actions domain: status transitions, due moments, periods and roll-ups.

No database and no HTTP here, so each rule is tested on its own (tests/test_rules.py).
"""

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


class ActionStatus(StrEnum):
    planned = "planned"
    in_progress = "in_progress"
    delayed = "delayed"
    achieved = "achieved"
    stopped = "stopped"


# Achieved can be reopened and stopped restarted from scratch; everything else moves forward.
ACTION_TRANSITIONS: dict[ActionStatus, frozenset[ActionStatus]] = {
    ActionStatus.planned: frozenset({ActionStatus.in_progress, ActionStatus.stopped}),
    ActionStatus.in_progress: frozenset({ActionStatus.delayed, ActionStatus.achieved, ActionStatus.stopped}),
    ActionStatus.delayed: frozenset({ActionStatus.in_progress, ActionStatus.achieved, ActionStatus.stopped}),
    ActionStatus.achieved: frozenset({ActionStatus.in_progress}),
    ActionStatus.stopped: frozenset({ActionStatus.planned}),
}


class TransitionRefused(Exception):
    def __init__(self, current: str, requested: str, allowed: Sequence[str]) -> None:
        super().__init__(f"{current} -> {requested}")
        self.current = current
        self.requested = requested
        self.allowed = list(allowed)


def allowed_transitions(current: ActionStatus) -> list[str]:
    return sorted(ACTION_TRANSITIONS[current])


def check_transition(current: str, requested: str) -> bool:
    """True if the status changes, False if it stays; TransitionRefused if the move is not allowed."""
    current_status, requested_status = ActionStatus(current), ActionStatus(requested)
    if current_status == requested_status:
        return False
    if requested_status not in ACTION_TRANSITIONS[current_status]:
        raise TransitionRefused(current, requested, allowed_transitions(current_status))
    return True


class MilestoneStatus(StrEnum):
    open = "open"
    met = "met"
    dropped = "dropped"


class ReportState(StrEnum):
    draft = "draft"
    submitted = "submitted"
    approved = "approved"
    returned = "returned"


# A returned report goes back to its author, who edits and submits it again.
REPORT_TRANSITIONS: dict[ReportState, frozenset[ReportState]] = {
    ReportState.draft: frozenset({ReportState.submitted}),
    ReportState.submitted: frozenset({ReportState.approved, ReportState.returned}),
    ReportState.returned: frozenset({ReportState.submitted}),
    ReportState.approved: frozenset(),
}


def check_report_step(current: str, requested: str) -> None:
    if ReportState(requested) not in REPORT_TRANSITIONS[ReportState(current)]:
        raise TransitionRefused(current, requested, sorted(REPORT_TRANSITIONS[ReportState(current)]))


# --- Moments: due dates of milestones and periods of indicator values -------------------------


class MomentKind(StrEnum):
    date = "date"
    month = "month"
    quarter = "quarter"
    half = "half"
    year = "year"


@dataclass(frozen=True)
class Moment:
    """A day, month, quarter, half year or year, written canonically: 2013-10-15, 2013-10, 2014-Q1, 2014-H2, 2014."""

    kind: MomentKind
    value: str
    label: str | None = None

    @property
    def starts_on(self) -> date:
        return _bounds(self.kind, self.value)[0]

    @property
    def due_by(self) -> date:
        """The last day of the moment: a milestone due "eind 2013" is met in time on 31 December 2013."""
        return _bounds(self.kind, self.value)[1]

    def is_overdue(self, today: date, met: bool) -> bool:
        return not met and today > self.due_by


_CANONICAL = [
    (MomentKind.date, re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")),
    (MomentKind.month, re.compile(r"^(\d{4})-(\d{2})$")),
    (MomentKind.quarter, re.compile(r"^(\d{4})-Q([1-4])$")),
    (MomentKind.half, re.compile(r"^(\d{4})-H([12])$")),
    (MomentKind.year, re.compile(r"^(\d{4})$")),
]


def _bounds(kind: MomentKind, value: str) -> tuple[date, date]:
    pattern = dict(_CANONICAL)[kind]
    match = pattern.match(value)
    if not match:
        raise ValueError(f"'{value}' is not a {kind.value} (expected {_EXAMPLES[kind]}).")
    year = int(match.group(1))
    if not 1900 <= year <= 2200:
        raise ValueError(f"The year {year} is out of range.")
    if kind is MomentKind.date:
        try:
            day = date(year, int(match.group(2)), int(match.group(3)))
        except ValueError:
            raise ValueError(f"'{value}' is not a calendar date.") from None
        return day, day
    if kind is MomentKind.month:
        month = int(match.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"'{value}' has no month {month}.")
        return _month_span(year, month, month)
    if kind is MomentKind.quarter:
        quarter = int(match.group(2))
        return _month_span(year, 3 * quarter - 2, 3 * quarter)
    if kind is MomentKind.half:
        half = int(match.group(2))
        return _month_span(year, 6 * half - 5, 6 * half)
    return date(year, 1, 1), date(year, 12, 31)


def _month_span(year: int, first: int, last: int) -> tuple[date, date]:
    return date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1])


_EXAMPLES = {
    MomentKind.date: "YYYY-MM-DD", MomentKind.month: "YYYY-MM", MomentKind.quarter: "YYYY-Qn",
    MomentKind.half: "YYYY-H1 or YYYY-H2", MomentKind.year: "YYYY",
}


def moment(kind: str, value: str, label: str | None = None) -> Moment:
    """A moment from its canonical form; ValueError says what is wrong."""
    try:
        moment_kind = MomentKind(kind)
    except ValueError:
        raise ValueError(f"Unknown kind '{kind}'; one of {', '.join(k.value for k in MomentKind)}.") from None
    _bounds(moment_kind, value)
    return Moment(moment_kind, value, label)


def parse_period(value: str) -> Moment:
    """A period of an indicator value or target: any canonical moment (2016, 2016-Q1, 2016-07, ...)."""
    for kind, pattern in _CANONICAL:
        if pattern.match(value):
            return moment(kind, value)
    raise ValueError(f"'{value}' is not a period (YYYY, YYYY-Qn, YYYY-Hn, YYYY-MM or YYYY-MM-DD).")


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

_PHRASES: list[tuple[re.Pattern[str], object]] = [
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
    for kind, pattern in _CANONICAL:
        if pattern.match(label.upper() if kind in (MomentKind.quarter, MomentKind.half) else label):
            return moment(kind, label.upper(), None)
    normal = label.lower().strip(" .,;:")
    while (stripped := _FILLER.sub("", normal)) != normal:
        normal = stripped
    for pattern, build in _PHRASES:
        match = pattern.match(normal)
        if match:
            kind, value = build(match)  # type: ignore[operator]
            return moment(kind, value, label)
    raise ValueError(
        f"Cannot read '{label}' as a moment; write a date (2013-10-15), month (2013-10 or 'oktober 2013'), "
        "quarter (2014-Q1 or 'begin 2014'), half (2014-H1) or year (2014 or 'eind 2013')."
    )


# --- Roll-ups ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MilestoneProgress:
    status: str
    weight: Decimal
    target_count: int | None = None
    reached_count: int | None = None


def milestone_completion(milestone: MilestoneProgress) -> Decimal | None:
    """1 when met, the share of the target count reached so far, else 0; None when dropped (it no longer counts)."""
    if milestone.status == MilestoneStatus.dropped:
        return None
    if milestone.status == MilestoneStatus.met:
        return Decimal(1)
    if milestone.target_count:
        return min(Decimal(milestone.reached_count or 0) / Decimal(milestone.target_count), Decimal(1))
    return Decimal(0)


def action_progress(status: str, milestones: Iterable[MilestoneProgress]) -> Decimal:
    """The weighted mean completion of the action's milestones; an achieved action is complete."""
    if status == ActionStatus.achieved:
        return Decimal(1)
    total_weight = Decimal(0)
    done = Decimal(0)
    for milestone in milestones:
        completion = milestone_completion(milestone)
        if completion is None or milestone.weight <= 0:
            continue
        total_weight += milestone.weight
        done += milestone.weight * completion
    if total_weight == 0:
        return Decimal(0)
    return (done / total_weight).quantize(Decimal("0.0001"))


def line_progress(actions: Iterable[tuple[str, Decimal]]) -> Decimal | None:
    """The mean progress of a line's actions (status, progress), stopped ones left out; None without actions."""
    counted = [progress for status, progress in actions if status != ActionStatus.stopped]
    if not counted:
        return None
    return (sum(counted, Decimal(0)) / len(counted)).quantize(Decimal("0.0001"))


class Aggregation(StrEnum):
    sum = "sum"
    latest = "latest"


@dataclass(frozen=True)
class ReportedValue:
    period: str
    value: Decimal
    reported_on: date


def reported_per_period(values: Iterable[ReportedValue]) -> list[tuple[str, Decimal]]:
    """One value per period, the most recently reported one winning (a later report corrects an earlier one)."""
    latest: dict[str, ReportedValue] = {}
    for item in values:
        kept = latest.get(item.period)
        if kept is None or item.reported_on >= kept.reported_on:
            latest[item.period] = item
    ordered = sorted(latest.values(), key=lambda v: (parse_period(v.period).due_by, parse_period(v.period).starts_on))
    return [(v.period, v.value) for v in ordered]


def indicator_actual(aggregation: str, per_period: Sequence[tuple[str, Decimal]]) -> Decimal | None:
    """Values that add up over periods are summed; for a level (a percentage, a count at a date) the latest counts."""
    if not per_period:
        return None
    if aggregation == Aggregation.sum:
        return sum((value for _, value in per_period), Decimal(0))
    return per_period[-1][1]
