"""A full Redis, as the deployments configure it (`maxmemory` with `noeviction`, deploy/k8s/redis.yaml):
it refuses writes instead of evicting, so no invalidation stamp is ever lost to eviction. The replica
that meets the refusal stops serving from Redis, and serves again only after its flush went through."""

import uuid

import redis

from gateway.cache_backends import RedisBackend
from gateway.tests.test_cache_backends import entry


def fill_up(client: redis.Redis) -> None:
    """Until even a small write is refused (a large one is refused earlier: its own bytes count)."""
    number = 0
    for size in (100_000, 10_000, 1_000, 10):
        for _ in range(2_000):
            number += 1
            try:
                client.set(f"filler:{number}", b"x" * size)
            except redis.exceptions.OutOfMemoryError:
                break
        else:
            raise AssertionError("Redis never refused a write: it evicts, or maxmemory is not in force")


async def test_a_full_redis_is_not_served_from_until_it_takes_the_flush_again(small_redis):
    failures: list[int] = []
    backend = RedisBackend(small_redis, prefix=f"full-{uuid.uuid4().hex[:6]}:", horizon=60,
                           flush_tags=["actions_api"], on_failure=lambda: failures.append(1))
    filler = redis.Redis.from_url(small_redis)
    try:
        assert await backend.reconnect()
        _, born = await backend.get("kept")
        await backend.put("kept", entry(born, "actions_api", "actions_api:pact:1"))
        assert (await backend.get("kept"))[0] is not None

        fill_up(filler)
        _, born = await backend.get("new")
        await backend.put("new", entry(born, "actions_api"))  # refused: out of memory
        assert not backend.available() and failures
        assert await backend.get("kept") == (None, -1)  # the entry is there, but not served
        assert not await backend.reconnect()  # the flush is a write too: refused while full

        filler.delete(*filler.keys("filler:*"))
        assert await backend.reconnect() and backend.available()
        # Stamps this replica could not write while full may be missing: the flush dropped what was kept.
        assert (await backend.get("kept"))[0] is None
        _, born = await backend.get("new")
        await backend.put("new", entry(born, "actions_api"))
        assert (await backend.get("new"))[0] is not None
    finally:
        await backend.close()
        filler.close()
