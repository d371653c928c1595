"""The CSV the feed COPYs: what PostgreSQL reads back is what the records held, the shared fields on every row."""

import csv
import io
import uuid
from datetime import UTC, datetime
from decimal import Decimal

from services.metrics_api.repository.feed import copy_csv

BATCH = uuid.UUID("12345678-1234-5678-1234-567812345678")
NOW = datetime(2026, 12, 2, 6, 30, 0, 123456, tzinfo=UTC)
ROWS = [("vacancies_new", "PV24", "7912", None, False), ("a;b,\"c\"", "PV26", "0.250", "confidential", True)]


def read(data: memoryview) -> list[list[str]]:
    return list(csv.reader(io.StringIO(bytes(data).decode(), newline="")))


def test_each_row_ends_in_the_shared_fields():
    assert read(copy_csv(ROWS, ("uwv", 1, BATCH, NOW))) == [
        ["vacancies_new", "PV24", "7912", "", "False", "uwv", "1", str(BATCH), str(NOW)],
        ["a;b,\"c\"", "PV26", "0.250", "confidential", "True", "uwv", "1", str(BATCH), str(NOW)]]


def test_a_field_with_a_line_break_keeps_its_row_whole():
    # The shared fields are put at each line's end by a replace; a line break inside a field must not get them.
    assert read(copy_csv([("two\nlines", None), ("plain", "x")], ("uwv", 1))) == [
        ["two\nlines", "", "uwv", "1"], ["plain", "x", "uwv", "1"]]


async def test_postgresql_reads_back_what_the_records_held(app):
    async with app.state.database.engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        await driver.execute("CREATE TEMP TABLE copied (measure text, region text, value numeric, missing_reason text,"
                             " withdrawn boolean, source text, revision integer, batch_id uuid,"
                             " recorded_at timestamptz)")
        await driver.copy_to_table("copied", source=copy_csv([*ROWS, ("two\nlines", "PV27", None, None, False)],
                                                             ("uwv", 1, BATCH, NOW)), format="csv")
        rows = [tuple(row) for row in await driver.fetch("SELECT * FROM copied ORDER BY region")]
    assert rows == [
        ("vacancies_new", "PV24", Decimal("7912"), None, False, "uwv", 1, BATCH, NOW),
        ("a;b,\"c\"", "PV26", Decimal("0.250"), "confidential", True, "uwv", 1, BATCH, NOW),
        ("two\nlines", "PV27", None, None, False, "uwv", 1, BATCH, NOW)]
