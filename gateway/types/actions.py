"""Types of actions_api's data: pacts, their action lines and agenda, actions and who takes part."""

import asyncio
from collections.abc import Awaitable
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from gateway.clients.actions import ActionRecord, AgendaRecord, LineRecord, MilestoneRecord, PactRecord
from gateway.context import Info
from gateway.paging import Connection, fetch_page
from gateway.types import metrics as metrics_types
from gateway.types import partners as partners_types
from gateway.types.fields import Soon, as_date, as_float, below, load_one, then
from gateway.types.progress import Goal, Milestone, ProgressReport, Result

if TYPE_CHECKING:
    from gateway.types.metrics import Region
    from gateway.types.partners import Membership, Organisation


ACTION_FILTERS = ("Filters, all optional and combined: `status` (comma-separated), `line` (its number), `overdue` "
                  "(an open milestone past due, or with false none), `dueBefore` (an open milestone due before "
                  "that day, overdue ones included), `lead` (an organisation's id: the actions it is trekker of). "
                  "One downstream request per page, whatever the filters.")


@strawberry.type(description="An action line (actielijn), e.g. 'Kiezen voor techniek'.")
class ActionLine:
    id: strawberry.ID
    number: int
    name: str
    aim: str | None
    progress: float | None
    goals: list[Goal]
    pact_slug: strawberry.Private[str]

    @classmethod
    def of(cls, data: LineRecord) -> "ActionLine":
        return cls(id=strawberry.ID(str(data["id"])), number=int(data["number"]), name=data["name"],
                   aim=data.get("aim"), progress=as_float(data.get("progress")),
                   goals=[Goal.of(goal) for goal in data.get("goals") or []], pact_slug=data["pact"])

    @strawberry.field(description="The line's actions, filtered by `status`, `overdue`, `dueBefore` and `lead` as "
                                  "`Pact.actions` is.")
    async def actions(self, info: Info, status: str | None = None, overdue: bool | None = None,
                      due_before: date | None = None, lead: strawberry.ID | None = None, first: int = 20,
                      after: str | None = None) -> Connection["Action"]:
        filters = {"pact": self.pact_slug, "line": self.number, "status": status, "overdue": overdue,
                   "due_before": due_before, "lead": lead}
        return await fetch_page(info, info.context.clients.actions.actions, filters, first, after, Action.of,
                                Action.ahead)


@strawberry.type
class AgendaItem:
    id: strawberry.ID
    on: date | None
    when: str | None = strawberry.field(description="The moment as the plan wrote it (\"eind mei / begin juni\"), "
                                                    "when it gave no exact day; `on` is then its first day.")
    label: str
    kind: str | None

    @classmethod
    def of(cls, data: AgendaRecord) -> "AgendaItem":
        return cls(id=strawberry.ID(str(data["id"])), on=as_date(data.get("on")), when=data.get("when"),
                   label=data.get("label") or "", kind=data.get("kind"))


@strawberry.type(description="Who takes part in an action: a named organisation or a kind of organisation.")
class Participant:
    role: str
    organisation_kind: str | None
    label: str | None
    organisation_id: strawberry.Private[str | None]

    # Plain resolvers returning a value or an awaitable (gateway/types/fields.py `then`): one per item of a list.
    @strawberry.field(graphql_type=Annotated["Organisation", strawberry.lazy("gateway.types.partners")] | None)
    def organisation(self, info: Info) -> Soon["Organisation | None"]:
        return partners_types.Organisation.soon(info, self.organisation_id)


@strawberry.federation.type(keys=["id"], description="An action of a pact, with its leads, partners and milestones.")
class Action:
    id: strawberry.ID
    number: int
    title: str
    description: str | None
    aim: str | None
    ambition: str | None
    status: str = strawberry.field(description="planned, in_progress, delayed, achieved or stopped")
    progress: float | None = strawberry.field(description="0 to 1, from the milestones met")
    overdue: bool = strawberry.field(description="An open milestone is past due.")
    version: int | None
    line_number: int | None
    data: strawberry.Private[ActionRecord]

    @classmethod
    def of(cls, data: ActionRecord) -> "Action":
        return cls(
            id=strawberry.ID(str(data["id"])), number=int(data["number"]), title=data["title"],
            description=data.get("description"), aim=data.get("aim"), ambition=data.get("ambition"),
            status=data.get("status") or "", progress=as_float(data.get("progress")),
            overdue=bool(data.get("overdue", False)), version=data.get("version"),
            line_number=data.get("line_number"), data=data,
        )

    @classmethod
    async def load(cls, info: Info, id: str) -> "Action | None":
        return await load_one(info.context.loaders.actions, id, cls.of)

    resolve_reference = load  # federation's `_entities` passes the key, `id`

    @staticmethod
    async def ahead(info: Info, actions: list["Action"]) -> None:
        """Fetch, for a page of actions, what the query asks of them from other loaders: their milestones,
        the organisations of their leads and participants, and those organisations' municipalities. The
        same requests their fields would send, in the same round, but done before graphql-core resolves
        those fields, so that each of them (one per action and participant) has its value at once instead
        of awaiting. A failed fetch is left to the fields: each reports it at its own path, as before."""
        here = info.selected_fields  # the connection field itself
        fields = below(here, info.field_name, "edges", "node") + below(here, info.field_name, "nodes")
        loaders = info.context.loaders
        asked: list[tuple[list[str], list[Any]]] = []  # organisation ids, and the fields asked of them
        if lead := below(fields, "lead"):
            asked.append(([action._lead_organisation_id() or "" for action in actions], lead))
        for name, role in (("leads", "lead"), ("participants", None)):
            if of_them := below(fields, name, "organisation"):
                asked.append(([item["organisation_id"] for action in actions for item in
                               action.data.get("participants") or [] if (role is None or item.get("role") == role)
                               and item.get("organisation_id")], of_them))
        pending: list[Awaitable[Any]] = []
        if ids := [str(id) for ids, _ in asked for id in ids if id]:
            pending.append(loaders.organisations.load_many(ids))
        if below(fields, "milestones"):
            pending.append(loaders.milestones_by_action.load_many([str(action.id) for action in actions]))
        if not pending:
            return
        await asyncio.gather(*pending, return_exceptions=True)
        codes = []
        for ids, of_them in asked:
            if any(field.name == "municipality" for field in of_them):
                for id in ids:
                    found = loaders.organisations.load(str(id)) if id else None
                    if isinstance(found, asyncio.Future) and found.done() and not found.cancelled() \
                            and found.exception() is None and (record := found.result()) \
                            and record.get("municipality_code"):
                        codes.append(str(record["municipality_code"]))
        if codes:
            await asyncio.gather(loaders.regions.load_many(codes), return_exceptions=True)

    def _participants(self, role: str | None = None) -> list[Participant]:
        return [
            Participant(role=item.get("role") or "participant", organisation_kind=item.get("organisation_kind"),
                        label=item.get("label"), organisation_id=item.get("organisation_id"))
            for item in self.data.get("participants") or [] if role is None or item.get("role") == role
        ]

    @strawberry.field
    def participants(self) -> list[Participant]:
        return self._participants()

    @strawberry.field(description="Every lead (trekker) in the plan's order, each a named organisation or a kind of "
                                  "organisation: a plan may name several (\"in Utrecht: ..., in MRA en NHN: ...\").")
    def leads(self) -> list[Participant]:
        return self._participants("lead")

    @strawberry.field(description="The first lead that is a named organisation; from partners.",
                      deprecation_reason="Names one of several trekkers; use leads.",
                      graphql_type=Annotated["Organisation", strawberry.lazy("gateway.types.partners")] | None)
    def lead(self, info: Info) -> Soon["Organisation | None"]:
        return partners_types.Organisation.soon(info, self._lead_organisation_id())

    def _lead_organisation_id(self) -> str | None:
        """The first lead that is a named organisation: what `lead` shows and `ahead` fetches."""
        return next((item["organisation_id"] for item in self.data.get("participants") or []
                     if item.get("role") == "lead" and item.get("organisation_id")), None)

    @strawberry.field
    async def pact(self, info: Info) -> "Pact | None":
        return await Pact.load(info, self.data.get("pact"))

    @strawberry.field
    async def line(self, info: Info) -> ActionLine | None:
        if self.line_number is None or not self.data.get("pact"):
            return None
        for item in await info.context.loaders.lines_by_pact.load(self.data["pact"]):
            if item.get("number") == self.line_number:
                return ActionLine.of(item)
        return None

    @strawberry.field(graphql_type=list[Milestone])
    def milestones(self, info: Info) -> Soon[list[Milestone]]:
        return then(info.context.loaders.milestones_by_action.load(str(self.id)),
                    lambda found: [Milestone.of(item) for item in found])

    @strawberry.field
    def next_milestone(self) -> Milestone | None:
        found = self.data.get("next_milestone")
        return Milestone.of(MilestoneRecord(found)) if isinstance(found, dict) else None

    @strawberry.field
    async def results(self, info: Info) -> list[Result]:
        return [Result.of(item) for item in await info.context.loaders.results_by_action.load(str(self.id))]

    @strawberry.field
    async def progress_reports(self, info: Info) -> list[ProgressReport]:
        found = await info.context.loaders.reports_by_action.load(str(self.id))
        return [ProgressReport.of(item) for item in found]

    @strawberry.field(description="The statuses it may move to from the one it has (its state machine): what a "
                                  "progress report may propose, so a form offers only these.")
    def allowed_statuses(self) -> list[str]:
        return [str(status) for status in self.data.get("allowed_statuses") or []]


@strawberry.federation.type(keys=["slug"], description="A Techniekpact: national, regional or sub-regional.")
class Pact:
    slug: str
    name: str
    level: str | None
    period_start: date | None
    period_end: date | None
    signed_on: date | None
    source_document: str | None
    data: strawberry.Private[PactRecord]

    @classmethod
    def of(cls, data: PactRecord) -> "Pact":
        return cls(slug=data["slug"], name=data["name"], level=data.get("level"),
                   period_start=as_date(data.get("period_start")), period_end=as_date(data.get("period_end")),
                   signed_on=as_date(data.get("signed_on")), source_document=data.get("source_document"), data=data)

    @classmethod
    async def load(cls, info: Info, slug: str | None) -> "Pact | None":
        return await load_one(info.context.loaders.pacts, slug, cls.of)

    resolve_reference = load  # federation's `_entities` passes the key, `slug`

    @strawberry.field
    async def parent(self, info: Info) -> "Pact | None":
        return await Pact.load(info, self.data.get("parent"))

    @strawberry.field
    async def children(self, info: Info) -> list["Pact"]:
        found = await info.context.loaders.pacts.load_many(list(self.data.get("children") or []))
        return [Pact.of(item) for item in found if item]

    @strawberry.field(description="The organisation that coordinates the pact, from partners: the one to contact "
                                  "to join (\"Meedoen?\"); its contacts need contacts:read.")
    async def coordinator(
        self, info: Info,
    ) -> Annotated["Organisation", strawberry.lazy("gateway.types.partners")] | None:
        return await partners_types.Organisation.load(info, self.data.get("coordinator"))

    @strawberry.field(description="The pact's region, from metrics.")
    async def region(self, info: Info) -> Annotated["Region", strawberry.lazy("gateway.types.metrics")] | None:
        return await metrics_types.Region.load(info, self.data.get("region"))

    @strawberry.field
    async def action_lines(self, info: Info) -> list[ActionLine]:
        return [ActionLine.of(item) for item in await info.context.loaders.lines_by_pact.load(self.slug)]

    @strawberry.field(description=f"The pact's actions. {ACTION_FILTERS}")
    async def actions(self, info: Info, status: str | None = None, line: int | None = None,
                      overdue: bool | None = None, due_before: date | None = None, lead: strawberry.ID | None = None,
                      first: int = 20, after: str | None = None) -> Connection[Action]:
        filters = {"pact": self.slug, "status": status, "line": line, "overdue": overdue, "due_before": due_before,
                   "lead": lead}
        return await fetch_page(info, info.context.clients.actions.actions, filters, first, after, Action.of,
                                Action.ahead)

    @strawberry.field(description="The organisations that joined the pact, from partners.")
    async def members(
        self, info: Info, first: int = 20, after: str | None = None,
    ) -> Connection[Annotated["Membership", strawberry.lazy("gateway.types.partners")]] | None:
        return await fetch_page(info, info.context.clients.partners.members_of_pact, {"pact": self.slug}, first,
                                after, partners_types.Membership.of)

    @strawberry.field
    async def agenda(self, info: Info) -> list[AgendaItem]:
        return [AgendaItem.of(item) for item in await info.context.loaders.agenda_by_pact.load(self.slug)]
