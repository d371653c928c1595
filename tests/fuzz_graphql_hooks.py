"""Schemathesis hooks for the gateway's run in tests/test_fuzz.py (loaded through SCHEMATHESIS_HOOKS).

Besides the operations schemathesis derives from the schema, about half the cases become hostile
documents of the two kinds issue 18 found: chains of fragments that each spread the next several
times, and `_entities` calls with up to 150 representations of real and made-up types, keys that
are missing, empty, numbers or lists, and fields no entity has. Whatever the document, the gateway
must not answer 5xx (`not_a_server_error`).
"""

import json
from typing import Any

import graphql
import schemathesis
from hypothesis import strategies as st

TYPENAMES = ["Action", "Organisation", "Pact", "Region", "Nope", "_Entity", ""]
KEYS = ["id", "slug", "code", "name"]


def fragment_chain(links: int, spreads: int, leaf: str) -> str:
    fragments = [f"fragment F{i} on Pact {{ {' '.join([f'...F{i + 1}'] * spreads)} }}" for i in range(links - 1)]
    return '{ pact(slug: "x") { ...F0 } } ' + " ".join([*fragments, f"fragment F{links - 1} on Pact {{ {leaf} }}"])


def literal(value: Any) -> str:
    """A JSON value as a GraphQL input literal."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {literal(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(literal(item) for item in value) + "]"
    return json.dumps(value)


def entities(representations: list[dict[str, Any]], typenames: list[str]) -> str:
    selections = " ".join(f"... on {name} {{ __typename }}" for name in typenames)
    return f"{{ _entities(representations: {literal(representations)}) {{ __typename {selections} }} }}"


KEY_VALUES = st.one_of(st.text(max_size=20), st.integers(), st.lists(st.integers(), max_size=2), st.none())
REPRESENTATION = st.fixed_dictionaries({"__typename": st.sampled_from(TYPENAMES)},
                                       optional=dict.fromkeys(KEYS, KEY_VALUES))
HOSTILE = st.one_of(
    st.builds(fragment_chain, st.integers(1, 40), st.integers(1, 3), st.sampled_from(["name", "__typename", "nope"])),
    st.builds(entities, st.lists(REPRESENTATION, max_size=150),
              st.lists(st.sampled_from(["Action", "Organisation", "Pact", "Region"]), max_size=4, unique=True)),
).map(graphql.parse)


@schemathesis.hook
def flatmap_body(context: Any, body: Any) -> Any:
    if not isinstance(body, graphql.DocumentNode):
        return st.just(body)
    return st.one_of(st.just(body), HOSTILE)
