"""A pact's members and its sign-ups ("Meedoen?")."""

import math
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from common.auth import Principal
from common.database import SessionDep, get_database
from common.pagination import DEFAULT_PAGE_SIZE, Cursor, Limit, Page
from common.problems import Problem
from common.query_lists import uuid_list
from services.partners_api import models
from services.partners_api.actions_client import ActionsClient
from services.partners_api.domain import SignupStatus
from services.partners_api.domain import memberships as membership_rules
from services.partners_api.domain import signups as signup_rules
from services.partners_api.routes.dependencies import Admin, OrganisationIds, PactPath, Regions
from services.partners_api.schemas.memberships import MemberOfPact, Membership, MembershipCreate, MembershipLeave
from services.partners_api.schemas.organisations import Organisation
from services.partners_api.schemas.signups import Signup, SignupAccepted, SignupApprove, SignupCreate, SignupReject

router = APIRouter()

# --- memberships -------------------------------------------------------------------------------

@router.get("/pacts/{pact}/members", tags=["memberships"], response_model=Page[MemberOfPact])
async def pact_members(pact: PactPath, session: SessionDep,
                       current: Annotated[bool | None, Query(description="true: not left; false: left")] = None,
                       limit: Limit = DEFAULT_PAGE_SIZE, cursor: Cursor = None) -> Page[MemberOfPact]:
    rows, next_cursor = await membership_rules.pact_members(session, pact, current=current, limit=limit, cursor=cursor)
    items = [MemberOfPact(**Membership.model_validate(m).model_dump(),
                                  organisation=Organisation.model_validate(o)) for m, o in rows]
    return Page(items=items, next_cursor=next_cursor)


@router.post("/pacts/{pact}/members", tags=["memberships"], status_code=201, response_model=Membership)
async def join_pact(pact: PactPath, body: MembershipCreate,
                    session: SessionDep, principal: Admin) -> Membership:
    return Membership.model_validate(await membership_rules.join_pact(session, pact, body, principal.subject))


@router.get("/memberships", tags=["memberships"], response_model=Page[Membership])
async def memberships(session: SessionDep, organisation_ids: OrganisationIds) -> Page[Membership]:
    found = await membership_rules.of_organisations(session, uuid_list(organisation_ids, "organisation_ids"))
    return Page(items=[Membership.model_validate(m) for m in found])


@router.post("/memberships/{membership_id}/leave", tags=["memberships"], response_model=Membership)
async def leave_pact(membership_id: uuid.UUID, body: MembershipLeave, session: SessionDep,
                     principal: Admin) -> Membership:
    membership = await membership_rules.leave_pact(session, membership_id, body, principal.subject)
    return Membership.model_validate(membership)



# --- sign-ups ("Meedoen?") ---------------------------------------------------------------------

async def _rate_limited(request: Request) -> None:
    # The peer's address, or the visitor's when the peer is a proxy FORWARDED_ALLOW_IPS trusts (common.app).
    visitor = request.client.host if request.client else "unknown"
    wait = await request.app.state.signup_limiter.hit(get_database(request), visitor)
    if wait > 0:
        raise Problem(429, "Too many requests", "Too many sign-ups from your address; try again later.",
                      type="rate-limited", headers={"Retry-After": str(max(1, math.ceil(wait)))})


def _actions(request: Request) -> ActionsClient:
    return request.app.state.actions


@router.post("/pacts/{pact}/signups", tags=["sign-ups"], status_code=202, response_model=SignupAccepted,
             dependencies=[Depends(_rate_limited)],
             responses={429: {"description": "Too many sign-ups from this address (see Retry-After)"},
                        422: {"description": "Invalid fields, or no pact with this slug"}})
async def sign_up(pact: PactPath, body: SignupCreate, session: SessionDep,
                  actions: Annotated[ActionsClient, Depends(_actions)], regions: Regions) -> SignupAccepted:
    """Public: no token. A coordinator approves or rejects the request later."""
    signup = await signup_rules.create(session, actions, regions, pact, body)
    return SignupAccepted(id=signup.id, status=SignupStatus.PENDING)


@router.get("/signups", tags=["sign-ups"], response_model=Page[Signup])
async def signups(session: SessionDep, principal: Admin, status: SignupStatus | None = None,
                  limit: Limit = DEFAULT_PAGE_SIZE, cursor: Cursor = None) -> Page[Signup]:
    """The contact person's name and e-mail are personal data: null unless the token carries contacts:read."""
    rows, next_cursor = await signup_rules.page(session, status=status, limit=limit, cursor=cursor)
    return Page(items=[_signup(s, principal) for s in rows], next_cursor=next_cursor)


@router.post("/signups/{signup_id}/approve", tags=["sign-ups"], response_model=Signup)
async def approve_signup(signup_id: uuid.UUID, session: SessionDep, principal: Admin, regions: Regions,
                         body: SignupApprove | None = None) -> Signup:
    signup = await signup_rules.approve(session, regions, signup_id, body or SignupApprove(), principal.subject)
    return _signup(signup, principal)


@router.post("/signups/{signup_id}/reject", tags=["sign-ups"], response_model=Signup)
async def reject_signup(signup_id: uuid.UUID, session: SessionDep, principal: Admin,
                        body: SignupReject | None = None) -> Signup:
    signup = await signup_rules.reject(session, signup_id, body or SignupReject(), principal.subject)
    return _signup(signup, principal)


def _signup(signup: models.Signup, principal: Principal) -> Signup:
    body = Signup.model_validate(signup)
    if principal.has("contacts:read"):
        return body
    return body.model_copy(update={"contact_name": None, "contact_email": None})
