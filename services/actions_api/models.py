"""Tables of the actions schema: a pact, its action lines and goals, its actions and what hangs off them."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common.database import one_of as sql_one_of
from common.database import schema_metadata
from common.etags import Versioned
from services.actions_api import domain

metadata = schema_metadata("actions")


class Base(DeclarativeBase):
    metadata = metadata


def one_of(column: str, vocabulary: type[StrEnum]) -> CheckConstraint:
    return CheckConstraint(sql_one_of(column, vocabulary), name=column)


class Resource(Versioned):
    """An id and timestamps; the version (the ETag) comes from common.etags.Versioned."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())


class Indicator:
    """A results-framework indicator (IATI, Akvo RSR): what is measured, which way is better, from where to where.

    `series_*` points at a metrics_api series when the actual is measured there (actions_api reads it,
    `series_scale` maps its values onto the unit); otherwise the actual comes from approved progress
    reports. `window_*` are declared bounds of the periods counted (domain/measuring.py).
    """

    unit: Mapped[str | None] = mapped_column(String(50))
    measure_kind: Mapped[str] = mapped_column(String(20), nullable=False, default=domain.MeasureKind.number)
    ascending: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    baseline_value: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    baseline_year: Mapped[int | None] = mapped_column(Integer)
    targets: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False, default=list)
    aggregation: Mapped[str] = mapped_column(String(10), nullable=False, default=domain.Aggregation.latest)
    series_measure: Mapped[str | None] = mapped_column(String(100))
    series_region: Mapped[str | None] = mapped_column(String(50))
    series_occupation: Mapped[str | None] = mapped_column(String(100))
    series_scale: Mapped[Decimal] = mapped_column(Numeric(18, 6), nullable=False, default=Decimal(1),
                                                  server_default=text("1"))
    window_start: Mapped[str | None] = mapped_column(String(10))
    window_end: Mapped[str | None] = mapped_column(String(10))


class Pact(Resource, Base):
    __tablename__ = "pacts"
    __table_args__ = (
        one_of("level", domain.PactLevel),
        Index(None, "parent_id"),
    )

    slug: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(300), nullable=False)
    level: Mapped[str] = mapped_column(String(20), nullable=False)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pacts.id", ondelete="RESTRICT"))
    region: Mapped[str | None] = mapped_column(String(50))
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    signed_on: Mapped[date | None] = mapped_column(Date)
    source_document: Mapped[str | None] = mapped_column(String(500))
    # The organisation (a partners_api id) that coordinates the pact: whom "Meedoen?" asks to contact.
    coordinator_id: Mapped[uuid.UUID | None] = mapped_column()


class ActionLine(Resource, Base):
    __tablename__ = "action_lines"
    __table_args__ = (UniqueConstraint("pact_id", "number"),)

    pact_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pacts.id", ondelete="CASCADE"), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(300), nullable=False)
    aim: Mapped[str | None] = mapped_column(Text)


class Goal(Resource, Indicator, Base):
    __tablename__ = "goals"
    __table_args__ = (
        Index(None, "line_id"),
        Index("ix_goals_series", "series_measure", "series_region", "series_occupation"),
    )

    line_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("action_lines.id", ondelete="CASCADE"), nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    scope: Mapped[str] = mapped_column(String(20), nullable=False, default=domain.GoalScope.regional)


class Action(Resource, Base):
    __tablename__ = "actions"
    __table_args__ = (
        UniqueConstraint("pact_id", "number"),
        Index(None, "line_id"),
        Index(None, "status", "pact_id", "number"),
    )

    pact_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pacts.id", ondelete="CASCADE"), nullable=False)
    line_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("action_lines.id", ondelete="SET NULL"))
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(500), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    aim: Mapped[str | None] = mapped_column(Text)
    ambition: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=domain.ActionStatus.planned)
    # Rolled up from the milestones whenever one changes, so lists need not recompute it.
    progress: Mapped[Decimal] = mapped_column(Numeric(5, 4), nullable=False, default=Decimal(0))


class Participation(Base):
    __tablename__ = "participations"
    __table_args__ = (
        one_of("role", domain.ParticipationRole),
        CheckConstraint("organisation_id IS NOT NULL OR organisation_kind IS NOT NULL", name="who"),
        Index(None, "action_id", "position"),
        Index(None, "organisation_id", "role"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    action_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    organisation_id: Mapped[uuid.UUID | None] = mapped_column()
    organisation_kind: Mapped[str | None] = mapped_column(String(200))
    label: Mapped[str | None] = mapped_column(String(300))


class Milestone(Resource, Base):
    __tablename__ = "milestones"
    __table_args__ = (
        one_of("status", domain.MilestoneStatus),
        one_of("due_kind", domain.MomentKind),
        CheckConstraint("weight >= 0", name="weight"),
        Index(None, "action_id", "due_by"),
        # Overdue filters look only at open milestones.
        Index("ix_milestones_open_due_by", "due_by", "action_id", postgresql_where=text("status = 'open'")),
    )

    action_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), nullable=False)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    due_kind: Mapped[str] = mapped_column(String(10), nullable=False)
    due_value: Mapped[str] = mapped_column(String(10), nullable=False)
    due_label: Mapped[str | None] = mapped_column(String(200))
    due_by: Mapped[date] = mapped_column(Date, nullable=False)
    target_count: Mapped[int | None] = mapped_column(Integer)
    reached_count: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=domain.MilestoneStatus.open)
    met_on: Mapped[date | None] = mapped_column(Date)
    weight: Mapped[Decimal] = mapped_column(Numeric(8, 3), nullable=False, default=Decimal(1))


class Result(Resource, Indicator, Base):
    __tablename__ = "results"
    __table_args__ = (Index(None, "action_id"),)

    action_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    indicator_name: Mapped[str | None] = mapped_column(String(500))


class ProgressReport(Resource, Base):
    """A dated report on an action, one of its milestones or results, or a goal; never deleted (the history)."""

    __tablename__ = "progress_reports"
    __table_args__ = (
        one_of("subject", domain.ReportSubject),
        one_of("state", domain.ReportState),
        Index(None, "action_id", "reported_on"),
        Index(None, "subject_id", "state"),
    )

    action_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(20), nullable=False)
    subject_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    reported_on: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    values: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False, default=list)
    state: Mapped[str] = mapped_column(String(20), nullable=False, default=domain.ReportState.draft)
    author: Mapped[str] = mapped_column(String(200), nullable=False)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_note: Mapped[str | None] = mapped_column(Text)


class AgendaItem(Resource, Base):
    __tablename__ = "agenda_items"
    __table_args__ = (Index(None, "pact_id", "on"),)

    pact_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pacts.id", ondelete="CASCADE"), nullable=False)
    on: Mapped[date] = mapped_column(Date, nullable=False)
    # As the plan wrote it when it gave no exact day ("eind mei / begin juni", "na de zomer").
    when: Mapped[str | None] = mapped_column(String(200))
    label: Mapped[str] = mapped_column(Text, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default=domain.AgendaKind.meeting)
