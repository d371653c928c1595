"""What a stored pact, goal or result must change to say what the seed says: none for a second run,
the corrected dates and targets for a database seeded by an earlier, less faithful transcription.

The seed's words are read with the actions service's own request schemas, so a default the
service fills in (a target's kind, a series' scale, the window from baseline to target) never
counts as a difference.
"""

from decimal import Decimal
from typing import Any

from cli.seed.documents import Record
from services.actions_api.domain.measuring import TargetValue, window_of
from services.actions_api.schemas.indicators import IndicatorIn

# What a PATCH of a pact may change (its slug, level and parent are its identity in the tree).
PACT_FIELDS = ("name", "region", "period_start", "period_end", "signed_on", "source_document", "coordinator")
INDICATOR_FIELDS = ("unit", "measure_kind", "ascending", "baseline", "targets", "aggregation", "series")


def pact_changes(wanted: Record, served: Record) -> dict[str, Any]:
    """The fields of the pact (JSON as sent) that the service holds otherwise."""
    return {field: wanted.get(field) for field in PACT_FIELDS if wanted.get(field) != served.get(field)}


def indicator_body(record: Record) -> dict[str, Any]:
    """An indicator as the seed gives it, with the service's defaults: the body of a PATCH."""
    fields = {key: value for key, value in record.items() if key in IndicatorIn.model_fields}
    return IndicatorIn.model_validate(fields).model_dump(mode="json")


def indicator_differs(wanted: Record, served: Record) -> bool:
    """Does the served goal or result indicator measure otherwise than the seed's words say?"""
    body = indicator_body(wanted)
    if any(body[field] != served.get(field) for field in INDICATOR_FIELDS):
        return True
    declared = body["window"] or {}
    window = window_of((body["baseline"] or {}).get("year"),
                       [TargetValue(target["period"], Decimal(str(target["value"])), target["kind"])
                        for target in body["targets"]],
                       declared.get("start"), declared.get("end"))
    return {"start": window.start, "end": window.end} != served.get("window")
