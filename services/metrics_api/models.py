"""Tables of the metrics schema.

Reference data (regions, measures, occupation classes) is small and edited by hand. The fact
table `observations` keeps every revision of every figure; the latest revision of a key is the
one served. A figure belongs to the source that posted it: its key is (measure, region,
occupation, period, source), and two providers' figures for the same cell are both kept. The
primary key (measure, region, occupation, period, source, revision) is the index every read
walks: a series is one range scan of it.
"""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Uuid,
    false,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from common.database import one_of, schema_metadata
from common.etags import Versioned
from common.idempotency import idempotency_table
from services.metrics_api.domain import MeasureKind, MissingReason, ObservationStatus, RegionKind, ValueType

metadata = schema_metadata("metrics")



class Base(DeclarativeBase):
    metadata = metadata


class ReferenceRow(Versioned):
    """What regions, measures and occupation classes all have beside their code (whose length differs)."""

    name: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class MemberLink:
    """A link from a row defined as the sum of others (`owner`) to one member, both rows of `linked_table`.

    The owner's column is named after what it links (region, occupation); in Python it is `owner` in
    both link tables, so that one piece of code serves them.
    """

    owner_column: ClassVar[str]
    linked_table: ClassVar[str]

    @declared_attr
    def owner(cls) -> Mapped[str]:
        return mapped_column(cls.owner_column, ForeignKey(f"{cls.linked_table}.code"), primary_key=True)

    @declared_attr
    def member(cls) -> Mapped[str]:
        return mapped_column(ForeignKey(f"{cls.linked_table}.code"), primary_key=True, index=True)


class Region(ReferenceRow, Base):
    """A CBS area or an aggregate. Municipalities come and go on 1 January (or the day a law names), as
    CBS's "Gemeentelijke indelingen per jaar" records: `valid_to` is the day a merged-away code stopped
    existing (exclusive, CBS's einddatum) and `successor` the municipality it became part of.
    """

    __tablename__ = "regions"
    __table_args__ = (
        CheckConstraint(one_of("kind", RegionKind), name="kind"),
        CheckConstraint("valid_from IS NULL OR valid_to IS NULL OR valid_from < valid_to", name="validity"),
        CheckConstraint("successor IS NULL OR valid_to IS NOT NULL", name="successor_of_ended"),
    )

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    # The region this one lies in (a municipality's province), when known; aggregates use members.
    parent: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    successor: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))


class RegionMember(MemberLink, Base):
    """An aggregate region is the sum of its members (Noordvleugel = PV24 + PV26 + PV27)."""

    __tablename__ = "region_members"
    owner_column, linked_table = "region", "regions"


class Measure(ReferenceRow, Base):
    __tablename__ = "measures"
    __table_args__ = (
        CheckConstraint(one_of("kind", MeasureKind), name="kind"),
        CheckConstraint(one_of("value_type", ValueType), name="value_type"),
    )

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    unit: Mapped[str] = mapped_column(String(60))
    # SDMX UNIT_MULT: values are in units of 10**unit_multiplier (3: thousands).
    unit_multiplier: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(10))
    # count and amount add up over regions and classes; a share never does.
    value_type: Mapped[str] = mapped_column(String(10), default=ValueType.COUNT.value)
    # Periods after the end of next year are refused unless the measure takes forecasts.
    forecasts_allowed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The source whose figures a series serves when the reader names none: the one a metrics:admin
    # chose, else the first source that posted figures of the measure (set by that feed, kept).
    primary_source: Mapped[str | None] = mapped_column(String(100))
    first_source: Mapped[str | None] = mapped_column(String(100))


class Occupation(ReferenceRow, Base):
    __tablename__ = "occupations"

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    # The class this one is part of (`total` for the others); shares are taken of `total`.
    parent: Mapped[str | None] = mapped_column(ForeignKey("occupations.code"), index=True)


class OccupationMember(MemberLink, Base):
    """A class defined as the sum of others (technical, industrial and ICT = technical_industry + ict)."""

    __tablename__ = "occupation_members"
    owner_column, linked_table = "occupation", "occupations"


idempotency_keys = idempotency_table(metadata)


class Batch(Base):
    """One feed post that wrote something: who sent it, when, and what it changed."""

    __tablename__ = "batches"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    content_type: Mapped[str] = mapped_column(String(20))
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    received: Mapped[int] = mapped_column(Integer)
    inserted: Mapped[int] = mapped_column(Integer)
    revised: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)


class Observation(Base):
    """One revision of one figure. Written only in bulk by the feed (COPY and INSERT ... SELECT).

    The codes carry no foreign keys: the feed checks them against the reference tables for the
    whole batch at once, and FK triggers per row would halve the bulk load rate. Reference rows
    are never deleted (no endpoint does), so the codes stay valid.
    """

    __tablename__ = "observations"
    __table_args__ = (
        # The figure's key with its source, then the revision: a source's figure is one range of it.
        PrimaryKeyConstraint("measure", "region", "occupation", "period", "source", "revision"),
        # A region's figures in the order the observations list walks (`?region=` alone, no table scan).
        Index("ix_observations_region", "region", "measure", "occupation", "period", "source", "revision"),
        CheckConstraint(one_of("status", ObservationStatus), name="status"),
        CheckConstraint(f"missing_reason IS NULL OR {one_of('missing_reason', MissingReason)}",
                        name="missing_reason"),
        CheckConstraint("withdrawn OR (value IS NULL) <> (missing_reason IS NULL)", name="value_or_reason"),
    )

    measure: Mapped[str] = mapped_column(String(60))
    region: Mapped[str] = mapped_column(String(40))
    occupation: Mapped[str] = mapped_column(String(60))
    period: Mapped[str] = mapped_column(String(7))
    # Numbered per source: 1 is the source's first figure for the key, each revision one more.
    revision: Mapped[int] = mapped_column(Integer)
    frequency: Mapped[str] = mapped_column(String(1))
    value: Mapped[Decimal | None] = mapped_column(Numeric)
    status: Mapped[str] = mapped_column(String(12))
    missing_reason: Mapped[str | None] = mapped_column(String(20))
    # A withdrawal (SDMX action D) is a revision too: the figure is no longer served from then on.
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(100))
    batch_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
