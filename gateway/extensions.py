"""The Strawberry extensions that check an operation before it runs and report what it cost.

Order matters: `OperationLimits` runs first in the validation step, so a document that passes a
limit is refused before graphql-core's validation rules see it (some of them take time quadratic
in repeated fields); Strawberry skips its validation once errors are set.
"""

import functools
from collections import OrderedDict
from collections.abc import Hashable, Iterator
from typing import Any

from graphql import (
    FieldsOnCorrectTypeRule,
    FragmentsOnCompositeTypesRule,
    GraphQLError,
    KnownFragmentNamesRule,
    KnownOperationTypesRule,
    KnownTypeNamesRule,
    NoFragmentCyclesRule,
    OverlappingFieldsCanBeMergedRule,
    ScalarLeafsRule,
    UniqueFragmentNamesRule,
    ValidationContext,
    get_operation_ast,
    validate,
)
from graphql.validation.validate import ValidationAbortedError
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from gateway.fragments import NeedsValidation
from gateway.limits import DocumentMeasure
from gateway.refusals import Code, Refusal, check_strings
from gateway.settings import GatewaySettings

# graphql-core spends one or two budget units per comparison, which the walk's estimate counts once.
MERGE_BUDGET_PER_CHECK = 20
# What makes a document one the limits cannot measure; each rule is a single linear pass.
STRUCTURE_RULES = (UniqueFragmentNamesRule, KnownOperationTypesRule, KnownTypeNamesRule, KnownFragmentNamesRule,
                   NoFragmentCyclesRule, FragmentsOnCompositeTypesRule, FieldsOnCorrectTypeRule, ScalarLeafsRule)


class ErrorCodes(SchemaExtension):
    """Parse and validation failures get a code: QUERY_TOO_LARGE past GRAPHQL_MAX_TOKENS, QUERY_TOO_DEEP
    past the parser's nesting limit, GRAPHQL_PARSE_FAILED for other syntax errors, and
    QUERY_TOO_COMPLEX when graphql-core aborts a validation that would take too long."""

    def on_parse(self) -> Iterator[None]:
        yield
        for error in self.execution_context.pre_execution_errors or ():
            if "tokens. Parsing aborted" in error.message:
                _give_code(error, Code.QUERY_TOO_LARGE.value)
            elif "nested too deeply" in error.message:
                _give_code(error, Code.QUERY_TOO_DEEP.value)
            else:
                _give_code(error, "GRAPHQL_PARSE_FAILED")

    def on_validate(self) -> Iterator[None]:
        yield
        for error in self.execution_context.pre_execution_errors or ():
            if isinstance(error, ValidationAbortedError) and error.message == "Validation aborted.":
                _give_code(error, Code.QUERY_TOO_COMPLEX.value)


def _give_code(error: GraphQLError, code: str) -> None:
    if not (error.extensions or {}).get("code"):
        error.extensions = {**(error.extensions or {}), "code": code}


@functools.cache
def metered_overlap_rule(budget: int) -> type[OverlappingFieldsCanBeMergedRule]:
    """graphql-core's OverlappingFieldsCanBeMerged meters its work and aborts past a budget (500,000
    units, about half a second here). The walk's estimate refuses first, with a reason; this budget,
    a multiple of the estimate's limit, stops whatever the estimate would miss."""

    class MeteredOverlappingFieldsCanBeMerged(OverlappingFieldsCanBeMergedRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.rule_context.remaining_complexity_budget = budget

    return MeteredOverlappingFieldsCanBeMerged


class OperationLimits(SchemaExtension):
    """Refuses, before validation and before any service is called, a document that passes a limit
    (gateway/limits.py), variables holding an over-long or broken string, and an `_entities` call
    that is too large or names what cannot be resolved. Reports the cost in `extensions.cost`."""

    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self.cost: int | None = None

    def on_operation(self) -> Iterator[None]:
        metered = metered_overlap_rule(MERGE_BUDGET_PER_CHECK * self.settings.graphql_max_merge_checks)
        context = self.execution_context
        context.validation_rules = tuple(metered if rule is OverlappingFieldsCanBeMergedRule else rule
                                         for rule in context.validation_rules)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.pre_execution_errors is None and context.graphql_document is not None:
            errors = self._check()
            if errors:
                context.pre_execution_errors = errors
        yield

    def _check(self) -> list[GraphQLError]:
        context = self.execution_context
        schema = context.schema._schema
        document = context.graphql_document
        assert document is not None
        variables = context.variables or {}
        try:
            operation = get_operation_ast(document, context.operation_name)
            self.cost = DocumentMeasure(schema, document, self.settings, variables, operation).run()
            # After the document: 10,000 `_entities` representations are refused without a look at each.
            for name, value in variables.items():
                check_strings(value, self.settings.graphql_max_string_length, f"${name}")
        except Refusal as refusal:
            return [refusal]
        except NeedsValidation:
            errors = validate(schema, document, STRUCTURE_RULES, hide_suggestions=not self.settings.suggestions)
            return errors or [Refusal("The document could not be checked against the gateway's limits.",
                                      Code.BAD_REQUEST)]
        return []

    def get_results(self) -> dict[str, Any]:
        if self.cost is None:
            return {}
        return {"cost": {"estimated": self.cost, "limit": self.settings.graphql_max_cost}}


class _Lru:
    """A small LRU map: bounded, so a stream of distinct documents cannot grow the memory."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, key: Hashable) -> Any:
        found = self.entries.get(key)
        if found is not None:
            self.entries.move_to_end(key)
        return found

    def put(self, key: Hashable, value: Any) -> None:
        self.entries[key] = value
        self.entries.move_to_end(key)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)


class DocumentCache(SchemaExtension):
    """Parse and validate a document text once: the front ends send the same few documents again and
    again. Only documents that parsed and validated are kept (a refused one is checked again each time,
    as before), keyed by their text with the parser's token limit and the validation rules in force.
    The cost and the variables are still checked at every request (OperationLimits): they depend on
    the variables. Runs after OperationLimits' check and before the validation it saves."""

    parsed = _Lru(512)
    validated = _Lru(512)

    def __init__(self, hide_suggestions: bool) -> None:
        self.hide_suggestions = hide_suggestions

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        key = (context.query, context.parse_options.get("max_tokens"))
        cached = self.parsed.get(key) if context.query is not None else None
        if cached is not None:
            context.graphql_document = cached
        yield
        if cached is None and context.query is not None and context.graphql_document is not None \
                and not context.pre_execution_errors:
            self.parsed.put(key, context.graphql_document)

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        key = (context.query, tuple(context.validation_rules), self.hide_suggestions)
        known = context.pre_execution_errors is None and context.query is not None and self.validated.get(key)
        if known:
            context.pre_execution_errors = []  # valid: Strawberry and ValidateWithoutSuggestions skip theirs
        yield
        if not known and context.query is not None and context.pre_execution_errors == []:
            self.validated.put(key, True)


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
