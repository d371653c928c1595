"""Comma-separated lists in query parameters (`?ids=a,b,c`): one limit and one wording everywhere."""

import uuid
from collections.abc import Iterable

from common.problems import Problem, field_error, invalid
from common.request_limits import MAX_LIST_ITEMS


def _refused(field: str, reason: str) -> Problem:
    return invalid([field_error(field, reason, **{"in": "query"})])


def split_list(value: str, field: str) -> list[str]:
    """The non-empty items of a comma-separated parameter, at most MAX_LIST_ITEMS of them."""
    items = [item.strip() for item in value.split(",") if item.strip()]
    if len(items) > MAX_LIST_ITEMS:
        raise _refused(field, f"At most {MAX_LIST_ITEMS} comma-separated values per call.")
    return items


def uuid_list(value: str, field: str) -> list[uuid.UUID]:
    ids = []
    for item in split_list(value, field):
        try:
            ids.append(uuid.UUID(item))
        except ValueError:
            raise _refused(field, f"'{item}' is not a UUID.") from None
    return ids


def choice_list(value: str, field: str, allowed: Iterable[str]) -> list[str]:
    choices = list(allowed)
    items = split_list(value, field)
    unknown = [item for item in items if item not in choices]
    if unknown:
        raise _refused(field, f"Unknown: {', '.join(unknown)}; one of {', '.join(choices)}.")
    return items


def optional_uuid_list(value: str | None, field: str) -> list[uuid.UUID] | None:
    return None if value is None else uuid_list(value, field)


def optional_choice_list(value: str | None, field: str, allowed: Iterable[str]) -> list[str] | None:
    return None if value is None else choice_list(value, field, allowed)


def optional_split_list(value: str | None, field: str) -> list[str] | None:
    return None if value is None else split_list(value, field)
