"""A token bucket per client address, in process memory.

Good enough for one replica: each replica limits on its own, so N replicas let N times the rate
through, and a restart forgets. The public sign-up form needs a brake against floods, not an
exact global quota; a shared limiter (Redis, or the ingress) is the step up when that matters.
"""

import math
import time
from collections import OrderedDict
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    def __init__(self, *, capacity: int, per_minute: float, max_clients: int = 10_000) -> None:
        self.capacity = capacity
        self.rate = per_minute / 60.0
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def take(self, client: str, now: float | None = None) -> float:
        """Spend one token; 0.0 when allowed, else the seconds until a token is back."""
        now = time.monotonic() if now is None else now
        bucket = self._buckets.pop(client, None) or _Bucket(tokens=float(self.capacity), updated=now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        self._buckets[client] = bucket
        # The least recently seen clients go first, so memory stays bounded under a spray of addresses.
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate if self.rate > 0 else math.inf
