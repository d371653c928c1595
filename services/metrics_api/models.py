"""Tables of the metrics schema."""

from sqlalchemy.orm import DeclarativeBase

from common.database import schema_metadata
from common.idempotency import idempotency_table

metadata = schema_metadata("metrics")


class Base(DeclarativeBase):
    metadata = metadata


idempotency_keys = idempotency_table(metadata)
