"""Exports as Dutch offices open them: CSV for Dutch Excel (`;`, a decimal comma, ja/nee, UTF-8 with
a BOM) and real .xlsx workbooks, beside plain CSV and JSON (through the command: tests/test_seed.py)."""

import csv
import io
import json

import openpyxl

from cli.export import as_dutch_csv, as_xlsx, render

ROWS = [{"name": "=HYPERLINK(\"https://example.org\")", "value": -12.5, "share": 0.4392, "derived": True,
         "count": 35587, "missing": None, "sectors": ["metal", "ict"]},
        {"name": "Bouwend Nederland, afd. G&V", "value": 0.25, "share": None, "derived": False, "count": 0,
         "missing": None, "sectors": []}]
COLUMNS = list(ROWS[0])


def test_csv_for_dutch_excel_has_a_bom_semicolons_decimal_commas_and_ja_nee():
    data = as_dutch_csv(ROWS, COLUMNS)
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == {"name": "'=HYPERLINK(\"https://example.org\")", "value": "-12,5", "share": "0,4392",
                       "derived": "ja", "count": "35587", "missing": "", "sectors": "metal; ict"}
    assert (rows[1]["name"], rows[1]["value"], rows[1]["derived"]) == ("Bouwend Nederland, afd. G&V", "0,25", "nee")
    # every cell quoted: a cell's own `;` or `,` stays in the cell
    assert data.decode("utf-8-sig").splitlines()[2].startswith('"Bouwend Nederland, afd. G&V";"0,25";')


def test_an_xlsx_workbook_keeps_numbers_numbers_and_texts_texts():
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx(ROWS, COLUMNS, "series")))["series"]
    assert [cell.value for cell in sheet[1]] == COLUMNS
    first = dict(zip(COLUMNS, sheet[2], strict=True))
    assert (first["name"].value, first["name"].data_type) == ('=HYPERLINK("https://example.org")', "s")  # no formula
    assert (first["value"].value, first["share"].value, first["count"].value) == (-12.5, 0.4392, 35587)
    assert first["derived"].value is True and first["missing"].value is None
    assert first["sectors"].value == "metal; ict"


def test_control_characters_cannot_spoil_a_workbook():
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx([{"name": "Bedrijf\x0b\x00 BV"}], ["name"], "partners")))
    assert sheet["partners"]["A2"].value == "Bedrijf BV"


def test_plain_csv_and_json_stay_as_they_were():
    assert render([{"a": 1.5, "b": True}], ["a", "b"], "csv", "x") == b'"a","b"\n"1.5","True"\n'
    assert json.loads(render([{"a": 1.5}], ["a"], "json", "x")) == [{"a": 1.5}]
