"""Every call the gateway makes to actions_api: pacts, lines, agenda, actions and their parts, writes."""

from collections.abc import Iterable
from datetime import date
from typing import Any, NewType

from gateway.clients.base import WHOLE_LIST_LIMIT, Json, Page, ServiceClient, if_match, items_of, segment

PactRecord = NewType("PactRecord", Json)
LineRecord = NewType("LineRecord", Json)  # with its goals
GoalRecord = NewType("GoalRecord", Json)
AgendaRecord = NewType("AgendaRecord", Json)
ActionRecord = NewType("ActionRecord", Json)  # with its participants and next milestone
MilestoneRecord = NewType("MilestoneRecord", Json)
ResultRecord = NewType("ResultRecord", Json)
ReportRecord = NewType("ReportRecord", Json)
ParticipationRecord = NewType("ParticipationRecord", Json)  # action_id, organisation_id and role only


class ActionsClient(ServiceClient):
    service = "actions_api"

    # --- reads ----------------------------------------------------------------------------------

    async def pacts(self, parent: str | None = None) -> list[PactRecord]:
        return items_of(await self._get("/v1/pacts", {"parent": parent, "limit": WHOLE_LIST_LIMIT}))

    async def pacts_by_slug(self, slugs: Iterable[str]) -> list[PactRecord]:
        return await self._many("/v1/pacts", "slugs", slugs)

    async def lines_of_pacts(self, slugs: Iterable[str]) -> list[LineRecord]:
        return await self._many("/v1/lines", "pacts", slugs)

    async def agenda_of_pacts(self, slugs: Iterable[str]) -> list[AgendaRecord]:
        return await self._many("/v1/agenda", "pacts", slugs)

    async def actions_by_id(self, ids: Iterable[str]) -> list[ActionRecord]:
        return await self._many("/v1/actions", "ids", ids)

    async def actions(self, *, pact: str | None = None, line: int | None = None, status: str | None = None,
                      overdue: bool | None = None, due_before: date | None = None, lead: str | None = None,
                      limit: int, cursor: str | None) -> Page[ActionRecord]:
        filters = {"pact": pact, "line": line, "status": status, "overdue": overdue,
                   "due_before": due_before.isoformat() if due_before else None}
        if lead is not None:
            filters |= {"organisation": lead, "role": "lead"}
        return await self._page("/v1/actions", filters, limit, cursor)

    async def milestones_of_actions(self, ids: Iterable[str]) -> list[MilestoneRecord]:
        return await self._many("/v1/milestones", "action_ids", ids)

    async def results_of_actions(self, ids: Iterable[str]) -> list[ResultRecord]:
        return await self._many("/v1/results", "action_ids", ids)

    async def reports_of_actions(self, ids: Iterable[str]) -> list[ReportRecord]:
        return await self._many("/v1/progress-reports", "action_ids", ids)

    async def reports_of_subjects(self, ids: Iterable[str]) -> list[ReportRecord]:
        """Reports on given milestones, results or goals; a goal's have no action."""
        return await self._many("/v1/progress-reports", "subject_ids", ids)

    async def participations_of_organisations(self, ids: Iterable[str]) -> list[ParticipationRecord]:
        return await self._many("/v1/participations", "organisation_ids", ids)

    # --- writes: never retried; an update sends the version read as If-Match -------------------

    async def create_action(self, pact: str, body: Json) -> ActionRecord:
        return await self._write("POST", f"/v1/pacts/{segment(pact)}/actions", body)

    async def update_action(self, action_id: str, version: int, body: Json) -> ActionRecord:
        return await self._write("PATCH", f"/v1/actions/{segment(action_id)}", body, if_match(version))

    async def set_action_status(self, action_id: str, status: str) -> ActionRecord:
        return await self._write("POST", f"/v1/actions/{segment(action_id)}/status", {"status": status})

    async def add_milestone(self, action_id: str, body: Json) -> MilestoneRecord:
        return await self._write("POST", f"/v1/actions/{segment(action_id)}/milestones", body)

    async def update_goal(self, goal_id: str, version: int, body: Json) -> GoalRecord:
        return await self._write("PATCH", f"/v1/goals/{segment(goal_id)}", body, if_match(version))

    async def update_result(self, result_id: str, version: int, body: Json) -> ResultRecord:
        return await self._write("PATCH", f"/v1/results/{segment(result_id)}", body, if_match(version))

    async def update_milestone(self, milestone_id: str, version: int, body: Json) -> MilestoneRecord:
        return await self._write("PATCH", f"/v1/milestones/{segment(milestone_id)}", body, if_match(version))

    async def add_progress_report(self, action_id: str, body: Json) -> ReportRecord:
        return await self._write("POST", f"/v1/actions/{segment(action_id)}/progress-reports", body)

    async def add_goal_progress_report(self, goal_id: str, body: Json) -> ReportRecord:
        return await self._write("POST", f"/v1/goals/{segment(goal_id)}/progress-reports", body)

    async def update_progress_report(self, report_id: str, version: int, body: Json) -> ReportRecord:
        return await self._write("PATCH", f"/v1/progress-reports/{segment(report_id)}", body, if_match(version))

    async def submit_progress_report(self, report_id: str) -> ReportRecord:
        return await self._write("POST", f"/v1/progress-reports/{segment(report_id)}/submit")

    async def approve_progress_report(self, report_id: str, note: str | None = None) -> ReportRecord:
        return await self._write("POST", f"/v1/progress-reports/{segment(report_id)}/approve", _note(note))

    async def return_progress_report(self, report_id: str, note: str | None = None) -> ReportRecord:
        return await self._write("POST", f"/v1/progress-reports/{segment(report_id)}/return", _note(note))


def _note(note: str | None) -> dict[str, Any] | None:
    return {"note": note} if note else None

