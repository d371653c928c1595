"""Tables of the partners schema.

An organisation is one row however many systems push it: each pushing system's claim on it is a
source record keyed by (source, external_id), holding the record as that source last sent it, and
the same KvK number from two sources lands on the same organisation. The organisation's fields are
the merge of its source records (domain/survivorship.py). Nothing is hard-deleted except contact
persons (personal data must go for real when erased), and the database refuses to delete an
organisation; a merged duplicate stays as a redirect to its survivor; every change to an
organisation is kept in `organisation_changes`.
"""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common.database import one_of, schema_metadata
from common.etags import Versioned
from common.idempotency import idempotency_table
from common.ratelimit import rate_limit_table
from services.partners_api.domain import OrganisationKind, SignupStatus

metadata = schema_metadata("partners")



class Base(DeclarativeBase):
    metadata = metadata


idempotency_keys = idempotency_table(metadata)
# Public sign-ups counted per visitor's address, in fixed windows (common.ratelimit).
signup_rate_limits = rate_limit_table(metadata, "signup_rate_limits")


class Organisation(Versioned, Base):
    __tablename__ = "organisations"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    sectors: Mapped[list[str]] = mapped_column(ARRAY(String(50)), server_default=text("'{}'"), default=list)
    kvk_number: Mapped[str | None] = mapped_column(String(8))
    brin_code: Mapped[str | None] = mapped_column(String(4))
    oin: Mapped[str | None] = mapped_column(String(20))
    municipality_code: Mapped[str | None] = mapped_column(String(6))
    website: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(320))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"), default=True)
    # Fields a coordinator set by hand: pushes leave them alone and say so (`kept_fields`).
    locked_fields: Mapped[list[str]] = mapped_column(ARRAY(String(40)), server_default=text("'{}'"), default=list)
    # Set when a coordinator merged this organisation into another: it is a redirect from then on, and
    # its KvK number leads pushes to the survivor until the survivor serves that number itself.
    merged_into: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisations.id"))
    # Versioned's column, with the database default the push's set-based INSERT relies on.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default=text("1"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())

    __table_args__ = (
        CheckConstraint(one_of("kind", OrganisationKind), name="kind"),
        # One organisation per KvK number: the key cross-source merging relies on.
        Index("uq_organisations_kvk_number", "kvk_number", unique=True,
              postgresql_where=text("kvk_number IS NOT NULL")),
        Index("ix_organisations_name_id", "name", "id"),
        Index("ix_organisations_kind", "kind"),
        Index("ix_organisations_municipality_code", "municipality_code"),
        # The list's `active=false` (the rare case: `active=true` walks ix_organisations_name_id), in its order.
        Index("ix_organisations_inactive_name_id", "name", "id", postgresql_where=text("active IS FALSE")),
        Index("ix_organisations_merged_into", "merged_into", postgresql_where=text("merged_into IS NOT NULL")),
        Index("ix_organisations_sectors", "sectors", postgresql_using="gin"),
        Index("ix_organisations_name_trgm", "name", postgresql_using="gin",
              postgresql_ops={"name": "partners.gin_trgm_ops"}),
    )


class SourceRecord(Base):
    """A pushing system's record of an organisation, whole, as it last sent it; withdrawn, never deleted.

    `precedence` orders the records of one organisation (1 is the highest): by default the order in
    which they linked it, set by a coordinator otherwise.
    """

    __tablename__ = "source_records"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    source: Mapped[str] = mapped_column(String(100))
    external_id: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    # The organisation fields (ORGANISATION_FIELDS) as the source sent them, normalised by the schema.
    record: Mapped[dict[str, Any]] = mapped_column(JSONB)
    precedence: Mapped[int] = mapped_column(Integer)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Whether the source still holds the organisation: derived, so it can never disagree with withdrawn_at.
    active: Mapped[bool] = mapped_column(Boolean, Computed("withdrawn_at IS NULL", persisted=True))
    first_linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint("precedence >= 1", name="precedence"),
        Index("uq_source_records_source_external_id", "source", "external_id", unique=True),
        Index("ix_source_records_organisation_id_precedence", "organisation_id", "precedence"),
    )


class SyncSession(Base):
    """A full sync sent in as many pushes as it takes: the external ids pushed into it are noted, and
    only closing it withdraws the source's records that none of its pushes held. One never closed
    withdraws nothing; it expires `SYNC_SESSION_TTL_SECONDS` after its last push."""

    __tablename__ = "sync_sessions"
    # A source's own machinery, not registry data: no change events.
    __change_entity__ = ""

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    source: Mapped[str] = mapped_column(String(100))
    opened_by: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    pushes: Mapped[int] = mapped_column(Integer, server_default=text("0"), default=0)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(200))
    # Once closed: how many external ids its pushes held, and how many records closing it withdrew.
    records: Mapped[int | None] = mapped_column(Integer)
    withdrawn: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index("ix_sync_sessions_source_opened_at", "source", "opened_at"),
                      Index("ix_sync_sessions_expires_at", "expires_at", postgresql_where=text("closed_at IS NULL")))


class SyncSessionRecord(Base):
    """An external id pushed into an open sync session (deleted when the session closes or expires)."""

    __tablename__ = "sync_session_records"
    __change_entity__ = ""

    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sync_sessions.id", ondelete="CASCADE"),
                                                  primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200), primary_key=True)


class OrganisationChange(Base):
    """One row per changed field (or one per creation, linking, archiving): who, when, old, new.

    `organisation_id` has no foreign key: checking it cost a lookup and a row lock per history row
    (pushes write thousands), and what it guarded against cannot happen, since the database refuses
    to delete an organisation (trigger `organisations_never_deleted`, migration 8c3d5e7f9a1b).
    """

    __tablename__ = "organisation_changes"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    changed_by: Mapped[str] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(20))
    field: Mapped[str | None] = mapped_column(String(40))
    old_value: Mapped[Any] = mapped_column(JSONB, nullable=True)
    new_value: Mapped[Any] = mapped_column(JSONB, nullable=True)

    __table_args__ = (Index("ix_organisation_changes_organisation_id_id", "organisation_id", "id"),)


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (Index("ix_contacts_organisation_id", "organisation_id"),)


class Membership(Base):
    """An organisation's membership of a pact (the pact's slug: actions_api owns pacts)."""

    __tablename__ = "memberships"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    pact: Mapped[str] = mapped_column(String(100))
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint("left_on IS NULL OR left_on >= joined_on", name="left_after_joined"),
        Index("ix_memberships_pact_joined_on_id", "pact", "joined_on", "id"),
        Index("ix_memberships_organisation_id", "organisation_id"),
        # An organisation can leave and join again, but is a current member of a pact only once.
        Index("uq_memberships_current", "organisation_id", "pact", unique=True,
              postgresql_where=text("left_on IS NULL")),
    )


class Sector(Versioned, Base):
    """One sector code organisations may carry; the list is extended by partners:admin (seeded by the migration)."""

    __tablename__ = "sectors"
    __table_args__ = ({"comment": "reference data: the sector codes organisations carry"},)

    code: Mapped[str] = mapped_column(String(50), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())


class Signup(Base):
    """A "Meedoen?" request from the public; a coordinator approves or rejects it."""

    __tablename__ = "signups"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    pact: Mapped[str] = mapped_column(String(100))
    organisation_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    municipality_code: Mapped[str] = mapped_column(String(6))
    kvk_number: Mapped[str | None] = mapped_column(String(8))
    sectors: Mapped[list[str]] = mapped_column(ARRAY(String(50)), server_default=text("'{}'"), default=list)
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str] = mapped_column(String(320))
    message: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), server_default=text("'pending'"),
                                        default=SignupStatus.PENDING)
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisations.id"))
    membership_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("memberships.id"))
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint(one_of("status", SignupStatus), name="status"),
        CheckConstraint(one_of("kind", OrganisationKind), name="kind"),
        Index("ix_signups_status_created_at_id", "status", "created_at", "id"),
    )
