"""The push's plain reading of a body (schemas.push_rows) gives what the models give, or leaves it to them."""

import json
import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from services.partners_api.schemas import HTTP_URL, PLAIN_URL
from services.partners_api.schemas.push import PushBody, push_row, push_rows


def by_models(body: bytes) -> list[tuple[Any, ...]] | None:
    try:
        return [push_row(record) for record in PushBody.model_validate_json(body).records]
    except ValidationError:
        return None


def both(records: Any) -> tuple[list[tuple[Any, ...]] | None, list[tuple[Any, ...]] | None]:
    body = json.dumps(records if isinstance(records, dict) else {"records": records}).encode()
    return push_rows(body), by_models(body)


PLAIN = {"external_id": "HV-1", "name": "Tata Steel", "kind": "company", "sectors": ["ICT", "metaal", "ict"],
         "kvk_number": "12345678", "brin_code": "25lp", "oin": "00000001001772710000", "municipality_code": "gm0402",
         "website": "https://www.tata-steel.nl/over?x=1", "email": "info@tata.nl", "active": False}


def test_a_plain_record_reads_as_the_models_read_it():
    fast, models = both([PLAIN, {"external_id": "2", "name": "B", "kind": "mbo", "website": "", "email": None}])
    assert fast is not None
    assert fast == models
    assert fast[0] == ("HV-1", "Tata Steel", "company", ["ict", "metaal"], "12345678", "25LP",
                       "00000001001772710000", "GM0402", "https://www.tata-steel.nl/over?x=1", "info@tata.nl", False)
    assert fast[1] == ("2", "B", "mbo", [], None, None, None, None, None, None, True)


@pytest.mark.parametrize("change", [
    {"name": " Tata "}, {"name": ""}, {"name": "a\tb"}, {"kind": "bedrijf"}, {"kind": " company"},
    {"sectors": "ict"}, {"sectors": [" ict"]}, {"sectors": ["bad!"]}, {"sectors": None}, {"kvk_number": 12345678},
    {"kvk_number": "1234567"}, {"kvk_number": " 12345678"}, {"brin_code": "25L"}, {"website": "www.tata.nl"},
    {"email": "geen"}, {"active": "ja"}, {"active": None}, {"unknown": 1}, {"external_id": "x" * 201},
])
def test_anything_unusual_is_left_to_the_models(change):
    fast, models = both([{**PLAIN, **change}])
    assert fast is None
    if models is not None:  # the models may accept it (stripping, normalising): the push then uses theirs
        assert models[0] != tuple(PLAIN.values())


@pytest.mark.parametrize("change", [
    {"website": "https://xn--bcher-kva.example"}, {"website": "https://tata.nl:8080/"}, {"email": "Info@Tätä.nl"}])
def test_addresses_that_are_not_plain_are_checked_by_the_same_rules(change):
    fast, models = both([{**PLAIN, **change}])
    assert fast is not None
    assert fast == models


@pytest.mark.parametrize("body", [[], {"records": [PLAIN], "more": 1}, {"records": {"a": PLAIN}}, {"records": [1]}])
def test_a_body_of_another_shape_is_left_to_the_models(body):
    assert push_rows(json.dumps(body).encode()) is None
    assert push_rows(b"{not json") is None


_TEXT = st.one_of(st.none(), st.text(alphabet=string.printable + "äé\u00a0\u2028", max_size=12),
                  st.sampled_from(["", " ", "12345678", "25LP", "GM0402", "https://a.nl", "a@b.nl"]))
_RECORD = st.fixed_dictionaries(
    {"external_id": _TEXT, "name": _TEXT, "kind": st.sampled_from(["company", "mbo", "Company", "x"])},
    optional={"sectors": st.lists(_TEXT, max_size=3), "kvk_number": _TEXT, "brin_code": _TEXT, "oin": _TEXT,
              "municipality_code": _TEXT, "website": _TEXT, "email": _TEXT,
              "active": st.one_of(st.booleans(), st.none(), st.integers(0, 1))})


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_RECORD, max_size=3))
def test_what_the_plain_reading_accepts_the_models_accept_alike(records):
    fast, models = both(records)
    if fast is not None:
        assert models is not None
        assert fast == models


_HOST_LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)


@settings(max_examples=400, deadline=None)
@given(st.lists(_HOST_LABEL, min_size=1, max_size=3), st.from_regex(r"[a-z][a-z0-9-]{0,6}", fullmatch=True),
       st.sampled_from(["http", "https"]), st.from_regex(r"(/[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,12})?", fullmatch=True))
def test_a_plain_address_is_one_the_url_parser_accepts(labels, top, scheme, path):
    address = f"{scheme}://{'.'.join(labels)}.{top}{path}"
    if PLAIN_URL.fullmatch(address):
        url = HTTP_URL.validate_python(address)
        assert url.host is not None and "." in url.host

