"""A lean HTTP/1.1 transport behind httpx's API, for the gateway's calls to the services.

The services answer over plain HTTP/1.1 on a private network, one small JSON body at a time. Each call
through aiohttp (httpx-aiohttp) or httpcore costs the gateway more Python than the answer itself:
a second URL parse, header multidicts, trace hooks, cookie and timeout objects, a chunked reader. Here a
request is one write of its bytes on a kept-alive connection and the answer is read whole by llhttp
(httptools, uvicorn's parser). What it does not do, it refuses: https (`UnsupportedProtocol`) and
proxies; the gateway's settings name the services' http:// URLs. Time limits are the caller's
(gateway/downstream.py wraps each call in its budget); a call cancelled half way closes its connection.
"""

import asyncio
import time
from collections import defaultdict
from typing import Any

import httptools
import httpx

# A connection idle longer is closed rather than reused: uvicorn closes an idle one after 5 s, and a
# request sent just as the server closes would be lost.
KEEPALIVE_SECONDS = 4.0


class _Answer(asyncio.Protocol):
    """One connection; reads one response at a time."""

    def __init__(self) -> None:
        self.transport: Any = None  # asyncio's or uvloop's (which is no asyncio.Transport subclass)
        self.closed = False
        self.idle_since = 0.0
        self.waiter: asyncio.Future[None] | None = None
        self.parser: Any = None
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.reason = b""
        self.received = False
        self.complete = False
        self.status = 0
        self.keep_alive = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(httpx.RemoteProtocolError("Server disconnected without sending a response."
                                                                if not self.received else "Answer cut short."))

    def data_received(self, data: bytes) -> None:
        self.received = True
        if self.parser is None:  # bytes nobody asked for: the connection cannot be trusted
            self.close()
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            if self.waiter is not None and not self.waiter.done():
                self.waiter.set_exception(httpx.RemoteProtocolError(str(exc)))
            self.close()

    # httptools' callbacks
    def on_status(self, status: bytes) -> None:
        self.reason += status

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        # Read here: once the message is complete the parser is ready for the next and has forgotten it.
        self.status = self.parser.get_status_code()
        self.keep_alive = self.parser.should_keep_alive()

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.complete = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    async def exchange(self, head_and_body: bytes) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.headers, self.body, self.reason, self.received, self.complete = [], [], b"", False, False
        self.keep_alive = False
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(head_and_body)
        await self.waiter

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class Http11Transport(httpx.AsyncBaseTransport):
    def __init__(self, limits: httpx.Limits | None = None) -> None:
        limits = limits or httpx.Limits(max_connections=100, max_keepalive_connections=20)  # httpx's defaults
        self.max_connections = limits.max_connections or 1_000_000  # None: no limit
        self.max_idle = self.max_connections if limits.max_keepalive_connections is None \
            else limits.max_keepalive_connections
        self.idle: defaultdict[tuple[str, int], list[_Answer]] = defaultdict(list)
        self.slots: asyncio.Semaphore | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme != "http":
            raise httpx.UnsupportedProtocol(f"{url.scheme!r} is not served by this transport: http only.")
        if self.slots is None:
            self.slots = asyncio.Semaphore(self.max_connections)
        lines = [request.method.encode(), b" ", url.raw_path, b" HTTP/1.1\r\n"]
        for name, value in request.headers.raw:
            lines += [name, b": ", value, b"\r\n"]
        lines += [b"\r\n", await request.aread()]
        message = b"".join(lines)
        address = (url.host, url.port or 80)
        async with self.slots:
            connection = self._idle(address)
            reused = connection is not None
            if connection is None:
                connection = await self._connect(address)
            try:
                await connection.exchange(message)
            except httpx.RemoteProtocolError:
                connection.close()
                # A kept connection the server closed as the request went out: nothing was answered, and a
                # read is sent once more on a new connection, as httpcore and aiohttp do.
                if not (reused and not connection.received and request.method in ("GET", "HEAD")):
                    raise
                connection = await self._connect(address)
                try:
                    await connection.exchange(message)
                except BaseException:
                    connection.close()
                    raise
            except BaseException:  # cancelled (the caller's time budget) or failed half way
                connection.close()
                raise
            response = httpx.Response(
                connection.status, headers=connection.headers, content=b"".join(connection.body),
                extensions={"http_version": b"HTTP/1.1", "reason_phrase": connection.reason}, request=request)
            if connection.keep_alive and not connection.closed and \
                    len(self.idle[address]) < self.max_idle:
                connection.parser = None
                connection.idle_since = time.monotonic()
                self.idle[address].append(connection)
            else:
                connection.close()
            return response

    def _idle(self, address: tuple[str, int]) -> _Answer | None:
        kept = self.idle[address]
        while kept:
            connection = kept.pop()
            if not connection.closed and time.monotonic() - connection.idle_since < KEEPALIVE_SECONDS:
                return connection
            connection.close()
        return None

    @staticmethod
    async def _connect(address: tuple[str, int]) -> _Answer:
        try:
            _, connection = await asyncio.get_running_loop().create_connection(_Answer, *address)
        except OSError as exc:
            raise httpx.ConnectError(str(exc)) from exc
        return connection

    async def aclose(self) -> None:
        for kept in self.idle.values():
            for connection in kept:
                connection.close()
        self.idle.clear()
