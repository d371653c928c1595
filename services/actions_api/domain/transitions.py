"""Which status an action, and which state a progress report, may move to from the one it has."""

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import TypeVar

from common.problems import Problem
from services.actions_api.domain import ActionStatus, ReportState

# Achieved can be reopened and stopped restarted from scratch; everything else moves forward.
ACTION_TRANSITIONS: dict[ActionStatus, frozenset[ActionStatus]] = {
    ActionStatus.planned: frozenset({ActionStatus.in_progress, ActionStatus.stopped}),
    ActionStatus.in_progress: frozenset({ActionStatus.delayed, ActionStatus.achieved, ActionStatus.stopped}),
    ActionStatus.delayed: frozenset({ActionStatus.in_progress, ActionStatus.achieved, ActionStatus.stopped}),
    ActionStatus.achieved: frozenset({ActionStatus.in_progress}),
    ActionStatus.stopped: frozenset({ActionStatus.planned}),
}

# A returned report goes back to its author, who edits and submits it again.
REPORT_TRANSITIONS: dict[ReportState, frozenset[ReportState]] = {
    ReportState.draft: frozenset({ReportState.submitted}),
    ReportState.submitted: frozenset({ReportState.approved, ReportState.returned}),
    ReportState.returned: frozenset({ReportState.submitted}),
    ReportState.approved: frozenset(),
}


S = TypeVar("S", bound=StrEnum)


class TransitionRefused(Exception):
    def __init__(self, current: str, requested: str, allowed: Sequence[str]) -> None:
        super().__init__(f"{current} -> {requested}")
        self.current = current
        self.requested = requested
        self.allowed = list(allowed)


def _check(transitions: Mapping[S, frozenset[S]], current: S, requested: S) -> None:
    if requested not in transitions[current]:
        raise TransitionRefused(current, requested, sorted(transitions[current]))


def check_transition(current: str, requested: str) -> bool:
    """True if the status changes, False if it stays; TransitionRefused if the move is not allowed."""
    current_status, requested_status = ActionStatus(current), ActionStatus(requested)
    if current_status == requested_status:
        return False
    _check(ACTION_TRANSITIONS, current_status, requested_status)
    return True


def check_report_step(current: str, requested: str) -> None:
    _check(REPORT_TRANSITIONS, ReportState(current), ReportState(requested))


def transition_refused(what: str, refused: TransitionRefused) -> Problem:
    allowed = ", ".join(refused.allowed) or "nothing (final)"
    return Problem(409, "Transition not allowed",
                   f"A {what} that is {refused.current} cannot become {refused.requested}; allowed: {allowed}.",
                   type="transition-not-allowed", current=refused.current, requested=refused.requested,
                   allowed=refused.allowed)
