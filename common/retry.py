"""Deadlocks and serialization failures are the server's to retry, not the client's.

The request's session (common.database) rolls its transaction back and raises TransientFault
when PostgreSQL aborted it with 40P01 or 40001. This middleware, inside the body limits and
outside the app, then runs the whole request again: a fresh Request, fresh dependencies, a fresh
session and transaction, on the same body. That is why it sits at the ASGI level and not around
the endpoint function: the body may already have been read (FastAPI parses it before the
endpoint; the push and the feed read it themselves, the feed as a stream), the session's commit
runs after the endpoint returned, and only a new pass through the app redoes all of that.

The body is replayed from a copy of its chunks as they were received, so a streamed body works
too. A body larger than `replay_max_bytes` is not kept: such a request is answered 409 with
Retry-After at its first fault, as is one whose attempts ran out or whose answer had begun.
Attempts are bounded and spaced by a short random wait, so two colliding requests fall apart.
"""

import logging

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tenacity import AsyncRetrying, RetryCallState, stop_after_attempt, wait_random_exponential

from common.asgi import HttpMiddleware
from common.faults import TransientFault
from common.problems import PROBLEM_MEDIA_TYPE, concurrent_change

log = logging.getLogger(__name__)


class _RecordedBody:
    """The request body's chunks as the app received them, to hand to a second attempt."""

    def __init__(self, receive: Receive, max_bytes: int) -> None:
        self._receive = receive
        self.max_bytes = max_bytes
        self.chunks: list[bytes] = []
        self.size = 0
        self.complete = False
        self.replayable = True

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request" and not self.complete:
            chunk = message.get("body", b"")
            self.size += len(chunk)
            if self.size > self.max_bytes:
                self.replayable, self.chunks = False, []
            elif self.replayable:
                self.chunks.append(chunk)
            self.complete = not message.get("more_body", False)
        return message

    def replay(self) -> Receive:
        """A `receive` that gives the recorded chunks again, then whatever has not arrived yet."""
        recorded = list(self.chunks)
        position = 0

        async def receive() -> Message:
            nonlocal position
            if position < len(recorded):
                chunk = recorded[position]
                position += 1
                more = position < len(recorded) or not self.complete
                return {"type": "http.request", "body": chunk, "more_body": more}
            return await self.receive()

        return receive


class TransientFaultRetryMiddleware(HttpMiddleware):
    def __init__(self, app: ASGIApp, *, attempts: int = 3, replay_max_bytes: int = 16 * 1024 * 1024,
                 wait_seconds: float = 0.05, max_wait_seconds: float = 1.0) -> None:
        super().__init__(app)
        self.attempts = attempts
        self.replay_max_bytes = replay_max_bytes
        self.wait = wait_random_exponential(multiplier=wait_seconds, max=max_wait_seconds)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = _RecordedBody(receive, self.replay_max_bytes)
        response_started = False

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        def may_run_again(state: RetryCallState) -> bool:
            failure = state.outcome.exception() if state.outcome else None
            if not isinstance(failure, TransientFault) or response_started or not body.replayable:
                return False
            log.warning("transient database fault %s on %s %s, attempt %d of %d: running it again",
                        failure.sqlstate, scope.get("method"), scope.get("path"), state.attempt_number, self.attempts)
            return True

        retrying = AsyncRetrying(stop=stop_after_attempt(self.attempts), wait=self.wait, retry=may_run_again,
                                 reraise=True)
        try:
            async for attempt in retrying:
                with attempt:
                    first = attempt.retry_state.attempt_number == 1
                    await self.app(scope, body.receive if first else body.replay(), tracking_send)
        except TransientFault as fault:
            if response_started:
                raise
            log.warning("transient database fault %s on %s %s: gave up", fault.sqlstate, scope.get("method"),
                        scope.get("path"))
            problem = concurrent_change()
            response = JSONResponse(problem.body(instance=scope.get("path")), status_code=problem.status,
                                    media_type=PROBLEM_MEDIA_TYPE, headers=problem.headers)
            await response(scope, receive, send)
