"""The rules of the actions API, one module per aggregate; no HTTP here, and SQL only through repository/.

Here: the words of the domain, each defined once. Schemas, models and the seed loader (cli/) use these;
every word is its own value (`ActionStatus.in_progress == "in_progress"`).
"""

from enum import StrEnum

# In rank order: a pact sits under one of a higher level.
PactLevel = StrEnum("PactLevel", ["national", "regional", "subregional"])
ParticipationRole = StrEnum("ParticipationRole", ["lead", "participant", "coordination"])
GoalScope = StrEnum("GoalScope", ["national", "regional"])
MeasureKind = StrEnum("MeasureKind", ["number", "percentage", "qualitative"])
# How an indicator's values over periods make its actual (domain/indicators.py).
Aggregation = StrEnum("Aggregation", ["sum", "latest"])
ActionStatus = StrEnum("ActionStatus", ["planned", "in_progress", "delayed", "achieved", "stopped"])
MilestoneStatus = StrEnum("MilestoneStatus", ["open", "met", "dropped"])
MomentKind = StrEnum("MomentKind", ["date", "month", "quarter", "half", "year"])
ReportState = StrEnum("ReportState", ["draft", "submitted", "approved", "returned"])
# What a progress report is about: a goal's reports are made on the goal, the others under an action.
ReportSubject = StrEnum("ReportSubject", ["action", "milestone", "result", "goal"])
AgendaKind = StrEnum("AgendaKind", ["signing", "meeting", "stakeholder_meeting", "monitoring", "deadline", "other"])
