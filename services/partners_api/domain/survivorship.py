"""An organisation is the merge of its source records: the golden record and its disagreements.

The rule, per field (repository/survivorship.py computes it in SQL, for any number of
organisations at once):

1. a field a coordinator locked keeps the coordinator's value;
2. otherwise the value comes from the holding source record of highest precedence that has a
   value for the field. Precedence is the order in which sources first linked the organisation,
   unless a coordinator set it. So a source that is not first fills an empty field but never
   overwrites what a higher one sent.

Withdrawing a record ends that source's claim only: an organisation becomes inactive when no
source holds it any more, unless a coordinator locked `active`. Disagreements are kept: every
source's record stays whole, the push writes a `disagreed` history row when a source sends a value
a higher one outranks, and coordinators list the current disagreements (`conflicts`).
"""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from common.problems import conflict, field_error, invalid, not_found
from services.partners_api.models import Organisation, SourceRecord
from services.partners_api.repository import organisations as organisation_rows
from services.partners_api.repository import survivorship as repository
from services.partners_api.repository.survivorship import Conflict


async def merge_again(session: AsyncSession, organisation_ids: list[uuid.UUID], who: str, source: str | None,
                      action: str) -> None:
    """Recompute these organisations from their source records and write what changed, with its history."""
    if not organisation_ids:
        return
    await organisation_rows.take_kvk_lock(session)
    await organisation_rows.flush(session)  # the ORM's pending rows first: the rule reads the tables
    taken = await repository.resolve_organisations(session, organisation_ids)
    if taken:
        clash = taken[0]
        raise conflict(f"Organisation {clash.organisation_id} would serve KvK number {clash.kvk_number}, which "
                       f"organisation {clash.holder} serves already; merge them first. Nothing was written.",
                       field="kvk_number", organisation_id=str(clash.holder))
    await repository.apply(session, who, source, action)


async def set_precedence(session: AsyncSession, organisation_id: uuid.UUID, sources: list[str],
                         who: str) -> list[SourceRecord]:
    """The sources in their new order, highest first: every source that holds a record on it, once."""
    organisation = await _organisation(session, organisation_id, for_update=True)
    records = await organisation_rows.source_records_of(session, organisation.id)
    holders = {record.source for record in records}
    errors, seen = [], set()
    for index, source in enumerate(sources):
        if source not in holders:
            errors.append(field_error(f"sources.{index}", f"'{source}' holds no record of this organisation."))
        elif source in seen:
            errors.append(field_error(f"sources.{index}", f"'{source}' is listed twice."))
        seen.add(source)
    missing = sorted(holders - seen)
    if missing:
        errors.append(field_error("sources", f"List every source that holds the organisation; missing: "
                                             f"{', '.join(missing)}."))
    if errors:
        raise invalid(errors)
    before = _order(records)
    await repository.rank_sources(session, organisation.id, sources)
    records = await organisation_rows.source_records_of(session, organisation.id, refresh=True)
    if _order(records) != before:
        organisation_rows.record_change(session, organisation.id, who, "precedence", field="source_records",
                                        old=before, new=_order(records))
        await organisation_rows.flush(session)
        await merge_again(session, [organisation.id], who, None, "precedence")
    return records


async def _organisation(session: AsyncSession, organisation_id: uuid.UUID, *, for_update: bool = False) -> Organisation:
    organisation = await organisation_rows.organisation(session, organisation_id, for_update=for_update)
    if organisation is None:
        raise not_found("organisation", organisation_id)
    return organisation


def _order(records: list[SourceRecord]) -> list[str]:
    ranked = sorted(records, key=lambda record: record.precedence)
    return list(dict.fromkeys(record.source for record in ranked))


async def conflicts(session: AsyncSession, *, organisation_id: uuid.UUID | None, after: uuid.UUID | None,
                    limit: int) -> tuple[list[Conflict], bool]:
    """A page of organisations whose holding sources disagree, and whether there are more."""
    if organisation_id is not None:
        organisation_id = (await _organisation(session, organisation_id)).id
    found = await repository.conflicts(session, organisation_id=organisation_id, after=after, limit=limit + 1)
    return found[:limit], len(found) > limit
