"""What the three service clients share: list answers, fetch-many batches, safe path segments.

The services answer a list as `{"items": [...], "next_cursor": ...}` and take up to 500 ids on
a fetch-many call (`?ids=a,b,c`, common/query_lists.py). A client turns those answers into
typed records and pages; the records are the service's JSON, named by the resource they hold.
"""

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar
from urllib.parse import quote

from gateway.downstream import DownstreamError, DownstreamSession

# 200 uuids keep a fetch-many URL under 8 KB, which every HTTP server in the path accepts.
MAX_IDS_PER_REQUEST = 200
# Lists that are never long (pacts, regions of one kind): one page holds them all.
WHOLE_LIST_LIMIT = 500

Json = dict[str, Any]
Record = TypeVar("Record")


@dataclass(frozen=True)
class Page(Generic[Record]):
    items: list[Record]
    next_cursor: str | None


class BlankIdentifier(DownstreamError):
    """A blank id names another resource (`/v1/actions/` is the list): refused before any call."""

    def __init__(self) -> None:
        super().__init__("An id or slug must not be empty.")
        self.extensions = {"code": "BAD_USER_INPUT"}


def segment(identifier: object) -> str:
    """One id or slug as a path segment of its own."""
    text = str(identifier)
    if not text.strip():
        raise BlankIdentifier()
    return quote(text, safe="")


def items_of(answer: Any) -> list[Any]:
    """A list endpoint answers `{"items": [...], "next_cursor": ...}`; tolerate a bare list too."""
    if isinstance(answer, dict):
        return list(answer.get("items") or [])
    return list(answer or [])


def page_of(answer: Any) -> Page[Any]:
    next_cursor = answer.get("next_cursor") if isinstance(answer, dict) else None
    return Page(items=items_of(answer), next_cursor=next_cursor)


def chunks(keys: Sequence[str], size: int = MAX_IDS_PER_REQUEST) -> list[Sequence[str]]:
    return [keys[start:start + size] for start in range(0, len(keys), size)]


def if_match(version: int) -> dict[str, str]:
    return {"If-Match": f'"{version}"'}


class ServiceClient:
    """The calls of one GraphQL request to one service, with the caller's headers."""

    service: ClassVar[str]

    def __init__(self, calls: DownstreamSession) -> None:
        self.calls = calls

    async def _get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return await self.calls.get(self.service, path, params)

    async def _page(self, path: str, filters: Mapping[str, Any], limit: int, cursor: str | None) -> Page[Any]:
        return page_of(await self._get(path, {**filters, "limit": limit, "cursor": cursor}))

    async def _many(self, path: str, param: str, keys: Iterable[str]) -> list[Any]:
        """The items of a fetch-many endpoint for all `keys`, in batches the URL can hold, sent at once."""
        answers = await asyncio.gather(*(self._get(path, {param: ",".join(chunk)})
                                         for chunk in chunks(list(dict.fromkeys(keys)))))
        return [item for answer in answers for item in items_of(answer)]

    async def _write(self, method: str, path: str, body: Any = None,
                     headers: Mapping[str, str] | None = None) -> Any:
        return await self.calls.write(self.service, method, path, body, headers)
