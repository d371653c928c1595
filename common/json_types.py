"""Request-field types that take JSON as JSON.

Pydantic's lax mode reads `0` as false, `0` as 1970-01-01 and `0.5` as a timestamp. The OpenAPI
document says boolean or date string, so such a request is a client bug: answer 422 naming the
field instead of storing a guess. Query parameters arrive as text and keep FastAPI's own parsing;
these are for JSON bodies.
"""

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, StrictBool

JsonBool = StrictBool


def _iso_text(kind: type) -> Any:
    def check(value: Any) -> Any:
        # Instances pass so Python callers can build the models; JSON numbers and the rest do not.
        if isinstance(value, str | kind):
            return value
        raise ValueError(f"must be an ISO 8601 {kind.__name__} string")
    return check


JsonDate = Annotated[date, BeforeValidator(_iso_text(date))]
JsonDateTime = Annotated[datetime, BeforeValidator(_iso_text(datetime))]
