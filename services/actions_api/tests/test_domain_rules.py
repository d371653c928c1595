"""Pure rules of the domain: due moments as plans write them, status transitions, roll-ups (measuring: its own)."""

from datetime import date
from decimal import Decimal

import pytest

from common.periods import parse_period
from services.actions_api.domain import moments, progress, transitions
from services.actions_api.domain.progress import MilestoneProgress


@pytest.mark.parametrize("text, kind, value, due_by", [
    ("oktober 2013", "month", "2013-10", date(2013, 10, 31)),
    ("augustus 2013", "month", "2013-08", date(2013, 8, 31)),
    ("September 2013", "month", "2013-09", date(2013, 9, 30)),
    ("eind 2013", "year", "2013", date(2013, 12, 31)),
    ("Eind 2014", "year", "2014", date(2014, 12, 31)),
    ("begin 2014", "quarter", "2014-Q1", date(2014, 3, 31)),
    ("in de loop van 2014", "year", "2014", date(2014, 12, 31)),
    ("1e helft 2014", "half", "2014-H1", date(2014, 6, 30)),
    ("tweede helft 2015", "half", "2015-H2", date(2015, 12, 31)),
    ("medio 2014", "half", "2014-H1", date(2014, 6, 30)),
    ("najaar 2013", "half", "2013-H2", date(2013, 12, 31)),
    ("3e kwartaal 2014", "quarter", "2014-Q3", date(2014, 9, 30)),
    ("Q4 2013", "quarter", "2013-Q4", date(2013, 12, 31)),
    ("13 mei 2013", "date", "2013-05-13", date(2013, 5, 13)),
    ("eind oktober 2013", "month", "2013-10", date(2013, 10, 31)),
    ("uiterlijk eind 2013", "year", "2013", date(2013, 12, 31)),
    ("2014/2015", "year", "2015", date(2015, 12, 31)),
    ("in 2016", "year", "2016", date(2016, 12, 31)),
    ("februari 2016", "month", "2016-02", date(2016, 2, 29)),
])
def test_dutch_due_phrases_become_moments_with_the_plan_wording_as_label(text, kind, value, due_by):
    moment = moments.parse_due(text)
    assert (moment.kind, moment.value, moment.due_by) == (kind, value, due_by)
    assert moment.label == text


@pytest.mark.parametrize("text, kind, due_by", [
    ("2013-10-15", "date", date(2013, 10, 15)),
    ("2013-10", "month", date(2013, 10, 31)),
    ("2014-Q1", "quarter", date(2014, 3, 31)),
    ("2014-q2", "quarter", date(2014, 6, 30)),
    ("2014-H2", "half", date(2014, 12, 31)),
    ("2014", "year", date(2014, 12, 31)),
])
def test_canonical_values_are_read_as_such_without_label(text, kind, due_by):
    moment = moments.parse_due(text)
    assert (moment.kind, moment.due_by, moment.label) == (kind, due_by, None)


@pytest.mark.parametrize("text", ["", "na de zomer", "eind mei", "oktober", "2013-13", "2013-02-30", "Q5 2014",
                                  "binnenkort"])
def test_unreadable_moments_are_refused_with_a_reason(text):
    with pytest.raises(ValueError) as refused:
        moments.parse_due(text)
    assert str(refused.value)


def test_moment_from_kind_and_value_checks_they_agree():
    assert moments.moment("quarter", "2014-Q1", "begin 2014").due_by == date(2014, 3, 31)
    with pytest.raises(ValueError, match="Not a period: use 2012-07"):
        moments.moment("month", "2014")
    with pytest.raises(ValueError, match="Unknown kind"):
        moments.moment("week", "2014-W01")


def test_overdue_when_the_whole_moment_has_passed_unmet():
    eind_2013 = moments.parse_due("eind 2013")
    assert not eind_2013.is_overdue(date(2013, 12, 31), met=False)
    assert eind_2013.is_overdue(date(2014, 1, 1), met=False)
    assert not eind_2013.is_overdue(date(2014, 1, 1), met=True)
    begin_2014 = moments.parse_due("begin 2014")
    assert not begin_2014.is_overdue(date(2014, 3, 31), met=False)
    assert begin_2014.is_overdue(date(2014, 4, 1), met=False)


def test_periods_of_values_and_targets():
    assert parse_period("2016").frequency == "A"
    assert parse_period("2016-Q3").starts_on == date(2016, 7, 1)
    with pytest.raises(ValueError):
        parse_period("volgend jaar")


def test_a_moment_spans_its_period():
    begin_2014 = moments.parse_due("begin 2014")
    assert (begin_2014.starts_on, begin_2014.due_by) == (date(2014, 1, 1), date(2014, 3, 31))
    assert begin_2014.due_by == begin_2014.period.ends_on


@pytest.mark.parametrize("current, requested, changes", [
    ("planned", "in_progress", True), ("planned", "stopped", True), ("in_progress", "delayed", True),
    ("in_progress", "achieved", True), ("delayed", "in_progress", True), ("delayed", "achieved", True),
    ("achieved", "in_progress", True), ("stopped", "planned", True), ("planned", "planned", False),
])
def test_allowed_transitions(current, requested, changes):
    assert transitions.check_transition(current, requested) is changes


@pytest.mark.parametrize("current, requested, allowed", [
    ("planned", "achieved", ["in_progress", "stopped"]),
    ("planned", "delayed", ["in_progress", "stopped"]),
    ("achieved", "stopped", ["in_progress"]),
    ("stopped", "achieved", ["planned"]),
])
def test_forbidden_transitions_name_the_allowed_ones(current, requested, allowed):
    with pytest.raises(transitions.TransitionRefused) as refused:
        transitions.check_transition(current, requested)
    assert refused.value.allowed == allowed


def test_report_review_steps():
    transitions.check_report_step("draft", "submitted")
    transitions.check_report_step("submitted", "approved")
    transitions.check_report_step("submitted", "returned")
    transitions.check_report_step("returned", "submitted")
    for current, requested in [("draft", "approved"), ("approved", "returned"), ("returned", "approved")]:
        with pytest.raises(transitions.TransitionRefused):
            transitions.check_report_step(current, requested)


def ms(status="open", weight=1, target=None, reached=None):
    return MilestoneProgress(status, Decimal(weight), target, reached)


def test_action_progress_is_the_weighted_mean_of_milestone_completion():
    # weight 3 met (1.0), weight 1 half-way to its target count (2 of 4 campuses): (3 + 0.5) / 4
    assert progress.action_progress("in_progress", [ms("met", 3), ms("open", 1, 4, 2)]) == Decimal("0.875")
    assert progress.action_progress("in_progress", [ms("met", 1), ms("open", 1)]) == Decimal("0.5")
    # a dropped milestone and a zero weight no longer count
    assert progress.action_progress("in_progress", [ms("met", 1), ms("dropped", 5), ms("open", 0)]) == Decimal(1)
    # a count beyond the target is complete, not more than complete
    assert progress.action_progress("in_progress", [ms("open", 1, 4, 6)]) == Decimal(1)
    assert progress.action_progress("planned", []) == Decimal(0)
    assert progress.action_progress("achieved", [ms("open", 1)]) == Decimal(1)


def test_line_progress_is_the_mean_of_its_actions_leaving_stopped_ones_out():
    assert progress.line_progress([("in_progress", Decimal("0.5")), ("achieved", Decimal(1)),
                                ("stopped", Decimal(0))]) == Decimal("0.75")
    assert progress.line_progress([]) is None
    assert progress.line_progress([("stopped", Decimal(0))]) is None

