"""Actions of a pact: who takes part, their status, and their progress rolled up from the milestones."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from common.pagination import Page
from common.problems import conflict, field_error, invalid, not_found
from services.actions_api.domain import ActionStatus, ParticipationRole
from services.actions_api.domain.milestones import milestones_out
from services.actions_api.domain.moments import today
from services.actions_api.domain.pacts import pact_by_slug
from services.actions_api.domain.patches import refuse_nulls
from services.actions_api.domain.progress import action_progress, roll_up
from services.actions_api.domain.transitions import (
    ACTION_TRANSITIONS,
    TransitionRefused,
    check_transition,
    transition_refused,
)
from services.actions_api.models import Action, Participation
from services.actions_api.partners_client import PartnersClient
from services.actions_api.repository import actions as action_rows
from services.actions_api.repository import lines as line_rows
from services.actions_api.repository import milestones as milestone_rows
from services.actions_api.repository import rows
from services.actions_api.schemas.actions import (
    ActionIn,
    ActionOut,
    ActionPatch,
    Participant,
    ParticipantIn,
    ParticipationOut,
    ParticipationsMove,
)
from services.actions_api.schemas.milestones import MilestoneOut


async def action_by_id(session: AsyncSession, action_id: uuid.UUID) -> Action:
    return await rows.get(session, Action, action_id, "action")


async def _check_participants(partners: PartnersClient, participants: Sequence[ParticipantIn]) -> None:
    """Every organisation id must exist in partners_api; asked before anything is written."""
    unknown = await partners.unknown([p.organisation_id for p in participants if p.organisation_id])
    if unknown:
        raise invalid(
            [field_error(f"participants.{i}.organisation_id", "No organisation with this id in the partner registry.")
             for i, p in enumerate(participants) if p.organisation_id in unknown],
            detail="Unknown organisations; nothing was written.",
        )


async def _line_id(session: AsyncSession, pact_id: uuid.UUID, number: int | None) -> uuid.UUID | None:
    if number is None:
        return None
    line_id = await line_rows.id_of(session, pact_id, number)
    if line_id is None:
        raise invalid([field_error("line", f"The pact has no action line {number}.")])
    return line_id


async def _check_number_free(session: AsyncSession, pact_id: uuid.UUID, number: int) -> None:
    if await action_rows.number_taken(session, pact_id, number):
        raise conflict(f"The pact has an action {number} already.")


def _participations(action_id: uuid.UUID, participants: Sequence[ParticipantIn]) -> list[Participation]:
    return [Participation(action_id=action_id, position=i, role=p.role, organisation_id=p.organisation_id,
                          organisation_kind=p.organisation_kind, label=p.label)
            for i, p in enumerate(participants)]


async def create_action(session: AsyncSession, partners: PartnersClient, slug: str, body: ActionIn) -> ActionOut:
    pact = await pact_by_slug(session, slug)
    line_id = await _line_id(session, pact.id, body.line)
    if body.number is None:
        number = await action_rows.next_number(session, pact.id)
    else:
        number = body.number
        await _check_number_free(session, pact.id, number)
    await _check_participants(partners, body.participants)
    action = Action(pact_id=pact.id, line_id=line_id, number=number, title=body.title, description=body.description,
                    aim=body.aim, ambition=body.ambition, status=body.status,
                    progress=action_progress(body.status, []))
    await rows.save(session, action)
    await rows.save(session, *_participations(action.id, body.participants))
    return await get_action(session, action.id)


async def get_action(session: AsyncSession, action_id: uuid.UUID) -> ActionOut:
    row = await action_rows.row_of(session, action_id)
    if row is None:
        raise not_found("action", action_id)
    return (await _actions_out(session, [row]))[0]


async def list_actions(session: AsyncSession, *, ids: list[uuid.UUID] | None = None, pact: str | None = None,
                       statuses: list[str] | None = None, line: int | None = None,
                       organisation: uuid.UUID | None = None, roles: list[str] | None = None,
                       overdue: bool | None = None, due_before: date | None = None, limit: int = 50,
                       cursor: str | None = None) -> Page[ActionOut]:
    if ids is not None:
        return Page(items=await _actions_out(session, await action_rows.rows_of(session, ids)))
    page, next_cursor = await action_rows.page(
        session, pact=pact, statuses=statuses, line=line, organisation=organisation, roles=roles,
        overdue_on=today(), overdue=overdue, due_before=due_before, cursor=cursor, limit=limit)
    return Page(items=await _actions_out(session, page), next_cursor=next_cursor)


async def _actions_out(session: AsyncSession, found: Sequence[action_rows.ActionRow]) -> list[ActionOut]:
    ids = [action.id for action, _, _ in found]
    participants: dict[uuid.UUID, list[Participant]] = defaultdict(list)
    next_milestones: dict[uuid.UUID, MilestoneOut] = {}
    if ids:
        for action_id, role, organisation_id, kind, label in await action_rows.participants_of(session, ids):
            participants[action_id].append(Participant.model_construct(
                role=ParticipationRole(role), organisation_id=organisation_id, organisation_kind=kind, label=label))
        upcoming = await milestone_rows.next_open(session, ids)
        next_milestones = {m.action_id: m for m in milestones_out(upcoming)}
    out = []
    # Not validated again: built from checked rows, with the types the fields declare (milestones_out).
    for action, slug, line_number in found:
        upcoming_one = next_milestones.get(action.id)
        status = ActionStatus(action.status)
        out.append(ActionOut.model_construct(
            id=action.id, pact=slug, line_number=line_number, number=action.number, title=action.title,
            description=action.description, aim=action.aim, ambition=action.ambition, status=status,
            progress=action.progress, overdue=bool(upcoming_one and upcoming_one.overdue), version=action.version,
            participants=participants[action.id], next_milestone=upcoming_one,
            allowed_statuses=sorted(ACTION_TRANSITIONS[status]),
        ))
    return out


def _touch(row: Action) -> None:
    """Mark a row changed when only its children changed, so its version (the ETag) moves on."""
    row.updated_at = datetime.now(UTC)


async def patch_action(session: AsyncSession, partners: PartnersClient, action: Action, body: ActionPatch) -> ActionOut:
    changes = body.model_dump(exclude_unset=True)
    refuse_nulls(changes, ["title", "number"])
    refuse_nulls(changes, ["participants"], "May not be null; send [] to remove every participant.")
    if "line" in changes:
        action.line_id = await _line_id(session, action.pact_id, body.line)
    if body.number is not None and body.number != action.number:
        await _check_number_free(session, action.pact_id, body.number)
        action.number = body.number
    for field in ("title", "description", "aim", "ambition"):
        if field in changes:
            setattr(action, field, changes[field])
    if body.participants is not None:
        await _check_participants(partners, body.participants)
        await action_rows.replace_participations(session, action.id, _participations(action.id, body.participants))
        _touch(action)
    await rows.flush(session)
    return await get_action(session, action.id)


async def change_status(session: AsyncSession, action: Action, status: str) -> None:
    """Move the action to the status, if the transition is allowed (409 naming the allowed ones otherwise)."""
    try:
        changed = check_transition(action.status, status)
    except TransitionRefused as refused:
        raise transition_refused("action", refused) from None
    if changed:
        action.status = status
        await roll_up(session, action)
        await rows.flush(session)


async def set_status(session: AsyncSession, action: Action, status: str) -> ActionOut:
    await change_status(session, action, status)
    return await get_action(session, action.id)


async def participations_of(session: AsyncSession, organisation_ids: list[uuid.UUID]) -> list[ParticipationOut]:
    found = await action_rows.participations_of_organisations(session, organisation_ids)
    # Typed by the database already; validating thousands of rows again would cost more than the query.
    return [ParticipationOut.model_construct(action_id=a, organisation_id=o, role=ParticipationRole(r))
            for a, o, r in found]


async def move_participations(session: AsyncSession, body: ParticipationsMove) -> int:
    """partners_api merged two organisations: what the duplicate took part in, the survivor does.
    Moving again moves nothing, so partners_api may retry."""
    if body.from_organisation_id == body.to_organisation_id:
        raise invalid([field_error("to_organisation_id", "Must differ from from_organisation_id.")])
    return await action_rows.move_participations(session, body.from_organisation_id, body.to_organisation_id)
