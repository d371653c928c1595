"""Milestones of an action: due by a moment, met or not, optionally counting toward a target."""

import uuid
from collections.abc import Iterable
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from common.problems import field_error, invalid
from services.actions_api.domain import MilestoneStatus, MomentKind
from services.actions_api.domain.moments import Moment, moment, parse_due, today
from services.actions_api.domain.patches import refuse_nulls
from services.actions_api.domain.progress import roll_up
from services.actions_api.models import Action, Milestone
from services.actions_api.repository import milestones as milestone_rows
from services.actions_api.repository import rows
from services.actions_api.schemas.milestones import Due, DueIn, MilestoneIn, MilestoneOut, MilestonePatch


def due_moment(value: str | DueIn, field: str = "due") -> Moment:
    """The plan's wording, or kind and value (with the wording as label); 422 naming the field otherwise."""
    try:
        if isinstance(value, str):
            return parse_due(value)
        if value.kind and value.value:
            return moment(value.kind, value.value, value.label)
        if value.value or value.label:
            parsed = parse_due(value.value or value.label or "")
            return Moment(parsed.period, value.label or parsed.label)
        raise ValueError("Give kind and value, or the moment as the plan wrote it in label.")
    except ValueError as exc:
        raise invalid([field_error(field, str(exc))]) from None


def milestones_out(milestones: Iterable[Milestone]) -> list[MilestoneOut]:
    """Built from rows the database checked, so not validated again (a fifth of a read of actions' CPU went
    to validating what this code had just made); the values have the types the fields declare."""
    now = today()
    return [MilestoneOut.model_construct(
        id=m.id, action_id=m.action_id, title=m.title,
        due=Due.model_construct(kind=MomentKind(m.due_kind), value=m.due_value, label=m.due_label), due_by=m.due_by,
        target_count=m.target_count, reached_count=m.reached_count, status=MilestoneStatus(m.status),
        met_on=m.met_on, overdue=m.status == MilestoneStatus.open and now > m.due_by, weight=m.weight,
        version=m.version,
    ) for m in milestones]


def milestone_out(milestone: Milestone) -> MilestoneOut:
    return milestones_out([milestone])[0]


def _met_on(status: str, met_on: date | None) -> date | None:
    if status == MilestoneStatus.met:
        return met_on or today()
    if met_on is not None:
        raise invalid([field_error("met_on", "Only a met milestone has a date it was met.")])
    return None


def _check_counts(target_count: int | None, reached_count: int | None) -> None:
    if reached_count is not None and target_count is None:
        raise invalid([field_error("reached_count", "Counting needs a target_count.")])


def _set_due(milestone: Milestone, due: Moment) -> None:
    milestone.due_kind, milestone.due_value, milestone.due_label, milestone.due_by = (
        due.kind, due.value, due.label, due.due_by)


async def create_milestone(session: AsyncSession, action_id: uuid.UUID, body: MilestoneIn) -> MilestoneOut:
    action = await rows.get(session, Action, action_id, "action")
    due = due_moment(body.due)
    _check_counts(body.target_count, body.reached_count)
    milestone = Milestone(action_id=action.id, title=body.title, target_count=body.target_count,
                          reached_count=body.reached_count, status=body.status,
                          met_on=_met_on(body.status, body.met_on), weight=body.weight)
    _set_due(milestone, due)
    await rows.save(session, milestone)
    await roll_up(session, action)
    await rows.flush(session)
    return milestone_out(milestone)


async def milestone_by_id(session: AsyncSession, milestone_id: uuid.UUID) -> Milestone:
    return await rows.get(session, Milestone, milestone_id, "milestone")


async def patch_milestone(session: AsyncSession, milestone: Milestone, body: MilestonePatch) -> MilestoneOut:
    changes = body.model_dump(exclude_unset=True)
    refuse_nulls(changes, ["title", "due", "status", "weight"])
    if body.due is not None:
        _set_due(milestone, due_moment(body.due))
    for field in ("title", "target_count", "reached_count", "weight"):
        if field in changes:
            setattr(milestone, field, changes[field])
    _check_counts(milestone.target_count, milestone.reached_count)
    if "status" in changes or "met_on" in changes:
        status = changes.get("status", milestone.status)
        met_on = changes.get("met_on", milestone.met_on if status == MilestoneStatus.met else None)
        milestone.status, milestone.met_on = status, _met_on(status, met_on)
    await rows.flush(session)
    await roll_up(session, await rows.get(session, Action, milestone.action_id, "action"))
    await rows.flush(session)
    return milestone_out(milestone)


async def list_milestones(session: AsyncSession, action_ids: list[uuid.UUID]) -> list[MilestoneOut]:
    return milestones_out(await milestone_rows.of_actions(session, action_ids))
