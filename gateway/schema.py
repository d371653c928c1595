"""The GraphQL schema front ends use, also an Apollo Federation 2 subgraph.

`python -m gateway.schema` writes its SDL to gateway/schema.graphql; a test fails when the
committed file and the code disagree.
"""

import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import DisableIntrospection, MaxTokensLimiter
from strawberry.types import ExecutionContext

from gateway.context import Info
from gateway.errors import ServiceErrorsPass, log_errors
from gateway.execution import GatewayExecutor
from gateway.extensions import (
    DocumentCache,
    DownstreamReport,
    ErrorCodes,
    OperationLimits,
    ValidateWithoutSuggestions,
)
from gateway.mutations import Mutation
from gateway.paging import Connection, fetch_page
from gateway.settings import GatewaySettings
from gateway.types.actions import ACTION_FILTERS, Action, Pact
from gateway.types.metrics import FrequencyArgument, Region, RegionKind, Series, SourceArgument
from gateway.types.partners import Organisation, OrganisationKind, SignUp
from gateway.types.reference import Measure, OccupationClass

SDL_PATH = Path(__file__).with_name("schema.graphql")


@strawberry.type
class Query:
    @strawberry.field(description="The version of this API.")
    def api_version(self) -> str:
        return "1"

    @strawberry.field(description="All pacts, or the children of `parent`.")
    async def pacts(self, info: Info, parent: str | None = None) -> list[Pact]:
        return [Pact.of(item) for item in await info.context.clients.actions.pacts(parent)]

    @strawberry.field
    async def pact(self, info: Info, slug: str) -> Pact | None:
        return await Pact.load(info, slug)

    @strawberry.field(description=f"Actions across pacts, or of one (`pact`, its slug). {ACTION_FILTERS}")
    async def actions(self, info: Info, pact: str | None = None, status: str | None = None, line: int | None = None,
                      overdue: bool | None = None, due_before: date | None = None, lead: strawberry.ID | None = None,
                      first: int = 20, after: str | None = None) -> Connection[Action]:
        filters = {"pact": pact, "status": status, "line": line, "overdue": overdue, "due_before": due_before,
                   "lead": lead}
        return await fetch_page(info, info.context.clients.actions.actions, filters, first, after, Action.of,
                                Action.ahead)

    @strawberry.field
    async def action(self, info: Info, id: strawberry.ID) -> Action | None:
        return await Action.load(info, id)

    @strawberry.field
    async def organisations(self, info: Info, kind: OrganisationKind | None = None,
                            municipality: str | None = None, search: str | None = None, first: int = 20,
                            after: str | None = None) -> Connection[Organisation]:
        filters = {"kind": kind.value if kind else None, "municipality": municipality, "search": search}
        return await fetch_page(info, info.context.clients.partners.organisations, filters, first, after,
                                Organisation.of)

    @strawberry.field
    async def organisation(self, info: Info, id: strawberry.ID) -> Organisation | None:
        return await Organisation.load(info, id)

    @strawberry.field(description="The measures series are kept for (metrics_api's reference data).")
    async def measures(self, info: Info) -> list[Measure]:
        return [Measure.of(item) for item in await info.context.clients.metrics.measures()]

    @strawberry.field(description="The occupation classes series are kept for.")
    async def occupations(self, info: Info) -> list[OccupationClass]:
        return [OccupationClass.of(item) for item in await info.context.clients.metrics.occupations()]

    @strawberry.field
    async def regions(self, info: Info, kind: RegionKind | None = None) -> list[Region]:
        return [Region.of(item) for item in await info.context.clients.metrics.regions(kind.value if kind else None)]

    @strawberry.field
    async def region(self, info: Info, code: str) -> Region | None:
        return await Region.load(info, code)

    @strawberry.field(description="Figures of a measure for a region and occupation class, derived aggregates and "
                                  "shares included; periods as 2012, 2012-Q3 or 2012-07.")
    async def series(
        self, info: Info, measure: str, region: str, occupation: str = "total",
        from_: Annotated[str | None, strawberry.argument(name="from")] = None, to: str | None = None,
        source: SourceArgument = None, frequency: FrequencyArgument = None,
    ) -> Series | None:
        return await Series.load(info, measure, region, occupation, from_, to, source, frequency)

    @strawberry.field(description="Sign-up requests, for a partner administrator (a token with partners:admin); "
                                  "their contact fields need contacts:read too.")
    async def sign_ups(self, info: Info, status: str | None = "pending", first: int = 20,
                       after: str | None = None) -> Connection[SignUp]:
        return await fetch_page(info, info.context.clients.partners.sign_ups, {"status": status}, first, after,
                                SignUp.of)


class GatewaySchema(strawberry.federation.Schema):
    def __init__(self, *args: Any, hide_suggestions: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hide_suggestions = hide_suggestions

    def _get_custom_context_kwargs(self, operation_extensions: dict[str, Any] | None = None, *,
                                   sync: bool = False) -> dict[str, Any]:
        # Variable coercion during execution makes "Did you mean" suggestions too.
        kwargs = super()._get_custom_context_kwargs(operation_extensions, sync=sync)
        if self.hide_suggestions:
            kwargs["hide_suggestions"] = True
        return kwargs

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        log_errors(errors)


def create_schema(settings: GatewaySettings | None = None) -> GatewaySchema:
    settings = settings or GatewaySettings()
    # Depth and aliases are measured with the cost (gateway/limits.py), fragments once each:
    # Strawberry's QueryDepthLimiter and MaxAliasesLimiter walk a fragment again at every spread.
    extensions: list[Any] = [
        lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
        ErrorCodes,
        lambda: OperationLimits(settings),
        lambda: DocumentCache(hide_suggestions=not settings.suggestions),
    ]
    if not settings.suggestions:
        extensions.append(ValidateWithoutSuggestions)
    if not settings.graphql_introspection:
        extensions.append(DisableIntrospection)
    extensions += [ServiceErrorsPass, DownstreamReport]
    return GatewaySchema(query=Query, mutation=Mutation, extensions=extensions,
                         execution_context_class=GatewayExecutor, hide_suggestions=not settings.suggestions)


def sdl() -> str:
    return create_schema().as_str() + "\n"


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else SDL_PATH
    target.write_text(sdl())
    print(f"wrote {target}")
