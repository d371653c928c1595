from typing import ClassVar, Literal

from pydantic import field_validator

from common.json_depth import MAX_JSON_DEPTH
from gateway.sign_in_settings import SignInSettings


class GatewaySettings(SignInSettings):
    process_name: ClassVar[str] = "gateway"

    actions_api_url: str = "http://127.0.0.1:8001"
    partners_api_url: str = "http://127.0.0.1:8002"
    metrics_api_url: str = "http://127.0.0.1:8003"
    # The whole budget of one downstream call, its retry included: a slow service costs a query
    # at most this long, and the other services' fields still arrive.
    downstream_timeout_seconds: float = 5.0
    downstream_retry_backoff_seconds: float = 0.1
    # How the gateway's httpx client talks to the services: its own lean HTTP/1.1 transport over
    # kept-alive connections (gateway/transport.py, http:// only), aiohttp's through httpx-aiohttp, or
    # httpx's own (httpcore). A traced gateway uses httpcore, which OpenTelemetry instruments.
    downstream_transport: Literal["httpx", "aiohttp", "http11"] = "http11"
    # The response cache (gateway/cache.py): on ("memory" is the same), or off. Every write of every service
    # records its change event (common.changes), which drops the cached answers it touches.
    gateway_cache: Literal["off", "on", "memory"] = "on"
    # Where it is kept: in this process, or, with a redis:// URL, in Redis, shared by every replica naming it
    # (and the same prefix, which keeps environments sharing one Redis apart).
    gateway_cache_url: str | None = None
    gateway_cache_prefix: str = "techniekpact:cache:"
    gateway_cache_max_age: int = 300  # seconds, when no @cacheControl hint says less
    gateway_cache_size: int = 2000  # entries
    graphql_introspection: bool = True
    # "Did you mean ...?" in errors; unset, it follows GRAPHQL_INTROSPECTION (both reveal the schema).
    graphql_suggestions: bool | None = None

    # Limits checked before any service is called (REFERENCE.md, "GraphQL limits others use").
    graphql_max_depth: int = 10
    graphql_max_aliases: int = 30
    graphql_max_tokens: int = 15_000
    graphql_max_cost: int = 10_000
    graphql_max_page_size: int = 100
    # Hostile documents (gateway/limits.py): fields once fragments are spread, the work of merging
    # fields selected more than once in a selection set, fragments per document.
    graphql_max_expanded_fields: int = 2_000
    graphql_max_merge_checks: int = 2_000
    graphql_max_fragments: int = 100
    graphql_max_entities: int = 100  # `_entities` representations per request
    # The longest text a service takes is 20,000 characters; every string may end up in a URL.
    graphql_max_string_length: int = 20_000
    max_body_bytes: int = 2 * 1024 * 1024
    max_json_depth: int = MAX_JSON_DEPTH  # request bodies and GET parameters, before they are parsed

    @field_validator("gateway_cache_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("GATEWAY_CACHE_URL is a redis://, rediss:// or unix:// URL")
        return value or None

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if self.graphql_introspection:
            problems.append("GRAPHQL_INTROSPECTION must be false in production")
        if self.suggestions:
            problems.append("GRAPHQL_SUGGESTIONS must be false in production (they reveal the schema)")
        return problems

    @property
    def suggestions(self) -> bool:
        return self.graphql_introspection if self.graphql_suggestions is None else self.graphql_suggestions

    def service_urls(self) -> dict[str, str]:
        return {
            "actions_api": self.actions_api_url,
            "partners_api": self.partners_api_url,
            "metrics_api": self.metrics_api_url,
        }
