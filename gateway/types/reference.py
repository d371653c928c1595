"""metrics_api's reference data: the measures and occupation classes a series is chosen by."""

import strawberry

from gateway.clients.metrics import MeasureRecord, OccupationRecord


@strawberry.type(description="What a series counts, e.g. vacancies_new: 'Ontstane vacatures'.")
class Measure:
    code: str
    name: str
    unit: str | None
    unit_multiplier: int = strawberry.field(description="Values are in units of 10 to this power.")
    kind: str | None = strawberry.field(description="flow (arose in the period) or stock (at the period's end)")
    value_type: str | None = strawberry.field(description="count, amount or share")

    @classmethod
    def of(cls, data: MeasureRecord) -> "Measure":
        return cls(code=data["code"], name=data.get("name") or data["code"], unit=data.get("unit"),
                   unit_multiplier=int(data.get("unit_multiplier") or 0), kind=data.get("kind"),
                   value_type=data.get("value_type"))


@strawberry.type(description="An occupation class, e.g. technical_industry; `total` is the parent of the others.")
class OccupationClass:
    code: str
    name: str
    parent: str | None
    members: list[str] = strawberry.field(description="The classes it is the sum of, if any.")

    @classmethod
    def of(cls, data: OccupationRecord) -> "OccupationClass":
        return cls(code=data["code"], name=data.get("name") or data["code"], parent=data.get("parent"),
                   members=list(data.get("members") or []))
