"""Every call the gateway makes to partners_api: organisations, memberships, contacts, sign-ups."""

from collections.abc import Iterable
from datetime import date
from typing import NewType

from gateway.clients.base import Json, Page, ServiceClient, segment

OrganisationRecord = NewType("OrganisationRecord", Json)
MembershipRecord = NewType("MembershipRecord", Json)  # a pact's members embed their organisation
ContactRecord = NewType("ContactRecord", Json)
SignUpRecord = NewType("SignUpRecord", Json)


class PartnersClient(ServiceClient):
    service = "partners_api"

    async def organisations_by_id(self, ids: Iterable[str]) -> list[OrganisationRecord]:
        return await self._many("/v1/organisations", "ids", ids)

    async def organisations(self, *, kind: str | None = None, municipality: str | None = None,
                            search: str | None = None, limit: int, cursor: str | None) -> Page[OrganisationRecord]:
        filters = {"kind": kind, "municipality": municipality, "search": search}
        return await self._page("/v1/organisations", filters, limit, cursor)

    async def memberships_of_organisations(self, ids: Iterable[str]) -> list[MembershipRecord]:
        return await self._many("/v1/memberships", "organisation_ids", ids)

    async def members_of_pact(self, *, pact: str, limit: int, cursor: str | None) -> Page[MembershipRecord]:
        return await self._page(f"/v1/pacts/{segment(pact)}/members", {}, limit, cursor)

    async def contacts_of_organisations(self, ids: Iterable[str]) -> list[ContactRecord]:
        """Personal data: partners_api answers 401 or 403 unless the caller's token carries contacts:read."""
        return await self._many("/v1/contacts", "organisation_ids", ids)

    async def sign_ups(self, *, status: str | None = None, limit: int, cursor: str | None) -> Page[SignUpRecord]:
        return await self._page("/v1/signups", {"status": status}, limit, cursor)

    async def sign_up(self, pact: str, body: Json) -> SignUpRecord:
        return await self._write("POST", f"/v1/pacts/{segment(pact)}/signups", body)

    async def approve_sign_up(self, sign_up_id: str, organisation_id: str | None = None,
                              joined_on: date | None = None) -> SignUpRecord:
        body = {"organisation_id": organisation_id, "joined_on": joined_on.isoformat() if joined_on else None}
        return await self._write("POST", f"/v1/signups/{segment(sign_up_id)}/approve",
                                 {key: value for key, value in body.items() if value is not None})

    async def reject_sign_up(self, sign_up_id: str, reason: str | None = None) -> SignUpRecord:
        return await self._write("POST", f"/v1/signups/{segment(sign_up_id)}/reject",
                                 {"reason": reason} if reason else None)
