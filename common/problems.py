"""RFC 9457 problem details: every error a client sees has this one shape.

    {"type": ..., "title": ..., "status": 422, "detail": ..., "instance": "/v1/...",
     "request_id": ..., "errors": [{"field": "records.3.kvk_number", "reason": ...}]}
"""

import logging
from collections.abc import Iterable, Mapping
from typing import Any

import asyncpg
import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from common.faults import TransientFault, driver_error, input_refusal, is_transient, is_unavailable
from common.observability import current_request_id

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://techniekpact.nl/problems/"

log = logging.getLogger(__name__)


class Problem(Exception):
    """Raise anywhere in a request to answer with problem+json."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        type: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type
        self.errors = errors
        self.headers = dict(headers or {})
        self.extensions = extensions

    def body(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": PROBLEM_TYPE_BASE + (self.type or _slug(self.title)),
            "title": self.title,
            "status": self.status,
        }
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        request_id = current_request_id()
        if request_id:
            body["request_id"] = request_id
        if self.errors is not None:
            body["errors"] = self.errors
        body.update(self.extensions)
        return body


def _slug(title: str) -> str:
    return "-".join(title.lower().split())


def field_error(field: str, reason: str, **extra: Any) -> dict[str, Any]:
    return {"field": field, "reason": reason, **extra}


def invalid(errors: Iterable[dict[str, Any]], detail: str = "The request has invalid fields.") -> Problem:
    errors = list(errors)
    return Problem(422, "Validation failed", detail, type="validation", errors=errors)


def not_found(what: str, key: Any) -> Problem:
    return Problem(404, "Not found", f"No {what} {key!s}.", type="not-found")


def conflict(detail: str, **extensions: Any) -> Problem:
    return Problem(409, "Conflict", detail, type="conflict", **extensions)


def problem_response(problem: Problem, request: Request) -> JSONResponse:
    return JSONResponse(
        problem.body(instance=request.url.path),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=problem.headers,
    )


def validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """Pydantic errors as `{"field", "in", "reason"}`, the field as a dotted path inside its location."""
    errors = []
    for error in exc.errors():
        location, *path = error.get("loc", ()) or ("body",)
        errors.append(
            {
                "field": ".".join(str(part) for part in path) or str(location),
                "in": str(location),
                "reason": error.get("msg", "invalid"),
            }
        )
    return errors


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc, request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(invalid(validation_errors(exc)), request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = {401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed"}.get(
            exc.status_code, "HTTP error"
        )
        detail = exc.detail if isinstance(exc.detail, str) else None
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(request))
        return problem_response(Problem(exc.status_code, title, detail, headers=headers), request)

    async def _database_error(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(database_problem(exc), request)

    # Wrapped by SQLAlchemy, raw from asyncpg (COPY and bulk paths), or no server at all (OSError).
    # TransientFault has no handler here: common.retry, outside this layer, runs the request again.
    for error in (sqlalchemy.exc.DBAPIError, sqlalchemy.exc.TimeoutError, asyncpg.PostgresError, OSError):
        app.add_exception_handler(error, _database_error)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return problem_response(Problem(500, "Internal error", "An unexpected error occurred."), request)


def database_unavailable() -> Problem:
    return Problem(503, "Database unavailable", "The database cannot be reached or did not answer in time; "
                   "retry shortly.", type="database-unavailable", headers={"Retry-After": "2"})


def concurrent_change() -> Problem:
    return Problem(409, "Concurrent change", "A concurrent change collided with this one; send it again.",
                   type="concurrent-change", headers={"Retry-After": "1"})


def database_problem(exc: Exception) -> Problem:
    """The answer to a database error: 409, 503 or 422 as common.faults classifies it, else 500."""
    if isinstance(exc, TransientFault) or is_transient(exc):
        # Reached only when the retries (common.retry) could not run the request again, or ran out.
        return concurrent_change()
    if isinstance(exc, sqlalchemy.exc.TimeoutError):
        log.warning("database pool exhausted")
        return Problem(503, "Service busy", "All database connections are in use; retry shortly.",
                       type="overloaded", headers={"Retry-After": "1"})
    if is_unavailable(exc):
        log.warning("database unavailable or too slow: %s", type(driver_error(exc)).__name__)
        return database_unavailable()
    refusal = input_refusal(exc)
    if refusal is not None:
        # The last line of defence: the schemas should have said so first, naming the field.
        errors = [field_error(refusal.field, refusal.reason)] if refusal.field else None
        return Problem(422, "Validation failed", refusal.reason, type="validation", errors=errors)
    log.error("unexpected database error", exc_info=exc)
    return Problem(500, "Internal error", "An unexpected error occurred.")


def _allowed_methods(request: Request) -> list[str]:
    """Every method the API documents for this path: Starlette names only the first route's."""
    methods: set[str] = set()
    for template, item in request.app.openapi().get("paths", {}).items():
        if compile_path(template)[0].match(request.url.path):
            methods |= {method.upper() for method in item}
    return sorted(methods)
