"""Types of partners_api's data: organisations, their memberships of pacts, contacts and sign-ups."""

from datetime import date
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from gateway.cache_control import PRIVATE
from gateway.clients.partners import ContactRecord, MembershipRecord, OrganisationRecord, SignUpRecord
from gateway.context import Info
from gateway.types import actions as actions_types
from gateway.types import metrics as metrics_types
from gateway.types.fields import Soon, as_date, load_one, load_soon

if TYPE_CHECKING:
    from gateway.types.actions import Action, Pact
    from gateway.types.metrics import Region


@strawberry.enum
class OrganisationKind(Enum):
    COMPANY = "company"
    PRIMARY_SCHOOL = "primary_school"
    SECONDARY_SCHOOL = "secondary_school"
    VMBO = "vmbo"
    MBO = "mbo"
    HBO = "hbo"
    UNIVERSITY = "university"
    MUNICIPALITY = "municipality"
    PROVINCE = "province"
    ECONOMIC_BOARD = "economic_board"
    EMPLOYER_ORGANISATION = "employer_organisation"
    SECTOR_FUND = "sector_fund"
    INTERMEDIARY = "intermediary"
    KNOWLEDGE_INSTITUTE = "knowledge_institute"
    TRAINING_COMPANY = "training_company"
    OTHER = "other"


@strawberry.type(description="A contact person: personal data, shown only to callers with contacts:read.",
                 directives=[PRIVATE])
class Contact:
    id: strawberry.ID
    name: str
    role: str | None
    email: str | None
    phone: str | None

    @classmethod
    def of(cls, data: ContactRecord) -> "Contact":
        return cls(id=strawberry.ID(str(data["id"])), name=data["name"], role=data.get("role"),
                   email=data.get("email"), phone=data.get("phone"))


@strawberry.type(description="An organisation's membership of a pact.")
class Membership:
    id: strawberry.ID
    joined_on: date | None
    left_on: date | None
    data: strawberry.Private[MembershipRecord]

    @classmethod
    def of(cls, data: MembershipRecord) -> "Membership":
        return cls(id=strawberry.ID(str(data["id"])), joined_on=as_date(data.get("joined_on")),
                   left_on=as_date(data.get("left_on")), data=data)

    @strawberry.field
    async def pact(self, info: Info) -> Annotated["Pact", strawberry.lazy("gateway.types.actions")] | None:
        return await actions_types.Pact.load(info, self.data.get("pact"))

    @strawberry.field
    async def organisation(self, info: Info) -> "Organisation | None":
        embedded = self.data.get("organisation")
        if isinstance(embedded, dict):
            return Organisation.of(OrganisationRecord(embedded))
        return await Organisation.load(info, self.data.get("organisation_id"))


@strawberry.federation.type(keys=["id"], description="A partner organisation from the registry.")
class Organisation:
    id: strawberry.ID
    name: str
    kind: OrganisationKind
    sectors: list[str]
    kvk_number: str | None
    brin_code: str | None
    oin: str | None
    municipality_code: str | None
    website: str | None
    active: bool

    @classmethod
    def of(cls, data: OrganisationRecord) -> "Organisation":
        kind = data.get("kind")
        return cls(
            id=strawberry.ID(str(data["id"])), name=data["name"],
            kind=OrganisationKind(kind) if kind in OrganisationKind._value2member_map_ else OrganisationKind.OTHER,
            sectors=list(data.get("sectors") or []), kvk_number=data.get("kvk_number"),
            brin_code=data.get("brin_code"), oin=data.get("oin"), municipality_code=data.get("municipality_code"),
            website=data.get("website"), active=bool(data.get("active", True)),
        )

    @classmethod
    async def load(cls, info: Info, id: str | None) -> "Organisation | None":
        return await load_one(info.context.loaders.organisations, id, cls.of)

    resolve_reference = load  # federation's `_entities` passes the key, `id`

    @classmethod
    def soon(cls, info: Info, id: str | None) -> Soon["Organisation | None"]:
        """`load` for a plain resolver (gateway/types/fields.py `then`)."""
        return load_soon(info.context.loaders.organisations, id, cls.of)

    @strawberry.field(description="The municipality the organisation is in, from metrics.",
                      graphql_type=Annotated["Region", strawberry.lazy("gateway.types.metrics")] | None)
    def municipality(self, info: Info) -> Soon["Region | None"]:
        return metrics_types.Region.soon(info, self.municipality_code)

    @strawberry.field
    async def memberships(self, info: Info) -> list[Membership] | None:
        found = await info.context.loaders.memberships_by_organisation.load(str(self.id))
        return [Membership.of(item) for item in found]

    @strawberry.field(description="The actions the organisation takes part in, from actions.")
    async def actions(self, info: Info) -> list[Annotated["Action", strawberry.lazy("gateway.types.actions")]] | None:
        participations = await info.context.loaders.participations_by_organisation.load(str(self.id))
        ids = list(dict.fromkeys(str(item["action_id"]) for item in participations))
        found = await info.context.loaders.actions.load_many(ids)
        return [actions_types.Action.of(item) for item in found if item]

    @strawberry.field(description="Contact persons; null with a FORBIDDEN or UNAUTHENTICATED error unless the "
                                  "caller's token carries contacts:read.")
    async def contacts(self, info: Info) -> list[Contact] | None:
        found = await info.context.loaders.contacts_by_organisation.load(str(self.id))
        return [Contact.of(item) for item in found]


@strawberry.type(description="A request to join a pact. Only a partner administrator (partners:admin) lists "
                             "sign-ups; the contact's name and e-mail are personal data, null without contacts:read.",
                 directives=[PRIVATE])
class SignUp:
    id: strawberry.ID
    status: str
    pact: str | None
    organisation_name: str | None
    kind: str | None
    municipality_code: str | None
    contact_name: str | None
    contact_email: str | None
    message: str | None
    organisation_id: strawberry.ID | None
    reason: str | None

    @classmethod
    def of(cls, data: SignUpRecord) -> "SignUp":
        organisation_id = data.get("organisation_id")
        return cls(id=strawberry.ID(str(data["id"])), status=data.get("status") or "pending", pact=data.get("pact"),
                   organisation_name=data.get("organisation_name"), kind=data.get("kind"),
                   municipality_code=data.get("municipality_code"), contact_name=data.get("contact_name"),
                   contact_email=data.get("contact_email"), message=data.get("message"),
                   organisation_id=strawberry.ID(str(organisation_id)) if organisation_id else None,
                   reason=data.get("reason"))
