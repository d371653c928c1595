"""The municipal push: `PUT /v1/sources/{source}/organisations`, set-based.

A push is validated whole before anything is written (every bad record is listed), then runs in
the request's one transaction:

1. the records are COPYed into a temporary table (asyncpg's fast path, not the ORM), each with its
   JSON as the source record keeps it;
2. one read finds the records that differ in nothing from what the source sent last: they write
   nothing at all, not even their `updated_at`, so an unchanged push costs a read. One INSERT..SELECT
   plans the others: each one's organisation, by (source, external_id), else by KvK number (the
   same company pushed by two systems is one organisation with two source records), else a new one;
3. refusals: an identifier (KvK, BRIN, OIN) of an organisation other sources hold changed (409,
   naming the holders), two records on one organisation, a full sync that would withdraw more
   than the allowed share without `confirm_withdraw`;
4. each record is stored whole as the source's record, and the organisations whose records
   changed are merged again by the survivorship rule (domain/survivorship.py), set-based, one
   history row per changed field; a value that a source of higher precedence outranks is kept
   in the source's record, reported (`outranked_fields`) and written to the history once;
5. with `withdraw_missing`, the source's records absent from the body are withdrawn: that ends
   this source's claim only, and the organisations are merged again without it.

Pushes take one transaction-scoped advisory lock, so two pushes never race for the same KvK
number; pushes are batch jobs, and waiting a few hundred milliseconds is cheaper than retrying.
Everything that reads nothing other pushes write happens before the lock: reading and checking
the body, and COPYing it into the transaction's own staging table (step 1). Two pushes in flight
so overlap one's checks and staging with the other's planning and writing, on two cores.
The SQL of every step is in repository/push.py and repository/survivorship.py.
"""

import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from common.collector import no_collection
from common.problems import Problem, field_error, invalid
from services.partners_api.domain import ORGANISATION_FIELDS, RecordOutcome, municipalities, sectors, survivorship
from services.partners_api.repository import push as repository
from services.partners_api.repository import survivorship as merged
from services.partners_api.repository.organisations import take_kvk_lock
from services.partners_api.schemas.push import PushBody, PushRow, push_row, push_rows

_NOTHING_WRITTEN = "Some records are invalid; nothing was written."


def _refused(errors: list[dict[str, Any]]) -> Problem:
    return invalid(errors, _NOTHING_WRITTEN)


def _record_error(index: int, name: str, reason: str, **extra: Any) -> dict[str, Any]:
    return field_error(f"records.{index}.{name}", reason, index=index, **extra)


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


# Where the push's row (schemas.PushRow) holds the values that must be unique in one push.
_UNIQUE_IN_PUSH = (("external_id", 0), ("kvk_number", 4))


def parse(body: bytes) -> list[PushRow]:
    """The records, or 422 listing every bad one (index, field, reason) and nothing written."""
    rows = push_rows(body)
    if rows is None:
        try:
            rows = [push_row(record) for record in PushBody.model_validate_json(body).records]
        except ValidationError as exc:
            raise _refused(_errors(exc)) from None
    errors = []
    for key, position in _UNIQUE_IN_PUSH:
        values = [row[position] for row in rows if row[position] is not None]
        if len(set(values)) == len(values):
            continue  # the usual case, in one pass of C: no record to name
        first_with: dict[str, int] = {}
        for index, row in enumerate(rows):
            value = row[position]
            if value is not None and (earlier := first_with.setdefault(value, index)) != index:
                errors.append(_record_error(index, key,
                                            f"The same {key} as record {earlier}: one push holds each once."))
    if errors:
        raise _refused(sorted(errors, key=lambda error: error["index"]))
    return rows


# Where a push's row holds its sectors and its municipality code (after external_id, the organisation fields).
_SECTORS = 1 + ORGANISATION_FIELDS.index("sectors")
_MUNICIPALITY = 1 + ORGANISATION_FIELDS.index("municipality_code")


async def read(session: AsyncSession, body: bytes, registry: municipalities.RegistrySource) -> list[PushRow]:
    """The records, checked whole: their form (`parse`), then their sectors against the sector list (one
    query for the batch) and their municipality codes against the region registry (one call to
    metrics_api per push at most, none while its copy is fresh); 422 listing every bad record and
    nothing written."""
    with no_collection():
        rows = parse(body)
    errors = [_record_error(index, "sectors", reason) for index, reason in await sectors.refusals(
        session, [(index, row[_SECTORS]) for index, row in enumerate(rows) if row[_SECTORS]])]
    refused = await municipalities.refusals(registry, ((index, row[_MUNICIPALITY]) for index, row in enumerate(rows)))
    errors += [_record_error(index, "municipality_code", reason, **municipalities.error_details(successor))
               for index, reason, successor in refused]
    if errors:
        raise _refused(sorted(errors, key=lambda error: error["index"]))
    return rows


@dataclass
class PushOutcome:
    counts: Counter[RecordOutcome] = field(default_factory=Counter)
    results: list[dict[str, Any]] = field(default_factory=list)

    def count(self, outcome: RecordOutcome, external_id: str, organisation_id: uuid.UUID | str,
              kept_fields: list[str], outranked_fields: list[str]) -> None:
        self.counts[outcome] += 1
        self.results.append({"external_id": external_id, "id": str(organisation_id), "outcome": outcome.value,
                             "kept_fields": kept_fields, "outranked_fields": outranked_fields})

    def count_records(self, records: Sequence[PushRow], done: Callable[[int], repository.RecordOutcome]) -> None:
        """What became of each record of the push (`done` by position), in the order of the body: one
        dict each and nothing else per record, as a push holds thousands."""
        results = self.results
        outcomes = []
        for index, row in enumerate(records):
            record = done(index)
            outcome = _CREATED if record.created else _UPDATED if record.changed else _UNCHANGED
            outcomes.append(outcome)
            results.append({"external_id": row[0], "id": record.organisation_id, "outcome": outcome,
                            "kept_fields": record.kept_fields, "outranked_fields": record.outranked_fields})
        for outcome, times in Counter(outcomes).items():
            self.counts[RecordOutcome(outcome)] += times

    def answer(self) -> dict[str, Any]:
        return {**{outcome.value: self.counts[outcome] for outcome in RecordOutcome}, "results": self.results}


_CREATED, _UPDATED, _UNCHANGED = RecordOutcome.CREATED.value, RecordOutcome.UPDATED.value, RecordOutcome.UNCHANGED.value


def _records_of_one_organisation(staged: repository.Staged) -> list[list[int]]:
    """Groups of record positions on the same existing organisation: one push holds each organisation once."""
    organisations = [record.organisation_id for record in staged.unchanged.values()] + list(staged.existing.values())
    if len(set(organisations)) == len(organisations):
        return []
    positions: dict[str, list[int]] = {}
    for index, record in staged.unchanged.items():
        positions.setdefault(record.organisation_id, []).append(index)
    for index, organisation_id in staged.existing.items():
        positions.setdefault(organisation_id, []).append(index)
    return sorted(sorted(group) for group in positions.values() if len(group) > 1)


@dataclass(frozen=True)
class FullSync:
    """`withdraw_missing`: records of the source absent from the body are withdrawn, unless that
    would be more than `max_share` of the source's records and the caller did not confirm it."""

    confirmed: bool
    max_share: float


async def refuse_mass_withdrawal(session: AsyncSession, source: str, sync: FullSync,
                                 sync_session: uuid.UUID | None = None) -> None:
    """422 naming `confirm_withdraw`, before anything is written, when the full sync would withdraw
    more than the allowed share of the source's records."""
    share = await repository.withdrawal_share(session, source, sync_session)
    if sync.confirmed or share.missing <= share.holding * sync.max_share:
        return
    raise Problem(422, "Validation failed",
                  f"This full sync would withdraw {share.missing} of the {share.holding} records {source} holds, more "
                  f"than {sync.max_share:.0%}; nothing was written. Send ?confirm_withdraw=true if that is meant.",
                  type="validation", errors=[field_error("confirm_withdraw", "Needed to withdraw this many records.",
                                                         **{"in": "query", "missing": share.missing,
                                                            "holding": share.holding})])


async def _refuse_shared_identifier_changes(session: AsyncSession, source: str) -> None:
    changed = await repository.shared_identifiers_changed(session, source)
    if changed:
        holders = sorted({holder for row in changed for holder in row.holders})
        raise Problem(
            409, "Conflict",
            f"Records change identifiers of organisations that other sources also hold ({', '.join(holders)}); "
            "a coordinator must change them. Nothing was written.", type="identifier-held",
            errors=[_record_error(row.index, name, f"Also held by {', '.join(row.holders)}; "
                                                   "this source cannot change it for them.", holders=row.holders)
                    for row in changed for name in row.fields])


async def _merge_changed_again(session: AsyncSession, source: str, who: str) -> None:
    taken = await repository.resolve_changed(session)
    if taken:
        positions = await repository.record_indexes(session, [row.organisation_id for row in taken])
        raise _refused([_record_error(positions[row.organisation_id], "kvk_number",
                                      f"KvK number {row.kvk_number} belongs to another organisation ({row.holder}); "
                                      "a coordinator must merge them first.") for row in taken])
    await merged.apply(session, who, source, "updated")


async def push(session: AsyncSession, *, source: str, records: Sequence[PushRow], who: str,
               full_sync: FullSync | None) -> PushOutcome:
    await stage(session, records)
    await take_kvk_lock(session)
    return await push_staged(session, source=source, records=records, who=who, full_sync=full_sync)


async def stage(session: AsyncSession, records: Sequence[PushRow]) -> None:
    """The records into the push's staging table, before the lock (they are the transaction's own)."""
    await repository.stage(session, records)


async def push_staged(session: AsyncSession, *, source: str, records: Sequence[PushRow], who: str,
                      full_sync: FullSync | None) -> PushOutcome:
    """The staged push, under the lock (`take_kvk_lock`): planned, checked, written, answered."""
    staged = await repository.plan(session, source, len(records))
    if full_sync is not None:
        await refuse_mass_withdrawal(session, source, full_sync)
    if staged.changed:
        await _refuse_shared_identifier_changes(session, source)
    same = _records_of_one_organisation(staged)
    if same:
        raise _refused([_record_error(position, "external_id",
                                      f"Records {', '.join(map(str, positions))} describe the same organisation.")
                        for positions in same for position in positions[1:]])

    planned: dict[int, repository.RecordOutcome] = {}
    if len(staged.unchanged) < len(records):
        await repository.store_records(session, source, who, staged)
        if staged.changed:
            await _merge_changed_again(session, source, who)
        done = await repository.planned_outcomes(session, source, who, staged)
        planned = {record.position: record for record in done}

    outcome = PushOutcome()
    with no_collection():
        outcome.count_records(records, lambda index: staged.unchanged.get(index) or planned[index])

    if full_sync is not None:
        count_withdrawn(outcome, await end_missing_claims(session, source, who))
    return outcome


async def end_missing_claims(session: AsyncSession, source: str, who: str,
                             sync_session: uuid.UUID | None = None) -> list[repository.WithdrawnRecord]:
    """Withdraw the source's records the full sync did not hold (this push's body, or every push into
    `sync_session`), and merge their organisations again without them; by external id."""
    gone = await repository.withdraw_missing(session, source, who, sync_session)
    await survivorship.merge_again(session, sorted({record.organisation_id for record in gone}, key=str),
                                   who, source, "withdrawn")
    return sorted(gone, key=lambda record: record.external_id)


def count_withdrawn(outcome: PushOutcome, gone: list[repository.WithdrawnRecord]) -> None:
    for record in gone:
        outcome.count(RecordOutcome.WITHDRAWN, record.external_id, record.organisation_id, [], [])
