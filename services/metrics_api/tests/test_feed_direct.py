"""A feed written chunk by chunk straight into observations stays all or nothing, whatever the chunk size.

The chunk is set to two rows here, so that every case below has written chunks before the row that
decides the post's fate; each runs with the rows of held figures staged and compared from arrays.
"""

import pytest
from sqlalchemy import text

from services.metrics_api.domain.feed import ingest
from services.metrics_api.domain.feed.checking import Checker
from services.metrics_api.repository import feed as feed_repository

FEED = "/v1/feeds/uwv/observations"
CSV = {"Content-Type": "text/csv"}
HEADER = "measure;region;period;occupation;value"


@pytest.fixture(autouse=True, params=["staged", "arrays"])
def small_chunks(monkeypatch, request):
    """Chunks of two rows; rows of held figures compared from the staging table, or from arrays."""
    monkeypatch.setattr(ingest, "DIRECT_CHUNK_ROWS", 2)
    monkeypatch.setattr(feed_repository, "STAGE_FROM_ROWS", 1 if request.param == "staged" else 10_000)


def body(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


ROWS = [f"vacancies_new;{region};{year};total;{value}"
        for region, value in (("PV24", 100), ("PV26", 200), ("PV27", 300)) for year in (2012, 2013)]


async def stored(app) -> list[tuple]:
    async with app.state.database.engine.connect() as connection:
        return [tuple(row) for row in await connection.execute(text(
            "SELECT region, period, revision, value, withdrawn FROM metrics.observations ORDER BY 1, 2, 3"))]


async def batches(app) -> int:
    async with app.state.database.engine.connect() as connection:
        return (await connection.execute(text("SELECT count(*) FROM metrics.batches"))).scalar_one()


async def test_counts_and_revisions_over_many_chunks(client, reference, writer, app):
    first = await client.post(FEED, content=body(*ROWS), headers={**writer, **CSV})
    assert (first.json()["inserted"], first.json()["revised"], first.json()["unchanged"]) == (6, 0, 0)
    again = body(*ROWS[:3], "vacancies_new;PV26;2013;total;250", "vacancies_new;PV27;2012;total;",
                 "vacancies_new;PV27;2014;total;310")
    # An empty value without a missing reason is a bad row: the whole post is refused, earlier chunks too.
    refused = await client.post(FEED, content=again, headers={**writer, **CSV})
    assert refused.status_code == 422
    assert [e["line"] for e in refused.json()["errors"]] == [6]
    assert len(await stored(app)) == 6 and await batches(app) == 1

    changed = body(*ROWS[:3], "vacancies_new;PV26;2013;total;250", "vacancies_new;PV27;2013;total;300",
                   "vacancies_new;PV27;2014;total;310")
    answer = (await client.post(FEED, content=changed, headers={**writer, **CSV})).json()
    assert (answer["inserted"], answer["revised"], answer["unchanged"]) == (1, 1, 4)
    assert await stored(app) == [
        ("PV24", "2012", 1, 100, False), ("PV24", "2013", 1, 100, False), ("PV26", "2012", 1, 200, False),
        ("PV26", "2013", 1, 200, False), ("PV26", "2013", 2, 250, False), ("PV27", "2012", 1, 300, False),
        ("PV27", "2013", 1, 300, False), ("PV27", "2014", 1, 310, False)]


async def test_a_key_repeated_after_written_chunks_is_refused_and_nothing_stays(client, reference, writer, app):
    repeated = body(*ROWS, ROWS[0].replace(";100", ";101"))
    response = await client.post(FEED, content=repeated, headers={**writer, **CSV})
    assert response.status_code == 422, response.text
    duplicate = response.json()["errors"]
    assert [(e["line"], e["field"]) for e in duplicate] == [(8, "row")] and "line 2" in duplicate[0]["reason"]
    assert await stored(app) == [] and await batches(app) == 0


async def test_withdrawals_over_chunks_touch_only_what_the_source_holds(client, reference, writer, app):
    await client.post(FEED, content=body(*ROWS[:4]), headers={**writer, **CSV})
    withdrawals = (b"measure;region;period;occupation;value;action\n"
                   b"vacancies_new;PV24;2012;total;;D\nvacancies_new;PV24;2013;total;100;\n"
                   b"vacancies_new;PV27;2012;total;;D\nvacancies_new;PV26;2012;total;;D\n")
    answer = (await client.post(FEED, content=withdrawals, headers={**writer, **CSV})).json()
    # PV27 2012 was never posted: withdrawing it changes nothing.
    assert (answer["inserted"], answer["revised"], answer["unchanged"]) == (0, 2, 2)
    assert [row for row in await stored(app) if row[4]] == [("PV24", "2012", 2, None, True),
                                                            ("PV26", "2012", 2, None, True)]


async def test_a_later_value_decides_earlier_chunks(client, reference, writer, app):
    # Lines 2-3 are written as the first chunk; lines 4-6 could be read two ways until line 7 writes a
    # decimal comma. The file is then read again with it, and the first chunk is not written twice.
    lines = ["vacancies_new;PV24;2014;total;5", "vacancies_new;PV26;2014;total;6",
             "vacancies_new;PV24;2012;total;7.912", "vacancies_new;PV26;2012;total;8.001",
             "vacancies_new;PV27;2012;total;9.100", "vacancies_new;PV26;2013;total;1.234,0"]
    answer = await client.post(FEED, content=body(*lines), headers={**writer, **CSV})
    assert answer.status_code == 200, answer.text
    assert answer.json()["inserted"] == 6
    assert [(row[0], row[1], row[3]) for row in await stored(app)] == [
        ("PV24", "2012", 7912), ("PV24", "2014", 5), ("PV26", "2012", 8001), ("PV26", "2013", 1234),
        ("PV26", "2014", 6), ("PV27", "2012", 9100)]


async def test_a_suspected_repeat_that_is_none_is_merged_from_the_staging_table(client, reference, writer, app,
                                                                               monkeypatch):
    await client.post(FEED, content=body(*ROWS[:2]), headers={**writer, **CSV})
    # As if two keys' hashes collided: the post is checked whole in the staging table, finds no repeat,
    # and is merged from there, the chunks it had written undone.
    remember = Checker._remember

    def colliding(self, *key):
        remember(self, *key)
        self.suspect_duplicates = self.rows > 3

    monkeypatch.setattr(Checker, "_remember", colliding)
    answer = await client.post(FEED, content=body(*ROWS[:1], "vacancies_new;PV24;2013;total;150", *ROWS[2:]),
                               headers={**writer, **CSV})
    assert answer.status_code == 200, answer.text
    assert (answer.json()["inserted"], answer.json()["revised"], answer.json()["unchanged"]) == (4, 1, 1)
    assert [(row[0], row[1], row[2], row[3]) for row in await stored(app)] == [
        ("PV24", "2012", 1, 100), ("PV24", "2013", 1, 100), ("PV24", "2013", 2, 150), ("PV26", "2012", 1, 200),
        ("PV26", "2013", 1, 200), ("PV27", "2012", 1, 300), ("PV27", "2013", 1, 300)]


async def test_rows_after_the_latest_period_held_are_copied_without_a_comparison(client, reference, writer, app,
                                                                                 monkeypatch):
    await client.post(FEED, content=body(*ROWS), headers={**writer, **CSV})
    compared: list[tuple[str, str]] = []
    stage = feed_repository.DirectWrite.stage

    async def noted(self, rows):
        compared.extend((row[2], row[4]) for row in rows)
        await stage(self, rows)

    monkeypatch.setattr(feed_repository.DirectWrite, "stage", noted)
    # A month of held series appended (2014, 2015), a figure revised (2013), one before the latest that the
    # source never posted (2011): only the last two can meet a held figure.
    appended = body("vacancies_new;PV24;2014;total;140", "vacancies_new;PV24;2013;total;150",
                    "vacancies_new;PV26;2011;total;190", "vacancies_new;PV27;2015;total;350")
    answer = (await client.post(FEED, content=appended, headers={**writer, **CSV})).json()
    assert (answer["inserted"], answer["revised"], answer["unchanged"]) == (3, 1, 0)
    assert sorted(compared) == [("PV24", "2013"), ("PV26", "2011")]
    assert [row for row in await stored(app) if row[1] in ("2011", "2014", "2015") or row[2] > 1] == [
        ("PV24", "2013", 2, 150, False), ("PV24", "2014", 1, 140, False), ("PV26", "2011", 1, 190, False),
        ("PV27", "2015", 1, 350, False)]


async def test_the_servers_order_of_periods_is_their_code_points(app):
    """The feed finds periods after the latest held by comparing text in Python; the server's collation
    for observations.period must order every canonical form of a period as Python does."""
    periods = ["2011-12", "2011", "2012", "2011-Q1", "2010-12", "2011-H2", "2010", "2011-H1", "2011-01",
               "2011-Q4", "2011-10", "2010-Q4"]
    async with app.state.database.engine.connect() as connection:
        # A table made from the column keeps its collation.
        await connection.execute(text("CREATE TEMP TABLE periods AS SELECT period FROM metrics.observations LIMIT 0"))
        await connection.execute(text("INSERT INTO periods SELECT unnest(CAST(:periods AS text[]))"),
                                 {"periods": periods})
        ordered = (await connection.execute(text("SELECT period FROM periods ORDER BY period"))).scalars().all()
        await connection.rollback()
    assert ordered == sorted(periods)
