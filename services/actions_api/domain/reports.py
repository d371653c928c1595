"""Progress reports: written as drafts, submitted, then approved (they start to count) or returned."""

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from common.auth import Principal, forbidden
from common.problems import conflict, field_error, invalid, not_found
from services.actions_api.domain import ActionStatus, MilestoneStatus, ReportState, ReportSubject
from services.actions_api.domain.actions import action_by_id, change_status
from services.actions_api.domain.goals import goal_by_id
from services.actions_api.domain.measuring import Measured, per_period
from services.actions_api.domain.milestones import milestone_by_id
from services.actions_api.domain.moments import today
from services.actions_api.domain.patches import refuse_nulls
from services.actions_api.domain.progress import roll_up
from services.actions_api.domain.transitions import TransitionRefused, check_report_step, transition_refused
from services.actions_api.models import Milestone, ProgressReport, Result
from services.actions_api.repository import reports as report_rows
from services.actions_api.repository import rows
from services.actions_api.schemas.indicators import PeriodValue
from services.actions_api.schemas.reports import GoalReportIn, ReportIn, ReportOut, ReportPatch

# The status a report may propose: an action's or a milestone's; results and goals carry values only.
PROPOSED_STATUSES: dict[str, list[str]] = {ReportSubject.action: list(ActionStatus),
                                           ReportSubject.milestone: list(MilestoneStatus)}


def can_see_drafts(principal: Principal | None) -> bool:
    return principal is not None and (principal.has("actions:write") or principal.has("actions:approve"))


def _values(values: Iterable[PeriodValue]) -> list[dict[str, str]]:
    return [{"period": v.period, "value": str(v.value)} for v in values]


def _check_proposed_status(subject: str, status: str | None) -> None:
    if status is None:
        return
    allowed = PROPOSED_STATUSES.get(subject)
    if allowed is None:
        raise invalid([field_error("status", f"A report on a {subject} carries values, not a status.")])
    if status not in allowed:
        raise invalid([field_error("status", f"One of {', '.join(allowed)}.")])


async def _subject_id(session: AsyncSession, action_id: uuid.UUID, body: ReportIn) -> uuid.UUID:
    """The action itself, or a milestone or result under it."""
    if body.subject == ReportSubject.action:
        if body.subject_id not in (None, action_id):
            raise invalid([field_error("subject_id", "A report on the action is about the action itself.")])
        return action_id
    if body.subject_id is None:
        raise invalid([field_error("subject_id", f"Name the {body.subject} the report is about.")])
    model = Milestone if body.subject == ReportSubject.milestone else Result
    if await report_rows.action_of(session, model, body.subject_id) != action_id:
        raise invalid([field_error("subject_id", f"No {body.subject} with this id under this action.")])
    return body.subject_id


async def create_report(session: AsyncSession, principal: Principal, action_id: uuid.UUID,
                        body: ReportIn) -> ReportOut:
    action = await action_by_id(session, action_id)
    _check_proposed_status(body.subject, body.status)
    report = ProgressReport(action_id=action.id, subject=body.subject,
                            subject_id=await _subject_id(session, action.id, body),
                            reported_on=body.reported_on or today(), status=body.status, note=body.note,
                            values=_values(body.values), state=ReportState.draft, author=principal.subject)
    await rows.save(session, report)
    return report_out(report)


async def create_goal_report(session: AsyncSession, principal: Principal, goal_id: uuid.UUID,
                             body: GoalReportIn) -> ReportOut:
    goal = await goal_by_id(session, goal_id)
    report = ProgressReport(action_id=None, subject=ReportSubject.goal, subject_id=goal.id,
                            reported_on=body.reported_on or today(), note=body.note, values=_values(body.values),
                            state=ReportState.draft, author=principal.subject)
    await rows.save(session, report)
    return report_out(report)


def report_out(report: ProgressReport) -> ReportOut:
    return ReportOut(id=report.id, action_id=report.action_id, subject=report.subject, subject_id=report.subject_id,
                     reported_on=report.reported_on, status=report.status, note=report.note, values=report.values,
                     state=report.state, author=report.author, submitted_at=report.submitted_at,
                     reviewed_by=report.reviewed_by, reviewed_at=report.reviewed_at, review_note=report.review_note,
                     version=report.version)


async def report_by_id(session: AsyncSession, report_id: uuid.UUID, principal: Principal | None) -> ProgressReport:
    """Drafts are visible to writers and approvers only; to anyone else a draft does not exist."""
    report = await rows.get(session, ProgressReport, report_id, "progress report")
    if report.state == ReportState.draft and not can_see_drafts(principal):
        raise not_found("progress report", report_id)
    return report


async def patch_report(session: AsyncSession, report: ProgressReport, body: ReportPatch) -> ReportOut:
    if report.state not in (ReportState.draft, ReportState.returned):
        raise conflict(f"A {report.state} report cannot be changed; only a draft or a returned one.",
                       state=report.state)
    changes = body.model_dump(exclude_unset=True)
    refuse_nulls(changes, ["reported_on", "values"])
    if "status" in changes:
        _check_proposed_status(report.subject, body.status)
        report.status = body.status
    if body.reported_on is not None:
        report.reported_on = body.reported_on
    if "note" in changes:
        report.note = body.note
    if body.values is not None:
        report.values = _values(body.values)
    await rows.flush(session)
    return report_out(report)


def _check_step(report: ProgressReport, state: ReportState) -> None:
    try:
        check_report_step(report.state, state)
    except TransitionRefused as refused:
        raise transition_refused("progress report", refused) from None


async def submit_report(session: AsyncSession, report: ProgressReport) -> ReportOut:
    _check_step(report, ReportState.submitted)
    report.state, report.submitted_at = ReportState.submitted, datetime.now(UTC)
    await rows.flush(session)
    return report_out(report)


async def _reviewed(session: AsyncSession, principal: Principal, report: ProgressReport, state: ReportState,
                    note: str | None) -> ReportOut:
    # One flush for the state and the review, so the report's version moves on once.
    report.state = state
    report.reviewed_by, report.reviewed_at, report.review_note = principal.subject, datetime.now(UTC), note
    await rows.flush(session)
    return report_out(report)


def _check_four_eyes(principal: Principal, report: ProgressReport) -> None:
    """A report is reviewed by someone other than its author, whatever scopes the author's token holds."""
    if report.author == principal.subject:
        raise forbidden(f"'{principal.subject}' wrote this report; another reviewer must approve or return it "
                        "(four eyes).")


async def return_report(session: AsyncSession, principal: Principal, report: ProgressReport,
                        note: str | None) -> ReportOut:
    _check_four_eyes(principal, report)
    _check_step(report, ReportState.returned)
    return await _reviewed(session, principal, report, ReportState.returned, note)


async def approve_report(session: AsyncSession, principal: Principal, report: ProgressReport,
                         note: str | None) -> ReportOut:
    """Approval is when a report starts to count: its status and values reach the action or milestone."""
    _check_four_eyes(principal, report)
    _check_step(report, ReportState.approved)
    if report.subject == ReportSubject.action and report.status is not None:
        await change_status(session, await action_by_id(session, report.subject_id), report.status)
    elif report.subject == ReportSubject.milestone:
        await _apply_to_milestone(session, report)
    return await _reviewed(session, principal, report, ReportState.approved, note)


async def _apply_to_milestone(session: AsyncSession, report: ProgressReport) -> None:
    milestone = await milestone_by_id(session, report.subject_id)
    if report.values:
        latest = per_period(Measured(v["period"], Decimal(v["value"]), report.reported_on) for v in report.values)
        milestone.reached_count = int(latest[-1].value)
    if report.status is not None:
        milestone.status = report.status
        milestone.met_on = report.reported_on if report.status == MilestoneStatus.met else None
    await rows.flush(session)
    await roll_up(session, await action_by_id(session, milestone.action_id))


async def list_reports(session: AsyncSession, principal: Principal | None, *, action_ids: list[uuid.UUID] | None,
                       subject_ids: list[uuid.UUID] | None, states: list[str] | None) -> list[ReportOut]:
    found = await report_rows.listed(session, action_ids=action_ids, subject_ids=subject_ids, states=states,
                                     with_drafts=can_see_drafts(principal))
    return [report_out(r) for r in found]
