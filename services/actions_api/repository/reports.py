"""SQL of progress reports."""

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions_api.domain import ReportState
from services.actions_api.models import Milestone, ProgressReport, Result

# Built once (see repository/lines.py): every read of goals or results asks it.
_APPROVED_VALUES = (
    select(ProgressReport.subject_id, ProgressReport.reported_on, ProgressReport.values)
    .where(ProgressReport.subject_id.in_(bindparam("ids", expanding=True)),
           ProgressReport.state == ReportState.approved)
    .order_by(ProgressReport.reported_on, ProgressReport.reviewed_at))


async def approved_values(session: AsyncSession,
                          subject_ids: Sequence[uuid.UUID]) -> Sequence[tuple[uuid.UUID, date, list[dict[str, Any]]]]:
    """(subject id, reported on, values) of the approved reports on these subjects, in the order they were made."""
    return (await session.execute(_APPROVED_VALUES, {"ids": list(subject_ids)})).all()


async def action_of(session: AsyncSession, subject: type[Milestone | Result],
                    subject_id: uuid.UUID) -> uuid.UUID | None:
    """The action a milestone or result belongs to."""
    return await session.scalar(select(subject.action_id).where(subject.id == subject_id))


async def listed(session: AsyncSession, *, action_ids: Sequence[uuid.UUID] | None,
                 subject_ids: Sequence[uuid.UUID] | None, states: Sequence[str] | None,
                 with_drafts: bool) -> Sequence[ProgressReport]:
    statement = select(ProgressReport).order_by(ProgressReport.reported_on, ProgressReport.created_at)
    if action_ids is not None:
        statement = statement.where(ProgressReport.action_id.in_(action_ids))
    if subject_ids is not None:
        statement = statement.where(ProgressReport.subject_id.in_(subject_ids))
    if states:
        statement = statement.where(ProgressReport.state.in_(states))
    if not with_drafts:
        statement = statement.where(ProgressReport.state != ReportState.draft)
    return (await session.scalars(statement)).all()
