"""The municipal push and sync sessions: bodies, and the fast path that reads a plainly valid body."""

import re
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from services.partners_api.domain import ORGANISATION_FIELDS, OrganisationKind, RecordOutcome
from services.partners_api.schemas import (
    BRIN,
    CONTROL_CHARACTERS,
    EMAIL,
    KVK,
    MUNICIPALITY,
    OIN,
    PLAIN_URL,
    SECTOR,
    Strict,
    checked_email,
    checked_website,
    matching,
    plain_text,
)
from services.partners_api.schemas.organisations import OrganisationFields

MAX_PUSH_RECORDS = 10_000

ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
                       AfterValidator(plain_text)]


class PushRecord(OrganisationFields):
    external_id: ExternalId


class PushBody(Strict):
    records: Annotated[list[PushRecord], Field(max_length=MAX_PUSH_RECORDS)]


# A pushed record as the push stages it: external_id, then ORGANISATION_FIELDS in their order, normalised.
PushRow = tuple[Any, ...]


def push_row(record: PushRecord) -> PushRow:
    return (record.external_id, *(getattr(record, name) for name in ORGANISATION_FIELDS))


_KINDS = frozenset(kind.value for kind in OrganisationKind)
_PUSH_KEYS = frozenset(PushRecord.model_fields)


def _all_lines(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """`pattern` for values joined by line breaks (none of them holds one: they have no control characters)."""
    return re.compile(f"(?:{pattern.pattern})(?:\n(?:{pattern.pattern}))*")


# Per optional text field: the longest value, how it is checked one at a time (the schema's own
# rule), and the same check for all values at once, when the rule is a pattern (on the upper case).
_OPTIONAL_TEXT: tuple[tuple[str, int, Callable[[str], str], re.Pattern[str], bool], ...] = (
    ("kvk_number", 8, matching(KVK, ""), _all_lines(KVK), False),
    ("brin_code", 4, matching(BRIN, "", upper=True), _all_lines(BRIN), True),
    ("oin", 20, matching(OIN, ""), _all_lines(OIN), False),
    ("municipality_code", 6, matching(MUNICIPALITY, "", upper=True), _all_lines(MUNICIPALITY), True),
    ("website", 500, checked_website, _all_lines(PLAIN_URL), False),
    ("email", 320, checked_email, _all_lines(EMAIL), False),
)
_ALL_SECTORS = _all_lines(SECTOR)


def _plain_texts(values: list[Any], most: int) -> bool:
    """Texts the schema keeps as they are: no whitespace to strip, 1 to `most` characters, no control characters."""
    return (not values or (set(map(type, values)) == {str} and min(map(len, values)) > 0
                           and max(map(len, values)) <= most and list(map(str.strip, values)) == values
                           and not CONTROL_CHARACTERS.search("".join(values))))


def _optional_text(values: list[Any], most: int, check: Callable[[str], str], all_at_once: re.Pattern[str],
                   upper: bool) -> list[str | None] | None:
    present = [value for value in values if value is not None and value != ""]
    if not _plain_texts(present, most):
        return None
    if upper:
        present = list(map(str.upper, present))
    if not present or all_at_once.fullmatch("\n".join(present)):
        checked = iter(present)
    else:
        checked = iter([check(value) for value in present])  # a ValueError: the models say what is wrong
    return [None if value is None or value == "" else next(checked) for value in values]


def push_rows(body: bytes) -> list[PushRow] | None:
    """The records of a push body when every one is plainly valid, read without the models (they cost
    about 20 microseconds a record, most of a push): field by field for all records at once, with the
    schema's own rules. None when anything is unusual or wrong, and then `PushBody` reads the body
    and names what is wrong. Both give the same rows for a valid body (tests/test_push_rows.py)."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if type(data) is not dict or data.keys() != {"records"} or type(data["records"]) is not list:
        return None
    records: list[Any] = data["records"]
    if not records:
        return []
    if len(records) > MAX_PUSH_RECORDS or set(map(type, records)) != {dict} or not set().union(*records) <= _PUSH_KEYS:
        return None
    external_ids = [record.get("external_id") for record in records]
    names = [record.get("name") for record in records]
    kinds = [record.get("kind") for record in records]
    sectors = [record.get("sectors", []) for record in records]
    active = [record.get("active", True) for record in records]
    if not (_plain_texts(external_ids, 200) and _plain_texts(names, 200) and set(kinds) <= _KINDS
            and set(map(type, sectors)) == {list} and max(map(len, sectors)) <= 20
            and set(map(type, active)) == {bool}):
        return None
    every_sector = [sector for values in sectors for sector in values]
    if not _plain_texts(every_sector, 50) or (every_sector and not _ALL_SECTORS.fullmatch(
            "\n".join(every_sector).lower())):
        return None
    columns: list[list[Any]] = [external_ids, names, kinds, [sorted(set(map(str.lower, values))) for values in sectors]]
    try:
        for key, most, check, all_at_once, upper in _OPTIONAL_TEXT:
            column = _optional_text([record.get(key) for record in records], most, check, all_at_once, upper)
            if column is None:
                return None
            columns.append(column)
    except ValueError:
        return None
    columns.append(active)
    return list(zip(*columns, strict=True))



class PushResult(BaseModel):
    external_id: str
    id: uuid.UUID
    outcome: RecordOutcome
    kept_fields: list[str] = Field(default=[], description="Fields a coordinator locked: their values were kept")
    outranked_fields: list[str] = Field(
        default=[], description="Fields whose value a source of higher precedence holds otherwise: kept in this "
                                "source's record and in the history, not served")


class PushAnswer(BaseModel):
    created: int
    updated: int
    unchanged: int
    withdrawn: int
    results: list[PushResult]


class SyncSessionState(BaseModel):
    """A full sync sent in as many pushes as it takes: open until closed, or until it expires."""

    id: uuid.UUID
    source: str
    status: Literal["open", "closed", "expired"] = Field(
        description="open: push into it, then close it; expired: nobody closed it in time, it withdrew nothing")
    opened_by: str
    opened_at: datetime
    expires_at: datetime = Field(description="SYNC_SESSION_TTL_SECONDS after it was opened or last pushed into")
    pushes: int
    records: int = Field(description="External ids its pushes held, each once")
    closed_at: datetime | None
    closed_by: str | None
    withdrawn: int | None = Field(description="Once closed: the source's records it withdrew")


class SyncSessionClosed(SyncSessionState):
    results: list[PushResult] = Field(description="The records closing it withdrew, by external id")


