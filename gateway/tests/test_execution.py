"""The executor's short way for plain leaves (gateway/execution.py) answers as graphql-core's own does:
values, nulls, errors with their paths and locations, whatever the field's type."""

import math
from datetime import date
from enum import Enum

import pytest
import strawberry

from gateway.execution import GatewayExecutor


@strawberry.enum
class Colour(Enum):
    RED = "red"


@strawberry.type
class Item:
    name: str
    nickname: str | None
    count: int
    share: float
    colour: Colour
    on: date
    broken: str  # holds None: a non-null leaf without a value
    huge: int  # beyond a GraphQL Int

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()


def _items() -> list[Item]:
    return [
        Item(name="a", nickname=None, count=1, share=0.5, colour=Colour.RED, on=date(2026, 12, 2),
             broken="fine", huge=3),
        Item(name="b", nickname="bee", count=2, share=math.nan, colour=Colour.RED, on=date(2026, 1, 1),
             broken=None, huge=2**40),  # type: ignore[arg-type]
    ]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item | None]:  # an error nulls the item, not the whole answer
        return _items()

    @strawberry.field
    async def later(self) -> list[Item | None]:
        return _items()


QUERIES = [
    "{ items { name nickname count colour on shout } later { name on colour } }",
    "{ items { name share } }",  # NaN is no Float: an error at items.1.share
    "{ items { name broken } }",  # null for a String!: the item goes null, with the error's path
    "{ items { huge } later { count huge } }",  # 2**40 is no Int
    "{ items { a: name b: name __typename } }",
]


@pytest.mark.parametrize("query", QUERIES)
async def test_same_answers_as_graphql_core(query: str) -> None:
    plain = strawberry.Schema(query=Query)
    short = strawberry.Schema(query=Query, execution_context_class=GatewayExecutor)
    expected, got = await plain.execute(query), await short.execute(query)
    assert got.data == expected.data
    assert [error.formatted for error in got.errors or []] == [error.formatted for error in expected.errors or []]
    assert expected.data is not None and (expected.errors is not None) == (query in QUERIES[1:4])
