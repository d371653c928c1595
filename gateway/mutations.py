"""The coordinator's edits: actions, goals, milestones, results, progress reports and their review, sign-ups.

Each mutation is one write to the service that owns the data, with the caller's token: the
service decides whether the caller may make it, and its refusal (401, 403, 409, 412, 422 ...)
comes back as a GraphQL error carrying its problem details. Writes are never retried. Updates
take the `version` the client read and send it as `If-Match`, so a stale edit gets 412.
"""

import dataclasses
from datetime import date
from enum import Enum
from typing import Any

import strawberry

from gateway.context import Info
from gateway.types.actions import Action
from gateway.types.partners import OrganisationKind, SignUp
from gateway.types.progress import Goal, Milestone, ProgressReport, Result


def body_of(value: Any) -> Any:
    """An input object as the services' JSON: snake_case names, fields left out when not given."""
    if dataclasses.is_dataclass(value):
        return {field.name: body_of(getattr(value, field.name)) for field in dataclasses.fields(value)
                if getattr(value, field.name) is not strawberry.UNSET}
    if isinstance(value, list):
        return [body_of(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return value


@strawberry.input
class ParticipantInput:
    role: str = strawberry.field(description="lead, participant or coordination")
    organisation_id: strawberry.ID | None = strawberry.UNSET
    organisation_kind: str | None = strawberry.field(
        default=strawberry.UNSET, description="A kind of organisation as the plan names it, when it names no one")
    label: str | None = strawberry.UNSET


@strawberry.input
class ActionInput:
    title: str
    number: int | None = strawberry.UNSET
    line: int | None = strawberry.field(default=strawberry.UNSET,
                                        description="The number of an action line of the pact")
    description: str | None = strawberry.UNSET
    aim: str | None = strawberry.UNSET
    ambition: str | None = strawberry.UNSET
    status: str | None = strawberry.UNSET
    participants: list[ParticipantInput] | None = strawberry.UNSET


@strawberry.input(description="Only the fields given are changed.")
class ActionPatch:
    number: int | None = strawberry.UNSET
    line: int | None = strawberry.UNSET
    title: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    aim: str | None = strawberry.UNSET
    ambition: str | None = strawberry.UNSET
    participants: list[ParticipantInput] | None = strawberry.UNSET


@strawberry.input(description="When a milestone is due: either `text` as the plan wrote it (\"oktober 2013\", "
                              "\"eind 2014\") or `kind` (date, month, quarter, half, year) with `value` "
                              "(2014-10-01, 2014-10, 2014-Q4, 2014-H2, 2014).")
class DueInput:
    text: str | None = strawberry.UNSET
    kind: str | None = strawberry.UNSET
    value: str | None = strawberry.UNSET
    label: str | None = strawberry.UNSET


@strawberry.input
class MilestoneInput:
    title: str
    due: DueInput
    target_count: int | None = strawberry.UNSET
    reached_count: int | None = strawberry.UNSET
    status: str | None = strawberry.UNSET
    met_on: date | None = strawberry.UNSET
    weight: float | None = strawberry.UNSET


@strawberry.input(description="Only the fields given are changed.")
class MilestonePatch:
    title: str | None = strawberry.UNSET
    due: DueInput | None = strawberry.UNSET
    target_count: int | None = strawberry.UNSET
    reached_count: int | None = strawberry.UNSET
    status: str | None = strawberry.UNSET
    met_on: date | None = strawberry.UNSET
    weight: float | None = strawberry.UNSET


@strawberry.input
class BaselineInput:
    value: float
    year: int | None = strawberry.field(default=None, description="Null when the plan gives no year")


@strawberry.input
class TargetInput:
    period: str | None = strawberry.field(description="2020, 2020-Q4 ...; null when the plan names no year")
    value: float
    kind: str = strawberry.field(default="level", description="level, change or relative_change")


@strawberry.input(description="The metrics series a goal is measured by.")
class SeriesReferenceInput:
    measure: str
    region: str
    occupation: str = "total"
    scale: float = strawberry.field(default=1.0, description="100 for a share (0..1) read as a percentage")


@strawberry.input(description="Only the fields given are changed; `series: null` unlinks the series.")
class GoalPatch:
    name: str | None = strawberry.UNSET
    unit: str | None = strawberry.UNSET
    baseline: BaselineInput | None = strawberry.UNSET
    targets: list[TargetInput] | None = strawberry.UNSET
    series: SeriesReferenceInput | None = strawberry.UNSET


@strawberry.input(description="How a result is measured; it replaces the whole indicator, so send every part "
                              "you keep.")
class ResultIndicatorInput:
    name: str | None = strawberry.UNSET
    unit: str | None = strawberry.UNSET
    measure_kind: str = strawberry.field(default="number", description="number, percentage, amount or qualitative")
    ascending: bool = True
    baseline: BaselineInput | None = strawberry.UNSET
    targets: list[TargetInput] | None = strawberry.UNSET
    aggregation: str = strawberry.field(default="latest", description="latest or sum")
    series: SeriesReferenceInput | None = strawberry.UNSET


@strawberry.input(description="Only the fields given are changed.")
class ResultPatch:
    description: str | None = strawberry.UNSET
    indicator: ResultIndicatorInput | None = strawberry.UNSET


@strawberry.input
class PeriodValueInput:
    period: str = strawberry.field(description="2014, 2014-Q3 or 2014-07")
    value: float


@strawberry.input
class ProgressReportInput:
    subject: str = strawberry.field(default="action", description="action, milestone or result")
    subject_id: strawberry.ID | None = strawberry.field(default=strawberry.UNSET,
                                                        description="The milestone or result; omit for the action")
    reported_on: date | None = strawberry.field(default=strawberry.UNSET, description="Today when omitted")
    status: str | None = strawberry.field(default=strawberry.UNSET, description="The status it proposes")
    note: str | None = strawberry.UNSET
    values: list[PeriodValueInput] | None = strawberry.UNSET


@strawberry.input(description="A draft or returned report, changed by its author before (re)submitting it.")
class ProgressReportPatch:
    reported_on: date | None = strawberry.UNSET
    status: str | None = strawberry.UNSET
    note: str | None = strawberry.UNSET
    values: list[PeriodValueInput] | None = strawberry.UNSET


@strawberry.input
class GoalReportInput:
    values: list[PeriodValueInput]
    reported_on: date | None = strawberry.UNSET
    note: str | None = strawberry.UNSET


@strawberry.input(description="'Meedoen?': an organisation asks to join a pact; a coordinator approves it.")
class SignUpInput:
    organisation_name: str
    kind: OrganisationKind
    municipality_code: str
    contact_name: str
    contact_email: str
    kvk_number: str | None = strawberry.UNSET
    message: str | None = strawberry.UNSET


def milestone_body(input: MilestoneInput | MilestonePatch) -> dict[str, Any]:
    body = body_of(input)
    due = body.get("due")
    if isinstance(due, dict) and due.get("text"):
        body["due"] = due["text"]  # actions_api reads the plan's own words
    return body


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Add an action to a pact (actions:write).")
    async def create_action(self, info: Info, pact: str, input: ActionInput) -> Action:
        return Action.of(await info.context.clients.actions.create_action(pact, body_of(input)))

    @strawberry.mutation(description="Change an action; `version` is the one you read (a stale one fails).")
    async def update_action(self, info: Info, id: strawberry.ID, version: int, input: ActionPatch) -> Action:
        return Action.of(await info.context.clients.actions.update_action(id, version, body_of(input)))

    @strawberry.mutation(description="Move an action to another status; a forbidden transition names the "
                                     "allowed ones.")
    async def set_action_status(self, info: Info, id: strawberry.ID, status: str) -> Action:
        return Action.of(await info.context.clients.actions.set_action_status(id, status))

    @strawberry.mutation(description="Change a goal: its name, unit, baseline, targets per period or series link; "
                                     "`version` is the one you read (a stale one fails).")
    async def update_goal(self, info: Info, id: strawberry.ID, version: int, input: GoalPatch) -> Goal:
        return Goal.of(await info.context.clients.actions.update_goal(id, version, body_of(input)))

    @strawberry.mutation(description="Change a result: its description or its whole indicator; `version` is the one "
                                     "you read (a stale one fails).")
    async def update_result(self, info: Info, id: strawberry.ID, version: int, input: ResultPatch) -> Result:
        return Result.of(await info.context.clients.actions.update_result(id, version, body_of(input)))

    @strawberry.mutation
    async def add_milestone(self, info: Info, action: strawberry.ID, input: MilestoneInput) -> Milestone:
        return Milestone.of(await info.context.clients.actions.add_milestone(action, milestone_body(input)))

    @strawberry.mutation
    async def update_milestone(self, info: Info, id: strawberry.ID, version: int,
                               input: MilestonePatch) -> Milestone:
        return Milestone.of(await info.context.clients.actions.update_milestone(id, version, milestone_body(input)))

    @strawberry.mutation
    async def add_progress_report(self, info: Info, action: strawberry.ID,
                                  input: ProgressReportInput) -> ProgressReport:
        return ProgressReport.of(await info.context.clients.actions.add_progress_report(action, body_of(input)))

    @strawberry.mutation(description="Revise a draft or returned report; `version` is the one you read.")
    async def update_progress_report(self, info: Info, id: strawberry.ID, version: int,
                                     input: ProgressReportPatch) -> ProgressReport:
        return ProgressReport.of(await info.context.clients.actions.update_progress_report(id, version,
                                                                                           body_of(input)))

    @strawberry.mutation
    async def submit_progress_report(self, info: Info, id: strawberry.ID) -> ProgressReport:
        return ProgressReport.of(await info.context.clients.actions.submit_progress_report(id))

    @strawberry.mutation(description="Report measured values on a goal (actions:write); counted once approved.")
    async def add_goal_progress_report(self, info: Info, goal: strawberry.ID,
                                       input: GoalReportInput) -> ProgressReport:
        return ProgressReport.of(await info.context.clients.actions.add_goal_progress_report(goal, body_of(input)))

    @strawberry.mutation(description="Approve a submitted report (actions:approve); only approved reports count "
                                     "toward a goal's actual value, an action's status and a milestone's count.")
    async def approve_progress_report(self, info: Info, id: strawberry.ID,
                                      note: str | None = None) -> ProgressReport:
        return ProgressReport.of(await info.context.clients.actions.approve_progress_report(id, note))

    @strawberry.mutation(description="Send a submitted report back to its author (actions:approve).")
    async def return_progress_report(self, info: Info, id: strawberry.ID,
                                     note: str | None = None) -> ProgressReport:
        return ProgressReport.of(await info.context.clients.actions.return_progress_report(id, note))

    @strawberry.mutation(description="Ask to join a pact; needs no token.")
    async def sign_up(self, info: Info, pact: str, input: SignUpInput) -> SignUp:
        return SignUp.of(await info.context.clients.partners.sign_up(pact, body_of(input)))

    @strawberry.mutation(description="Approve a sign-up (partners:admin): the organisation joins the pact, as a new "
                                     "organisation or as `organisation` when it is already registered.")
    async def approve_sign_up(self, info: Info, id: strawberry.ID, organisation: strawberry.ID | None = None,
                              joined_on: date | None = None) -> SignUp:
        return SignUp.of(await info.context.clients.partners.approve_sign_up(id, organisation, joined_on))

    @strawberry.mutation(description="Reject a sign-up (partners:admin).")
    async def reject_sign_up(self, info: Info, id: strawberry.ID, reason: str | None = None) -> SignUp:
        return SignUp.of(await info.context.clients.partners.reject_sign_up(id, reason))
