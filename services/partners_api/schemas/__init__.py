"""Request and response bodies of partners_api, one module per aggregate as in domain/; here the field
types they share.

The identifier rules live here once and serve the push, the coordinator's edits and sign-ups
alike. Empty strings count as "not given": spreadsheet exports write empty cells that way.
"""

import re
from collections.abc import Callable
from typing import Annotated, Any, Literal

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
)

from services.partners_api.domain import ORGANISATION_FIELDS

KVK = re.compile(r"\d{8}")
BRIN = re.compile(r"\d{2}[A-Z]{2}")
OIN = re.compile(r"\d{20}")
MUNICIPALITY = re.compile(r"GM\d{4}")
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SECTOR = re.compile(r"[a-z0-9][a-z0-9 &_-]{0,49}")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
HTTP_URL = TypeAdapter(AnyHttpUrl)
# The WHATWG "valid e-mail address" (what browsers accept), with a dot in the domain. It is checked
# first because email-validator costs about a millisecond per address, too much for a 5,000-record
# push; only addresses with non-ASCII characters (international domains) go to email-validator.
EMAIL = re.compile(r"[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
                    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+")


def blank_to_none(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def matching(pattern: re.Pattern[str], description: str, *, upper: bool = False) -> Callable[[str], str]:
    def check(value: str) -> str:
        candidate = value.upper() if upper else value
        if not pattern.fullmatch(candidate):
            raise ValueError(description)
        return candidate

    return check


def plain_text(value: str) -> str:
    if CONTROL_CHARACTERS.search(value):
        raise ValueError("must not contain control characters")
    return value


# Plain http(s) addresses of lower-case ASCII host names, without port, user or fragment: each is one
# AnyHttpUrl accepts (tests/test_push_rows.py checks it). Parsing a URL costs about 15 microseconds,
# most of the push's validation; other addresses are parsed.
PLAIN_URL = re.compile(r"https?://(?:(?!xn--)[a-z0-9]+(?:-+[a-z0-9]+)*\.)+(?!xn--)[a-z][a-z0-9]*(?:-+[a-z0-9]+)*"
                        r"(?:/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?(?:\?[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*)?")


def checked_website(value: str) -> str:
    if PLAIN_URL.fullmatch(value):
        return value
    try:
        url = HTTP_URL.validate_python(value)
    except ValueError:
        raise ValueError("must be a well-formed http:// or https:// URL") from None
    if not url.host or "." not in url.host:
        raise ValueError("must be a well-formed http:// or https:// URL with a domain name")
    return value


def checked_email(value: str) -> str:
    if EMAIL.fullmatch(value):
        return value
    if value.isascii():
        raise ValueError("is not a valid email address")
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"is not a valid email address: {exc}") from None


def checked_sectors(values: list[str]) -> list[str]:
    # Sorted and de-duplicated, so the same set pushed twice compares equal and changes nothing.
    cleaned = set()
    for value in values:
        sector = value.strip().lower()
        if not SECTOR.fullmatch(sector):
            raise ValueError(f"'{value}' is not a sector code (1 to 50 letters, digits, spaces, & _ -)")
        cleaned.add(sector)
    return sorted(cleaned)


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
                 AfterValidator(plain_text)]
KvkNumber = Annotated[str | None, BeforeValidator(blank_to_none),
                      AfterValidator(lambda v: v and matching(KVK, "a KvK number is 8 digits")(v))]
BrinCode = Annotated[str | None, BeforeValidator(blank_to_none),
                     AfterValidator(lambda v: v and matching(BRIN, "a BRIN code is 2 digits and 2 letters, e.g. 00AB",
                                                             upper=True)(v))]
Oin = Annotated[str | None, BeforeValidator(blank_to_none),
                AfterValidator(lambda v: v and matching(OIN, "an OIN is 20 digits")(v))]
MunicipalityCode = Annotated[str | None, BeforeValidator(blank_to_none),
                             AfterValidator(lambda v: v and matching(
                                 MUNICIPALITY, "a municipality code is GM and 4 digits, e.g. GM0402", upper=True)(v))]
Website = Annotated[Annotated[str, StringConstraints(max_length=500), AfterValidator(checked_website)] | None,
                    BeforeValidator(blank_to_none)]
EmailAddress = Annotated[str, StringConstraints(strip_whitespace=True, max_length=320), AfterValidator(checked_email)]
Email = Annotated[EmailAddress | None, BeforeValidator(blank_to_none)]
Sectors = Annotated[list[str], Field(max_length=20), AfterValidator(checked_sectors)]
PactSlug = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=SLUG.pattern)]
LockableField = Literal[ORGANISATION_FIELDS]  # type: ignore[valid-type]
ContactName = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(plain_text)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

