"""Merging duplicates: a coordinator says two organisations are one.

Everything that hangs off the duplicate moves to the survivor: its source records (after the
survivor's own in precedence), memberships, contacts, sign-ups, and, through actions_api, the
action participations. The duplicate stays as a redirect (`merged_into`): reads by its id answer
with the survivor, and a push with its KvK number lands on the survivor. The survivor is merged
again from all its source records (should it come to serve the duplicate's KvK number, the
redirect hands it over). Both histories say so.

The participations move last, over HTTP, before the commit: if actions_api does not answer, the
merge is refused whole (503) and can simply be retried.
"""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from common.auth import Principal
from common.problems import conflict, field_error, invalid, not_found
from services.partners_api.actions_client import ActionsClient
from services.partners_api.domain import survivorship
from services.partners_api.models import Organisation
from services.partners_api.repository import merging as repository
from services.partners_api.repository import organisations as organisation_rows


async def merge(session: AsyncSession, actions: ActionsClient, survivor_id: uuid.UUID, duplicate_id: uuid.UUID,
                principal: Principal) -> Organisation:
    if duplicate_id == survivor_id:
        raise invalid([field_error("duplicate_id", "An organisation cannot be merged into itself.")])
    await organisation_rows.take_kvk_lock(session)
    survivor = await repository.stored_organisation(session, survivor_id)
    if survivor is None:
        raise not_found("organisation", survivor_id)
    if survivor.merged_into is not None:
        raise conflict(f"Organisation {survivor_id} was merged into {survivor.merged_into}; merge into that one.",
                       field="organisation_id", merged_into=str(survivor.merged_into))
    duplicate = await repository.stored_organisation(session, duplicate_id)
    if duplicate is None:
        raise invalid([field_error("duplicate_id", f"No organisation {duplicate_id}.")])
    if duplicate.merged_into is not None:
        raise conflict(f"Organisation {duplicate_id} was merged into {duplicate.merged_into} already.",
                       field="duplicate_id", merged_into=str(duplicate.merged_into))
    both = await repository.pacts_both_belong_to(session, survivor.id, duplicate.id)
    if both:
        raise conflict(f"Both are current members of {', '.join(both)}; end one of the two memberships first.",
                       field="duplicate_id", pacts=both)

    who = principal.subject
    await repository.move_everything(session, duplicate.id, survivor.id)
    organisation_rows.record_change(session, survivor.id, who, "merged", field="merged_from", new=str(duplicate.id))
    organisation_rows.record_change(session, duplicate.id, who, "merged", field="merged_into", new=str(survivor.id))
    duplicate.merged_into, duplicate.active = survivor.id, False
    await organisation_rows.flush(session)
    await survivorship.merge_again(session, [survivor.id], who, None, "merged")
    await actions.move_participations(duplicate.id, survivor.id, principal.token)
    await organisation_rows.refresh(session, survivor)
    return survivor
