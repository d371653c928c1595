"""What a database error means for the client, whichever way it arrived.

An error reaches a service wrapped by SQLAlchemy (`DBAPIError`, the driver's error as `orig` and
the asyncpg one behind it) or raw from asyncpg (the COPY and bulk paths use the driver
connection), or as an OSError when the server is not there at all. One classification serves both:

- transient: a deadlock (40P01) or a serialization failure (40001); the work is sound, only its
  timing was unlucky, so the service runs it again (common.retry) and the client never sees it;
- unavailable: no connection (refused, lost, too many clients, the server shutting down), the pool
  exhausted, or a statement cancelled by its timeout: 503 with Retry-After;
- input: a value the database refuses (class 22, data exceptions; not-null and check violations):
  422, naming the column when the database says which.
"""

import re
from dataclasses import dataclass

import asyncpg
import sqlalchemy.exc

TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})
STATEMENT_TIMEOUT = "57014"
_SERVER_GOING_AWAY = frozenset({"57P01", "57P02", "57P03"})
_KEY_IN_DETAIL = re.compile(r"^Key \(([^)]+)\)=")


class TransientFault(Exception):
    """A deadlock or serialization failure, after the request's transaction was rolled back."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"transient database fault {sqlstate}")
        self.sqlstate = sqlstate


def driver_error(exc: BaseException) -> BaseException:
    """The error as the driver raised it (asyncpg's), unwrapping SQLAlchemy's layers."""
    if isinstance(exc, sqlalchemy.exc.DBAPIError) and exc.orig is not None:
        exc = exc.orig
    if not isinstance(exc, asyncpg.PostgresError | asyncpg.InterfaceError) and isinstance(
            exc.__cause__, asyncpg.PostgresError | asyncpg.InterfaceError):
        exc = exc.__cause__
    return exc


def sqlstate_of(exc: BaseException) -> str:
    if isinstance(exc, sqlalchemy.exc.DBAPIError):
        code = getattr(exc.orig, "sqlstate", None)
        if code:
            return str(code)
    return str(getattr(driver_error(exc), "sqlstate", None) or "")


def is_transient(exc: BaseException) -> bool:
    return sqlstate_of(exc) in TRANSIENT_SQLSTATES


def is_statement_timeout(exc: BaseException) -> bool:
    return sqlstate_of(exc) == STATEMENT_TIMEOUT or isinstance(driver_error(exc), asyncpg.QueryCanceledError)


def is_unavailable(exc: BaseException) -> bool:
    """No connection to be had or kept, or no answer in time: the client should come back shortly."""
    if isinstance(exc, sqlalchemy.exc.TimeoutError | OSError):
        return True
    if isinstance(exc, sqlalchemy.exc.DBAPIError) and exc.connection_invalidated:
        return True
    if is_statement_timeout(exc):
        return True
    code = sqlstate_of(exc)
    if code.startswith(("08", "53")) or code in _SERVER_GOING_AWAY:
        return True
    return isinstance(driver_error(exc), OSError)


@dataclass(frozen=True)
class InputRefusal:
    reason: str
    field: str | None


_REASONS = {
    "22001": "A text is longer than this field holds.",
    "22003": "A number is out of the range this field holds.",
    "22021": "Text may not contain NUL (\\u0000) characters.",
    "22P05": "Text may not contain NUL (\\u0000) characters.",
    "22P02": "A value is not in the form this field holds.",
    "22007": "A date or time is not in a form this field holds.",
    "22008": "A date or time is out of the range this field holds.",
    "23502": "A required value is missing.",
    "23514": "A value is outside what this field allows.",
}


def input_refusal(exc: BaseException) -> InputRefusal | None:
    """Why the database refused a value the client sent, and the column if it says; None if not input."""
    code = sqlstate_of(exc)
    if not (code.startswith("22") or code in _REASONS):
        return None
    driver = driver_error(exc)
    column = getattr(driver, "column_name", None)
    if not column and (match := _KEY_IN_DETAIL.match(getattr(driver, "detail", None) or "")):
        column = match.group(1)
    return InputRefusal(_REASONS.get(code, "A value is not one this field holds."), column or None)
