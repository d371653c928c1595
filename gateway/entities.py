"""Federation's `_entities(representations: [_Any!]!)`, checked before it runs.

Each representation names an entity by `__typename` and its key (`{"__typename": "Region",
"code": "PV27"}`), and each one is a lookup, so the cost rule counts them one by one and a
request holds at most GRAPHQL_MAX_ENTITIES. A representation Strawberry could not resolve (no
such type, no key, a key that is no id, fields it does not take) is refused here with the index
it has, rather than failing inside the resolver as an internal error.
"""

from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    GraphQLSchema,
    GraphQLUnionType,
    ListValueNode,
    VariableNode,
    value_from_ast_untyped,
)

from gateway.refusals import Code, Refusal

ENTITY_UNION = "_Entity"


def entity_keys(schema: GraphQLSchema) -> dict[str, tuple[str, ...]]:
    """The key fields of each entity type, from its `@key` directive (`keys=["code"]`)."""
    union = schema.get_type(ENTITY_UNION)
    if not isinstance(union, GraphQLUnionType):
        return {}
    keys: dict[str, tuple[str, ...]] = {}
    for member in union.types:
        definition = (member.extensions or {}).get("strawberry-definition")
        for directive in getattr(definition, "directives", None) or ():
            fields = getattr(directive, "fields", None)
            if type(directive).__name__ == "Key" and isinstance(fields, str):
                keys[member.name] = (*keys.get(member.name, ()), *fields.split())
    return keys


def representations_of(node: FieldNode, variables: Mapping[str, Any], defaults: Mapping[str, Any]) -> list[Any]:
    """The `representations` argument's value as the resolver will get it (a single value is a list of one)."""
    argument = next((argument for argument in node.arguments or () if argument.name.value == "representations"), None)
    if argument is None:
        return []
    value = argument.value
    if isinstance(value, VariableNode):
        given = variables.get(value.name.value, defaults.get(value.name.value))
    elif isinstance(value, ListValueNode):
        given = [value_from_ast_untyped(item, dict(variables)) for item in value.values]
    else:
        given = value_from_ast_untyped(value, dict(variables))
    if given is None:
        return []
    return given if isinstance(given, list) else [given]


def check_representations(representations: list[Any], keys: Mapping[str, tuple[str, ...]], max_entities: int,
                          node: FieldNode) -> list[str]:
    """The type name of each representation, in order; a Refusal for the first that cannot be resolved."""
    if len(representations) > max_entities:
        raise Refusal(f"`_entities` got {len(representations)} representations; at most {max_entities} are "
                      "accepted in one request.", Code.TOO_MANY_ENTITIES, node,
                      entities=len(representations), limit=max_entities)
    known = ", ".join(sorted(keys))
    typenames = []
    for index, representation in enumerate(representations):
        where = f"representations[{index}]"
        if not isinstance(representation, dict):
            raise Refusal(f"{where} must be an object with `__typename` and the type's key.", Code.BAD_USER_INPUT,
                          node, field=where)
        typename = representation.get("__typename")
        if not isinstance(typename, str) or typename not in keys:
            raise Refusal(f"{where}: unknown entity type {typename!r}; entities are {known}.", Code.BAD_USER_INPUT,
                          node, field=f"{where}.__typename")
        for key in keys[typename]:
            value = representation.get(key)
            if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
                raise Refusal(f"{where}: a representation of {typename} needs its key `{key}`, a string that "
                              "is not empty.", Code.BAD_USER_INPUT, node, field=f"{where}.{key}")
        unexpected = sorted(set(representation) - {"__typename", *keys[typename]})
        if unexpected:
            raise Refusal(f"{where}: a representation of {typename} holds `__typename` and "
                          f"{', '.join(f'`{key}`' for key in keys[typename])}, not `{unexpected[0]}`.",
                          Code.BAD_USER_INPUT, node, field=f"{where}.{unexpected[0]}")
        typenames.append(typename)
    return typenames
