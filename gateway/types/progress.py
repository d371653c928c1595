"""Types of how actions_api measures progress: goals and their actual value, milestones, results and
progress reports."""

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from gateway.cache_control import PRIVATE
from gateway.clients.actions import GoalRecord, MilestoneRecord, ReportRecord, ResultRecord
from gateway.context import Info
from gateway.types import metrics as metrics_types
from gateway.types.fields import as_date, as_float

if TYPE_CHECKING:
    from gateway.types.metrics import Series


@strawberry.type
class Baseline:
    value: float | None
    year: int | None


@strawberry.type
class PeriodValue:
    period: str | None = strawberry.field(description="Null where the plan names no period (\"van 50% naar 75%\").")
    value: float | None


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _period_values(values: Any) -> list[PeriodValue]:
    return [PeriodValue(period=None if item.get("period") is None else str(item["period"]),
                        value=as_float(item.get("value"))) for item in values or []]


@strawberry.type(description="A level to reach, or a change from the baseline (\"10% meer in 2016\").")
class Target:
    period: str | None = strawberry.field(description="Null where the plan names no period (\"van 50% naar 75%\").")
    value: float | None
    kind: str = strawberry.field(description="level (the value to reach), change (added to the baseline, in "
                                             "the unit) or relative_change (in percent of the baseline)")


def _targets(values: Any) -> list[Target]:
    return [Target(period=None if item.get("period") is None else str(item["period"]),
                   value=as_float(item.get("value")), kind=item.get("kind") or "level") for item in values or []]


@strawberry.type(description="The periods an indicator's actual counts, both ends included; null is open.")
class Window:
    start: str | None
    end: str | None


def _window(value: Any) -> Window:
    value = value if isinstance(value, dict) else {}
    return Window(start=value.get("start"), end=value.get("end"))


def _baseline(value: Any) -> Baseline | None:
    if not isinstance(value, dict):
        return None
    return Baseline(value=as_float(value.get("value")), year=value.get("year"))


@strawberry.type(description="A goal's measured value in its own unit, within its window, as actions_api "
                             "measures it: from a metrics series where the goal points at one, else from approved "
                             "progress reports.")
class GoalActual:
    value: float
    period: str | None = strawberry.field(description="The latest period counted")
    source: str = strawberry.field(description="series or reported")
    derived: bool

    @classmethod
    def of(cls, data: Any) -> "GoalActual | None":
        if not isinstance(data, dict) or data.get("value") is None:
            return None
        return cls(value=float(data["value"]), period=data.get("period"), source=data.get("source") or "reported",
                   derived=bool(data.get("derived")))


PROGRESS_DESCRIPTION = ("The share of the way from the baseline to the target, as actions_api computes it: "
                        "(actual - baseline) / (target - baseline); null when a part is missing (see progressNote)")
PROGRESS_NOTE_DESCRIPTION = ("Why progress is null: qualitative, no_baseline, no_target, not_measured, "
                             "target_is_baseline, series_unknown or series_unavailable")


@strawberry.type
class SeriesReference:
    measure: str
    region: str
    occupation: str
    scale: float = strawberry.field(description="Multiplies the series' values into the goal's unit "
                                                "(100 for a share read as a percentage)")


def _series_reference(value: Any) -> SeriesReference | None:
    if not isinstance(value, dict):
        return None
    return SeriesReference(measure=value["measure"], region=value["region"],
                           occupation=value.get("occupation") or "total", scale=float(value.get("scale") or 1))


@strawberry.type(description="An indicator with a baseline and targets, e.g. 25% > 40% of pupils choose technology.")
class Goal:
    id: strawberry.ID
    name: str
    unit: str | None
    measure_kind: str | None
    ascending: bool
    scope: str | None
    aggregation: str | None
    baseline: Baseline | None
    targets: list[Target]
    window: Window
    reported: list[PeriodValue]
    series_reference: SeriesReference | None
    actual: GoalActual | None
    progress: float | None = strawberry.field(description=PROGRESS_DESCRIPTION)
    progress_note: str | None = strawberry.field(description=PROGRESS_NOTE_DESCRIPTION)
    version: int | None = strawberry.field(description="Send it with updateGoal: a stale one fails.")

    @classmethod
    def of(cls, data: GoalRecord) -> "Goal":
        return cls(
            id=strawberry.ID(str(data["id"])), name=data["name"], unit=data.get("unit"),
            measure_kind=data.get("measure_kind"), ascending=bool(data.get("ascending", True)),
            scope=data.get("scope"), aggregation=data.get("aggregation"), baseline=_baseline(data.get("baseline")),
            targets=_targets(data.get("targets")), window=_window(data.get("window")),
            reported=_period_values(data.get("reported")),
            series_reference=_series_reference(data.get("series")),
            actual=GoalActual.of(data.get("actual")), progress=as_float(data.get("progress")),
            progress_note=data.get("progress_note"), version=data.get("version"),
        )

    @strawberry.field(description="The metrics series the goal is measured by, if any, in the series' own unit.")
    async def series(self, info: Info) -> Annotated["Series", strawberry.lazy("gateway.types.metrics")] | None:
        ref = self.series_reference
        if ref is None:
            return None
        return await metrics_types.Series.load(info, ref.measure, ref.region, ref.occupation)

    @strawberry.field(description="Progress reports on the goal (drafts only for writers and reviewers); only "
                                  "approved ones count in `reported` and `actual`.")
    async def progress_reports(self, info: Info) -> list["ProgressReport"]:
        found = await info.context.loaders.reports_by_subject.load(str(self.id))
        return [ProgressReport.of(item) for item in found]


@strawberry.type
class Due:
    kind: str
    value: str
    label: str | None


@strawberry.type(description="An operational goal: what must be done by when, optionally with a target number.")
class Milestone:
    id: strawberry.ID
    action_id: strawberry.ID
    title: str
    due: Due | None
    due_by: date | None
    target_count: int | None
    reached_count: int | None
    status: str | None
    met_on: date | None
    overdue: bool
    weight: float | None
    version: int | None

    @classmethod
    def of(cls, data: MilestoneRecord) -> "Milestone":
        due = data.get("due")
        return cls(
            id=strawberry.ID(str(data["id"])), action_id=strawberry.ID(str(data["action_id"])), title=data["title"],
            due=Due(kind=due["kind"], value=str(due["value"]), label=due.get("label"))
            if isinstance(due, dict) else None,
            due_by=as_date(data.get("due_by")), target_count=data.get("target_count"),
            reached_count=data.get("reached_count"), status=data.get("status"), met_on=as_date(data.get("met_on")),
            overdue=bool(data.get("overdue", False)), weight=as_float(data.get("weight")), version=data.get("version"),
        )


@strawberry.type
class Indicator:
    name: str | None
    unit: str | None
    measure_kind: str | None
    ascending: bool | None
    baseline: Baseline | None
    targets: list[Target]
    window: Window
    aggregation: str | None
    series: SeriesReference | None = strawberry.field(description="The metrics series it is measured by, if any.")


@strawberry.type(description="An expected measurable effect of an action.")
class Result:
    id: strawberry.ID
    description: str
    indicator: Indicator | None
    reported: list[PeriodValue]
    measured: GoalActual | None = strawberry.field(description="The actual with its period and source.")
    progress: float | None = strawberry.field(description=PROGRESS_DESCRIPTION)
    progress_note: str | None = strawberry.field(description=PROGRESS_NOTE_DESCRIPTION)
    version: int | None = strawberry.field(default=None, description="Send it with updateResult: a stale one fails.")

    @strawberry.field(description="The actual's value, in the indicator's unit (see measured).")
    def actual(self) -> float | None:
        return self.measured.value if self.measured else None

    @classmethod
    def of(cls, data: ResultRecord) -> "Result":
        indicator = data.get("indicator")
        return cls(
            id=strawberry.ID(str(data["id"])), description=data.get("description") or "",
            indicator=Indicator(name=indicator.get("name"), unit=indicator.get("unit"),
                                measure_kind=indicator.get("measure_kind"),
                                ascending=indicator.get("ascending"), baseline=_baseline(indicator.get("baseline")),
                                targets=_targets(indicator.get("targets")), window=_window(indicator.get("window")),
                                aggregation=indicator.get("aggregation"),
                                series=_series_reference(indicator.get("series")))
            if isinstance(indicator, dict) else None,
            reported=_period_values(data.get("reported")), measured=GoalActual.of(data.get("actual")),
            progress=as_float(data.get("progress")), progress_note=data.get("progress_note"),
            version=data.get("version"),
        )


# PRIVATE: drafts and returned reports are shown to their author and reviewers only.
@strawberry.type(description="A dated status and note on an action, milestone or result; the history is kept.",
                 directives=[PRIVATE])
class ProgressReport:
    id: strawberry.ID
    action_id: strawberry.ID | None
    subject: str = strawberry.field(description="action, milestone, result or goal")
    subject_id: strawberry.ID | None
    reported_on: date | None
    status: str | None
    note: str | None
    values: list[PeriodValue]
    state: str
    author: str | None
    reviewed_by: str | None
    review_note: str | None
    version: int | None
    submitted_at: datetime | None = strawberry.field(description="When its author submitted it for review")
    reviewed_at: datetime | None = strawberry.field(description="When `reviewedBy` approved or returned it")

    @classmethod
    def of(cls, data: ReportRecord) -> "ProgressReport":
        subject_id, action_id = data.get("subject_id"), data.get("action_id")
        return cls(
            id=strawberry.ID(str(data["id"])), action_id=strawberry.ID(str(action_id)) if action_id else None,
            subject=data.get("subject") or "action",
            subject_id=strawberry.ID(str(subject_id)) if subject_id else None,
            reported_on=as_date(data.get("reported_on")), status=data.get("status"), note=data.get("note"),
            values=_period_values(data.get("values")), state=data.get("state") or "draft",
            author=data.get("author"), reviewed_by=data.get("reviewed_by"), review_note=data.get("review_note"),
            version=data.get("version"), submitted_at=_moment(data.get("submitted_at")),
            reviewed_at=_moment(data.get("reviewed_at")),
        )
