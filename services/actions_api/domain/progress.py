"""Roll-ups: a milestone's completion, an action's progress from its milestones, a line's from its actions."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.actions_api.domain import ActionStatus, MilestoneStatus
from services.actions_api.models import Action
from services.actions_api.repository import milestones as milestone_rows

FOUR_PLACES = Decimal("0.0001")


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
    return (done / total_weight).quantize(FOUR_PLACES)


def line_progress(actions: Iterable[tuple[str, Decimal]]) -> Decimal | None:
    """The mean progress of a line's actions (status, progress), stopped ones left out; None without actions."""
    counted = [progress for status, progress in actions if status != ActionStatus.stopped]
    if not counted:
        return None
    return (sum(counted, Decimal(0)) / len(counted)).quantize(FOUR_PLACES)


async def roll_up(session: AsyncSession, action: Action) -> None:
    """Store the action's progress anew after its status or one of its milestones changed."""
    milestones = await milestone_rows.progress_of(session, action.id)
    progress = action_progress(action.status, [MilestoneProgress(*m) for m in milestones])
    if progress != action.progress:
        action.progress = progress
