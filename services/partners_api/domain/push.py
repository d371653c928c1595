"""The municipal push: `PUT /v1/sources/{source}/organisations`, set-based.

A push is validated whole before anything is written (every bad record is listed), then runs in
the request's one transaction:

1. the records are COPYed into a temporary table (asyncpg's fast path, not the ORM);
2. one INSERT..SELECT plans every record: its organisation, by (source, external_id), else by KvK
   number (the same company pushed by two systems is one organisation with two source records),
   else a new one; and, per field, what differs: fields a coordinator locked are kept (and
   reported), the rest are written with one history row each, set-based; a record that differs
   in nothing writes nothing at all, not even its `updated_at`;
3. with `withdraw_missing`, the source's records absent from the body are withdrawn and their
   organisations made inactive when no other source still vouches for them.

Pushes take one transaction-scoped advisory lock, so two pushes never race for the same KvK
number; pushes are batch jobs, and waiting a few hundred milliseconds is cheaper than retrying.
The SQL of every step is in repository/push.py.
"""

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from common.problems import Problem, field_error, invalid
from services.partners_api.domain import RecordOutcome
from services.partners_api.repository import push as repository
from services.partners_api.repository.organisations import take_kvk_lock
from services.partners_api.schemas import PushBody, PushRecord

_NOTHING_WRITTEN = "Some records are invalid; nothing was written."


def _refused(errors: list[dict[str, Any]]) -> Problem:
    return invalid(errors, _NOTHING_WRITTEN)


def _record_error(index: int, name: str, reason: str) -> dict[str, Any]:
    return field_error(f"records.{index}.{name}", reason, index=index)


def _errors(exc: ValidationError) -> list[dict[str, Any]]:
    errors = []
    for error in exc.errors(include_url=False):
        location = error.get("loc", ())
        reason = error.get("msg", "invalid").removeprefix("Value error, ")
        if len(location) >= 2 and location[0] == "records" and isinstance(location[1], int):
            name = ".".join(str(part) for part in location[2:]) or "record"
            errors.append(_record_error(location[1], name, reason))
        else:
            errors.append(field_error(".".join(str(part) for part in location) or "body", reason))
    return errors


def parse(body: bytes) -> list[PushRecord]:
    """The records, or 422 listing every bad one (index, field, reason) and nothing written."""
    try:
        records = PushBody.model_validate_json(body).records
    except ValidationError as exc:
        raise _refused(_errors(exc)) from None
    errors = []
    first_with: dict[tuple[str, str], int] = {}
    for index, record in enumerate(records):
        for key in ("external_id", "kvk_number"):
            value = getattr(record, key)
            if value is None:
                continue
            earlier = first_with.setdefault((key, value), index)
            if earlier != index:
                errors.append(_record_error(index, key,
                                            f"The same {key} as record {earlier}: one push holds each once."))
    if errors:
        raise _refused(errors)
    return records


@dataclass
class PushOutcome:
    counts: Counter[RecordOutcome] = field(default_factory=Counter)
    results: list[dict[str, Any]] = field(default_factory=list)

    def count(self, outcome: RecordOutcome, external_id: str, organisation_id: uuid.UUID,
              kept_fields: list[str]) -> None:
        self.counts[outcome] += 1
        self.results.append({"external_id": external_id, "id": str(organisation_id), "outcome": outcome.value,
                             "kept_fields": kept_fields})

    def answer(self) -> dict[str, Any]:
        return {**{outcome.value: self.counts[outcome] for outcome in RecordOutcome}, "results": self.results}


def _outcome_of(planned: repository.PlannedRecord) -> RecordOutcome:
    if planned.created:
        return RecordOutcome.CREATED
    if planned.linked or planned.withdrawn or planned.changed_fields:
        return RecordOutcome.UPDATED
    return RecordOutcome.UNCHANGED


async def push(session: AsyncSession, *, source: str, records: Sequence[PushRecord], who: str,
               withdraw_missing: bool) -> PushOutcome:
    await take_kvk_lock(session)
    await repository.stage_and_plan(session, source, records)

    taken = await repository.kvk_numbers_taken(session)
    if taken:
        raise _refused([_record_error(row.index, "kvk_number",
                                      f"KvK number {row.kvk_number} belongs to another organisation ({row.holder}); "
                                      "a coordinator must merge them first.") for row in taken])
    same = await repository.records_of_one_organisation(session)
    if same:
        raise _refused([_record_error(position, "external_id",
                                      f"Records {', '.join(map(str, positions))} describe the same organisation.")
                        for positions in same for position in positions[1:]])

    outcome = PushOutcome()
    for planned in await repository.apply_plan(session, source, who):
        outcome.count(_outcome_of(planned), planned.external_id, planned.organisation_id, planned.kept_fields)

    if withdraw_missing:
        gone = await repository.withdraw_missing(session, source, who)
        for record in sorted(gone, key=lambda record: record.external_id):
            outcome.count(RecordOutcome.WITHDRAWN, record.external_id, record.organisation_id, [])
    return outcome
