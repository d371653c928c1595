"""Where the response cache keeps its entries and invalidations: in this process, or in Redis.

Invalidation is by epochs, never by finding and deleting entries. `bump(tags)` advances one counter, the
epoch, and stamps each tag with it. An entry is born with the epoch read before its query ran, and is
served only while none of its tags was stamped later: so an entry built from data read before a change
can be stored after the change was seen, and is still never served. A stamp is forgotten once every
entry born before it has expired (`horizon`, the longest max age).
"""

import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from gateway.extensions import _Lru


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
        if entry.born >= self.epoch:  # nothing was stamped since: the common case, without a look at the tags
            return False
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

    async def close(self) -> None:
        return None
