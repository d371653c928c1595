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
# How an indicator's values over periods make its actual (domain/measuring.py).
Aggregation = StrEnum("Aggregation", ["sum", "latest"])
# A target is a level to reach ("40% in 2020"), or a change from the baseline: in the indicator's unit
# ("500 meer") or in percent of the baseline ("10% meer leerlingen in 2016").
TargetKind = StrEnum("TargetKind", ["level", "change", "relative_change"])
# Where an indicator's actual comes from: its metrics series, or approved progress reports.
ActualSource = StrEnum("ActualSource", ["series", "reported"])
# Why an indicator has no progress: the share of the way from baseline to target needs all three.
ProgressNote = StrEnum("ProgressNote", ["qualitative", "no_baseline", "no_target", "not_measured",
                                        "target_is_baseline", "series_unknown", "series_unavailable"])
ActionStatus = StrEnum("ActionStatus", ["planned", "in_progress", "delayed", "achieved", "stopped"])
MilestoneStatus = StrEnum("MilestoneStatus", ["open", "met", "dropped"])
MomentKind = StrEnum("MomentKind", ["date", "month", "quarter", "half", "year"])
ReportState = StrEnum("ReportState", ["draft", "submitted", "approved", "returned"])
# What a progress report is about: a goal's reports are made on the goal, the others under an action.
ReportSubject = StrEnum("ReportSubject", ["action", "milestone", "result", "goal"])
AgendaKind = StrEnum("AgendaKind", ["signing", "meeting", "stakeholder_meeting", "monitoring", "deadline", "other"])
