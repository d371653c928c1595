"""Where the response cache keeps its entries and invalidations: in this process, or in Redis.

Invalidation is by epochs, never by finding and deleting entries. `bump(tags)` advances one counter, the
epoch, and stamps each tag with it. An entry is born with the epoch read before its query ran, and is
served only while none of its tags was stamped later: so an entry built from data read before a change
can be stored after the change was seen, and is still never served. A stamp is forgotten once every
entry born before it has expired (`horizon`, the longest max age).
"""

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import orjson
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from gateway.extensions import _Lru

log = logging.getLogger(__name__)


@dataclass
class Entry:
    data: Any
    extensions: dict[str, Any]
    tags: frozenset[str]
    born: int  # the epoch before its query ran
    expires: float  # time.time(): replicas share it


class Backend(Protocol):
    name: str

    def available(self) -> bool:
        """False while the backend cannot be trusted (unreachable, or not yet caught up after it was)."""
        ...

    async def get(self, key: str) -> tuple[Entry | None, int]:
        """A servable entry (unexpired, no tag stamped after its birth), and the epoch now."""
        ...

    async def put(self, key: str, entry: Entry) -> None:
        """Keep the entry unless one of its tags was stamped after its birth already."""
        ...

    async def bump(self, tags: Iterable[str]) -> None:
        ...

    async def watch(self) -> None:
        """Runs beside the feeds' streams: keeps the backend's availability up to date."""
        ...

    async def close(self) -> None:
        ...


class MemoryBackend:
    """Entries and stamps in this process (one gateway replica)."""

    name = "memory"

    def __init__(self, size: int, horizon: float) -> None:
        self.entries = _Lru(size)
        self.horizon = horizon
        self.epoch = 0
        self.stamps: dict[str, int] = {}
        self._stamped: deque[tuple[float, str, int]] = deque()

    def available(self) -> bool:
        return True

    def _stale(self, entry: Entry) -> bool:
        if entry.born == self.epoch:  # nothing was stamped since: the common case, without a look at the tags
            return False
        if entry.born > self.epoch:  # from another epoch's count (as in Redis, emptied by a restart)
            return True
        stamps = self.stamps
        return any(stamps.get(tag, 0) > entry.born for tag in entry.tags)

    async def get(self, key: str) -> tuple[Entry | None, int]:
        entry: Entry | None = self.entries.get(key)
        if entry is not None and (entry.expires < time.time() or self._stale(entry)):
            entry = None
        return entry, self.epoch

    async def put(self, key: str, entry: Entry) -> None:
        if not self._stale(entry):
            self.entries.put(key, entry)

    async def bump(self, tags: Iterable[str]) -> None:
        self.epoch += 1
        now = time.monotonic()
        for tag in tags:
            self.stamps[tag] = self.epoch
            self._stamped.append((now, tag, self.epoch))
        while self._stamped and self._stamped[0][0] < now - self.horizon:
            _, tag, epoch = self._stamped.popleft()
            if self.stamps.get(tag) == epoch:
                del self.stamps[tag]

    async def watch(self) -> None:
        return None

    async def close(self) -> None:
        return None


# Served when no tag was stamped after the entry's birth; a birth after the epoch means Redis was emptied
# (restarted) since the query began, and what it read may predate events it will never see.
_STALE = """
local function stale(born, epoch, tags, prefix)
  if born > epoch then return true end
  if born == epoch or tags == '' then return false end
  for tag in string.gmatch(tags, '[^\\n]+') do
    local stamp = redis.call('GET', prefix .. tag)
    if stamp and tonumber(stamp) > born then return true end
  end
  return false
end
"""
# KEYS: entry, epoch. ARGV: tag prefix. Answers {epoch} or {epoch, payload}.
_GET = _STALE + """
local epoch = tonumber(redis.call('GET', KEYS[2]) or '0')
local found = redis.call('HMGET', KEYS[1], 'payload', 'born', 'tags')
if not found[1] or stale(tonumber(found[2]), epoch, found[3], ARGV[1]) then return {epoch} end
return {epoch, found[1]}
"""
# KEYS: entry, epoch. ARGV: tag prefix, born, time to live (ms), payload, tags.
_PUT = _STALE + """
local epoch = tonumber(redis.call('GET', KEYS[2]) or '0')
if stale(tonumber(ARGV[2]), epoch, ARGV[5], ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'payload', ARGV[4], 'born', ARGV[2], 'tags', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
"""
# KEYS: epoch. ARGV: tag prefix, how long a stamp is kept (ms), the tags.
_BUMP = """
local epoch = redis.call('INCR', KEYS[1])
for index = 3, #ARGV do redis.call('SET', ARGV[1] .. ARGV[index], epoch, 'PX', ARGV[2]) end
return epoch
"""
FAILURES = (RedisError, OSError, TimeoutError)
RETRY_SECONDS = 0.25


class RedisBackend:
    """Entries and stamps in Redis, shared by every replica that names the same URL and prefix.

    Each replica follows the feeds and stamps what they name, so one that stays connected keeps the
    shared cache right on its own. While Redis cannot be reached, this replica serves nothing from it
    (and counts the failures); stamps it could not write may be missing there, so when Redis answers
    again it first stamps `flush_tags` (every service: all entries are dropped), then serves again.
    """

    name = "redis"

    def __init__(self, url: str, *, prefix: str, horizon: float, flush_tags: Iterable[str],
                 on_failure: Callable[[], None], timeout: float = 0.5) -> None:
        # One retry at once, on a fresh connection (a pooled one may predate a Redis restart); no backoff: a
        # replica that cannot reach Redis answers from the services instead of waiting.
        self.client = Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout,
                                     retry=Retry(NoBackoff(), 1))
        self.prefix = prefix
        self.horizon_ms = int(horizon * 1000)
        self.flush_tags = tuple(flush_tags)
        self.on_failure = on_failure
        self.trusted = False  # not before it answered and was flushed
        self._get, self._put, self._bump = (self.client.register_script(source) for source in (_GET, _PUT, _BUMP))

    def available(self) -> bool:
        return self.trusted

    def _failed(self, exc: BaseException) -> None:
        if self.trusted:
            log.warning("response cache: Redis unreachable (%s); answering from the services", type(exc).__name__)
        self.trusted = False
        self.on_failure()

    async def get(self, key: str) -> tuple[Entry | None, int]:
        if not self.trusted:
            return None, -1
        try:
            found = await self._get(keys=[self.prefix + "entry:" + key, self.prefix + "epoch"],
                                    args=[self.prefix + "tag:"])
        except FAILURES as exc:
            self._failed(exc)
            return None, -1
        if len(found) < 2:
            return None, int(found[0])
        payload = orjson.loads(found[1])
        return Entry(payload["data"], payload["extensions"], frozenset(), int(found[0]), 0.0), int(found[0])

    async def put(self, key: str, entry: Entry) -> None:
        ttl_ms = int((entry.expires - time.time()) * 1000)
        if not self.trusted or entry.born < 0 or ttl_ms <= 0:
            return
        payload = orjson.dumps({"data": entry.data, "extensions": entry.extensions})
        try:
            await self._put(keys=[self.prefix + "entry:" + key, self.prefix + "epoch"],
                            args=[self.prefix + "tag:", entry.born, ttl_ms, payload, "\n".join(sorted(entry.tags))])
        except FAILURES as exc:
            self._failed(exc)

    async def _stamp(self, tags: Iterable[str]) -> None:
        await self._bump(keys=[self.prefix + "epoch"], args=[self.prefix + "tag:", self.horizon_ms, *tags])

    async def bump(self, tags: Iterable[str]) -> None:
        try:
            await self._stamp(tags)
        except FAILURES as exc:
            self._failed(exc)

    async def watch(self) -> None:
        """While not trusted: try Redis again every RETRY_SECONDS."""
        while True:
            if not self.trusted:
                await self.reconnect()
            await asyncio.sleep(RETRY_SECONDS)

    async def reconnect(self) -> bool:
        """Flush Redis (stamp every service), then trust it; False when it does not answer."""
        try:
            await self._stamp(self.flush_tags)
        except FAILURES:
            self.on_failure()
            return False
        log.info("response cache: Redis answers; served from it again")
        self.trusted = True
        return True

    async def close(self) -> None:
        await self.client.aclose()
