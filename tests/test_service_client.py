"""common/service_client.py: one pooled client per process, a read asked once more when its kept
connection failed, never a write or a read that ran out of time."""

import httpx
import pytest

from common import observability
from common.service_client import ServiceHttp


class Flaky:
    """Fails the first `failures` requests with `error`, then answers 200."""

    def __init__(self, failures: int, error: type[httpx.TransportError] = httpx.RemoteProtocolError) -> None:
        self.failures = failures
        self.error = error
        self.seen: list[httpx.Request] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        if len(self.seen) <= self.failures:
            raise self.error("closed as it was sent", request=request)
        return httpx.Response(200, json={"ok": True})


async def test_one_pooled_client_until_closed():
    service = ServiceHttp("http://svc.test/", 2.0, httpx.MockTransport(Flaky(0).handle))
    first = service._http()
    assert service._http() is first and str(first.base_url) == "http://svc.test"
    await service.aclose()
    assert first.is_closed and service._http() is not first
    await service.aclose()


async def test_a_read_is_asked_once_more_when_its_connection_failed():
    flaky = Flaky(1)
    service = ServiceHttp("http://svc.test", 2.0, httpx.MockTransport(flaky.handle))
    response = await service._send("GET", "/v1/things", read=True, params={"ids": "a,b"})
    assert response.json() == {"ok": True} and len(flaky.seen) == 2
    assert flaky.seen[1].url.params["ids"] == "a,b"
    await service.aclose()


@pytest.mark.parametrize(("read", "error"), [(False, httpx.RemoteProtocolError), (True, httpx.ReadTimeout)])
async def test_a_write_or_a_timed_out_read_is_sent_once(read, error):
    flaky = Flaky(1, error)
    service = ServiceHttp("http://svc.test", 2.0, httpx.MockTransport(flaky.handle))
    with pytest.raises(error):
        await service._send("POST", "/v1/things", read=read, json={"a": 1})
    assert len(flaky.seen) == 1
    await service.aclose()


async def test_headers_carry_the_request_id_and_the_callers_token():
    assert ServiceHttp._headers() == {}
    reset = observability._request_id.set("req-1")
    try:
        assert ServiceHttp._headers("tok") == {"Authorization": "Bearer tok", observability.REQUEST_ID_HEADER: "req-1"}
    finally:
        observability._request_id.reset(reset)
