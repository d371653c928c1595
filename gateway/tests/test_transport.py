"""The gateway's lean HTTP/1.1 transport (gateway/transport.py) against a real socket server: requests
as written, answers whole (chunked too), connections kept and reused, and every way a connection
ends (closed while idle, cut half way, refused, a call cancelled) either answered or an httpx error."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
import pytest
from httpx_aiohttp import AiohttpTransport

from gateway.app import create_app
from gateway.settings import GatewaySettings
from gateway.transport import Http11Transport

Answer = Callable[[bytes], bytes | None]  # a request's bytes -> the answer's bytes; None: close without one


def ok(body: bytes = b'{"ok": true}', *, close: bool = False) -> bytes:
    extra = b"Connection: close\r\n" if close else b""
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + extra + \
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body


class Server:
    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.requests: list[bytes] = []
        self.connections = 0
        self.writers: list[asyncio.StreamWriter] = []

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.writers.append(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                request = head + await reader.readexactly(length)
                self.requests.append(request)
                answer = self.answer(request)
                if answer is None:
                    break
                writer.write(answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()


@asynccontextmanager
async def serving(answer: Answer) -> AsyncIterator[tuple[Server, str]]:
    server = Server(answer)
    listening = await asyncio.start_server(server.serve, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    try:
        yield server, f"http://127.0.0.1:{port}"
    finally:
        listening.close()
        for writer in server.writers:
            writer.close()


async def test_requests_as_written_and_connections_kept() -> None:
    async with serving(lambda request: ok()) as (server, url), \
            httpx.AsyncClient(transport=Http11Transport()) as client:
        for _ in range(3):
            response = await client.get(f"{url}/v1/actions?ids=a%2Cb", headers={"X-Request-ID": "r1"})
            assert response.status_code == 200 and response.json() == {"ok": True}
        posted = await client.post(f"{url}/v1/series/query", json={"series": []})
        assert posted.json() == {"ok": True} and posted.reason_phrase == "OK"
    assert server.connections == 1
    first = server.requests[0]
    assert first.startswith(b"GET /v1/actions?ids=a%2Cb HTTP/1.1\r\nHost: 127.0.0.1:")
    assert b"\r\nX-Request-ID: r1\r\n" in first
    assert server.requests[3].startswith(b"POST /v1/series/query HTTP/1.1\r\n")
    assert server.requests[3].endswith(b'\r\n\r\n{"series":[]}')


async def test_chunked_answers_and_problems() -> None:
    chunked = (b"HTTP/1.1 404 Not Found\r\nContent-Type: application/problem+json\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"5\r\n{\"tit\r\n9\r\nle\": \"x\"}\r\n0\r\n\r\n")
    async with serving(lambda request: chunked) as (server, url), \
            httpx.AsyncClient(transport=Http11Transport()) as client:
        response = await client.get(f"{url}/v1/pacts/none")
        assert response.status_code == 404 and response.json() == {"title": "x"}
        assert response.reason_phrase == "Not Found"
        await client.get(f"{url}/v1/pacts/none")
    assert server.connections == 1


async def test_connection_close_is_not_reused() -> None:
    async with serving(lambda request: ok(close=True)) as (server, url), \
            httpx.AsyncClient(transport=Http11Transport()) as client:
        for _ in range(2):
            assert (await client.get(f"{url}/x")).status_code == 200
    assert server.connections == 2


async def test_a_read_on_a_connection_the_server_closed_goes_again_on_a_new_one() -> None:
    answers = iter([ok(), None, ok(b'{"again": 1}')])
    async with serving(lambda request: next(answers)) as (server, url), \
            httpx.AsyncClient(transport=Http11Transport()) as client:
        await client.get(f"{url}/x")
        response = await client.get(f"{url}/x")  # the kept connection is closed without an answer
        assert response.json() == {"again": 1}
    assert server.connections == 2 and len(server.requests) == 3


async def test_a_write_cut_short_is_an_error_and_never_sent_twice() -> None:
    answers = iter([ok(), None, ok()])
    async with serving(lambda request: next(answers)) as (server, url), \
            httpx.AsyncClient(transport=Http11Transport()) as client:
        await client.get(f"{url}/x")
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post(f"{url}/v1/actions/a/status", json={"status": "achieved"})
        assert (await client.get(f"{url}/x")).status_code == 200  # a new connection
    assert [request.split(b" ")[0] for request in server.requests] == [b"GET", b"POST", b"GET"]


async def test_refused_and_https() -> None:
    async with serving(lambda request: ok()) as (_, url):
        pass  # closed: nothing listens there any more
    async with httpx.AsyncClient(transport=Http11Transport()) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"{url}/x")
        with pytest.raises(httpx.UnsupportedProtocol):
            await client.get("https://127.0.0.1:1/x")


async def test_a_cancelled_call_closes_its_connection() -> None:
    def answer(request: bytes) -> bytes | None:
        return ok() if b"/fast" in request else b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{"  # never finished

    async with serving(answer) as (server, url), httpx.AsyncClient(transport=Http11Transport()) as client:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await client.get(f"{url}/slow")
        assert (await client.get(f"{url}/fast")).status_code == 200
    assert server.connections == 2  # the half-read connection was not reused


@pytest.mark.parametrize(("scheme", "chosen"), [("http", Http11Transport), ("https", AiohttpTransport)])
def test_the_gateway_uses_it_for_plain_http_services(scheme: str, chosen: type) -> None:
    settings = GatewaySettings(environment="test", actions_api_url=f"{scheme}://actions:8001",
                               partners_api_url="http://partners:8002", metrics_api_url="http://metrics:8003")
    transports = create_app(settings).state.downstream.transports
    assert {type(transport) for transport in transports.values()} == {chosen}
