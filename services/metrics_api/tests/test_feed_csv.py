"""CSV as clients send it: line numbers count their lines (\\n, \\r\\n), and rows (so fields) have a size limit."""

import pytest

from common.testing import bearer, service_client, truncate_schema
from services.metrics_api.app import create_app
from services.metrics_api.settings import MetricsSettings
from services.metrics_api.tests.conftest import MEASURES, OCCUPATIONS, REGIONS
from services.metrics_api.tests.test_feed import CSV, FEED, written

HEADER = "measure;region;period;occupation;value\n"
GOOD = "vacancies_new;PV24;{};total;1\n"


def good_rows(count: int, first_year: int = 1900) -> str:
    return "".join(GOOD.format(first_year + index) for index in range(count))


async def post(client, writer, text: str):
    return await client.post(FEED, content=text.encode(), headers={**writer, **CSV})


def lines_and_fields(response) -> set[tuple[int, str]]:
    assert response.status_code == 422, response.text
    return {(error["line"], error["field"]) for error in response.json()["errors"]}


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\x1e"])
async def test_unicode_line_separators_are_text_not_line_breaks(client, reference, writer, app, separator):
    text = (HEADER + GOOD.format(2001)
            + f"vacancies_new;PV{separator}24;2002;total;1\n"  # line 3: a region code with a separator in it
            + "vacancies_x;PV24;2003;total;1\n")              # line 4
    assert lines_and_fields(await post(client, writer, text)) == {(3, "region"), (4, "measure")}
    assert await written(app) == (0, 0)


async def test_crlf_lines_and_quoted_line_breaks_count_as_the_client_sent_them(client, reference, writer, app):
    text = (HEADER + GOOD.format(2001)
            + '"vacancies_new";"PV24";"2002";"tot\r\nal";1\r\n'  # lines 3-4: one record, its field holds a break
            + "vacancies_new;PV24;2003;total;1\r\n"               # 5
            + "vacancies_new;PV24;2004;total;veel\r\n")           # 6
    assert lines_and_fields(await post(client, writer, text.replace("\n", "\r\n").replace("\r\r", "\r"))) == {
        (3, "occupation"), (6, "value")}
    assert await written(app) == (0, 0)


async def test_a_lone_carriage_return_is_not_a_line_break(client, reference, writer, app):
    text = HEADER + GOOD.format(2001) + "vacancies_new;PV24;2002;total;1\rvacancies_new;PV24;2003;total;1\n"
    assert lines_and_fields(await post(client, writer, text)) == {(3, "row")}
    assert await written(app) == (0, 0)


async def test_a_stray_quote_names_its_line_and_nothing_is_written(client, reference, writer, app):
    """The rest of the file after the quote is one field: refused once it passes the limit, at the quote's line."""
    text = HEADER + good_rows(10) + 'vacancies_new;"PV24;1990;total;1\n' + good_rows(5000, 2000)
    response = await post(client, writer, text)
    assert lines_and_fields(response) == {(12, "row")}
    assert "quote" in response.json()["errors"][0]["reason"]
    assert await written(app) == (0, 0)
    # Near the end of a file the open quote takes the rest: still that line, still nothing written.
    response = await post(client, writer, HEADER + good_rows(10) + 'vacancies_new;"PV24;1990;total;1\n' + good_rows(3))
    assert lines_and_fields(response) == {(12, "row")}
    assert await written(app) == (0, 0)


@pytest.mark.parametrize("size", [70 * 1024, 10 * 1024 * 1024])
async def test_a_field_over_the_limit_is_a_422_naming_its_line(client, reference, writer, app, size):
    huge = "x" * size
    response = await post(client, writer, HEADER + good_rows(3) + f"vacancies_new;{huge};2001;total;1\n" + good_rows(2))
    assert lines_and_fields(response) == {(5, "row")}
    assert "longer than 65536 characters" in response.json()["errors"][0]["reason"]
    assert await written(app) == (0, 0)


async def test_the_limit_is_a_setting(database_url, token, admin):
    app = create_app(MetricsSettings(database_url=database_url, environment="test", feed_csv_max_row_chars=2048))
    writer = bearer(token("metrics:write", sources=["uwv"]))
    await truncate_schema(app.state.database)
    async with service_client(app) as client:
        for path, items in (("regions", REGIONS), ("measures", MEASURES), ("occupations", OCCUPATIONS)):
            for code, body in items:
                assert (await client.put(f"/v1/{path}/{code}", json=body, headers=admin)).status_code == 201
        quoted = '"' + "y" * 3000 + '"'
        response = await post(client, writer, HEADER + good_rows(2) + f"vacancies_new;PV24;2001;{quoted};1\n")
        assert lines_and_fields(response) == {(4, "row")}
        assert await written(app) == (0, 0)
        fits = await post(client, writer, HEADER + good_rows(2) + 'vacancies_new;PV24;2001;"' + "z" * 1500 + '";1\n')
        assert lines_and_fields(fits) == {(4, "occupation")}
