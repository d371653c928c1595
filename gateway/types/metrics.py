"""Types of metrics_api's data: regions and the series of figures measured in them."""

from collections.abc import Callable
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any

import strawberry

from gateway.clients.metrics import RegionRecord, SeriesQuery, SeriesRecord
from gateway.context import Info
from gateway.types.fields import Soon, as_decimal, float_in_range, load_one, load_soon

SourceArgument = Annotated[str | None, strawberry.argument(
    description="The provider whose figures to serve (uwv, cbs); without it the measure's primary source.")]
FrequencyArgument = Annotated[str | None, strawberry.argument(
    description="year, quarter or month: the points' one frequency; without it the one `from` and `to` are written "
                "in, else the finest that has figures.")]


@strawberry.enum
class RegionKind(Enum):
    COUNTRY = "country"
    PROVINCE = "province"
    LABOUR_MARKET_REGION = "labour_market_region"
    MUNICIPALITY = "municipality"
    AGGREGATE = "aggregate"


def _exact_as_float(name: str) -> Callable[..., float | None]:
    def resolve(root: strawberry.Parent["SeriesPoint"]) -> float | None:
        return float_in_range(root.amounts[name])
    return resolve


@strawberry.type
class SeriesPoint:
    period: str
    value: float | None = strawberry.field(resolver=_exact_as_float("value"))
    status: str | None
    revision: int | None
    derived: bool
    share: float | None = strawberry.field(resolver=_exact_as_float("share"))
    change: float | None = strawberry.field(resolver=_exact_as_float("change"))
    missing_reason: str | None
    # Exact, as metrics_api sent them: a sum over regions may pass what a Float holds.
    amounts: strawberry.Private[dict[str, Decimal | None]]

    @classmethod
    def of(cls, point: dict[str, Any]) -> "SeriesPoint":
        return cls(period=str(point["period"]), status=point.get("status"), revision=point.get("revision"),
                   derived=bool(point.get("derived", False)), missing_reason=point.get("missing_reason"),
                   amounts={name: as_decimal(point.get(name)) for name in ("value", "share", "change")})


@strawberry.type(description="Figures of one measure for one region and occupation class over periods.")
class Series:
    measure: str
    occupation: str
    source: str | None = strawberry.field(
        description="The provider whose figures these are: the one asked for, else the measure's primary source.")
    frequency: str | None = strawberry.field(
        description="year, quarter or month: the frequency of every point (null for a series without points).")
    unit: str | None
    unit_multiplier: int = strawberry.field(description="Values are in units of 10 to this power.")
    kind: str | None = strawberry.field(description="flow (arose in the period) or stock (at the period's end)")
    derived: bool
    points: list[SeriesPoint]
    region_code: strawberry.Private[str]

    @classmethod
    def of(cls, data: SeriesRecord) -> "Series":
        points = [SeriesPoint.of(point) for point in data.get("points") or []]
        return cls(measure=data["measure"], occupation=data.get("occupation") or "total", source=data.get("source"),
                   frequency=data.get("frequency"), unit=data.get("unit"),
                   unit_multiplier=int(data.get("unit_multiplier") or 0), kind=data.get("kind"),
                   derived=bool(data.get("derived", False)), points=points, region_code=data["region"])

    @classmethod
    async def load(cls, info: Info, measure: str, region: str, occupation: str | None = None,
                   start: str | None = None, end: str | None = None, source: str | None = None,
                   frequency: str | None = None) -> "Series | None":
        found = await info.context.loaders.series.load(
            SeriesQuery(measure, region, occupation or "total", start, end, source, frequency))
        return cls.of(found) if found else None

    @strawberry.field
    async def region(self, info: Info) -> "Region | None":
        return await Region.load(info, self.region_code)


@strawberry.federation.type(keys=["code"], description="A CBS region, province, municipality or named aggregate.")
class Region:
    code: str
    name: str
    kind: RegionKind | None
    data: strawberry.Private[RegionRecord]

    @classmethod
    def of(cls, data: RegionRecord) -> "Region":
        kind = data.get("kind")
        return cls(code=data["code"], name=data.get("name") or data["code"],
                   kind=RegionKind(kind) if kind in RegionKind._value2member_map_ else None, data=data)

    @classmethod
    async def load(cls, info: Info, code: str | None) -> "Region | None":
        return await load_one(info.context.loaders.regions, code, cls.of)

    resolve_reference = load  # federation's `_entities` passes the key, `code`

    @classmethod
    def soon(cls, info: Info, code: str | None) -> Soon["Region | None"]:
        """`load` for a plain resolver (gateway/types/fields.py `then`)."""
        return load_soon(info.context.loaders.regions, code, cls.of)

    @classmethod
    async def load_many(cls, info: Info, codes: list[str]) -> list["Region"]:
        found = await info.context.loaders.regions.load_many(codes)
        return [cls.of(item) for item in found if item]

    @strawberry.field(description="The regions an aggregate is made of (Noordvleugel = PV24 + PV26 + PV27).")
    async def members(self, info: Info) -> list["Region"] | None:
        return await Region.load_many(info, list(self.data.get("members") or []))

    @strawberry.field(description="The region this one lies in, e.g. a municipality's province.")
    async def parent(self, info: Info) -> "Region | None":
        return await Region.load(info, self.data.get("parent"))

    @strawberry.field(description="The aggregates this region is a member of.")
    async def member_of(self, info: Info) -> list["Region"] | None:
        return await Region.load_many(info, list(self.data.get("member_of") or []))

    @strawberry.field
    async def series(
        self, info: Info, measure: str, occupation: str = "total",
        from_: Annotated[str | None, strawberry.argument(name="from")] = None, to: str | None = None,
        source: SourceArgument = None, frequency: FrequencyArgument = None,
    ) -> Series | None:
        return await Series.load(info, measure, self.code, occupation, from_, to, source, frequency)
