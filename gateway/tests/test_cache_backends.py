"""The epochs both backends invalidate by (gateway/cache_backends.py), in this process and in a real Redis
(`redis_url`): an entry is served only while none of its tags was stamped after its birth."""

import time
import uuid
from collections.abc import AsyncIterator

import pytest
import redis

from gateway.cache_backends import Backend, Entry, MemoryBackend, RedisBackend


def entry(born: int, *tags: str) -> Entry:
    return Entry({"answer": born}, {}, frozenset(tags), born, time.time() + 60)


@pytest.fixture(params=["memory", "redis"])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    if request.param == "memory":
        yield MemoryBackend(100, horizon=60)
        return
    url = request.getfixturevalue("redis_url")
    prefix = f"test-{uuid.uuid4().hex[:8]}:"
    failures: list[int] = []
    shared = RedisBackend(url, prefix=prefix, horizon=60, flush_tags=["actions_api"],
                          on_failure=lambda: failures.append(1))
    try:
        assert await shared.reconnect() and shared.available()
        yield shared
    finally:
        await shared.close()
        sync = redis.Redis.from_url(url)
        for key in sync.scan_iter(match=prefix + "*"):
            sync.delete(key)
        assert not failures


async def test_an_entry_is_served_until_one_of_its_tags_is_stamped(backend):
    _, born = await backend.get("k")
    await backend.put("k", entry(born, "a", "b"))
    found, _ = await backend.get("k")
    assert found is not None and found.data == {"answer": born}
    await backend.bump({"c"})
    assert (await backend.get("k"))[0] is not None
    await backend.bump({"b"})
    assert (await backend.get("k"))[0] is None


async def test_an_entry_read_before_a_stamp_is_never_served_even_when_stored_after_it(backend):
    _, born = await backend.get("k")
    await backend.bump({"a"})  # the change event arrives while the query runs
    await backend.put("k", entry(born, "a"))
    assert (await backend.get("k"))[0] is None
    _, again = await backend.get("k")
    await backend.put("k", entry(again, "a"))
    assert (await backend.get("k"))[0] is not None


async def test_an_entry_born_under_an_epoch_redis_no_longer_has_is_refused(backend):
    """Redis emptied by a restart starts its epoch again: a query that began before cannot tell which
    events it missed."""
    _, now = await backend.get("k")
    await backend.put("k", entry(now + 5, "a"))
    assert (await backend.get("k"))[0] is None
