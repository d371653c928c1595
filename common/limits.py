"""Limits on a request body, checked as it arrives, before any parser or database work sees it.

- size: over `max_bytes` is 413 (a declared Content-Length at once, else at the chunk that passes it);
- deadline: the whole body must arrive within `read_timeout_seconds` of the request's start, else 408
  and the connection is closed, so a slow upload cannot hold a worker, a transaction or a pooled
  connection for longer than that;
- nesting: a JSON body (application/json, `+json`, or no content type) deeper than `max_json_depth`
  is 422, found by a linear scan of each chunk (common.json_depth) before the chunk is handed on.

A limit is enforced inside `receive`, so it holds for every route, streaming ones too (they see
the refusal raised from their read). Whatever the app answers once its body was refused (a
wrapped 400, a rollback's error) is replaced by the refusal itself.
"""

import asyncio
import json
import logging
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common.asgi import HttpMiddleware
from common.json_depth import JsonDepthScanner, JsonTooDeep
from common.observability import current_request_id
from common.problems import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_BASE

log = logging.getLogger(__name__)


class BodyRefused(Exception):
    """Raised from `receive` when the body breaks a limit; the middleware answers with `refusal`."""

    def __init__(self, refusal: "Refusal") -> None:
        super().__init__(refusal.detail)
        self.refusal = refusal


class Refusal:
    def __init__(self, status: int, type_: str, title: str, detail: str, *,
                 errors: list[dict[str, Any]] | None = None, close: bool = False) -> None:
        self.status, self.type, self.title, self.detail = status, type_, title, detail
        self.errors = errors
        self.close = close  # the rest of the body is never read: the connection cannot be reused

    async def send(self, scope: Scope, send: Send) -> None:
        """As problem+json."""
        problem: dict[str, Any] = {"type": PROBLEM_TYPE_BASE + self.type, "title": self.title, "status": self.status,
                                   "detail": self.detail, "instance": scope.get("path"),
                                   "request_id": current_request_id()}
        if self.errors is not None:
            problem["errors"] = self.errors
        await self.send_body(send, self.status, json.dumps(problem).encode(), PROBLEM_MEDIA_TYPE)

    async def send_body(self, send: Send, status: int, body: bytes, media_type: str) -> None:
        headers = [(b"content-type", media_type.encode()), (b"content-length", str(len(body)).encode())]
        if self.close:
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def too_large(max_bytes: int) -> Refusal:
    return Refusal(413, "body-too-large", "Request body too large", f"The body exceeds the limit of {max_bytes} bytes.")


def too_slow(seconds: float) -> Refusal:
    return Refusal(408, "body-too-slow", "Request body too slow",
                   f"The body did not arrive within {seconds:g} seconds; send it again, faster.", close=True)


def too_deep(exc: JsonTooDeep) -> Refusal:
    return Refusal(422, "body-too-deep", "Request body nested too deep", str(exc),
                   errors=[{"field": "body", "in": "body", "reason": str(exc)}])


def is_json(scope: Scope) -> bool:
    content_type = dict(scope["headers"]).get(b"content-type")
    if content_type is None:
        return True
    media_type = content_type.split(b";", 1)[0].strip().lower()
    return media_type == b"application/json" or (media_type.startswith(b"application/")
                                                 and media_type.endswith(b"+json"))


class RequestBodyLimitMiddleware(HttpMiddleware):
    """Subclasses answer a refusal in their own protocol by overriding `respond`."""

    def __init__(self, app: ASGIApp, max_bytes: int, *, read_timeout_seconds: float | None = None,
                 max_json_depth: int | None = None) -> None:
        super().__init__(app)
        self.max_bytes = max_bytes
        self.read_timeout_seconds = read_timeout_seconds
        self.max_json_depth = max_json_depth

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self.respond(too_large(self.max_bytes), scope, send)
            return

        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.read_timeout_seconds if self.read_timeout_seconds is not None else None
        depth = JsonDepthScanner(self.max_json_depth) if self.max_json_depth is not None and is_json(scope) else None
        received = 0
        body_complete = False
        refusal: Refusal | None = None
        response_started = False

        def refuse(reason: Refusal) -> BodyRefused:
            nonlocal refusal
            refusal = reason
            return BodyRefused(reason)

        async def guarded_receive() -> Message:
            nonlocal received, body_complete
            if refusal is not None:
                raise BodyRefused(refusal)
            if body_complete:
                return await receive()  # waiting for a disconnect is not reading the body
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise refuse(too_slow(self.read_timeout_seconds or 0)) from None
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                received += len(chunk)
                if received > self.max_bytes:
                    raise refuse(too_large(self.max_bytes))
                if depth is not None:
                    try:
                        depth.feed(chunk)
                    except JsonTooDeep as exc:
                        raise refuse(too_deep(exc)) from None
                body_complete = not message.get("more_body", False)
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if refusal is not None and not response_started:
                return  # the app's answer to a body it never got whole; the refusal goes out instead
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, guarded_receive, guarded_send)
        except Exception:
            if refusal is None or response_started:
                raise
            log.debug("the app failed after its request body was refused", exc_info=True)
        if refusal is not None and not response_started:
            await self.respond(refusal, scope, send)

    async def respond(self, refusal: Refusal, scope: Scope, send: Send) -> None:
        await refusal.send(scope, send)
