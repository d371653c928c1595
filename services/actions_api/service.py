"""Domain logic of the actions API: reads are set-based, writes only flush (the request commits).

Every list and fetch-many answer is built from a fixed number of queries, whatever its length:
the rows themselves, then one query per kind of nested data (participants, next milestones, ...).
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Select, delete, exists, func, select, tuple_
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import aliased

from common.auth import Principal
from common.pagination import Page, decode_cursor, encode_cursor
from common.problems import Problem, conflict, field_error, invalid, not_found
from services.actions_api import rules
from services.actions_api.models import (
    Action,
    ActionLine,
    AgendaItem,
    Goal,
    Milestone,
    Participation,
    Pact,
    ProgressReport,
    Result,
)
from services.actions_api.partners import PartnersClient
from services.actions_api.schemas import (
    ActionIn,
    ActionOut,
    ActionPatch,
    AgendaIn,
    AgendaOut,
    DueIn,
    GoalIn,
    GoalOut,
    GoalPatch,
    GoalReportIn,
    IndicatorIn,
    LineIn,
    LineOut,
    MilestoneIn,
    MilestoneOut,
    MilestonePatch,
    PactIn,
    PactOut,
    PactPatch,
    ParticipantIn,
    ParticipationOut,
    ReportIn,
    ReportOut,
    ReportPatch,
    ResultIn,
    ResultOut,
    ResultPatch,
)

LEVEL_RANK = {"national": 0, "regional": 1, "subregional": 2}


def today() -> date:
    return date.today()


def transition_refused(what: str, refused: rules.TransitionRefused) -> Problem:
    allowed = ", ".join(refused.allowed) or "nothing (final)"
    return Problem(409, "Transition not allowed",
                   f"A {what} that is {refused.current} cannot become {refused.requested}; allowed: {allowed}.",
                   type="transition-not-allowed", current=refused.current, requested=refused.requested,
                   allowed=refused.allowed)


M = TypeVar("M", bound=BaseModel)


def _revalidate(model: type[M], data: dict[str, Any]) -> M:
    """A resource as a PATCH leaves it, checked whole as on creation; errors name the field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid([field_error(".".join(str(part) for part in error["loc"]) or "body",
                                   error["msg"].removeprefix("Value error, "))
                       for error in exc.errors()]) from None


def _not_null(changes: dict[str, Any], fields: Iterable[str]) -> None:
    nulls = [field for field in fields if field in changes and changes[field] is None]
    if nulls:
        raise invalid([field_error(field, "May not be null.") for field in nulls])


# --- Pacts ------------------------------------------------------------------------------------


async def pact_by_slug(session: AsyncSession, slug: str) -> Pact:
    pact = await session.scalar(select(Pact).where(Pact.slug == slug))
    if pact is None:
        raise not_found("pact", slug)
    return pact


async def create_pact(session: AsyncSession, body: PactIn) -> PactOut:
    if await session.scalar(select(exists().where(Pact.slug == body.slug))):
        raise conflict(f"A pact with slug '{body.slug}' exists already.")
    parent_id = None
    if body.parent is not None:
        parent = await session.scalar(select(Pact).where(Pact.slug == body.parent))
        if parent is None:
            raise invalid([field_error("parent", f"No pact with slug '{body.parent}'.")])
        if LEVEL_RANK[parent.level] >= LEVEL_RANK[body.level]:
            raise invalid([field_error("parent", f"A {body.level} pact cannot sit under a {parent.level} pact.")])
        parent_id = parent.id
    pact = Pact(slug=body.slug, name=body.name, level=body.level, parent_id=parent_id, region=body.region,
                period_start=body.period_start, period_end=body.period_end, signed_on=body.signed_on,
                source_document=body.source_document)
    session.add(pact)
    await session.flush()
    return (await _pacts_out(session, [(pact, body.parent)]))[0]


def _pact_rows() -> Select:
    parent = aliased(Pact)
    return select(Pact, parent.slug).outerjoin(parent, Pact.parent_id == parent.id)


async def get_pact(session: AsyncSession, slug: str) -> PactOut:
    row = (await session.execute(_pact_rows().where(Pact.slug == slug))).one_or_none()
    if row is None:
        raise not_found("pact", slug)
    return (await _pacts_out(session, [tuple(row)]))[0]


async def patch_pact(session: AsyncSession, pact: Pact, body: PactPatch) -> PactOut:
    changes = body.model_dump(exclude_unset=True)
    _not_null(changes, ["name"])
    current = {"slug": pact.slug, "name": pact.name, "level": pact.level, "region": pact.region,
               "period_start": pact.period_start, "period_end": pact.period_end, "signed_on": pact.signed_on,
               "source_document": pact.source_document}
    checked = _revalidate(PactIn, {**current, **changes})
    for field in changes:
        setattr(pact, field, getattr(checked, field))
    await session.flush()
    return await get_pact(session, pact.slug)


async def list_pacts(session: AsyncSession, *, slugs: list[str] | None, parent: str | None,
                     limit: int, cursor: str | None) -> Page[PactOut]:
    statement = _pact_rows().order_by(Pact.slug)
    if slugs is not None:
        rows = (await session.execute(statement.where(Pact.slug.in_(slugs)))).all()
        return Page(items=await _pacts_out(session, [tuple(r) for r in rows]))
    if parent is not None:
        statement = statement.where(Pact.parent_id.in_(select(Pact.id).where(Pact.slug == parent)))
    after = decode_cursor(cursor, 1)
    if after is not None:
        statement = statement.where(Pact.slug > after[0])
    rows = (await session.execute(statement.limit(limit + 1))).all()
    page = [tuple(r) for r in rows[:limit]]
    next_cursor = encode_cursor([page[-1][0].slug]) if len(rows) > limit else None
    return Page(items=await _pacts_out(session, page), next_cursor=next_cursor)


async def _pacts_out(session: AsyncSession, rows: Sequence[tuple[Pact, str | None]]) -> list[PactOut]:
    children: dict[uuid.UUID, list[str]] = defaultdict(list)
    if rows:
        found = await session.execute(select(Pact.parent_id, Pact.slug)
                                      .where(Pact.parent_id.in_([p.id for p, _ in rows])).order_by(Pact.slug))
        for parent_id, slug in found:
            children[parent_id].append(slug)
    return [PactOut(id=p.id, slug=p.slug, name=p.name, level=p.level, parent=parent_slug, region=p.region,
                    period_start=p.period_start, period_end=p.period_end, signed_on=p.signed_on,
                    source_document=p.source_document, children=children[p.id], version=p.version)
            for p, parent_slug in rows]


# --- Indicators (goals and results) -----------------------------------------------------------


def _indicator_columns(body: IndicatorIn) -> dict[str, Any]:
    return {
        "unit": body.unit, "measure_kind": body.measure_kind, "ascending": body.ascending,
        "baseline_value": body.baseline.value if body.baseline else None,
        "baseline_year": body.baseline.year if body.baseline else None,
        "targets": [{"period": t.period, "value": str(t.value)} for t in body.targets],
        "aggregation": body.aggregation,
        "series_measure": body.series.measure if body.series else None,
        "series_region": body.series.region if body.series else None,
        "series_occupation": body.series.occupation if body.series else None,
    }


def _indicator_fields(row: Goal | Result) -> dict[str, Any]:
    return {
        "unit": row.unit, "measure_kind": row.measure_kind, "ascending": row.ascending,
        "baseline": ({"value": row.baseline_value, "year": row.baseline_year}
                     if row.baseline_value is not None else None),
        "targets": row.targets, "aggregation": row.aggregation,
        "series": ({"measure": row.series_measure, "region": row.series_region, "occupation": row.series_occupation}
                   if row.series_measure else None),
    }


async def _approved_values(session: AsyncSession, subject_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[rules.ReportedValue]]:
    """Values of approved reports per subject: the only ones that count toward an actual."""
    ids = list(subject_ids)
    values: dict[uuid.UUID, list[rules.ReportedValue]] = defaultdict(list)
    if not ids:
        return values
    rows = await session.execute(
        select(ProgressReport.subject_id, ProgressReport.reported_on, ProgressReport.values)
        .where(ProgressReport.subject_id.in_(ids), ProgressReport.state == rules.ReportState.approved)
        .order_by(ProgressReport.reported_on, ProgressReport.reviewed_at)
    )
    for subject_id, reported_on, items in rows:
        values[subject_id].extend(rules.ReportedValue(item["period"], Decimal(item["value"]), reported_on)
                                  for item in items)
    return values


def _reported_and_actual(aggregation: str, values: list[rules.ReportedValue]) -> dict[str, Any]:
    per_period = rules.reported_per_period(values)
    return {"reported": [{"period": period, "value": value} for period, value in per_period],
            "actual": rules.indicator_actual(aggregation, per_period)}


# --- Action lines and goals -------------------------------------------------------------------


async def create_line(session: AsyncSession, slug: str, body: LineIn) -> LineOut:
    pact = await pact_by_slug(session, slug)
    if await session.scalar(select(exists().where(ActionLine.pact_id == pact.id, ActionLine.number == body.number))):
        raise conflict(f"Pact '{slug}' has an action line {body.number} already.")
    line = ActionLine(pact_id=pact.id, number=body.number, name=body.name, aim=body.aim)
    session.add(line)
    await session.flush()
    session.add_all(Goal(line_id=line.id, name=goal.name, scope=goal.scope, **_indicator_columns(goal))
                    for goal in body.goals)
    await session.flush()
    return (await _lines_out(session, [(line, slug)]))[0]


async def list_lines(session: AsyncSession, slugs: list[str], *, one_pact: bool) -> list[LineOut]:
    """The lines of one pact (404 if it does not exist) or, fetching many, of several (unknown ones absent)."""
    if one_pact:
        await pact_by_slug(session, slugs[0])
    rows = (await session.execute(select(ActionLine, Pact.slug).join(Pact).where(Pact.slug.in_(slugs))
                                  .order_by(Pact.slug, ActionLine.number))).all()
    return await _lines_out(session, [tuple(r) for r in rows])


async def _lines_out(session: AsyncSession, rows: Sequence[tuple[ActionLine, str]]) -> list[LineOut]:
    ids = [line.id for line, _ in rows]
    slugs = {line.id: slug for line, slug in rows}
    goals: dict[uuid.UUID, list[GoalOut]] = defaultdict(list)
    progress: dict[uuid.UUID, list[tuple[str, Decimal]]] = defaultdict(list)
    if ids:
        goal_rows = (await session.scalars(select(Goal).where(Goal.line_id.in_(ids))
                                           .order_by(Goal.created_at, Goal.id))).all()
        for goal in await _goals_out(session, [(goal, slugs[goal.line_id]) for goal in goal_rows]):
            goals[goal.line_id].append(goal)
        for line_id, status, value in await session.execute(
            select(Action.line_id, Action.status, Action.progress).where(Action.line_id.in_(ids))
        ):
            progress[line_id].append((status, value))
    return [LineOut(id=line.id, pact=slug, number=line.number, name=line.name, aim=line.aim,
                    goals=goals[line.id], progress=rules.line_progress(progress[line.id]), version=line.version)
            for line, slug in rows]


async def create_goal(session: AsyncSession, line_id: uuid.UUID, body: GoalIn) -> GoalOut:
    row = (await session.execute(select(ActionLine, Pact.slug).join(Pact).where(ActionLine.id == line_id))).one_or_none()
    if row is None:
        raise not_found("action line", line_id)
    goal = Goal(line_id=line_id, name=body.name, scope=body.scope, **_indicator_columns(body))
    session.add(goal)
    await session.flush()
    return (await _goals_out(session, [(goal, row[1])]))[0]


def _indicator_input(row: Goal | Result) -> dict[str, Any]:
    fields = _indicator_fields(row)
    return {**fields, "targets": [{"period": t["period"], "value": t["value"]} for t in fields["targets"]]}


async def patch_goal(session: AsyncSession, goal: Goal, body: GoalPatch) -> GoalOut:
    changes = body.model_dump(exclude_unset=True)
    _not_null(changes, ["name", "scope", "measure_kind", "ascending", "targets", "aggregation"])
    checked = _revalidate(GoalIn, {"name": goal.name, "scope": goal.scope, **_indicator_input(goal), **changes})
    goal.name, goal.scope = checked.name, checked.scope
    for column, value in _indicator_columns(checked).items():
        setattr(goal, column, value)
    await session.flush()
    return (await list_goals(session, ids=[goal.id], series=None))[0]


async def list_goals(session: AsyncSession, *, ids: list[uuid.UUID] | None,
                     series: list[tuple[str, str, str]] | None) -> list[GoalOut]:
    statement = (select(Goal, Pact.slug).join(ActionLine, Goal.line_id == ActionLine.id)
                 .join(Pact, ActionLine.pact_id == Pact.id).order_by(Pact.slug, ActionLine.number, Goal.created_at))
    if ids is not None:
        statement = statement.where(Goal.id.in_(ids))
    if series is not None:
        statement = statement.where(tuple_(Goal.series_measure, Goal.series_region, Goal.series_occupation).in_(series))
    rows = (await session.execute(statement)).all()
    return await _goals_out(session, [tuple(r) for r in rows])


async def _goals_out(session: AsyncSession, rows: Sequence[tuple[Goal, str]]) -> list[GoalOut]:
    values = await _approved_values(session, [goal.id for goal, _ in rows])
    return [GoalOut(id=goal.id, line_id=goal.line_id, pact=slug, name=goal.name, scope=goal.scope,
                    version=goal.version, **_indicator_fields(goal),
                    **_reported_and_actual(goal.aggregation, values[goal.id]))
            for goal, slug in rows]


async def goal_by_id(session: AsyncSession, goal_id: uuid.UUID) -> Goal:
    goal = await session.get(Goal, goal_id)
    if goal is None:
        raise not_found("goal", goal_id)
    return goal


# --- Actions ----------------------------------------------------------------------------------


async def action_by_id(session: AsyncSession, action_id: uuid.UUID) -> Action:
    action = await session.get(Action, action_id)
    if action is None:
        raise not_found("action", action_id)
    return action


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
    line_id = await session.scalar(select(ActionLine.id).where(ActionLine.pact_id == pact_id,
                                                               ActionLine.number == number))
    if line_id is None:
        raise invalid([field_error("line", f"The pact has no action line {number}.")])
    return line_id


async def _check_number_free(session: AsyncSession, pact_id: uuid.UUID, number: int) -> None:
    if await session.scalar(select(exists().where(Action.pact_id == pact_id, Action.number == number))):
        raise conflict(f"The pact has an action {number} already.")


def _participations(action_id: uuid.UUID, participants: Sequence[ParticipantIn]) -> list[Participation]:
    return [Participation(action_id=action_id, position=i, role=p.role, organisation_id=p.organisation_id,
                          organisation_kind=p.organisation_kind, label=p.label)
            for i, p in enumerate(participants)]


async def create_action(session: AsyncSession, partners: PartnersClient, slug: str, body: ActionIn) -> ActionOut:
    pact = await pact_by_slug(session, slug)
    line_id = await _line_id(session, pact.id, body.line)
    if body.number is None:
        number = (await session.scalar(select(func.coalesce(func.max(Action.number), 0))
                                       .where(Action.pact_id == pact.id))) + 1
    else:
        number = body.number
        await _check_number_free(session, pact.id, number)
    await _check_participants(partners, body.participants)
    action = Action(pact_id=pact.id, line_id=line_id, number=number, title=body.title, description=body.description,
                    aim=body.aim, ambition=body.ambition, status=body.status,
                    progress=rules.action_progress(body.status, []))
    session.add(action)
    await session.flush()
    session.add_all(_participations(action.id, body.participants))
    await session.flush()
    return await get_action(session, action.id)


def _action_rows() -> Select:
    return (select(Action, Pact.slug, ActionLine.number).join(Pact, Action.pact_id == Pact.id)
            .outerjoin(ActionLine, Action.line_id == ActionLine.id))


async def get_action(session: AsyncSession, action_id: uuid.UUID) -> ActionOut:
    row = (await session.execute(_action_rows().where(Action.id == action_id))).one_or_none()
    if row is None:
        raise not_found("action", action_id)
    return (await _actions_out(session, [tuple(row)]))[0]


async def list_actions(session: AsyncSession, *, ids: list[uuid.UUID] | None = None, pact: str | None = None,
                       statuses: list[str] | None = None, line: int | None = None,
                       organisation: uuid.UUID | None = None, roles: list[str] | None = None,
                       overdue: bool | None = None, limit: int = 50, cursor: str | None = None) -> Page[ActionOut]:
    statement = _action_rows()
    if ids is not None:
        rows = (await session.execute(statement.where(Action.id.in_(ids)).order_by(Action.pact_id, Action.number))).all()
        return Page(items=await _actions_out(session, [tuple(r) for r in rows]))
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
        late = exists().where(Milestone.action_id == Action.id, Milestone.status == rules.MilestoneStatus.open,
                              Milestone.due_by < today())
        statement = statement.where(late if overdue else ~late)
    after = decode_cursor(cursor, 2)
    if after is not None:
        try:
            key = (uuid.UUID(str(after[0])), int(after[1]))
        except (ValueError, TypeError):
            raise invalid([field_error("cursor", "Not a cursor this list gave out.", **{"in": "query"})]) from None
        statement = statement.where(tuple_(Action.pact_id, Action.number) > key)
    rows = (await session.execute(statement.order_by(Action.pact_id, Action.number).limit(limit + 1))).all()
    page = [tuple(r) for r in rows[:limit]]
    next_cursor = encode_cursor([str(page[-1][0].pact_id), page[-1][0].number]) if len(rows) > limit else None
    return Page(items=await _actions_out(session, page), next_cursor=next_cursor)


async def _actions_out(session: AsyncSession, rows: Sequence[tuple[Action, str, int | None]]) -> list[ActionOut]:
    ids = [action.id for action, _, _ in rows]
    participants: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    next_milestones: dict[uuid.UUID, MilestoneOut] = {}
    if ids:
        # Plain columns, not ORM entities: a page of 50 actions brings hundreds of participants.
        for action_id, role, organisation_id, kind, label in await session.execute(
            select(Participation.action_id, Participation.role, Participation.organisation_id,
                   Participation.organisation_kind, Participation.label)
            .where(Participation.action_id.in_(ids)).order_by(Participation.action_id, Participation.position)
        ):
            participants[action_id].append({"role": role, "organisation_id": organisation_id,
                                            "organisation_kind": kind, "label": label})
        # The earliest open milestone of each action, in one query (DISTINCT ON).
        upcoming = (await session.scalars(
            select(Milestone).where(Milestone.action_id.in_(ids), Milestone.status == rules.MilestoneStatus.open)
            .order_by(Milestone.action_id, Milestone.due_by, Milestone.id).ext(distinct_on(Milestone.action_id))
        )).all()
        next_milestones = {m.action_id: m for m in _milestones_out(upcoming)}
    out = []
    for action, slug, line_number in rows:
        upcoming_one = next_milestones.get(action.id)
        out.append(ActionOut(
            id=action.id, pact=slug, line_number=line_number, number=action.number, title=action.title,
            description=action.description, aim=action.aim, ambition=action.ambition, status=action.status,
            progress=action.progress, overdue=bool(upcoming_one and upcoming_one.overdue), version=action.version,
            participants=participants[action.id], next_milestone=upcoming_one,
        ))
    return out


def _touch(row: Any) -> None:
    """Mark a row changed when only its children changed, so its version (the ETag) moves on."""
    row.updated_at = datetime.now(UTC)


async def patch_action(session: AsyncSession, partners: PartnersClient, action: Action, body: ActionPatch) -> ActionOut:
    changes = body.model_dump(exclude_unset=True)
    for required in ("title", "number"):
        if required in changes and changes[required] is None:
            raise invalid([field_error(required, "May not be null.")])
    if "participants" in changes and body.participants is None:
        raise invalid([field_error("participants", "May not be null; send [] to remove every participant.")])
    if "line" in changes:
        action.line_id = await _line_id(session, action.pact_id, body.line)
    if "number" in changes and body.number != action.number:
        await _check_number_free(session, action.pact_id, body.number)
        action.number = body.number
    for field in ("title", "description", "aim", "ambition"):
        if field in changes:
            setattr(action, field, changes[field])
    if body.participants is not None:
        await _check_participants(partners, body.participants)
        await session.execute(delete(Participation).where(Participation.action_id == action.id))
        session.add_all(_participations(action.id, body.participants))
        _touch(action)
    await session.flush()
    return await get_action(session, action.id)


async def set_status(session: AsyncSession, action: Action, status: str) -> ActionOut:
    try:
        changed = rules.check_transition(action.status, status)
    except rules.TransitionRefused as refused:
        raise transition_refused("action", refused) from None
    if changed:
        action.status = status
        await _roll_up(session, action)
        await session.flush()
    return await get_action(session, action.id)


async def _roll_up(session: AsyncSession, action: Action) -> None:
    milestones = (await session.execute(
        select(Milestone.status, Milestone.weight, Milestone.target_count, Milestone.reached_count)
        .where(Milestone.action_id == action.id)
    )).all()
    progress = rules.action_progress(action.status, [rules.MilestoneProgress(*m) for m in milestones])
    if progress != action.progress:
        action.progress = progress


async def participations_of(session: AsyncSession, organisation_ids: list[uuid.UUID]) -> list[ParticipationOut]:
    """From the organisation index alone: joining the actions made the planner scan all of them."""
    rows = await session.execute(
        select(Participation.action_id, Participation.organisation_id, Participation.role)
        .where(Participation.organisation_id.in_(organisation_ids))
        .order_by(Participation.organisation_id, Participation.action_id, Participation.position)
    )
    # Typed by the database already; validating thousands of rows again would cost more than the query.
    return [ParticipationOut.model_construct(action_id=a, organisation_id=o, role=r) for a, o, r in rows]


# --- Milestones -------------------------------------------------------------------------------


def _due(value: str | DueIn, field: str = "due") -> rules.Moment:
    try:
        if isinstance(value, str):
            return rules.parse_due(value)
        if value.kind and value.value:
            return rules.moment(value.kind, value.value.upper() if value.kind in ("quarter", "half") else value.value,
                                value.label)
        if value.value or value.label:
            parsed = rules.parse_due(value.value or value.label or "")
            return rules.Moment(parsed.kind, parsed.value, value.label or parsed.label)
        raise ValueError("Give kind and value, or the moment as the plan wrote it in label.")
    except ValueError as exc:
        raise invalid([field_error(field, str(exc))]) from None


def _milestones_out(milestones: Iterable[Milestone]) -> list[MilestoneOut]:
    now = today()
    return [MilestoneOut(
        id=m.id, action_id=m.action_id, title=m.title,
        due={"kind": m.due_kind, "value": m.due_value, "label": m.due_label}, due_by=m.due_by,
        target_count=m.target_count, reached_count=m.reached_count, status=m.status, met_on=m.met_on,
        overdue=m.status == rules.MilestoneStatus.open and now > m.due_by, weight=m.weight, version=m.version,
    ) for m in milestones]


def _check_met(status: str, met_on: date | None) -> date | None:
    if status == rules.MilestoneStatus.met:
        return met_on or today()
    if met_on is not None:
        raise invalid([field_error("met_on", "Only a met milestone has a date it was met.")])
    return None


def _check_counts(target_count: int | None, reached_count: int | None) -> None:
    if reached_count is not None and target_count is None:
        raise invalid([field_error("reached_count", "Counting needs a target_count.")])


async def create_milestone(session: AsyncSession, action_id: uuid.UUID, body: MilestoneIn) -> MilestoneOut:
    action = await action_by_id(session, action_id)
    due = _due(body.due)
    _check_counts(body.target_count, body.reached_count)
    milestone = Milestone(action_id=action.id, title=body.title, due_kind=due.kind, due_value=due.value,
                          due_label=due.label, due_by=due.due_by, target_count=body.target_count,
                          reached_count=body.reached_count, status=body.status,
                          met_on=_check_met(body.status, body.met_on), weight=body.weight)
    session.add(milestone)
    await session.flush()
    await _roll_up(session, action)
    await session.flush()
    return _milestones_out([milestone])[0]


async def milestone_by_id(session: AsyncSession, milestone_id: uuid.UUID) -> Milestone:
    milestone = await session.get(Milestone, milestone_id)
    if milestone is None:
        raise not_found("milestone", milestone_id)
    return milestone


def milestone_out(milestone: Milestone) -> MilestoneOut:
    return _milestones_out([milestone])[0]


async def patch_milestone(session: AsyncSession, milestone: Milestone, body: MilestonePatch) -> MilestoneOut:
    changes = body.model_dump(exclude_unset=True)
    for required in ("title", "due", "status", "weight"):
        if required in changes and changes[required] is None:
            raise invalid([field_error(required, "May not be null.")])
    if body.due is not None:
        due = _due(body.due)
        milestone.due_kind, milestone.due_value, milestone.due_label, milestone.due_by = (
            due.kind, due.value, due.label, due.due_by)
    for field in ("title", "target_count", "reached_count", "weight"):
        if field in changes:
            setattr(milestone, field, changes[field])
    _check_counts(milestone.target_count, milestone.reached_count)
    if "status" in changes or "met_on" in changes:
        status = changes.get("status", milestone.status)
        met_on = changes.get("met_on", milestone.met_on if status == rules.MilestoneStatus.met else None)
        milestone.status, milestone.met_on = status, _check_met(status, met_on)
    await session.flush()
    await _roll_up(session, await action_by_id(session, milestone.action_id))
    await session.flush()
    return milestone_out(milestone)


async def list_milestones(session: AsyncSession, action_ids: list[uuid.UUID]) -> list[MilestoneOut]:
    rows = await session.scalars(select(Milestone).where(Milestone.action_id.in_(action_ids))
                                 .order_by(Milestone.action_id, Milestone.due_by, Milestone.created_at))
    return _milestones_out(rows.all())


# --- Results ----------------------------------------------------------------------------------


async def create_result(session: AsyncSession, action_id: uuid.UUID, body: ResultIn) -> ResultOut:
    action = await action_by_id(session, action_id)
    result = Result(action_id=action.id, description=body.description, indicator_name=body.indicator.name,
                    **_indicator_columns(body.indicator))
    session.add(result)
    await session.flush()
    return (await _results_out(session, [result]))[0]


async def result_by_id(session: AsyncSession, result_id: uuid.UUID) -> Result:
    result = await session.get(Result, result_id)
    if result is None:
        raise not_found("result", result_id)
    return result


async def patch_result(session: AsyncSession, result: Result, body: ResultPatch) -> ResultOut:
    changes = body.model_dump(exclude_unset=True)
    _not_null(changes, ["description", "indicator"])
    if body.description is not None:
        result.description = body.description
    if body.indicator is not None:
        result.indicator_name = body.indicator.name
        for column, value in _indicator_columns(body.indicator).items():
            setattr(result, column, value)
    await session.flush()
    return (await _results_out(session, [result]))[0]


async def list_results(session: AsyncSession, action_ids: list[uuid.UUID]) -> list[ResultOut]:
    rows = await session.scalars(select(Result).where(Result.action_id.in_(action_ids))
                                 .order_by(Result.action_id, Result.created_at, Result.id))
    return await _results_out(session, rows.all())


async def _results_out(session: AsyncSession, results: Sequence[Result]) -> list[ResultOut]:
    values = await _approved_values(session, [r.id for r in results])
    return [ResultOut(id=r.id, action_id=r.action_id, description=r.description,
                      indicator={"name": r.indicator_name, **_indicator_fields(r)},
                      version=r.version, **_reported_and_actual(r.aggregation, values[r.id]))
            for r in results]


# --- Progress reports -------------------------------------------------------------------------


def can_see_drafts(principal: Principal | None) -> bool:
    return principal is not None and (principal.has("actions:write") or principal.has("actions:approve"))


def _values(values: Iterable[Any]) -> list[dict[str, str]]:
    return [{"period": v.period, "value": str(v.value)} for v in values]


def _check_report_status(subject: str, status: str | None) -> None:
    """The status a report proposes: an action's, a milestone's; results and goals carry values only."""
    if status is None:
        return
    allowed = {"action": list(rules.ActionStatus), "milestone": list(rules.MilestoneStatus)}.get(subject)
    if allowed is None:
        raise invalid([field_error("status", f"A report on a {subject} carries values, not a status.")])
    if status not in allowed:
        raise invalid([field_error("status", f"One of {', '.join(allowed)}.")])


async def create_report(session: AsyncSession, principal: Principal, action_id: uuid.UUID,
                        body: ReportIn) -> ReportOut:
    action = await action_by_id(session, action_id)
    subject_id = action.id
    _check_report_status(body.subject, body.status)
    if body.subject == "action":
        if body.subject_id not in (None, action.id):
            raise invalid([field_error("subject_id", "A report on the action is about the action itself.")])
    else:
        model = Milestone if body.subject == "milestone" else Result
        if body.subject_id is None:
            raise invalid([field_error("subject_id", f"Name the {body.subject} the report is about.")])
        owner = await session.scalar(select(model.action_id).where(model.id == body.subject_id))
        if owner != action.id:
            raise invalid([field_error("subject_id", f"No {body.subject} with this id under this action.")])
        subject_id = body.subject_id
    report = ProgressReport(action_id=action.id, subject=body.subject, subject_id=subject_id,
                            reported_on=body.reported_on or today(), status=body.status, note=body.note,
                            values=_values(body.values), state=rules.ReportState.draft, author=principal.subject)
    session.add(report)
    await session.flush()
    return report_out(report)


async def create_goal_report(session: AsyncSession, principal: Principal, goal_id: uuid.UUID,
                             body: GoalReportIn) -> ReportOut:
    goal = await goal_by_id(session, goal_id)
    report = ProgressReport(action_id=None, subject="goal", subject_id=goal.id,
                            reported_on=body.reported_on or today(), note=body.note, values=_values(body.values),
                            state=rules.ReportState.draft, author=principal.subject)
    session.add(report)
    await session.flush()
    return report_out(report)


def report_out(report: ProgressReport) -> ReportOut:
    return ReportOut(id=report.id, action_id=report.action_id, subject=report.subject, subject_id=report.subject_id,
                     reported_on=report.reported_on, status=report.status, note=report.note, values=report.values,
                     state=report.state, author=report.author, submitted_at=report.submitted_at,
                     reviewed_by=report.reviewed_by, reviewed_at=report.reviewed_at, review_note=report.review_note,
                     version=report.version)


async def report_by_id(session: AsyncSession, report_id: uuid.UUID, principal: Principal | None) -> ProgressReport:
    report = await session.get(ProgressReport, report_id)
    if report is None or (report.state == rules.ReportState.draft and not can_see_drafts(principal)):
        raise not_found("progress report", report_id)
    return report


async def patch_report(session: AsyncSession, report: ProgressReport, body: ReportPatch) -> ReportOut:
    if report.state not in (rules.ReportState.draft, rules.ReportState.returned):
        raise conflict(f"A {report.state} report cannot be changed; only a draft or a returned one.",
                       state=report.state)
    changes = body.model_dump(exclude_unset=True)
    _not_null(changes, ["reported_on", "values"])
    if "status" in changes:
        _check_report_status(report.subject, body.status)
        report.status = body.status
    if body.reported_on is not None:
        report.reported_on = body.reported_on
    if "note" in changes:
        report.note = body.note
    if body.values is not None:
        report.values = _values(body.values)
    await session.flush()
    return report_out(report)


def _step(report: ProgressReport, state: rules.ReportState) -> None:
    try:
        rules.check_report_step(report.state, state)
    except rules.TransitionRefused as refused:
        raise transition_refused("progress report", refused) from None


async def submit_report(session: AsyncSession, report: ProgressReport) -> ReportOut:
    _step(report, rules.ReportState.submitted)
    report.state = rules.ReportState.submitted
    report.submitted_at = datetime.now(UTC)
    await session.flush()
    return report_out(report)


async def return_report(session: AsyncSession, principal: Principal, report: ProgressReport,
                        note: str | None) -> ReportOut:
    _step(report, rules.ReportState.returned)
    report.state = rules.ReportState.returned
    report.reviewed_by, report.reviewed_at, report.review_note = principal.subject, datetime.now(UTC), note
    await session.flush()
    return report_out(report)


async def approve_report(session: AsyncSession, principal: Principal, report: ProgressReport,
                         note: str | None) -> ReportOut:
    """Approval is when a report starts to count: its status and values reach the action or milestone."""
    _step(report, rules.ReportState.approved)
    if report.subject == "action" and report.status is not None:
        action = await action_by_id(session, report.subject_id)
        try:
            changed = rules.check_transition(action.status, report.status)
        except rules.TransitionRefused as refused:
            raise transition_refused("action", refused) from None
        if changed:
            action.status = report.status
            await _roll_up(session, action)
    elif report.subject == "milestone":
        milestone = await milestone_by_id(session, report.subject_id)
        if report.values:
            latest = rules.reported_per_period(
                rules.ReportedValue(v["period"], Decimal(v["value"]), report.reported_on) for v in report.values)
            milestone.reached_count = int(latest[-1][1])
        if report.status is not None:
            milestone.status = report.status
            milestone.met_on = report.reported_on if report.status == rules.MilestoneStatus.met else None
        await session.flush()
        await _roll_up(session, await action_by_id(session, milestone.action_id))
    report.state = rules.ReportState.approved
    report.reviewed_by, report.reviewed_at, report.review_note = principal.subject, datetime.now(UTC), note
    await session.flush()
    return report_out(report)


async def list_reports(session: AsyncSession, principal: Principal | None, *, action_ids: list[uuid.UUID] | None,
                       subject_ids: list[uuid.UUID] | None, states: list[str] | None) -> list[ReportOut]:
    statement = select(ProgressReport).order_by(ProgressReport.reported_on, ProgressReport.created_at)
    if action_ids is not None:
        statement = statement.where(ProgressReport.action_id.in_(action_ids))
    if subject_ids is not None:
        statement = statement.where(ProgressReport.subject_id.in_(subject_ids))
    if states:
        statement = statement.where(ProgressReport.state.in_(states))
    if not can_see_drafts(principal):
        statement = statement.where(ProgressReport.state != rules.ReportState.draft)
    return [report_out(r) for r in (await session.scalars(statement)).all()]


# --- Agenda -----------------------------------------------------------------------------------


async def list_agenda(session: AsyncSession, slugs: list[str], *, one_pact: bool) -> list[AgendaOut]:
    """One pact's agenda (404 if it does not exist) or, fetching many, several pacts' (unknown ones absent)."""
    if one_pact:
        await pact_by_slug(session, slugs[0])
    rows = await session.execute(select(AgendaItem, Pact.slug).join(Pact).where(Pact.slug.in_(slugs))
                                 .order_by(Pact.slug, AgendaItem.on, AgendaItem.created_at))
    return [_agenda_out(item, slug) for item, slug in rows.all()]


async def create_agenda_item(session: AsyncSession, slug: str, body: AgendaIn) -> AgendaOut:
    pact = await pact_by_slug(session, slug)
    item = AgendaItem(pact_id=pact.id, on=body.on, when=body.when, label=body.label, kind=body.kind)
    session.add(item)
    await session.flush()
    return _agenda_out(item, slug)


def _agenda_out(item: AgendaItem, slug: str) -> AgendaOut:
    return AgendaOut(id=item.id, pact=slug, on=item.on, when=item.when, label=item.label, kind=item.kind,
                     version=item.version)
