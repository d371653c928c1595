"""Imports as Dutch offices write files: UTF-8, UTF-8 with a BOM (Excel's "CSV UTF-8") or
Windows-1252 (Excel's plain "CSV"), or the encoding given; anything else a clear error naming the file."""

import re

import httpx
import pytest

from cli.importer import prepare_partner_row
from cli.text_files import UnreadableText, read_text
from tests.test_import import rejected, summary, techniekpact_import
from tests.test_import import services as services  # the fixture: the stack with the seed's codes

PARTNERS = "external_id;name;kind;municipality_code;active\nw-1;Café De Brink;company;GM0402;ja\n"


@pytest.mark.parametrize("encoded, read_as", [
    (PARTNERS.encode("utf-8"), "utf-8"),
    ("\ufeff".encode() + PARTNERS.encode("utf-8"), "utf-8-sig"),   # Excel's "CSV UTF-8"
    (PARTNERS.encode("cp1252"), "cp1252"),                       # Excel's plain "CSV" on a Dutch Windows
], ids=["utf-8", "utf-8 with BOM", "windows-1252"])
def test_an_import_reads_utf8_with_or_without_bom_and_windows_1252(tmp_path, encoded, read_as):
    file = tmp_path / "brink.csv"
    file.write_bytes(encoded)
    assert read_text(file) == (PARTNERS, read_as)


def test_an_encoding_given_is_used_and_a_wrong_one_is_a_clear_error(tmp_path):
    file = tmp_path / "latin.csv"
    file.write_bytes("naam\nCafé Ĳssel\n".encode("utf-16"))
    assert read_text(file, "utf-16") == ("naam\nCafé Ĳssel\n", "utf-16")
    with pytest.raises(UnreadableText, match=f"^{re.escape(str(file))} is not utf-8: byte 0xFF at byte 0"):
        read_text(file, "utf-8")
    with pytest.raises(UnreadableText, match=r"^unknown encoding 'klingon'"):
        read_text(file, "klingon")


@pytest.mark.parametrize("content, reason", [
    ("naam\nCafé\n".encode("utf-16"), "is UTF-16 (it starts with a UTF-16 byte order mark)"),
    ("naam\nCafé\n".encode("utf-16-le"), "holds a NUL byte at byte 1"),
    (b"naam\nCaf\x81\n", "is neither UTF-8 nor Windows-1252: byte 0x81 at byte 8"),
], ids=["utf-16 with BOM", "utf-16 without BOM", "bytes undefined in both"])
def test_anything_else_is_refused_naming_the_file(tmp_path, content, reason):
    file = tmp_path / "vreemd.csv"
    file.write_bytes(content)
    with pytest.raises(UnreadableText) as refused:
        read_text(file)
    assert str(refused.value).startswith(f"{file} {reason}")


def test_active_is_a_yes_or_no_word_and_any_other_word_goes_to_the_service_as_it_is():
    assert [prepare_partner_row({"active": word})["active"] for word in ("ja", "Nee", " TRUE ", "0", "j", "n")] == [
        True, False, True, False, True, False]
    # Not taken for "no": the push refuses it, naming the field.
    assert prepare_partner_row({"active": "misschien"})["active"] == "misschien"


# --- through the command and the real services ---------------------------------------------------

@pytest.mark.e2e
def test_an_excel_windows_1252_file_imports_and_misschien_is_refused_naming_the_field(services, tmp_path):
    file = tmp_path / "hilversum.csv"
    file.write_bytes(("external_id;name;kind;municipality_code;active\n"
                      "e-1;Installatiebedrijf Ré;company;GM0402;ja\n"
                      "e-2;Twijfelaar BV;company;GM0402;misschien\n").encode("cp1252"))
    result = techniekpact_import(services, "partners", str(file), "--source", "hilversum")
    assert result.returncode == 1, result.stderr
    assert summary(result) == {"created": 1, "updated": 0, "unchanged": 0, "withdrawn": 0, "rejected": 1}
    [bad] = rejected(tmp_path / "hilversum.rejected.jsonl")
    assert bad["row"] == 2 and bad["reason"].startswith("active")
    found = httpx.get(f"{services.url('partners_api')}/v1/organisations", params={"municipality": "GM0402",
                                                                                  "limit": 100}).json()["items"]
    names = {organisation["name"] for organisation in found}
    assert "Installatiebedrijf Ré" in names and "Twijfelaar BV" not in names


@pytest.mark.e2e
def test_a_file_in_another_encoding_is_one_line_naming_it_and_nothing_is_sent(services, tmp_path):
    file = tmp_path / "laren.csv"
    file.write_bytes("external_id,name,kind\nl-1,Ünicode Zestien,company\n".encode("utf-16"))
    before = httpx.get(f"{services.url('partners_api')}/v1/organisations", params={"search": "Zestien"}).json()
    result = techniekpact_import(services, "partners", str(file), "--source", "laren")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: {file} is UTF-16 (it starts with a UTF-16 byte order mark); save it as CSV UTF-8, or pass "
        "--encoding utf-16"]
    assert httpx.get(f"{services.url('partners_api')}/v1/organisations",
                     params={"search": "Zestien"}).json() == before == {"items": [], "next_cursor": None}
    given = techniekpact_import(services, "partners", str(file), "--source", "laren", "--encoding", "utf-16")
    assert given.returncode == 0, given.stderr
