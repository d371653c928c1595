"""Limits checked before any service is called, and the figures an answer reports of its cost.

Depth, aliases and tokens use Strawberry's own extensions. The cost is ours (Strawberry has
none): a validation rule that weighs every object a query can return, multiplying by the page
size where a field takes `first` (as Shopify and GitHub count), so a query asking for 100
actions with 10 fields each costs about 100 times one asking for one. The estimate goes back to
the client in `extensions.cost`.
"""

from collections.abc import Iterator
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
    get_named_type,
    validate,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

# How many items a plain list field (one without `first`) is assumed to hold.
ASSUMED_LIST_LENGTH = 5
MUTATION_COST = 10


class QueryCost:
    """Estimate an operation's cost: objects 1, scalars 0, lists and connections times their length."""

    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode],
                 variables: dict[str, Any], default_page_size: int) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.default_page_size = default_page_size
        self.page_sizes: list[int] = []

    def operation(self, operation: OperationDefinitionNode, root: GraphQLObjectType) -> int:
        cost = self.selections(operation.selection_set, root, set())
        if operation.operation is OperationType.MUTATION:
            cost += MUTATION_COST * len(operation.selection_set.selections)
        return cost

    def selections(self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType, seen: set[str],
                   page: int | None = None) -> int:
        """`page` is the page size when `parent` is a connection: its `edges` and `nodes` hold that many."""
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, seen, page)
            elif isinstance(selection, InlineFragmentNode):
                total += self.selections(selection.selection_set, self._condition(selection, parent), seen, page)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in seen:  # cycles are the spec rules' to report
                    total += self.selections(fragment.selection_set, self._condition(fragment, parent),
                                             seen | {name}, page)
        return total

    def field(self, node: FieldNode, parent: GraphQLNamedType, seen: set[str], page: int | None) -> int:
        if not isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)):
            return 0
        definition = parent.fields.get(node.name.value)
        if definition is None:
            return 0
        named = get_named_type(definition.type)
        if not isinstance(named, (GraphQLObjectType, GraphQLInterfaceType, GraphQLUnionType)):
            return 0
        inner = self.selections(node.selection_set, named, seen, self.page_size(node))
        if page is not None and node.name.value in ("edges", "nodes") and _is_list(definition.type):
            # An edge is free; its node (or a node of `nodes`) costs 1 plus its fields.
            return page * (inner if node.name.value == "edges" else 1 + inner)
        return (ASSUMED_LIST_LENGTH if _is_list(definition.type) else 1) * (1 + inner)

    def page_size(self, node: FieldNode) -> int | None:
        for argument in node.arguments or ():
            if argument.name.value != "first":
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                size = int(value.value)
            elif isinstance(value, VariableNode):
                given = self.variables.get(value.name.value)
                size = given if isinstance(given, int) else self.default_page_size
            else:
                size = self.default_page_size
            self.page_sizes.append(size)
            return max(size, 0)
        return None

    def _condition(self, node: InlineFragmentNode | FragmentDefinitionNode,
                   parent: GraphQLNamedType) -> GraphQLNamedType:
        if node.type_condition is None:
            return parent
        return self.schema.get_type(node.type_condition.name.value) or parent


def _is_list(type_: GraphQLOutputType) -> bool:
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


class CostLimiter(SchemaExtension):
    """Refuses operations whose estimated cost exceeds `max_cost` or whose pages exceed `max_page_size`."""

    def __init__(self, *, max_cost: int, max_page_size: int, default_page_size: int = 20) -> None:
        self.max_cost = max_cost
        self.max_page_size = max_page_size
        self.default_page_size = default_page_size
        self.cost: int | None = None

    def on_operation(self) -> Iterator[None]:
        limiter = self

        class CostRule(ValidationRule):
            def enter_document(self, node: DocumentNode, *_args: Any) -> None:
                context: ValidationContext = self.context
                schema = context.schema
                fragments = {definition.name.value: definition for definition in node.definitions
                             if isinstance(definition, FragmentDefinitionNode)}
                variables = limiter.execution_context.variables or {}
                name = limiter.execution_context.operation_name
                for definition in node.definitions:
                    if not isinstance(definition, OperationDefinitionNode):
                        continue
                    if name is not None and (definition.name is None or definition.name.value != name):
                        continue
                    root = schema.get_root_type(definition.operation)
                    if root is None:
                        continue
                    estimate = QueryCost(schema, fragments, variables, limiter.default_page_size)
                    cost = estimate.operation(definition, root)
                    limiter.cost = max(limiter.cost or 0, cost)
                    too_large = [size for size in estimate.page_sizes if not 1 <= size <= limiter.max_page_size]
                    if too_large:
                        self.report_error(GraphQLError(
                            f"`first` must be between 1 and {limiter.max_page_size}; got {too_large[0]}.",
                            definition, extensions={"code": "BAD_USER_INPUT"},
                        ))
                    if cost > limiter.max_cost:
                        self.report_error(GraphQLError(
                            f"The query's estimated cost {cost} exceeds the limit of {limiter.max_cost}; "
                            "ask for smaller pages or fewer fields.",
                            definition,
                            extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "limit": limiter.max_cost},
                        ))

        self.execution_context.validation_rules = (*self.execution_context.validation_rules, CostRule)
        yield

    def get_results(self) -> dict[str, Any]:
        if self.cost is None:
            return {}
        return {"cost": {"estimated": self.cost, "limit": self.max_cost}}


class ValidateWithoutSuggestions(SchemaExtension):
    """Run the validation rules with graphql-core's `hide_suggestions`, so errors name no fields that
    were not asked for ("Did you mean ...?" reveals the schema when introspection is off)."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.pre_execution_errors is None and context.graphql_document is not None:
            # Strawberry skips its own validation pass when errors are already set.
            context.pre_execution_errors = validate(
                context.schema._schema, context.graphql_document,
                (*context.validation_rules, MaybeNullValidationRule, OneOfInputValidationRule),
                hide_suggestions=True,
            )
        yield


class DownstreamReport(SchemaExtension):
    """`extensions.downstream`: how many service requests the query made and how long they kept it
    waiting (time with at least one in flight), for the bench and for anyone tuning a query."""

    def get_results(self) -> dict[str, Any]:
        calls = getattr(self.execution_context.context, "calls", None)
        if calls is None:
            return {}
        return {"downstream": {"requests": calls.requests, "seconds": round(calls.busy_seconds, 6)}}
