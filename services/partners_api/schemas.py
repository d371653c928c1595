"""Request and response bodies of partners_api.

The identifier rules live here once and serve the push, the coordinator's edits and sign-ups
alike. Empty strings count as "not given": spreadsheet exports write empty cells that way.
"""

import re
import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, Literal

import orjson
from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    WithJsonSchema,
)

from common.json_types import JsonBool, JsonDate
from services.partners_api.domain import ORGANISATION_FIELDS, OrganisationKind, RecordOutcome, SignupStatus

MAX_PUSH_RECORDS = 10_000

_KVK = re.compile(r"\d{8}")
_BRIN = re.compile(r"\d{2}[A-Z]{2}")
_OIN = re.compile(r"\d{20}")
_MUNICIPALITY = re.compile(r"GM\d{4}")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SECTOR = re.compile(r"[a-z0-9][a-z0-9 &_-]{0,49}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_URL = TypeAdapter(AnyHttpUrl)
# The WHATWG "valid e-mail address" (what browsers accept), with a dot in the domain. It is checked
# first because email-validator costs about a millisecond per address, too much for a 5,000-record
# push; only addresses with non-ASCII characters (international domains) go to email-validator.
_EMAIL = re.compile(r"[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
                    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+")


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _matching(pattern: re.Pattern[str], description: str, *, upper: bool = False) -> Callable[[str], str]:
    def check(value: str) -> str:
        candidate = value.upper() if upper else value
        if not pattern.fullmatch(candidate):
            raise ValueError(description)
        return candidate

    return check


def _plain_text(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


# Plain http(s) addresses of lower-case ASCII host names, without port, user or fragment: each is one
# AnyHttpUrl accepts (tests/test_push_rows.py checks it). Parsing a URL costs about 15 microseconds,
# most of the push's validation; other addresses are parsed.
_PLAIN_URL = re.compile(r"https?://(?:(?!xn--)[a-z0-9]+(?:-+[a-z0-9]+)*\.)+(?!xn--)[a-z][a-z0-9]*(?:-+[a-z0-9]+)*"
                        r"(?:/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?(?:\?[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*)?")


def _website(value: str) -> str:
    if _PLAIN_URL.fullmatch(value):
        return value
    try:
        url = _URL.validate_python(value)
    except ValueError:
        raise ValueError("must be a well-formed http:// or https:// URL") from None
    if not url.host or "." not in url.host:
        raise ValueError("must be a well-formed http:// or https:// URL with a domain name")
    return value


def _email(value: str) -> str:
    if _EMAIL.fullmatch(value):
        return value
    if value.isascii():
        raise ValueError("is not a valid email address")
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"is not a valid email address: {exc}") from None


def _sectors(values: list[str]) -> list[str]:
    # Sorted and de-duplicated, so the same set pushed twice compares equal and changes nothing.
    cleaned = set()
    for value in values:
        sector = value.strip().lower()
        if not _SECTOR.fullmatch(sector):
            raise ValueError(f"'{value}' is not a sector code (1 to 50 letters, digits, spaces, & _ -)")
        cleaned.add(sector)
    return sorted(cleaned)


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
                 AfterValidator(_plain_text)]
KvkNumber = Annotated[str | None, BeforeValidator(_blank_to_none),
                      AfterValidator(lambda v: v and _matching(_KVK, "a KvK number is 8 digits")(v))]
BrinCode = Annotated[str | None, BeforeValidator(_blank_to_none),
                     AfterValidator(lambda v: v and _matching(_BRIN, "a BRIN code is 2 digits and 2 letters, e.g. 00AB",
                                                             upper=True)(v))]
Oin = Annotated[str | None, BeforeValidator(_blank_to_none),
                AfterValidator(lambda v: v and _matching(_OIN, "an OIN is 20 digits")(v))]
MunicipalityCode = Annotated[str | None, BeforeValidator(_blank_to_none),
                             AfterValidator(lambda v: v and _matching(
                                 _MUNICIPALITY, "a municipality code is GM and 4 digits, e.g. GM0402", upper=True)(v))]
Website = Annotated[Annotated[str, StringConstraints(max_length=500), AfterValidator(_website)] | None,
                    BeforeValidator(_blank_to_none)]
EmailAddress = Annotated[str, StringConstraints(strip_whitespace=True, max_length=320), AfterValidator(_email)]
Email = Annotated[EmailAddress | None, BeforeValidator(_blank_to_none)]
Sectors = Annotated[list[str], Field(max_length=20), AfterValidator(_sectors)]
PactSlug = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=_SLUG.pattern)]
LockableField = Literal[ORGANISATION_FIELDS]  # type: ignore[valid-type]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OrganisationFields(Strict):
    name: Name
    kind: OrganisationKind
    sectors: Sectors = []
    kvk_number: KvkNumber = None
    brin_code: BrinCode = None
    oin: Oin = None
    municipality_code: MunicipalityCode = None
    website: Website = None
    email: Email = None
    active: JsonBool = True


class OrganisationCreate(OrganisationFields):
    pass


class OrganisationPatch(Strict):
    """Only the fields sent change, and each becomes locked against pushes; `locked_fields`, when
    sent, sets the lock list itself (send `[]` to hand a record back to its pushing systems)."""

    name: Name | None = None
    kind: OrganisationKind | None = None
    sectors: Sectors | None = None
    kvk_number: KvkNumber = None
    brin_code: BrinCode = None
    oin: Oin = None
    municipality_code: MunicipalityCode = None
    website: Website = None
    email: Email = None
    active: JsonBool | None = None
    locked_fields: list[LockableField] | None = None


class Organisation(BaseModel):
    id: uuid.UUID
    name: str
    kind: OrganisationKind
    sectors: list[str]
    kvk_number: str | None
    brin_code: str | None
    oin: str | None
    municipality_code: str | None
    website: str | None
    email: str | None
    active: bool
    locked_fields: list[str]
    version: int
    created_at: datetime
    updated_at: datetime
    redirected_from: uuid.UUID | None = Field(
        default=None, description="Set when the id asked for is a duplicate a coordinator merged into this one")

    model_config = ConfigDict(from_attributes=True)


class OrganisationMerge(Strict):
    """The duplicate to merge into this organisation (the survivor)."""

    duplicate_id: uuid.UUID


class Change(BaseModel):
    id: int
    organisation_id: uuid.UUID
    changed_at: datetime
    changed_by: str
    source: str | None
    action: str
    field: str | None
    old: Any
    new: Any


# --- the municipal push -------------------------------------------------------------------------

ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
                       AfterValidator(_plain_text)]


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
    ("kvk_number", 8, _matching(_KVK, ""), _all_lines(_KVK), False),
    ("brin_code", 4, _matching(_BRIN, "", upper=True), _all_lines(_BRIN), True),
    ("oin", 20, _matching(_OIN, ""), _all_lines(_OIN), False),
    ("municipality_code", 6, _matching(_MUNICIPALITY, "", upper=True), _all_lines(_MUNICIPALITY), True),
    ("website", 500, _website, _all_lines(_PLAIN_URL), False),
    ("email", 320, _email, _all_lines(_EMAIL), False),
)
_ALL_SECTORS = _all_lines(_SECTOR)


def _plain_texts(values: list[Any], most: int) -> bool:
    """Texts the schema keeps as they are: no whitespace to strip, 1 to `most` characters, no control characters."""
    return (not values or (set(map(type, values)) == {str} and min(map(len, values)) > 0
                           and max(map(len, values)) <= most and list(map(str.strip, values)) == values
                           and not _CONTROL.search("".join(values))))


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


class SourceRecord(BaseModel):
    """A source's claim on an organisation (its record's values are the coordinators' to read: conflicts)."""

    source: str
    external_id: str
    precedence: int = Field(description="1 is the highest: whose values the organisation serves first")
    active: bool = Field(description="False once the source withdrew the record")
    withdrawn_at: datetime | None
    first_linked_at: datetime
    created_at: datetime
    updated_at: datetime

    model_config = ConfigDict(from_attributes=True)


SourceName = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class Precedence(Strict):
    """Every source that holds the organisation, once, highest precedence first."""

    sources: Annotated[list[SourceName], Field(min_length=1, max_length=100)]


class SourceValue(BaseModel):
    source: str
    external_id: str
    precedence: int
    value: Any


class FieldConflict(BaseModel):
    field: str
    served: Any = Field(description="What the organisation serves")
    locked: bool = Field(description="A coordinator's value, whatever the sources say")
    sources: list[SourceValue] = Field(description="Each holding source's value, in order of precedence")


class Conflict(BaseModel):
    organisation_id: uuid.UUID
    name: str
    fields: list[FieldConflict]


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


# --- the sector list ---------------------------------------------------------------------------

# A code as pushes write it once trimmed: no space at either end.
SECTOR_CODE_PATTERN = r"^[a-z0-9](?:[a-z0-9 &_-]{0,48}[a-z0-9&_-])?$"


class SectorIn(Strict):
    name: Annotated[Name, Field(description="The sector's name in Dutch, e.g. Installatietechniek")]
    description: Annotated[Annotated[str, StringConstraints(max_length=2000), AfterValidator(_plain_text)] | None,
                           BeforeValidator(_blank_to_none)] = None


class Sector(BaseModel):
    code: str
    name: str
    description: str | None
    version: int

    model_config = ConfigDict(from_attributes=True)


# --- memberships, contacts, sign-ups -----------------------------------------------------------

class MembershipCreate(Strict):
    organisation_id: uuid.UUID
    joined_on: JsonDate


class MembershipLeave(Strict):
    left_on: JsonDate


class Membership(BaseModel):
    id: uuid.UUID
    organisation_id: uuid.UUID
    pact: str
    joined_on: date
    left_on: date | None

    model_config = ConfigDict(from_attributes=True)


class MemberOfPact(Membership):
    organisation: Organisation


ContactName = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_plain_text)]


class ContactCreate(Strict):
    name: ContactName
    role: Annotated[Annotated[str, StringConstraints(max_length=200)] | None, BeforeValidator(_blank_to_none)] = None
    email: Email = None
    # A blank phone means "not given" (None), so the documented pattern admits blanks too.
    phone: Annotated[Annotated[str, StringConstraints(pattern=r"^\+?[0-9 ()-]{6,40}$")] | None,
                     BeforeValidator(_blank_to_none),
                     WithJsonSchema({"anyOf": [{"type": "string", "pattern": r"^(\+?[0-9 ()-]{6,40}|\s*)$"},
                                               {"type": "null"}], "title": "Phone"})] = None


class Contact(BaseModel):
    id: uuid.UUID
    organisation_id: uuid.UUID
    name: str
    role: str | None
    email: str | None
    phone: str | None

    model_config = ConfigDict(from_attributes=True)


class SignupCreate(Strict):
    organisation_name: Name
    kind: OrganisationKind
    municipality_code: Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(
        _matching(_MUNICIPALITY, "a municipality code is GM and 4 digits, e.g. GM0402", upper=True))]
    kvk_number: KvkNumber = None
    sectors: Sectors = Field(default=[], description="Codes of the sector list (GET /v1/sectors)")
    contact_name: ContactName
    contact_email: EmailAddress
    message: Annotated[Annotated[str, StringConstraints(max_length=2000)] | None,
                       BeforeValidator(_blank_to_none)] = None


class SignupAccepted(BaseModel):
    id: uuid.UUID
    status: Literal[SignupStatus.PENDING]


class Signup(BaseModel):
    id: uuid.UUID
    pact: str
    organisation_name: str
    kind: OrganisationKind
    municipality_code: str
    kvk_number: str | None
    sectors: list[str]
    contact_name: str | None = Field(description="Personal data: null unless the token carries contacts:read")
    contact_email: str | None = Field(description="Personal data: null unless the token carries contacts:read")
    message: str | None
    status: SignupStatus
    organisation_id: uuid.UUID | None
    membership_id: uuid.UUID | None
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None
    created_at: datetime

    model_config = ConfigDict(from_attributes=True)


class SignupApprove(Strict):
    """Link to an existing organisation, or (without one) to the one with the sign-up's KvK number,
    or else create it; the membership starts on `joined_on` (today when not given)."""

    organisation_id: uuid.UUID | None = None
    joined_on: JsonDate | None = None


class SignupReject(Strict):
    reason: Annotated[str | None, StringConstraints(max_length=2000)] = None
