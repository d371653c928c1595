"""graphql-core's executor with a short way for the commonest field: a plain attribute holding a scalar.

The dashboard query resolves about 1,100 fields, three quarters of them such leaves (an action's
title, an organisation's name). For each, the executor builds a resolve info (a 16-item tuple),
looks at its arguments, calls Strawberry's default resolver through two wrappers and completes the
value through the non-null, list and leaf cases. Here a field whose resolver is Strawberry's default
(a "basic" field: no resolver, no extensions), that takes no arguments and whose type is a scalar
or an enum, is read and coerced at once. Anything unusual on the way (an exception, a null where
the type says non-null, a value the scalar refuses) goes the executor's own way from the start,
so errors, their paths and locations are exactly as before.
"""

from typing import Any
from weakref import WeakKeyDictionary

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    Undefined,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

# Per object type and field name: (resolver, leaf type, non-null) for a plain leaf, else None; per
# schema, so each schema's go with it.
Plan = tuple[Any, GraphQLLeafType, bool] | None
_PLANS: "WeakKeyDictionary[GraphQLSchema, dict[tuple[GraphQLObjectType, str], Plan]]" = WeakKeyDictionary()


def _plan(field: GraphQLField | None) -> Plan:
    if field is None or field.args or not getattr(field.resolve, "_is_default", False):
        return None
    kind = field.type
    non_null = isinstance(kind, GraphQLNonNull)
    named = kind.of_type if isinstance(kind, GraphQLNonNull) else kind
    return (field.resolve, named, non_null) if is_leaf_type(named) else None


class GatewayExecutor(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plans = _PLANS.setdefault(self.schema, {})
        # No middleware (a Strawberry extension with a `resolve` hook) wraps the resolvers.
        manager = self.middleware_manager
        self.plain_resolvers = manager is None or not manager.middlewares

    def execute_field(self, parent_type: GraphQLObjectType, source: Any, field_details_list: FieldDetailsList,
                      path: Path, position_context: Any) -> Any:
        if self.plain_resolvers:
            key = (parent_type, field_details_list[0].node.name.value)
            try:
                plan = self.plans[key]
            except KeyError:
                plan = self.plans[key] = _plan(self.schema.get_field(*key))
            if plan is not None:
                resolve, leaf, non_null = plan
                try:
                    value = resolve(source, None)  # Strawberry's default resolver does not read the info
                    if value is None:
                        if not non_null:
                            return None
                    elif not isinstance(value, Exception):
                        coerced = leaf.coerce_output_value(value)
                        if coerced is not Undefined and coerced is not None:
                            return coerced
                except Exception:  # the executor's own way below reports it, with its path
                    pass
        return super().execute_field(parent_type, source, field_details_list, path, position_context)
