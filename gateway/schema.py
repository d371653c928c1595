"""The GraphQL schema front ends use."""

import strawberry


@strawberry.type
class Query:
    @strawberry.field(description="The version of this API.")
    def api_version(self) -> str:
        return "1"


schema = strawberry.Schema(query=Query)
