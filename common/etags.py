"""Optimistic concurrency: a resource's version is its ETag; changes carry it back in `If-Match`.

Every versioned model uses SQLAlchemy's version counter (`Versioned`), so a flush over a version
that changed meanwhile fails too; both a stale `If-Match` and that race answer 412.
"""

from typing import Annotated, Any

from fastapi import Header
from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from common.problems import Problem

IfMatch = Annotated[str | None, Header(alias="If-Match", description="The ETag of the version you are changing")]


class Versioned:
    """Mixin: a `version` column that SQLAlchemy raises on every UPDATE and checks at flush."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}


def etag(version: int) -> str:
    return f'"{version}"'


def stale(current_version: int | None = None) -> Problem:
    detail = "The resource has changed since you read it; fetch it again and reapply your change."
    if current_version is None:
        return Problem(412, "Precondition failed", detail, type="stale-etag")
    return Problem(412, "Precondition failed", detail, type="stale-etag", current_etag=etag(current_version))


def check_if_match(if_match: str | None, version: int, *, required: bool = True) -> None:
    """428 without If-Match (where required), 412 when it names another version."""
    if if_match is None:
        if required:
            raise Problem(428, "Precondition required",
                          "Send If-Match with the ETag of the version you are changing.", type="if-match-required")
        return
    offered = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    if "*" not in offered and etag(version) not in offered:
        raise stale(version)

