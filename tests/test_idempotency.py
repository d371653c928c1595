"""The idempotency store keeps the answer's bytes as sent, and purges expired keys at most once per interval."""

import pytest
from sqlalchemy import select, text

from common.idempotency import PURGE_INTERVAL_SECONDS, IdempotencyKeys
from tests.test_common_mechanism import keys_database  # noqa: F401  (the fixture: a scratch table)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(keys_database):  # noqa: F811
    database, keys = keys_database
    clock = Clock()
    return database, IdempotencyKeys(keys.table, clock=clock), clock


async def test_a_replay_is_the_first_answer_byte_for_byte(store):
    database, keys, _ = store
    # Key order, spacing and escapes as the service sent them (JSONB would reorder and re-encode them).
    sent = b'{"results": [{"external_id":"1","id":"a","outcome":"created"}],"created" :1,"name":"\\u00e9"}'
    async with database.sessionmaker() as session:
        claim = await keys.claim(session, scope="push:x", key="k")
        await claim.remember(session, "fp", 200, sent)
        await session.commit()
    async with database.sessionmaker() as session:
        stored = (await keys.claim(session, scope="push:x", key="k")).replay("fp")
        assert stored is not None and stored.content == sent and stored.status_code == 200
        assert stored.body == {"results": [{"external_id": "1", "id": "a", "outcome": "created"}], "created": 1,
                               "name": "é"}
        await session.rollback()


async def test_an_answer_given_as_a_value_is_stored_as_its_json(store):
    database, keys, _ = store
    async with database.sessionmaker() as session:
        await keys.remember(session, scope="feed:x", key="k", fingerprint="fp", status_code=200,
                            body={"inserted": 2, "batch": None})
        stored = (await keys.claim(session, scope="feed:x", key="k")).replay("fp")
        assert stored is not None and stored.content == b'{"inserted":2,"batch":null}'
        await session.rollback()


async def test_expired_keys_are_purged_at_most_once_per_interval(store):
    database, keys, clock = store

    async def expire_all(session) -> None:
        await session.execute(keys.table.update().values(created_at=text("now() - interval '49 hours'")))

    async def remember(session, key: str) -> None:
        await (await keys.claim(session, scope="s", key=key)).remember(session, "f", 200, b"{}")

    async with database.sessionmaker() as session:
        await keys.remember(session, scope="s", key="old", fingerprint="f", status_code=200, body={})
        await expire_all(session)
        await remember(session, "first")
        assert sorted(await session.scalars(select(keys.table.c.key))) == ["first"]

        await expire_all(session)
        clock.now += PURGE_INTERVAL_SECONDS - 1
        await remember(session, "second")
        assert sorted(await session.scalars(select(keys.table.c.key))) == ["first", "second"]
        # An expired key is not replayed, purged or not.
        assert not (await keys.claim(session, scope="s", key="first")).used_before

        await expire_all(session)
        clock.now += 1
        await remember(session, "third")
        assert sorted(await session.scalars(select(keys.table.c.key))) == ["third"]
        await session.rollback()
