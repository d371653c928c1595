"""Apollo's `@cacheControl(maxAge:, scope:, inheritMaxAge:)` directive, as the types mark their fields.

gateway/cache.py reads the hints: an operation selecting anything PRIVATE is never served from the
shared cache; its max age is the smallest hint it selects.
"""

from enum import Enum

import strawberry
from strawberry.schema_directive import Location


@strawberry.enum(description="Who may share a cached answer: anyone (PUBLIC) or only its caller (PRIVATE).")
class CacheControlScope(Enum):
    PUBLIC = "PUBLIC"
    PRIVATE = "PRIVATE"


@strawberry.schema_directive(locations=[Location.FIELD_DEFINITION, Location.OBJECT, Location.INTERFACE],
                             name="cacheControl",
                             description="Apollo's cache hint: for how long, and for whom, an answer may be kept.")
class CacheControl:
    max_age: int | None = None
    scope: CacheControlScope | None = None
    inherit_max_age: bool | None = None


PRIVATE = CacheControl(scope=CacheControlScope.PRIVATE)
