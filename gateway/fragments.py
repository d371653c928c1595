"""The fragments of a document, and the order to measure them in: each after the fragments it spreads."""

from collections.abc import Mapping

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
)


class NeedsValidation(Exception):
    """The document names something the schema or the document lacks (a field, a type, a fragment),
    or its fragments form a cycle: graphql-core's own rules say what is wrong."""


def fragments_of(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    fragments: dict[str, FragmentDefinitionNode] = {}
    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode):
            if definition.name.value in fragments:
                raise NeedsValidation  # two fragments of one name
            fragments[definition.name.value] = definition
    return fragments


def in_dependency_order(fragments: Mapping[str, FragmentDefinitionNode]) -> list[str]:
    """Every fragment after the fragments it spreads (an iterative depth-first walk, so a long
    chain cannot exhaust Python's stack)."""
    spreads = {name: _spread_names(fragment.selection_set) for name, fragment in fragments.items()}
    if any(name not in fragments for names in spreads.values() for name in names):
        raise NeedsValidation
    order: list[str] = []
    done: set[str] = set()
    for root in spreads:
        if root in done:
            continue
        visiting = {root}
        stack = [(root, iter(spreads[root]))]
        while stack:
            name, pending = stack[-1]
            spread = next(pending, None)
            if spread is None:
                stack.pop()
                visiting.discard(name)
                done.add(name)
                order.append(name)
            elif spread in visiting:
                raise NeedsValidation  # a cycle
            elif spread not in done:
                visiting.add(spread)
                stack.append((spread, iter(spreads[spread])))
    return order


def _spread_names(selection_set: SelectionSetNode) -> set[str]:
    """The fragments spread anywhere inside `selection_set` (iteratively: nesting cannot exhaust the stack)."""
    names: set[str] = set()
    pending = [selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                names.add(selection.name.value)
            elif isinstance(selection, (FieldNode, InlineFragmentNode)) and selection.selection_set is not None:
                pending.append(selection.selection_set)
    return names
