"""Request-field types that take JSON as JSON.

Pydantic's lax mode reads `0` as false, `true` as 1, `0` (or the text "0") as 1970-01-01 and `0.5` as a
timestamp. The OpenAPI document says boolean or ISO 8601 date string, so such a request is a client
bug: answer 422 naming the field instead of storing a guess. The date types work for query
parameters too, which arrive as text.
"""

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StrictBool

JsonBool = StrictBool


def _not_a_boolean(value: Any) -> Any:
    # Python's True is an int, so lax pydantic reads "number": true as 1.
    if isinstance(value, bool):
        raise ValueError("must be an integer, not a boolean")
    return value


def JsonInt(**bounds: Any) -> Any:
    """An integer field; its bounds sit inside, before the check, so the OpenAPI document keeps them."""
    return Annotated[int, Field(**bounds), BeforeValidator(_not_a_boolean)]


_ISO_DATE_START = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_text(kind: type) -> Any:
    def check(value: Any) -> Any:
        # Instances pass so Python callers can build the models; numbers, as JSON or as text, do not.
        if isinstance(value, kind) or (isinstance(value, str) and _ISO_DATE_START.match(value)):
            return value
        raise ValueError(f"must be an ISO 8601 {kind.__name__} string")
    return check


JsonDate = Annotated[date, BeforeValidator(_iso_text(date))]
JsonDateTime = Annotated[datetime, BeforeValidator(_iso_text(datetime))]
