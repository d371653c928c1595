"""SQL of actions and their participations."""

import uuid
from collections.abc import Sequence
from datetime import date
from typing import cast

from sqlalchemy import Select, bindparam, delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from common.changes import Operation, record_changes
from common.pagination import Keyset, page_of
from services.actions_api.domain import MilestoneStatus
from services.actions_api.models import Action, ActionLine, Milestone, Pact, Participation

ActionRow = tuple[Action, str, int | None]  # an action, its pact's slug and its line's number
ParticipantRow = tuple[uuid.UUID, str, uuid.UUID | None, str | None, str | None]

BY_PACT_AND_NUMBER = Keyset(Action.pact_id, Action.number)


# Built once (statements are immutable): building the joins took a share of every read of actions.
WITH_PACT_AND_LINE: Select[Action, str, int] = (
    select(Action, Pact.slug, ActionLine.number).join(Pact, Action.pact_id == Pact.id)
    .outerjoin(ActionLine, Action.line_id == ActionLine.id))
_BY_IDS = WITH_PACT_AND_LINE.where(Action.id.in_(bindparam("ids", expanding=True))).order_by(Action.pact_id,
                                                                                            Action.number)
# Plain columns, not ORM entities: a page of 50 actions brings hundreds of participants.
_PARTICIPANTS = (select(Participation.action_id, Participation.role, Participation.organisation_id,
                        Participation.organisation_kind, Participation.label)
                 .where(Participation.action_id.in_(bindparam("ids", expanding=True)))
                 .order_by(Participation.action_id, Participation.position))


async def next_number(session: AsyncSession, pact_id: uuid.UUID) -> int:
    highest = await session.scalar(select(func.coalesce(func.max(Action.number), 0)).where(Action.pact_id == pact_id))
    return int(highest or 0) + 1


async def number_taken(session: AsyncSession, pact_id: uuid.UUID, number: int) -> bool:
    return bool(await session.scalar(select(exists().where(Action.pact_id == pact_id, Action.number == number))))


async def row_of(session: AsyncSession, action_id: uuid.UUID) -> ActionRow | None:
    return (await session.execute(WITH_PACT_AND_LINE.where(Action.id == action_id))).one_or_none()


async def rows_of(session: AsyncSession, ids: Sequence[uuid.UUID]) -> Sequence[ActionRow]:
    return (await session.execute(_BY_IDS, {"ids": list(ids)})).all()


async def page(session: AsyncSession, *, pact: str | None, statuses: Sequence[str] | None, line: int | None,
               organisation: uuid.UUID | None, roles: Sequence[str] | None, overdue_on: date | None,
               overdue: bool | None, due_before: date | None, cursor: str | None,
               limit: int) -> tuple[list[ActionRow], str | None]:
    """A page of actions by pact and number; `overdue` compares open milestones' due dates with `overdue_on`,
    `due_before` with that day."""
    statement = WITH_PACT_AND_LINE
    if pact is not None:
        statement = statement.where(Action.pact_id == select(Pact.id).where(Pact.slug == pact).scalar_subquery())
    if statuses:
        statement = statement.where(Action.status.in_(statuses))
    if line is not None:
        statement = statement.where(ActionLine.number == line)
    if organisation is not None:
        taking_part = select(Participation.action_id).where(Participation.organisation_id == organisation)
        if roles:
            taking_part = taking_part.where(Participation.role.in_(roles))
        statement = statement.where(Action.id.in_(taking_part))
    if overdue is not None:
        late = exists().where(Milestone.action_id == Action.id, Milestone.status == MilestoneStatus.open,
                              Milestone.due_by < overdue_on)
        statement = statement.where(late if overdue else ~late)
    if due_before is not None:
        statement = statement.where(exists().where(Milestone.action_id == Action.id,
                                                   Milestone.status == MilestoneStatus.open,
                                                   Milestone.due_by < due_before))
    found = (await session.execute(BY_PACT_AND_NUMBER.paged(statement, cursor, limit))).all()
    return page_of(found, limit, key=lambda row: [row[0].pact_id, row[0].number])


async def participants_of(session: AsyncSession, action_ids: Sequence[uuid.UUID]) -> Sequence[ParticipantRow]:
    """(action id, role, organisation id, organisation kind, label) in each action's order."""
    return (await session.execute(_PARTICIPANTS, {"ids": list(action_ids)})).all()


async def replace_participations(session: AsyncSession, action_id: uuid.UUID,
                                 participations: Sequence[Participation]) -> None:
    removed = (await session.execute(delete(Participation).where(Participation.action_id == action_id)
                                     .returning(Participation.id))).scalars().all()
    record_changes(session, Participation.__tablename__, removed, Operation.deleted)
    session.add_all(participations)


async def participations_of_organisations(session: AsyncSession, organisation_ids: Sequence[uuid.UUID],
                                          ) -> Sequence[tuple[uuid.UUID, uuid.UUID, str]]:
    """(action id, organisation id, role), from the organisation index alone.

    Joining the actions made the planner scan all of them.
    """
    found = await session.execute(
        select(Participation.action_id, Participation.organisation_id, Participation.role)
        .where(Participation.organisation_id.in_(organisation_ids))
        .order_by(Participation.organisation_id, Participation.action_id, Participation.position)
    )
    # Not null: the rows are found by their organisation id.
    return cast(Sequence[tuple[uuid.UUID, uuid.UUID, str]], found.all())


async def move_participations(session: AsyncSession, from_id: uuid.UUID, to_id: uuid.UUID) -> int:
    """Re-point one organisation's participations to another; the actions they are in get a new version."""
    moved = (await session.execute(
        update(Participation).where(Participation.organisation_id == from_id).values(organisation_id=to_id)
        .returning(Participation.id, Participation.action_id).execution_options(synchronize_session=False))).all()
    if moved:
        actions = {action_id for _, action_id in moved}
        await session.execute(update(Action).where(Action.id.in_(actions)).values(version=Action.version + 1)
                              .execution_options(synchronize_session=False))
        record_changes(session, Participation.__tablename__, [one for one, _ in moved], Operation.updated)
        record_changes(session, Action.__tablename__, actions, Operation.updated)
    return len(moved)
