"""The gateway's response cache, invalidated from the services' change feeds, and persisted queries.

- Hints: Apollo's `@cacheControl(maxAge:, scope:)` on types and fields. An operation is served from
  the shared cache only if it is a query, selects no `PRIVATE` field or type, no root field of the
  federation (`_entities`, `_service`) or introspection, comes without a token (whatever a token
  may show is the caller's own) and without `Cache-Control: no-cache`; its max age is the smallest
  hint it selects, else `GATEWAY_CACHE_MAX_AGE`.
- Key: the normalised document (printed from its tree), the operation name and the variables.
- An entry remembers what it was built from (gateway/cache_tags.py): the entities it shows, the lists it
  read, by service and entity type. A change event drops the entries built from an entity it names,
  or from a list of its type when it creates or deletes; where the gateway cannot name what an answer
  depends on, it drops more, never less. Invalidation is by epochs (gateway/cache_backends.py).
- One long-poll per service follows `GET /v1/changes` (`wait=` half a second, woken by the commit's
  NOTIFY). While any stream has not answered within STREAM_SLACK_SECONDS, or is catching up after a
  loss, nothing is served from the cache, so no answer is older than the last event seen by ~1 s.
- The gateway's own mutation drops every entry read from the services it wrote to before it answers
  (what else it changed, a roll-up or a status, the feed names only later).
- Automatic persisted queries (Apollo APQ): `extensions.persistedQuery.sha256Hash`, over POST or GET.
"""

import asyncio
import hashlib
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import httpx
import orjson
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    OperationType,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    get_operation_ast,
    parse,
    print_ast,
    visit,
)
from prometheus_client import CollectorRegistry, Counter, Gauge
from strawberry.http import GraphQLRequestData

from gateway.cache_backends import Backend, Entry, MemoryBackend, RedisBackend
from gateway.cache_control import CacheControl, CacheControlScope
from gateway.cache_tags import UNCACHEABLE, Read, tags_of_events, tags_of_reads
from gateway.extensions import DocumentCache, _Lru

log = logging.getLogger(__name__)

DEFINITION = "strawberry-definition"
POLL_WAIT_SECONDS = 0.5
STREAM_SLACK_SECONDS = 0.5
APQ_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"


@dataclass(frozen=True)
class Policy:
    """What the cache may do with one document and operation."""

    cacheable: bool
    mutation: bool = False
    max_age: int = 0
    normalised: str = ""
    reason: str = ""


def _hints(item: Any) -> Iterable[CacheControl]:
    definition = (getattr(item, "extensions", None) or {}).get(DEFINITION)
    for directive in getattr(definition, "directives", None) or ():
        if isinstance(directive, CacheControl):
            yield directive


def policy_of(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None,
              default_max_age: int) -> Policy:
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return Policy(False, reason="no single operation")
    if operation.operation is OperationType.MUTATION:
        return Policy(False, mutation=True, reason="mutation")
    if operation.operation is not OperationType.QUERY:
        return Policy(False, reason="not a query")
    type_info = TypeInfo(schema)
    found = {"private": False, "max_age": default_max_age, "root": False}

    class Walk(Visitor):
        def enter_field(self, node: FieldNode, *_args: Any) -> None:
            field = type_info.get_field_def()
            parent = type_info.get_parent_type()
            name = node.name.value
            if (name.startswith("__") and name != "__typename") or name in ("_entities", "_service"):
                found["root"] = True
            if field is None:
                return
            for hint in (*_hints(field), *_hints(get_named_type(field.type)), *_hints(parent)):
                if hint.scope is CacheControlScope.PRIVATE:
                    found["private"] = True
                if hint.max_age is not None:
                    found["max_age"] = min(found["max_age"], hint.max_age)

    visit(document, TypeInfoVisitor(type_info, Walk()))
    if found["root"]:
        return Policy(False, reason="introspection or federation")
    if found["private"]:
        return Policy(False, reason="private")
    if found["max_age"] <= 0:
        return Policy(False, reason="max age 0")
    return Policy(True, max_age=found["max_age"], normalised=print_ast(document))


class CacheMetrics:
    def __init__(self, registry: CollectorRegistry | None) -> None:
        self.hits = Counter("gateway_cache_hits_total", "Answers served from the response cache", registry=registry)
        self.misses = Counter("gateway_cache_misses_total", "Cacheable queries run because no fresh entry was there",
                              registry=registry)
        self.bypasses = Counter("gateway_cache_bypasses_total", "Queries the shared cache may not serve",
                                ["reason"], registry=registry)
        self.backend_failures = Counter("gateway_cache_backend_failures_total",
                                        "Calls to the cache's backend (Redis) that failed; nothing is served from "
                                        "it until it answers again", registry=registry)
        self.invalidations = Counter("gateway_cache_invalidations_total",
                                     "Change events (and own mutations, restarted streams) that dropped entries",
                                     ["service", "cause"], registry=registry)
        self.position = Gauge("gateway_cache_stream_position", "The last change event applied, per service's feed",
                              ["service"], registry=registry)


class ChangeStream:
    """Follows one service's change feed; counts as followed while its polls keep answering."""

    def __init__(self, service: str, url: str, cache: "ResponseCache") -> None:
        self.service = service
        self.url = url.rstrip("/") + "/v1/changes"
        self.cache = cache
        self.after: int | None = None
        self.followed_until = 0.0  # monotonic; serving stops after it
        self.lost = True

    def followed(self, now: float) -> bool:
        return now < self.followed_until

    async def run(self, client: httpx.AsyncClient) -> None:
        while True:
            try:
                await self._poll(client)
            except asyncio.CancelledError:
                raise
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
                self.followed_until = 0.0
                if not self.lost:
                    log.warning("change feed of %s lost (%s); the cache stops serving", self.service,
                                type(exc).__name__)
                self.lost = True
                await asyncio.sleep(0.25)

    async def _poll(self, client: httpx.AsyncClient) -> None:
        if self.after is None:
            page = await self._get(client, {"after": 0, "limit": 1})
            # Whatever was cached before the stream was followed is suspect.
            self.after = page["head"]
            await self.cache.invalidate(self.service, {self.service}, "stream started")
            self.cache.metrics.position.labels(self.service).set(self.after)
        else:
            asked_at = time.monotonic()
            page = await self._get(client, {"after": self.after, "limit": 1000,
                                            "wait": 0 if self.lost else POLL_WAIT_SECONDS})
            if page["head"] < self.after:  # the feed was reset (a restored database): start again
                self.after = None
                raise ValueError("the change feed went back")
            if page["items"]:
                tags = tags_of_events(self.service, page["items"])
                await self.cache.invalidate(self.service, tags, "change event", len(page["items"]))
                self.after = page["next_after"]
                self.cache.metrics.position.labels(self.service).set(self.after)
            if page["has_more"]:
                return  # catching up: not followed until the last page
            # Events committed before the poll was asked are seen now; the next poll answers within its wait.
            self.followed_until = asked_at + POLL_WAIT_SECONDS + STREAM_SLACK_SECONDS + 0.25
            if self.lost:
                log.info("change feed of %s followed from seq %s", self.service, self.after)
            self.lost = False
            return
        self.followed_until = time.monotonic() + POLL_WAIT_SECONDS + STREAM_SLACK_SECONDS

    async def _get(self, client: httpx.AsyncClient, params: Mapping[str, Any]) -> dict[str, Any]:
        response = await client.get(self.url, params=params, timeout=POLL_WAIT_SECONDS + 5)
        response.raise_for_status()
        page: dict[str, Any] = orjson.loads(response.content)
        return page


class ResponseCache:
    def __init__(self, schema: GraphQLSchema, service_urls: Mapping[str, str], *, size: int, default_max_age: int,
                 max_tokens: int, redis_url: str | None = None, redis_prefix: str = "",
                 registry: CollectorRegistry | None = None) -> None:
        self.schema = schema
        self.metrics = CacheMetrics(registry)
        # An entry lives at most default_max_age (no hint raises it); a stamp is kept a little longer.
        horizon = default_max_age + 5
        self.backend: Backend = MemoryBackend(size, horizon) if redis_url is None else RedisBackend(
            redis_url, prefix=redis_prefix, horizon=horizon, flush_tags=service_urls,
            on_failure=self.metrics.backend_failures.inc)
        self.default_max_age = default_max_age
        self.max_tokens = max_tokens
        self.policies = _Lru(512)
        self.streams = {name: ChangeStream(name, url, self) for name, url in service_urls.items()}
        self._tasks: list[asyncio.Task[None]] = []

    # --- following the feeds -----------------------------------------------------------------

    def start(self, client: httpx.AsyncClient) -> None:
        self._tasks = [asyncio.create_task(stream.run(client), name=f"changes {name}")
                       for name, stream in self.streams.items()]
        self._tasks.append(asyncio.create_task(self.backend.watch(), name="cache backend"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        await self.backend.close()

    def serving(self) -> bool:
        now = time.monotonic()
        return self.backend.available() and all(stream.followed(now) for stream in self.streams.values())

    async def invalidate(self, service: str, tags: Iterable[str], cause: str, events: int = 1) -> None:
        await self.backend.bump(tags)
        self.metrics.invalidations.labels(service, cause).inc(events)

    async def written(self, services: Iterable[str]) -> None:
        """After the gateway's own mutation: everything read from the services it wrote to."""
        for service in sorted(set(services)):
            await self.invalidate(service, {service}, "own mutation")

    # --- one request ---------------------------------------------------------------------------

    def policy(self, query: str, operation_name: str | None) -> Policy:
        key = (query, operation_name)
        known: Policy | None = self.policies.get(key)
        if known is not None:
            return known
        document = DocumentCache.parsed.get((query, self.max_tokens))
        if document is None:
            try:
                document = parse(query, max_tokens=self.max_tokens)
            except GraphQLError:
                return Policy(False, reason="unparsable")  # Strawberry answers it; not kept
        policy = policy_of(self.schema, document, operation_name, self.default_max_age)
        self.policies.put(key, policy)
        return policy

    @staticmethod
    def key(policy: Policy, operation_name: str | None, variables: Mapping[str, Any] | None) -> str:
        digest = hashlib.sha256(policy.normalised.encode())
        digest.update(b"\0" + (operation_name or "").encode() + b"\0")
        digest.update(orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS))
        return digest.hexdigest()

    async def lookup(self, key: str) -> tuple[Entry | None, int]:
        """A servable entry, and the epoch an entry built now is born with."""
        entry, epoch = await self.backend.get(key)
        if entry is not None and not self.serving():
            entry = None
        return entry, epoch

    async def store(self, key: str, policy: Policy, data: Any, extensions: dict[str, Any], reads: Iterable[Read],
                    born: int) -> None:
        tags = tags_of_reads(reads)
        if not self.serving() or UNCACHEABLE in tags:
            return
        await self.backend.put(key, Entry(data, extensions, tags, born, time.time() + policy.max_age))


# --- automatic persisted queries -----------------------------------------------------------------


class PersistedQueries:
    """The documents clients registered by hash (Apollo APQ), bounded."""

    def __init__(self, size: int = 1000) -> None:
        self.documents = _Lru(size)

    def resolve(self, request_data: GraphQLRequestData) -> GraphQLRequestData | GraphQLError:
        persisted = (request_data.extensions or {}).get("persistedQuery")
        if persisted is None:
            return request_data
        if not isinstance(persisted, dict) or persisted.get("version") != 1 \
                or not isinstance(persisted.get("sha256Hash"), str):
            return GraphQLError("extensions.persistedQuery needs version 1 and a sha256Hash.",
                                extensions={"code": "PERSISTED_QUERY_INVALID"})
        wanted = persisted["sha256Hash"].lower()
        if request_data.query is None:
            known: str | None = self.documents.get(wanted)
            if known is None:
                return GraphQLError("PersistedQueryNotFound", extensions={"code": APQ_NOT_FOUND})
            return replace(request_data, query=known)
        if hashlib.sha256(request_data.query.encode()).hexdigest() != wanted:
            return GraphQLError("provided sha does not match query", extensions={"code": "PERSISTED_QUERY_MISMATCH"})
        self.documents.put(wanted, request_data.query)
        return request_data
