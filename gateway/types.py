"""The GraphQL types front ends see (DESIGN.md, "Front ends rely on these GraphQL names").

Each type wraps the JSON a service answered (`data`, private to Python) and resolves the fields
that live in another service through the request's DataLoaders. Fields that cross to another
service are nullable: when that service fails, only those fields become null, with an error each.
"""

import base64
import binascii
import json
from datetime import date
from enum import Enum
from typing import Annotated, Any, Generic, TypeVar

import strawberry
from graphql import GraphQLError

from gateway.loaders import Json, PageKey, SeriesKey, items_of

T = TypeVar("T")


def _date(value: Any) -> date | None:
    return date.fromisoformat(value[:10]) if isinstance(value, str) and value else None


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


# --- Relay-style connections ---------------------------------------------------------------------
#
# The services page with opaque `next_cursor`s. A gateway cursor is (the service's cursor the page
# started at, how many items of that page lie before the edge), so every edge has a cursor that
# resumes right after it.


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    nodes: list[T]
    page_info: PageInfo


def encode_cursor(service_cursor: str | None, skip: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([service_cursor, skip]).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[str | None, int]:
    if cursor is None:
        return None, 0
    try:
        value = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
    except (ValueError, binascii.Error):
        value = None
    if (not isinstance(value, list) or len(value) != 2 or not isinstance(value[1], int)
            or not (value[0] is None or isinstance(value[0], str)) or not 0 <= value[1] <= 1000):
        raise GraphQLError("`after` is not a cursor this list gave out.", extensions={"code": "BAD_USER_INPUT"})
    return value[0], value[1]


def check_first(info: strawberry.Info, first: int) -> None:
    """The cost rule refuses these before execution; this guards the resolvers of `_entities` too."""
    limit = info.context.settings.graphql_max_page_size
    if not 1 <= first <= limit:
        raise GraphQLError(f"`first` must be between 1 and {limit}.", extensions={"code": "BAD_USER_INPUT"})


async def fetch_page(info: strawberry.Info, service: str, path: str, filters: dict[str, Any], first: int,
                     after: str | None, wrap) -> Connection:
    check_first(info, first)
    service_cursor, skip = decode_cursor(after)
    present = tuple(sorted((key, value) for key, value in filters.items() if value is not None))
    page = await info.context.loaders.pages.load(PageKey(service, path, present, skip + first, service_cursor))
    items = items_of(page)[skip:skip + first]
    next_cursor = page.get("next_cursor") if isinstance(page, dict) else None
    edges = [Edge(cursor=encode_cursor(service_cursor, skip + index + 1), node=wrap(item))
             for index, item in enumerate(items)]
    if edges and next_cursor is not None and len(items_of(page)) == skip + first:
        edges[-1].cursor = encode_cursor(next_cursor, 0)
    return Connection(
        edges=edges,
        nodes=[edge.node for edge in edges],
        page_info=PageInfo(has_next_page=next_cursor is not None,
                           end_cursor=edges[-1].cursor if edges else after),
    )


# --- metrics -------------------------------------------------------------------------------------


@strawberry.enum
class RegionKind(Enum):
    COUNTRY = "country"
    PROVINCE = "province"
    LABOUR_MARKET_REGION = "labour_market_region"
    MUNICIPALITY = "municipality"
    AGGREGATE = "aggregate"


@strawberry.type
class SeriesPoint:
    period: str
    value: float | None
    status: str | None
    revision: int | None
    derived: bool
    share: float | None
    change: float | None
    missing_reason: str | None

    @classmethod
    def of(cls, data: Json) -> "SeriesPoint":
        return cls(period=str(data["period"]), value=_float(data.get("value")), status=data.get("status"),
                   revision=data.get("revision"), derived=bool(data.get("derived", False)),
                   share=_float(data.get("share")), change=_float(data.get("change")),
                   missing_reason=data.get("missing_reason"))


@strawberry.type(description="Figures of one measure for one region and occupation class over periods.")
class Series:
    measure: str
    occupation: str
    unit: str | None
    unit_multiplier: int = strawberry.field(description="Values are in units of 10 to this power.")
    kind: str | None = strawberry.field(description="flow (arose in the period) or stock (at the period's end)")
    derived: bool
    points: list[SeriesPoint]
    region_code: strawberry.Private[str]

    @classmethod
    def of(cls, data: Json) -> "Series":
        return cls(measure=data["measure"], occupation=data.get("occupation") or "total", unit=data.get("unit"),
                   unit_multiplier=int(data.get("unit_multiplier") or 0), kind=data.get("kind"),
                   derived=bool(data.get("derived", False)),
                   points=[SeriesPoint.of(point) for point in data.get("points") or []],
                   region_code=data["region"])

    @strawberry.field
    async def region(self, info: strawberry.Info) -> "Region | None":
        return await Region.load(info, self.region_code)


async def load_series(info: strawberry.Info, measure: str, region: str, occupation: str | None,
                      start: str | None, end: str | None) -> Series | None:
    found = await info.context.loaders.series.load(SeriesKey(measure, region, occupation or "total", start, end))
    return Series.of(found) if found else None


@strawberry.federation.type(keys=["code"], description="A CBS region, province, municipality or named aggregate.")
class Region:
    code: str
    name: str
    kind: RegionKind | None
    data: strawberry.Private[Json]

    @classmethod
    def of(cls, data: Json) -> "Region":
        kind = data.get("kind")
        return cls(code=data["code"], name=data.get("name") or data["code"],
                   kind=RegionKind(kind) if kind in RegionKind._value2member_map_ else None, data=data)

    @classmethod
    async def load(cls, info: strawberry.Info, code: str | None) -> "Region | None":
        if not code:
            return None
        found = await info.context.loaders.regions.load(code)
        return cls.of(found) if found else None

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, code: str) -> "Region | None":
        return await cls.load(info, code)

    @strawberry.field(description="The regions an aggregate is made of (Noordvleugel = PV24 + PV26 + PV27).")
    async def members(self, info: strawberry.Info) -> list["Region"] | None:
        codes = self.data.get("members") or []
        found = await info.context.loaders.regions.load_many(codes)
        return [Region.of(item) for item in found if item]

    @strawberry.field(description="The region this one lies in, e.g. a municipality's province.")
    async def parent(self, info: strawberry.Info) -> "Region | None":
        return await Region.load(info, self.data.get("parent"))

    @strawberry.field(description="The aggregates this region is a member of.")
    async def member_of(self, info: strawberry.Info) -> list["Region"] | None:
        found = await info.context.loaders.regions.load_many(list(self.data.get("member_of") or []))
        return [Region.of(item) for item in found if item]

    @strawberry.field
    async def series(
        self, info: strawberry.Info, measure: str, occupation: str = "total",
        from_: Annotated[str | None, strawberry.argument(name="from")] = None, to: str | None = None,
    ) -> Series | None:
        return await load_series(info, measure, self.code, occupation, from_, to)


# --- partners ------------------------------------------------------------------------------------


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


@strawberry.type(description="A contact person: personal data, shown only to callers with contacts:read.")
class Contact:
    id: strawberry.ID
    name: str
    role: str | None
    email: str | None
    phone: str | None

    @classmethod
    def of(cls, data: Json) -> "Contact":
        return cls(id=strawberry.ID(str(data["id"])), name=data["name"], role=data.get("role"),
                   email=data.get("email"), phone=data.get("phone"))


@strawberry.type(description="An organisation's membership of a pact.")
class Membership:
    id: strawberry.ID
    joined_on: date | None
    left_on: date | None
    data: strawberry.Private[Json]

    @classmethod
    def of(cls, data: Json) -> "Membership":
        return cls(id=strawberry.ID(str(data["id"])), joined_on=_date(data.get("joined_on")),
                   left_on=_date(data.get("left_on")), data=data)

    @strawberry.field
    async def pact(self, info: strawberry.Info) -> "Pact | None":
        return await Pact.load(info, self.data.get("pact"))

    @strawberry.field
    async def organisation(self, info: strawberry.Info) -> "Organisation | None":
        embedded = self.data.get("organisation")
        if isinstance(embedded, dict):
            return Organisation.of(embedded)
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
    def of(cls, data: Json) -> "Organisation":
        kind = data.get("kind")
        return cls(
            id=strawberry.ID(str(data["id"])), name=data["name"],
            kind=OrganisationKind(kind) if kind in OrganisationKind._value2member_map_ else OrganisationKind.OTHER,
            sectors=list(data.get("sectors") or []), kvk_number=data.get("kvk_number"),
            brin_code=data.get("brin_code"), oin=data.get("oin"), municipality_code=data.get("municipality_code"),
            website=data.get("website"), active=bool(data.get("active", True)),
        )

    @classmethod
    async def load(cls, info: strawberry.Info, organisation_id: str | None) -> "Organisation | None":
        if not organisation_id:
            return None
        found = await info.context.loaders.organisations.load(str(organisation_id))
        return cls.of(found) if found else None

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> "Organisation | None":
        return await cls.load(info, id)

    @strawberry.field(description="The municipality the organisation is in, from metrics.")
    async def municipality(self, info: strawberry.Info) -> Region | None:
        return await Region.load(info, self.municipality_code)

    @strawberry.field
    async def memberships(self, info: strawberry.Info) -> list[Membership] | None:
        found = await info.context.loaders.memberships_by_organisation.load(str(self.id))
        return [Membership.of(item) for item in found]

    @strawberry.field(description="The actions the organisation takes part in, from actions.")
    async def actions(self, info: strawberry.Info) -> list["Action"] | None:
        participations = await info.context.loaders.participations_by_organisation.load(str(self.id))
        ids = list(dict.fromkeys(str(item["action_id"]) for item in participations))
        found = await info.context.loaders.actions.load_many(ids)
        return [Action.of(item) for item in found if item]

    @strawberry.field(description="Contact persons; null with a FORBIDDEN or UNAUTHENTICATED error unless the "
                                  "caller's token carries contacts:read.")
    async def contacts(self, info: strawberry.Info) -> list[Contact] | None:
        found = await info.context.loaders.contacts_by_organisation.load(str(self.id))
        return [Contact.of(item) for item in found]


# --- actions -------------------------------------------------------------------------------------


@strawberry.type
class Baseline:
    value: float | None
    year: int | None


@strawberry.type
class PeriodValue:
    period: str | None = strawberry.field(description="Null where the plan names no period (\"van 50% naar 75%\").")
    value: float | None


def _period_values(values: Any) -> list[PeriodValue]:
    return [PeriodValue(period=None if item.get("period") is None else str(item["period"]),
                        value=_float(item.get("value"))) for item in values or []]


def _baseline(value: Any) -> Baseline | None:
    if not isinstance(value, dict):
        return None
    return Baseline(value=_float(value.get("value")), year=value.get("year"))


@strawberry.type(description="A goal's measured value: from a metrics series where the goal points at one, "
                             "else from approved progress reports.")
class GoalActual:
    value: float
    period: str | None
    source: str
    derived: bool


def _actual(points: list[tuple[str, float, bool]], aggregation: str | None, source: str) -> GoalActual | None:
    if not points:
        return None
    points = sorted(points)
    if aggregation == "sum":
        return GoalActual(value=sum(value for _, value, _ in points), period=points[-1][0], source=source,
                          derived=any(derived for _, _, derived in points))
    period, value, derived = points[-1]
    return GoalActual(value=value, period=period, source=source, derived=derived)


@strawberry.type
class SeriesReference:
    measure: str
    region: str
    occupation: str


@strawberry.type(description="An indicator with a baseline and targets, e.g. 25% > 40% of pupils choose technology.")
class Goal:
    id: strawberry.ID
    name: str
    unit: str | None
    measure_kind: str | None
    ascending: bool
    scope: str | None
    aggregation: str | None
    baseline: Baseline | None
    targets: list[PeriodValue]
    reported: list[PeriodValue]
    series_reference: SeriesReference | None
    data: strawberry.Private[Json]

    @classmethod
    def of(cls, data: Json) -> "Goal":
        series = data.get("series")
        return cls(
            id=strawberry.ID(str(data["id"])), name=data["name"], unit=data.get("unit"),
            measure_kind=data.get("measure_kind"), ascending=bool(data.get("ascending", True)),
            scope=data.get("scope"), aggregation=data.get("aggregation"), baseline=_baseline(data.get("baseline")),
            targets=_period_values(data.get("targets")), reported=_period_values(data.get("reported")),
            series_reference=SeriesReference(measure=series["measure"], region=series["region"],
                                             occupation=series.get("occupation") or "total")
            if isinstance(series, dict) else None,
            data=data,
        )

    @strawberry.field(description="The metrics series the goal is measured by, if any.")
    async def series(self, info: strawberry.Info) -> Series | None:
        ref = self.series_reference
        if ref is None:
            return None
        return await load_series(info, ref.measure, ref.region, ref.occupation, None, None)

    @strawberry.field
    async def actual(self, info: strawberry.Info) -> GoalActual | None:
        if self.series_reference is not None:
            series = await self.series(info)
            points = [(point.period, point.value, point.derived)
                      for point in (series.points if series else []) if point.value is not None]
            if points:
                return _actual(points, self.aggregation, "series")
        # actions_api computes the actual from approved progress reports, with the goal's aggregation.
        reported = _float(self.data.get("actual"))
        if reported is None:
            return None
        periods = sorted(item.period for item in self.reported)
        return GoalActual(value=reported, period=periods[-1] if periods else None, source="reported", derived=False)


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
    def of(cls, data: Json) -> "ActionLine":
        return cls(id=strawberry.ID(str(data["id"])), number=int(data["number"]), name=data["name"],
                   aim=data.get("aim"), progress=_float(data.get("progress")),
                   goals=[Goal.of(goal) for goal in data.get("goals") or []], pact_slug=data["pact"])

    @strawberry.field
    async def actions(self, info: strawberry.Info, status: str | None = None, first: int = 20,
                      after: str | None = None) -> Connection["Action"]:
        return await fetch_page(info, "actions_api", "/v1/actions",
                                {"pact": self.pact_slug, "line": self.number, "status": status}, first, after, Action.of)


@strawberry.type
class AgendaItem:
    id: strawberry.ID
    on: date | None
    when: str | None = strawberry.field(description="The moment as the plan wrote it (\"eind mei / begin juni\"), "
                                                    "when it gave no exact day; `on` is then its first day.")
    label: str
    kind: str | None

    @classmethod
    def of(cls, data: Json) -> "AgendaItem":
        return cls(id=strawberry.ID(str(data["id"])), on=_date(data.get("on")), when=data.get("when"),
                   label=data.get("label") or "", kind=data.get("kind"))


@strawberry.type
class Due:
    kind: str
    value: str
    label: str | None


@strawberry.type(description="An operational goal: what must be done by when, optionally with a target number.")
class Milestone:
    id: strawberry.ID
    action_id: strawberry.ID
    title: str
    due: Due | None
    due_by: date | None
    target_count: int | None
    reached_count: int | None
    status: str | None
    met_on: date | None
    overdue: bool
    weight: float | None
    version: int | None

    @classmethod
    def of(cls, data: Json) -> "Milestone":
        due = data.get("due")
        return cls(
            id=strawberry.ID(str(data["id"])), action_id=strawberry.ID(str(data["action_id"])), title=data["title"],
            due=Due(kind=due["kind"], value=str(due["value"]), label=due.get("label")) if isinstance(due, dict) else None,
            due_by=_date(data.get("due_by")), target_count=data.get("target_count"),
            reached_count=data.get("reached_count"), status=data.get("status"), met_on=_date(data.get("met_on")),
            overdue=bool(data.get("overdue", False)), weight=_float(data.get("weight")), version=data.get("version"),
        )


@strawberry.type
class Indicator:
    unit: str | None
    measure_kind: str | None
    ascending: bool | None
    baseline: Baseline | None
    targets: list[PeriodValue]
    aggregation: str | None


@strawberry.type(description="An expected measurable effect of an action.")
class Result:
    id: strawberry.ID
    description: str
    indicator: Indicator | None
    reported: list[PeriodValue]
    actual: float | None = strawberry.field(description="From approved progress reports.")

    @classmethod
    def of(cls, data: Json) -> "Result":
        indicator = data.get("indicator")
        return cls(
            id=strawberry.ID(str(data["id"])), description=data.get("description") or "",
            indicator=Indicator(unit=indicator.get("unit"), measure_kind=indicator.get("measure_kind"),
                                ascending=indicator.get("ascending"), baseline=_baseline(indicator.get("baseline")),
                                targets=_period_values(indicator.get("targets")),
                                aggregation=indicator.get("aggregation"))
            if isinstance(indicator, dict) else None,
            reported=_period_values(data.get("reported")), actual=_float(data.get("actual")),
        )


@strawberry.type(description="A dated status and note on an action, milestone or result; the history is kept.")
class ProgressReport:
    id: strawberry.ID
    action_id: strawberry.ID | None
    subject: str = strawberry.field(description="action, milestone, result or goal")
    subject_id: strawberry.ID | None
    reported_on: date | None
    status: str | None
    note: str | None
    values: list[PeriodValue]
    state: str
    author: str | None
    reviewed_by: str | None
    review_note: str | None
    version: int | None

    @classmethod
    def of(cls, data: Json) -> "ProgressReport":
        subject_id, action_id = data.get("subject_id"), data.get("action_id")
        return cls(
            id=strawberry.ID(str(data["id"])), action_id=strawberry.ID(str(action_id)) if action_id else None,
            subject=data.get("subject") or "action",
            subject_id=strawberry.ID(str(subject_id)) if subject_id else None,
            reported_on=_date(data.get("reported_on")), status=data.get("status"), note=data.get("note"),
            values=_period_values(data.get("values")), state=data.get("state") or "draft",
            author=data.get("author"), reviewed_by=data.get("reviewed_by"), review_note=data.get("review_note"),
            version=data.get("version"),
        )


@strawberry.type(description="Who takes part in an action: a named organisation or a kind of organisation.")
class Participant:
    role: str
    organisation_kind: str | None
    label: str | None
    organisation_id: strawberry.Private[str | None]

    @strawberry.field
    async def organisation(self, info: strawberry.Info) -> Organisation | None:
        return await Organisation.load(info, self.organisation_id)


@strawberry.federation.type(keys=["id"], description="An action of a pact, with its lead, partners and milestones.")
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
    data: strawberry.Private[Json]

    @classmethod
    def of(cls, data: Json) -> "Action":
        return cls(
            id=strawberry.ID(str(data["id"])), number=int(data["number"]), title=data["title"],
            description=data.get("description"), aim=data.get("aim"), ambition=data.get("ambition"),
            status=data.get("status") or "", progress=_float(data.get("progress")),
            overdue=bool(data.get("overdue", False)), version=data.get("version"),
            line_number=data.get("line_number"), data=data,
        )

    @classmethod
    async def load(cls, info: strawberry.Info, action_id: str) -> "Action | None":
        found = await info.context.loaders.actions.load(str(action_id))
        return cls.of(found) if found else None

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> "Action | None":
        return await cls.load(info, id)

    @strawberry.field
    def participants(self) -> list[Participant]:
        return [
            Participant(role=item.get("role") or "participant", organisation_kind=item.get("organisation_kind"),
                        label=item.get("label"), organisation_id=item.get("organisation_id"))
            for item in self.data.get("participants") or []
        ]

    @strawberry.field(description="The lead (trekker), when the plan names an organisation; from partners.")
    async def lead(self, info: strawberry.Info) -> Organisation | None:
        for item in self.data.get("participants") or []:
            if item.get("role") == "lead" and item.get("organisation_id"):
                return await Organisation.load(info, item["organisation_id"])
        return None

    @strawberry.field
    async def pact(self, info: strawberry.Info) -> "Pact | None":
        return await Pact.load(info, self.data.get("pact"))

    @strawberry.field
    async def line(self, info: strawberry.Info) -> ActionLine | None:
        if self.line_number is None or not self.data.get("pact"):
            return None
        for item in await info.context.loaders.lines_by_pact.load(self.data["pact"]):
            if item.get("number") == self.line_number:
                return ActionLine.of(item)
        return None

    @strawberry.field
    async def milestones(self, info: strawberry.Info) -> list[Milestone]:
        return [Milestone.of(item) for item in await info.context.loaders.milestones_by_action.load(str(self.id))]

    @strawberry.field
    def next_milestone(self) -> Milestone | None:
        found = self.data.get("next_milestone")
        return Milestone.of(found) if isinstance(found, dict) else None

    @strawberry.field
    async def results(self, info: strawberry.Info) -> list[Result]:
        return [Result.of(item) for item in await info.context.loaders.results_by_action.load(str(self.id))]

    @strawberry.field
    async def progress_reports(self, info: strawberry.Info) -> list[ProgressReport]:
        found = await info.context.loaders.reports_by_action.load(str(self.id))
        return [ProgressReport.of(item) for item in found]


@strawberry.federation.type(keys=["slug"], description="A Techniekpact: national, regional or sub-regional.")
class Pact:
    slug: str
    name: str
    level: str | None
    period_start: date | None
    period_end: date | None
    signed_on: date | None
    source_document: str | None
    data: strawberry.Private[Json]

    @classmethod
    def of(cls, data: Json) -> "Pact":
        return cls(slug=data["slug"], name=data["name"], level=data.get("level"),
                   period_start=_date(data.get("period_start")), period_end=_date(data.get("period_end")),
                   signed_on=_date(data.get("signed_on")), source_document=data.get("source_document"), data=data)

    @classmethod
    async def load(cls, info: strawberry.Info, slug: str | None) -> "Pact | None":
        if not slug:
            return None
        found = await info.context.loaders.pacts.load(slug)
        return cls.of(found) if found else None

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, slug: str) -> "Pact | None":
        return await cls.load(info, slug)

    @strawberry.field
    async def parent(self, info: strawberry.Info) -> "Pact | None":
        return await Pact.load(info, self.data.get("parent"))

    @strawberry.field
    async def children(self, info: strawberry.Info) -> list["Pact"]:
        found = await info.context.loaders.pacts.load_many(list(self.data.get("children") or []))
        return [Pact.of(item) for item in found if item]

    @strawberry.field(description="The pact's region, from metrics.")
    async def region(self, info: strawberry.Info) -> Region | None:
        return await Region.load(info, self.data.get("region"))

    @strawberry.field
    async def action_lines(self, info: strawberry.Info) -> list[ActionLine]:
        return [ActionLine.of(item) for item in await info.context.loaders.lines_by_pact.load(self.slug)]

    @strawberry.field
    async def actions(self, info: strawberry.Info, status: str | None = None, first: int = 20,
                      after: str | None = None) -> Connection[Action]:
        return await fetch_page(info, "actions_api", "/v1/actions", {"pact": self.slug, "status": status},
                                first, after, Action.of)

    @strawberry.field(description="The organisations that joined the pact, from partners.")
    async def members(self, info: strawberry.Info, first: int = 20,
                      after: str | None = None) -> Connection[Membership] | None:
        return await fetch_page(info, "partners_api", f"/v1/pacts/{self.slug}/members", {}, first, after,
                                Membership.of)

    @strawberry.field
    async def agenda(self, info: strawberry.Info) -> list[AgendaItem]:
        return [AgendaItem.of(item) for item in await info.context.loaders.agenda_by_pact.load(self.slug)]
