"""The mechanism every service shares: id lists, keyset cursors, If-Match, idempotency claims, periods."""

import base64
import gc
import json
import uuid
from datetime import date
from importlib import import_module

import pytest
from sqlalchemy import Column, Date, Integer, MetaData, String, Table, select, text
from sqlalchemy.dialects.postgresql import UUID

from common.collector import no_collection
from common.database import Database
from common.etags import check_if_match
from common.idempotency import IdempotencyKeys, idempotency_table
from common.pagination import Keyset, encode_cursor, page_of
from common.periods import Frequency, InvalidPeriod, canonical_period, parse_period
from common.problems import Problem
from common.query_lists import MAX_LIST_ITEMS, choice_list, split_list, uuid_list


def refusal(call) -> Problem:
    with pytest.raises(Problem) as refused:
        call()
    return refused.value


def test_id_lists_have_one_limit_and_one_wording():
    assert split_list(" a, ,b ,", "slugs") == ["a", "b"]
    too_many = refusal(lambda: split_list(",".join(["x"] * (MAX_LIST_ITEMS + 1)), "ids"))
    assert too_many.status == 422
    assert too_many.errors == [{"field": "ids", "in": "query",
                                "reason": f"At most {MAX_LIST_ITEMS} comma-separated values per call."}]
    assert refusal(lambda: uuid_list("nope", "ids")).errors[0]["reason"] == "'nope' is not a UUID."
    assert refusal(lambda: choice_list("planned,flying", "status", ["planned"])).errors[0]["reason"] == (
        "Unknown: flying; one of planned.")


def test_if_match_is_required_and_a_stale_version_is_412():
    check_if_match('"3"', 3)
    check_if_match('W/"3", "4"', 4)
    check_if_match("*", 9)
    check_if_match(None, 1, required=False)
    assert refusal(lambda: check_if_match(None, 1)).status == 428
    stale = refusal(lambda: check_if_match('"2"', 3))
    assert stale.status == 412
    assert stale.extensions == {"current_etag": '"3"'}


metadata = MetaData()
things = Table("things", metadata, Column("name", String), Column("day", Date), Column("n", Integer),
               Column("id", UUID(as_uuid=True)))
keyset = Keyset(things.c.name, things.c.day, things.c.n, things.c.id)


def raw_cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


@pytest.mark.parametrize("cursor", [
    raw_cursor([None, "2020-01-01", 1, str(uuid.uuid4())]),   # null where a text is
    raw_cursor(["a", "2020-13-01", 1, str(uuid.uuid4())]),    # not a date
    raw_cursor(["a", "2020-01-01", True, str(uuid.uuid4())]),  # a boolean is no integer
    raw_cursor(["a", "2020-01-01", 2**70, str(uuid.uuid4())]),  # beyond bigint
    raw_cursor(["a", "2020-01-01", 1, "not-a-uuid"]),
    raw_cursor(["a", "2020-01-01", 1]),                        # too short
    raw_cursor({"a": 1}),
    "W251bGxd",                                                # [null]
    "!!!", "",
])
def test_a_crafted_cursor_is_a_422_naming_cursor(cursor):
    refused = refusal(lambda: keyset.paged(select(things), cursor, 10))
    assert refused.status == 422
    assert refused.errors[0]["field"] == "cursor"


def test_a_cursor_given_out_reads_back_typed():
    row_id = uuid.uuid4()
    cursor = encode_cursor(["b", date(2020, 1, 2), 7, row_id])
    assert keyset.decode(cursor) == ["b", date(2020, 1, 2), 7, row_id]
    assert "WHERE (things.name, things.day, things.n, things.id) >" in str(keyset.paged(select(things), cursor, 5))


def test_page_of_gives_a_cursor_only_when_more_rows_follow():
    assert page_of([1, 2, 3], 3, key=lambda n: [n]) == ([1, 2, 3], None)
    page, cursor = page_of([1, 2, 3], 2, key=lambda n: [n])
    assert page == [1, 2]
    assert cursor == encode_cursor([2])


def test_one_period_parser_for_every_frequency():
    assert str(parse_period("2012KW03")) == "2012-Q3"
    assert str(parse_period("2014-h2")) == "2014-H2"
    assert parse_period("2013").ends_on == date(2013, 12, 31)
    assert parse_period("2014-Q1").starts_on == date(2014, 1, 1)
    assert str(parse_period("2012-03-01").previous()) == "2012-02-29"
    series_frequencies = frozenset({Frequency.year, Frequency.quarter, Frequency.month})
    assert canonical_period("2012MM07", series_frequencies) == ("2012-07", Frequency.month)
    with pytest.raises(InvalidPeriod, match="2012, 2012-Q3, 2012-07 or a CBS code"):
        parse_period("2012-H1", series_frequencies)
    with pytest.raises(InvalidPeriod, match="calendar date"):
        parse_period("2011-02-29")


def test_periods_sort_as_time_not_as_text():
    written = ["2013", "2012-Q4", "2013-01", "2012", "2012-12"]
    ordered = sorted(written, key=lambda text: parse_period(text).sort_key)
    assert ordered == ["2012", "2012-Q4", "2012-12", "2013-01", "2013"]


@pytest.fixture
async def keys_database(database_url):
    database = Database(database_url, schema="public")
    table = idempotency_table(MetaData(schema="mechanism_test"))
    async with database.engine.begin() as connection:
        await connection.execute(text("CREATE SCHEMA IF NOT EXISTS mechanism_test"))
        await connection.run_sync(table.metadata.create_all)
    yield database, IdempotencyKeys(table)
    async with database.engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA mechanism_test CASCADE"))
    await database.dispose()


async def test_a_key_is_claimed_before_any_work_and_replayed_after(keys_database):
    database, keys = keys_database
    async with database.sessionmaker() as first, database.sessionmaker() as second:
        claim = await keys.claim(first, scope="push:x", key="k1")
        assert not claim.used_before
        # While the first request holds the key, a second one is refused at once.
        with pytest.raises(Problem) as busy:
            await keys.claim(second, scope="push:x", key="k1")
        assert busy.value.status == 409
        await second.rollback()
        await claim.remember(first, "fp-1", 200, {"created": 1})
        await first.commit()
    async with database.sessionmaker() as retry:
        again = await keys.claim(retry, scope="push:x", key="k1")
        assert again.replay("fp-1").body == {"created": 1}
        assert refusal(lambda: again.replay("fp-2")).status == 422
        await retry.rollback()


async def test_expired_keys_are_purged_when_a_new_one_is_remembered(keys_database):
    database, keys = keys_database
    async with database.sessionmaker() as session:
        await keys.remember(session, scope="s", key="old", fingerprint="f", status_code=200, body={})
        await session.execute(keys.table.update().values(created_at=text("now() - interval '49 hours'")))
        claim = await keys.claim(session, scope="s", key="new")
        await claim.remember(session, "f", 200, {})
        assert sorted(await session.scalars(select(keys.table.c.key))) == ["new"]
        await session.rollback()


@pytest.mark.parametrize("service", ["actions_api", "partners_api", "metrics_api"])
async def test_a_serving_service_keeps_its_start_up_objects_out_of_the_collectors_passes(service, database_url):
    app_module = import_module(f"services.{service}.app")
    settings_class = {"actions_api": "ActionsSettings", "partners_api": "PartnersSettings",
                      "metrics_api": "MetricsSettings"}[service]
    settings = getattr(import_module(f"services.{service}.settings"), settings_class)(database_url=database_url)
    app = app_module.create_app(settings)
    async with app.router.lifespan_context(app):
        assert gc.get_freeze_count() > 10_000
    assert gc.get_freeze_count() == 0


def test_no_collection_pauses_the_collector_and_leaves_it_as_it_was():
    assert gc.isenabled()
    with pytest.raises(ValueError), no_collection():
        assert not gc.isenabled()
        raise ValueError
    assert gc.isenabled()
    gc.disable()
    try:
        with no_collection():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
