"""How an indicator is measured: its window, its actual within that window, its progress from baseline to target.

One rule for goals and results, whether the values come from approved progress reports or from a
metrics series (the gateway shows what this computes). Checked against tests/goal_actual_cases.json.
Periods compare as spans of time (`common.periods`), never as text: 2016-12 comes after 2016-Q1.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from common.periods import Period, parse_period
from services.actions_api.domain import ActualSource, Aggregation, MeasureKind, ProgressNote, TargetKind

FOUR_PLACES = Decimal("0.0001")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Measured:
    """One value of an indicator for a period: a reported value, or a point of its series."""

    period: str
    value: Decimal
    # When it was reported: of two values for one period the later report wins. A series has one per period.
    reported_on: date | None = None
    derived: bool = False


@dataclass(frozen=True)
class Window:
    """The periods an indicator counts: from its baseline's period to its target's, either end open."""

    start: str | None = None
    end: str | None = None

    def holds(self, period: Period) -> bool:
        if self.start is not None and period.starts_on < parse_period(self.start).starts_on:
            return False
        return self.end is None or period.ends_on <= parse_period(self.end).ends_on


@dataclass(frozen=True)
class TargetValue:
    period: str | None
    value: Decimal
    kind: str = TargetKind.level


@dataclass(frozen=True)
class Actual:
    value: Decimal
    period: str  # the latest period counted
    source: str
    derived: bool


@dataclass(frozen=True)
class Progress:
    """The share of the way from baseline to target (0 at the baseline, 1 at the target), or why there is none."""

    value: Decimal | None
    note: str | None = None


def window_of(baseline_year: int | None, targets: Sequence[TargetValue], start: str | None = None,
              end: str | None = None) -> Window:
    """Declared bounds win; else from the baseline's year to the latest target's period. A target
    without a period ("naar 75%", no year) leaves the end open, as does no target at all."""
    if start is None and baseline_year is not None:
        start = str(baseline_year)
    if end is None and targets and all(target.period is not None for target in targets):
        end = str(max((parse_period(str(target.period)) for target in targets), key=lambda p: p.sort_key))
    return Window(start, end)


def per_period(values: Iterable[Measured]) -> list[Measured]:
    """One value per period in time order, the most recently reported one winning (a later report
    corrects an earlier one); of two reported on the same day, or without a date, the one given last."""
    latest: dict[Period, Measured] = {}
    for item in values:
        period = parse_period(item.period)
        kept = latest.get(period)
        if kept is None or kept.reported_on is None or item.reported_on is None or item.reported_on >= kept.reported_on:
            latest[period] = item
    return [latest[period] for period in sorted(latest, key=lambda period: period.sort_key)]


def actual_of(values: Iterable[Measured], aggregation: str, window: Window = Window(),
              source: str = ActualSource.reported) -> Actual | None:
    """Within the window: values that add up over periods are summed (the job seekers who moved);
    for a level (a percentage, a count at a date) the latest period's value counts."""
    counted = [item for item in per_period(values) if window.holds(parse_period(item.period))]
    if not counted:
        return None
    latest = counted[-1]
    if aggregation == Aggregation.sum:
        return Actual(sum((item.value for item in counted), Decimal(0)), latest.period, source,
                      any(item.derived for item in counted))
    return Actual(latest.value, latest.period, source, latest.derived)


def final_target(targets: Sequence[TargetValue]) -> TargetValue | None:
    """The target the indicator ends at: the one of the latest period; one without a period comes last."""
    if not targets:
        return None
    return max(enumerate(targets), key=lambda pair: (
        pair[1].period is None, parse_period(pair[1].period).sort_key if pair[1].period else (date.max, date.max),
        pair[0]))[1]


def target_level(target: TargetValue, baseline: Decimal | None) -> Decimal | None:
    """The level a target asks for; a change needs the baseline it starts from."""
    if target.kind == TargetKind.level:
        return target.value
    if baseline is None:
        return None
    if target.kind == TargetKind.change:
        return baseline + target.value
    return baseline * (1 + target.value / HUNDRED)


def progress_of(measure_kind: str, baseline: Decimal | None, targets: Sequence[TargetValue], actual: Actual | None,
                unmeasured: str = ProgressNote.not_measured) -> Progress:
    """(actual - baseline) / (target - baseline): 0.2 for 28% on the way from 25% to 40%. Not clamped:
    past the target it exceeds 1, below the baseline it is negative. `unmeasured` says why there is no actual."""
    if measure_kind == MeasureKind.qualitative:
        return Progress(None, ProgressNote.qualitative)
    target = final_target(targets)
    if target is None:
        return Progress(None, ProgressNote.no_target)
    if baseline is None:
        return Progress(None, ProgressNote.no_baseline)
    if actual is None:
        return Progress(None, unmeasured)
    level = target_level(target, baseline)
    if level is None or level == baseline:
        return Progress(None, ProgressNote.target_is_baseline)
    return Progress(((actual.value - baseline) / (level - baseline)).quantize(FOUR_PLACES))


def scaled(points: Iterable[Measured], scale: Decimal) -> list[Measured]:
    """A series' values in the indicator's unit: a share (0..1) times 100 for a percentage."""
    return [Measured(point.period, point.value * scale, point.reported_on, point.derived) for point in points]
