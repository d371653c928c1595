"""Relay-style connections over the services' pages.

The services page with opaque `next_cursor`s. A gateway cursor is (the service's cursor the page
started at, how many items of that page lie before the edge), so every edge has a cursor that
resumes right after it.
"""

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Generic, TypeVar

import strawberry
from graphql import GraphQLError

from gateway.clients.base import Page
from gateway.context import Info
from gateway.loaders import PageKey

Node = TypeVar("Node")
Record = TypeVar("Record")
# A gateway cursor never skips more than a service's page can hold.
MAX_SKIP = 1000


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[Node]):
    cursor: str
    node: Node


@strawberry.type
class Connection(Generic[Node]):
    edges: list[Edge[Node]]
    nodes: list[Node]
    page_info: PageInfo


def encode_cursor(service_cursor: str | None, skip: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([service_cursor, skip]).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[str | None, int]:
    if cursor is None:
        return None, 0
    try:
        value = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
    except (ValueError, binascii.Error):
        value = None
    if (not isinstance(value, list) or len(value) != 2 or not isinstance(value[1], int)
            or not (value[0] is None or isinstance(value[0], str)) or not 0 <= value[1] <= MAX_SKIP):
        raise GraphQLError("`after` is not a cursor this list gave out.", extensions={"code": "BAD_USER_INPUT"})
    return value[0], value[1]


def check_first(info: Info, first: int) -> None:
    """The cost rule refuses these before execution; this guards the resolvers of `_entities` too."""
    limit = info.context.settings.graphql_max_page_size
    if not 1 <= first <= limit:
        raise GraphQLError(f"`first` must be between 1 and {limit}.", extensions={"code": "BAD_USER_INPUT"})


async def fetch_page(info: Info, fetch: Callable[..., Awaitable[Page[Record]]], filters: Mapping[str, Any],
                     first: int, after: str | None, wrap: Callable[[Record], Node],
                     ahead: Callable[[Info, list[Node]], Awaitable[None]] | None = None) -> Connection[Node]:
    """`first` items after `after` of a client's list (`fetch(**filters, limit=, cursor=)`), as a connection;
    `ahead(info, nodes)` fetches, before the nodes are resolved, what their fields will read."""
    check_first(info, first)
    service_cursor, skip = decode_cursor(after)
    present = tuple(sorted((key, value) for key, value in filters.items() if value is not None))
    page: Page[Record] = await info.context.loaders.pages.load(PageKey(fetch, present, skip + first, service_cursor))
    items = page.items[skip:skip + first]
    edges = [Edge(cursor=encode_cursor(service_cursor, skip + index + 1), node=wrap(item))
             for index, item in enumerate(items)]
    if edges and page.next_cursor is not None and len(page.items) == skip + first:
        edges[-1].cursor = encode_cursor(page.next_cursor, 0)
    if ahead is not None and edges:
        await ahead(info, [edge.node for edge in edges])
    return Connection(
        edges=edges,
        nodes=[edge.node for edge in edges],
        page_info=PageInfo(has_next_page=page.next_cursor is not None,
                           end_cursor=edges[-1].cursor if edges else after),
    )
