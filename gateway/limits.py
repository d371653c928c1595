"""The cost rule and the other limits on a document, measured in one walk linear in its size.

Fragments are what makes a small document big: a chain of fragments that each spread the next
twice doubles at every link, so 22 of them (885 bytes) expand to two million fields, and any
check that walks a fragment again at each spread takes exponential time. Here each fragment
definition is measured once, in dependency order (a cycle is found on the way), and a spread adds
the fragment's figures: the fields it expands to, its aliases and depth, the `_entities`
representations it asks for, and its cost. So the figures of the expanded document come from a
walk of the document as written, and the document is refused on them before graphql-core's own
validation sees it. That matters: graphql-core's OverlappingFieldsCanBeMerged compares every
pair of fields that share a response name in a selection set (fragments included), and then
every pair of their subfields that share one, so its time grows with the square of a document's
repeated fields: 2,000 fields can take it seconds. The walk adds up an upper bound of those
comparisons and refuses a document whose bound passes GRAPHQL_MAX_MERGE_CHECKS; a document
without repeated fields needs none. The bound: comparing fields a and b costs at most
w(a) * w(b), where a leaf weighs 1 and a field 1 + the root of the sum, over its subfields' response
names, of the squared total weight of the subfields of that name (by Cauchy-Schwarz). Fields of
different names are never compared, so a subtree of distinct fields weighs little, and one of
fields repeated weighs as much as it costs.
Fragments spread side by side are compared pairwise too, and count as well.

The cost counts what a query can return, as Shopify and GitHub count: objects 1, scalars 0, a
list times 5, a connection's `edges`/`nodes` times its page size (`first`, from the document, the
variables, a variable's default or the argument's own default), each `_entities` representation
as one object of its type, and 10 per mutation. The estimate goes back in `extensions.cost`.
"""

import math
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
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
    ListValueNode,
    NamedTypeNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    SchemaMetaFieldDef,
    SelectionNode,
    SelectionSetNode,
    StringValueNode,
    TypeMetaFieldDef,
    ValueNode,
    VariableNode,
    get_named_type,
    value_from_ast_untyped,
)

from gateway.entities import check_representations, entity_keys, representations_of
from gateway.fragments import NeedsValidation, fragments_of, in_dependency_order
from gateway.refusals import Code, Refusal, check_string
from gateway.settings import GatewaySettings

# How many items a plain list field (one without `first`) is assumed to hold.
ASSUMED_LIST_LENGTH = 5
MUTATION_COST = 10
PAGE_FIELDS = ("edges", "nodes")
# A literal `first` with more digits than this is out of range whatever the limit.
MAX_PAGE_DIGITS = 9
# Comparing two fragments spread in one selection set takes graphql-core about four times as long
# as comparing two fields (measured on the 2-core machine: some 18 against 4.5 microseconds).
FRAGMENT_PAIR_CHECKS = 4
# The page a `first` that is null or missing stands for, as the resolvers default it.
DEFAULT_PAGE_SIZE = 20


@dataclass
class Figures:
    """One selection set with its fragments expanded. Its cost depends on the page size the field
    owning it asks for: `fixed + per_item * page` with a page, `unpaged` without one."""

    fields: int = 0
    aliases: int = 0
    depth: int = 0
    entities: int = 0
    fixed: int = 0
    per_item: int = 0
    unpaged: int = 0
    # Per response name selected at this level: the sum of the fields' merge weights, and of their squares.
    names: dict[str, tuple[float, float]] = field(default_factory=dict)
    spreads: frozenset[str] = frozenset()  # the fragments spread at this level, directly or through others

    def add(self, other: "Figures") -> None:
        self.fields += other.fields
        self.aliases += other.aliases
        self.depth = max(self.depth, other.depth)
        self.entities += other.entities
        self.fixed += other.fixed
        self.per_item += other.per_item
        self.unpaged += other.unpaged
        for name, (weights, squares) in other.names.items():
            known = self.names.get(name)
            self.names[name] = (weights, squares) if known is None else (known[0] + weights, known[1] + squares)
        self.spreads |= other.spreads

    def cost(self, page: int | None) -> int:
        return self.unpaged if page is None else self.fixed + self.per_item * page


class DocumentMeasure:
    """Measures every fragment and operation of a document once; refuses it at the first limit it passes.

    Costs use the variables (and the variables' defaults) of `operation`, the one to run."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode, settings: GatewaySettings,
                 variables: Mapping[str, Any], operation: OperationDefinitionNode | None) -> None:
        self.schema = schema
        self.document = document
        self.settings = settings
        self.variables = variables
        self.defaults = {definition.variable.name.value: value_from_ast_untyped(definition.default_value)
                         for definition in (operation.variable_definitions or () if operation else ())
                         if definition.default_value is not None}
        self.operation = operation
        self.fragments: dict[str, FragmentDefinitionNode] = {}
        self.measured: dict[str, Figures] = {}
        self.merge_checks = 0.0
        self.entity_keys = entity_keys(schema)

    def run(self) -> int | None:
        """The cost of `operation`, once every definition of the document is within the limits."""
        self.fragments = fragments_of(self.document)
        most = self.settings.graphql_max_fragments
        if len(self.fragments) > most:
            raise Refusal(f"The document defines {len(self.fragments)} fragments; at most {most} are accepted.",
                          Code.QUERY_TOO_COMPLEX, limit=most)
        for name in in_dependency_order(self.fragments):
            fragment = self.fragments[name]
            self.measured[name] = self._selections(fragment.selection_set, self._condition(fragment.type_condition))
        cost = None
        for definition in self.document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                operation_cost = self._operation(definition)
                if definition is self.operation:
                    cost = operation_cost
        return cost

    def _operation(self, operation: OperationDefinitionNode) -> int:
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            raise NeedsValidation
        for definition in operation.variable_definitions or ():
            if definition.default_value is not None:
                self._check_literal(definition.default_value, f"${definition.variable.name.value}")
        figures = self._selections(operation.selection_set, root)
        deepest = self.settings.graphql_max_depth
        if figures.depth > deepest:
            raise Refusal(f"The operation nests {figures.depth} levels deep; at most {deepest} are allowed.",
                          Code.QUERY_TOO_DEEP, operation, depth=figures.depth, limit=deepest)
        cost = figures.cost(None)
        if operation.operation is OperationType.MUTATION:
            cost += MUTATION_COST * len(operation.selection_set.selections)
        if operation is self.operation and cost > self.settings.graphql_max_cost:
            raise Refusal(f"The query's estimated cost {cost} exceeds the limit of {self.settings.graphql_max_cost}; "
                          "ask for smaller pages or fewer fields.", Code.QUERY_TOO_COSTLY, operation,
                          cost=cost, limit=self.settings.graphql_max_cost)
        return cost

    def _selections(self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType,
                    each: Callable[[SelectionNode, Figures], None] | None = None) -> Figures:
        """The figures of a selection set; `each` sees every selection's own."""
        figures = Figures()
        # The fragments spread here, directly or in an inline fragment here, and how many each brings.
        spread_here: dict[object, int] = {}
        for selection in selection_set.selections if selection_set else ():
            part = self._selection(selection, parent)
            self._merge(figures, part)
            if isinstance(selection, FragmentSpreadNode):
                spread_here[selection.name.value] = len(part.spreads)
            elif isinstance(selection, InlineFragmentNode) and part.spreads:
                spread_here[id(selection)] = len(part.spreads)
            if each is not None:
                each(selection, part)
        self._count_merge_checks(figures, list(spread_here.values()), selection_set)
        return figures

    def _selection(self, selection: SelectionNode, parent: GraphQLNamedType) -> Figures:
        if isinstance(selection, FieldNode):
            return self._field(selection, parent)
        if isinstance(selection, InlineFragmentNode):
            self._check_directives(selection.directives)
            return self._selections(selection.selection_set, self._condition(selection.type_condition, parent))
        if isinstance(selection, FragmentSpreadNode):
            self._check_directives(selection.directives)
            measured = self.measured.get(selection.name.value)
            if measured is None:
                raise NeedsValidation
            return replace(measured, spreads=measured.spreads | {selection.name.value})
        raise NeedsValidation  # pragma: no cover - graphql-core has no other selection

    def _merge(self, figures: Figures, other: Figures) -> None:
        figures.add(other)
        settings = self.settings
        if figures.fields > (most := settings.graphql_max_expanded_fields):
            raise Refusal(f"The document expands to more than {most} fields once its fragments are spread.",
                          Code.QUERY_TOO_COMPLEX, limit=most)
        if figures.aliases > (most := settings.graphql_max_aliases):
            raise Refusal(f"The document uses more than {most} aliases (fragments expanded); at most {most} are "
                          "allowed.", Code.TOO_MANY_ALIASES, limit=most)
        if figures.entities > (most := settings.graphql_max_entities):
            raise Refusal(f"The request asks for more than {most} `_entities` representations.",
                          Code.TOO_MANY_ENTITIES, limit=most)

    def _count_merge_checks(self, figures: Figures, spread_here: list[int], node: SelectionSetNode | None) -> None:
        """Fields sharing a response name must merge: each pair is compared, subfields and all. So are
        two fragments spread side by side, with the fragments each of them spreads."""
        most = self.settings.graphql_max_merge_checks
        fragment_pairs = (sum(spread_here) ** 2 - sum(count * count for count in spread_here)) // 2
        self.merge_checks += FRAGMENT_PAIR_CHECKS * fragment_pairs
        if self.merge_checks > most:
            raise Refusal(f"{len(spread_here)} fragments spread side by side in one selection set take too much "
                          "work to merge; spread fewer.", Code.QUERY_TOO_COMPLEX, node, limit=most)
        for name, (weights, squares) in figures.names.items():
            pairs = (weights * weights - squares) / 2  # the sum of w(a) * w(b) over the pairs a, b
            if pairs > 0.5:
                self.merge_checks += pairs
                if self.merge_checks > most:
                    raise Refusal(f"`{name}` and the other fields selected more than once in a selection set "
                                  "(fragments included) take too much work to merge; select each field once.",
                                  Code.QUERY_TOO_COMPLEX, node, field=name, limit=most)

    def _field(self, node: FieldNode, parent: GraphQLNamedType) -> Figures:
        name = node.name.value
        response_name = node.alias.value if node.alias else name
        figures = Figures(fields=1, aliases=1 if node.alias else 0, names={response_name: (1, 1)})
        for argument in node.arguments or ():
            self._check_literal(argument.value, f"argument `{argument.name.value}` of `{name}`")
        self._check_directives(node.directives)
        if name == "__typename":
            return figures
        definition = self._field_definition(parent, name)
        if definition is None:
            raise NeedsValidation
        named = get_named_type(definition.type)
        if not isinstance(named, (GraphQLObjectType, GraphQLInterfaceType, GraphQLUnionType)):
            if node.selection_set is not None:
                raise NeedsValidation  # a selection on a scalar
            return figures
        if name == "_entities" and parent is self.schema.query_type:
            inner, cost = self._entities(node, named)
        else:
            inner = self._selections(node.selection_set, named)
            cost = inner.cost(self._page_size(node, definition))
        figures.fields += inner.fields
        figures.aliases += inner.aliases
        figures.entities += inner.entities
        weight = 1 + math.sqrt(sum(weights * weights for weights, _ in inner.names.values()))
        figures.names = {response_name: (weight, weight * weight)}
        if name.startswith("__"):
            return figures  # introspection: free, and outside the depth as Strawberry counted it
        figures.depth = 1 + inner.depth
        listed = _is_list(definition.type)
        whole = (ASSUMED_LIST_LENGTH if listed else 1) * (1 + cost)
        if name in PAGE_FIELDS and listed:
            # A connection's edge is free; its node (or a node of `nodes`) costs 1 plus its fields.
            figures.per_item = cost if name == "edges" else 1 + cost
            figures.unpaged = whole
        elif name == "_entities":
            figures.fixed = figures.unpaged = cost
        else:
            figures.fixed = figures.unpaged = whole
        return figures

    def _entities(self, node: FieldNode, union: GraphQLNamedType) -> tuple[Figures, int]:
        """The figures of `_entities { ... on Region { name } }`, and its cost: per representation,
        one object of its type and the fields asked of that type."""
        per_type: Counter[str] = Counter()

        def cost_per_type(selection: SelectionNode, part: Figures) -> None:
            condition = _type_condition(selection, self.fragments)
            for typename in list(self.entity_keys) if condition in (None, union.name) else [condition]:
                per_type[typename] += part.cost(None)

        inner = self._selections(node.selection_set, union, cost_per_type)
        typenames = check_representations(representations_of(node, self.variables, self.defaults),
                                          self.entity_keys, self.settings.graphql_max_entities, node)
        inner.entities += len(typenames)
        return inner, sum(1 + per_type[typename] for typename in typenames)

    def _field_definition(self, parent: GraphQLNamedType, name: str) -> GraphQLField | None:
        if parent is self.schema.query_type and name in ("__schema", "__type"):
            return SchemaMetaFieldDef if name == "__schema" else TypeMetaFieldDef
        if isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)):
            return parent.fields.get(name)
        return None

    def _condition(self, condition: NamedTypeNode | None, parent: GraphQLNamedType | None = None) -> GraphQLNamedType:
        if condition is None and parent is not None:
            return parent
        found = self.schema.get_type(condition.name.value) if condition else None
        if not isinstance(found, (GraphQLObjectType, GraphQLInterfaceType, GraphQLUnionType)):
            raise NeedsValidation
        return found

    def _page_size(self, node: FieldNode, definition: GraphQLField) -> int | None:
        """The page a connection field asks for, checked against GRAPHQL_MAX_PAGE_SIZE; None when it takes none."""
        argument = next((argument for argument in node.arguments or () if argument.name.value == "first"), None)
        declared = definition.args.get("first")
        if argument is None and declared is None:
            return None
        size: Any = None
        if argument is not None and isinstance(argument.value, IntValueNode):
            text = argument.value.value
            size = int(text) if len(text.lstrip("-")) <= MAX_PAGE_DIGITS else text
        elif argument is not None and isinstance(argument.value, VariableNode):
            variable = argument.value.name.value
            size = self.variables.get(variable, self.defaults.get(variable))
        elif argument is None and declared is not None:
            size = declared.default_value
        if isinstance(size, bool) or not isinstance(size, (int, str)):
            size = DEFAULT_PAGE_SIZE  # null, or a value variable coercion will refuse
        if isinstance(size, str) or not 1 <= size <= self.settings.graphql_max_page_size:
            shown = size if isinstance(size, int) else f"{size[:12]}... ({len(size)} digits)"
            raise Refusal(f"`first` must be between 1 and {self.settings.graphql_max_page_size}; got {shown}.",
                          Code.BAD_USER_INPUT, argument or node, field="first")
        return size

    def _check_literal(self, value: ValueNode, where: str) -> None:
        if isinstance(value, StringValueNode):
            check_string(value.value, self.settings.graphql_max_string_length, where, value)
        elif isinstance(value, ListValueNode):
            for item in value.values:
                self._check_literal(item, where)
        elif isinstance(value, ObjectValueNode):
            for entry in value.fields:
                self._check_literal(entry.value, f"{where}.{entry.name.value}")

    def _check_directives(self, directives: tuple[DirectiveNode, ...] | None) -> None:
        for directive in directives or ():
            for argument in directive.arguments or ():
                self._check_literal(argument.value, f"argument `{argument.name.value}` of @{directive.name.value}")


def _is_list(type_: GraphQLOutputType) -> bool:
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


def _type_condition(selection: SelectionNode, fragments: Mapping[str, FragmentDefinitionNode]) -> str | None:
    if isinstance(selection, InlineFragmentNode):
        return selection.type_condition.name.value if selection.type_condition else None
    if isinstance(selection, FragmentSpreadNode):
        return fragments[selection.name.value].type_condition.name.value
    return None
