"""Sign-ups ("Meedoen?"): the public asks, a coordinator approves (joining the pact) or rejects."""

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from common.problems import conflict, field_error, invalid, not_found
from services.partners_api.actions_client import ActionsClient
from services.partners_api.domain import SignupStatus, contacts, memberships, municipalities, organisations, sectors
from services.partners_api.models import Organisation, Signup
from services.partners_api.repository import organisations as organisation_repository
from services.partners_api.repository import signups as repository
from services.partners_api.schemas.organisations import OrganisationCreate
from services.partners_api.schemas.signups import SignupApprove, SignupCreate, SignupReject


async def create(session: AsyncSession, actions: ActionsClient, registry: municipalities.RegistrySource, pact: str,
                 body: SignupCreate) -> Signup:
    """A pending sign-up for a pact actions_api knows (422 on `pact` for one it does not), in a
    municipality of the region registry (422 on `municipality_code`), in sectors of the list (422 on `sectors`)."""
    await sectors.check(session, body.sectors)
    await municipalities.check(registry, body.municipality_code)
    if not await actions.pact_exists(pact):
        raise invalid([field_error("pact", f"There is no pact '{pact}'.", **{"in": "path"})])
    signup = Signup(id=uuid.uuid4(), pact=pact, status=SignupStatus.PENDING, **body.model_dump())
    await repository.add_signup(session, signup)
    return signup


async def page(session: AsyncSession, *, status: SignupStatus | None, limit: int,
               cursor: str | None) -> tuple[list[Signup], str | None]:
    return await repository.signups_page(session, status=status, limit=limit, cursor=cursor)


async def _pending(session: AsyncSession, signup_id: uuid.UUID) -> Signup:
    signup = await repository.signup_for_update(session, signup_id)
    if signup is None:
        raise not_found("sign-up", signup_id)
    if signup.status != SignupStatus.PENDING:
        raise conflict(f"The sign-up was {signup.status} already.", signup_status=signup.status)
    return signup


async def _organisation_of(session: AsyncSession, registry: municipalities.RegistrySource, signup: Signup,
                           body: SignupApprove, who: str) -> Organisation:
    """The one named, else the one with the sign-up's KvK number, else a new one."""
    if body.organisation_id is not None:
        return await organisations.existing(session, body.organisation_id, "organisation_id")
    if signup.kvk_number is not None:
        known = await organisation_repository.organisation_with_kvk_number(session, signup.kvk_number)
        if known is not None:
            return known
    # Only what the sign-up names is set (and so locked): no sectors named leaves them to the sources.
    named = {"sectors": list(signup.sectors)} if signup.sectors else {}
    return await organisations.create(session, registry, OrganisationCreate(
        name=signup.organisation_name, kind=signup.kind, municipality_code=signup.municipality_code,
        kvk_number=signup.kvk_number, **named), who)


async def approve(session: AsyncSession, registry: municipalities.RegistrySource, signup_id: uuid.UUID,
                  body: SignupApprove, who: str) -> Signup:
    signup = await _pending(session, signup_id)
    organisation = await _organisation_of(session, registry, signup, body, who)
    membership = await memberships.join(session, organisation.id, signup.pact, body.joined_on or date.today(), who)
    await contacts.add_unless_known(session, organisation.id, signup.contact_name, signup.contact_email)
    signup.status = SignupStatus.APPROVED
    signup.organisation_id = organisation.id
    signup.membership_id = membership.id
    signup.decided_by = who
    await repository.save_decision(session, signup)
    return signup


async def reject(session: AsyncSession, signup_id: uuid.UUID, body: SignupReject, who: str) -> Signup:
    signup = await _pending(session, signup_id)
    signup.status = SignupStatus.REJECTED
    signup.reason = body.reason
    signup.decided_by = who
    await repository.save_decision(session, signup)
    return signup
