"""Municipality codes checked by the real metrics_api, over HTTP, against the registry its migration
loads from CBS's lists (`empty_stack`: all processes on a database of their own, migrated, so no
other test's emptying of the metrics schema reaches it)."""

import httpx
import pytest

from common.auth import issue_token
from common.settings import DEVELOPMENT_JWT_SECRET

pytestmark = pytest.mark.e2e


def _headers() -> dict[str, str]:
    token = issue_token(DEVELOPMENT_JWT_SECRET, subject="system-weesp", scopes=["partners:write"],
                        sources=["weesp"])
    return {"Authorization": f"Bearer {token}"}


def test_the_push_asks_metrics_api_and_names_weesps_successor(empty_stack):
    url = f"{empty_stack.url('partners_api')}/v1/sources/weesp/organisations"
    records = [{"external_id": "w-1", "name": "Gemeente Weesp", "kind": "municipality", "municipality_code": "GM0457"},
               {"external_id": "w-2", "name": "Techniekwerkplaats", "kind": "company", "municipality_code": "GM9999",
                "sectors": ["installation"]}]
    refused = httpx.put(url, json={"records": records}, headers=_headers(), timeout=30)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"] == [
        {"field": "records.0.municipality_code", "index": 0, "successor": "GM0363",
         "reason": "GM0457 (Weesp) was merged into GM0363 (Amsterdam) on 2022-03-24; use GM0363."},
        {"field": "records.1.municipality_code", "index": 1,
         "reason": "GM9999 is not a municipality code in CBS's registry (metrics_api's regions)."}]
    listed = httpx.get(f"{empty_stack.url('partners_api')}/v1/organisations", params={"search": "Weesp"}, timeout=30)
    assert listed.json()["items"] == []
    records[0]["municipality_code"], records[1]["municipality_code"] = "GM0363", "gm0402"
    accepted = httpx.put(url, json={"records": records}, headers=_headers(), timeout=30)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["created"] == 2
