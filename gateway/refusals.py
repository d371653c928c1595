"""What the gateway refuses before it calls any service, and how a refusal reads.

A refusal is a GraphQL error with `extensions.code`, answered with HTTP 400 (whatever media type
the client accepts: it is the request that is wrong, not one of its fields). The request body is
checked before it is parsed: its JSON nesting by a linear scan of the raw bytes (common.json_depth),
then whether it is the object GraphQL over HTTP expects. Strings a client sends, in variables or
in the document, are limited in length and must be valid Unicode, since each may become part of a
URL or a body sent to a service.
"""

import json
import re
from collections.abc import Collection, Iterable
from enum import StrEnum
from typing import Any

from graphql import GraphQLError, Node
from starlette.types import Scope, Send

from common import limits
from common.json_depth import JsonTooDeep, check_json_depth


class Code(StrEnum):
    BAD_REQUEST = "BAD_REQUEST"  # not a GraphQL request: not JSON, not an object, batched
    BAD_USER_INPUT = "BAD_USER_INPUT"  # a value the gateway cannot pass on (a page size, a string, an entity)
    BODY_TOO_DEEP = "BODY_TOO_DEEP"
    BODY_TOO_LARGE = "BODY_TOO_LARGE"  # more bytes than GATEWAY_MAX_BODY_BYTES
    QUERY_TOO_LARGE = "QUERY_TOO_LARGE"  # more tokens than GRAPHQL_MAX_TOKENS
    QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"  # too many fields once fragments are expanded, or repeated
    QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"
    TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
    TOO_MANY_ENTITIES = "TOO_MANY_ENTITIES"


REFUSAL_CODES = frozenset(Code)

# A lone surrogate (JSON allows "\ud800") cannot be encoded for any service.
_SURROGATE = re.compile("[\ud800-\udfff]")


class Refusal(GraphQLError):
    def __init__(self, message: str, code: Code, nodes: Node | Collection[Node] | None = None,
                 **extensions: Any) -> None:
        super().__init__(message, nodes, extensions={"code": code.value, **extensions})


def is_refusal(errors: Iterable[GraphQLError]) -> bool:
    """A request refused before it ran; a field's error (it has a path), even BAD_USER_INPUT from a
    service, is part of an answer."""
    return any(error.path is None and (error.extensions or {}).get("code") in REFUSAL_CODES for error in errors)


def refusal_body(refusal: Refusal) -> dict[str, Any]:
    """The answer to a request refused before Strawberry had a document to run."""
    return {"errors": [refusal.formatted]}


def decode_request_json(data: str | bytes, max_depth: int) -> dict[str, Any]:
    """A POST body or a GET `variables`/`extensions` parameter: checked for depth, then parsed."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    try:
        check_json_depth(raw, max_depth)
    except JsonTooDeep:
        raise Refusal(f"The JSON nests deeper than {max_depth} levels.", Code.BODY_TOO_DEEP, limit=max_depth) from None
    try:
        decoded = json.loads(raw)
    except ValueError as exc:  # malformed, or an integer of more digits than Python converts
        raise Refusal(f"The body is not valid JSON: {exc}.", Code.BAD_REQUEST) from None
    if not isinstance(decoded, dict):
        raise Refusal("A GraphQL request is a JSON object with `query` (and `variables`, `operationName`); "
                      "batches are not accepted.", Code.BAD_REQUEST)
    return decoded


def check_string(value: str, max_length: int, where: str, nodes: Node | None = None) -> None:
    if len(value) > max_length:
        raise Refusal(f"{where}: a string of {len(value)} characters; at most {max_length} are accepted.",
                      Code.BAD_USER_INPUT, nodes, limit=max_length)
    if _SURROGATE.search(value):
        raise Refusal(f"{where}: the string holds a lone surrogate, which is not valid Unicode.",
                      Code.BAD_USER_INPUT, nodes)


def check_strings(value: Any, max_length: int, where: str) -> None:
    """Every string in a JSON value (variables), by its path (`$slug`, `$input.note`, `$reps.3.id`)."""
    if isinstance(value, str):
        check_string(value, max_length, where)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_string(key, max_length, where)
            check_strings(item, max_length, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_strings(item, max_length, f"{where}.{index}")


class BodyLimitMiddleware(limits.RequestBodyLimitMiddleware):
    """The services' body limit, answering a body too large as the gateway refuses everything else."""

    async def respond(self, refusal: limits.Refusal, scope: Scope, send: Send) -> None:
        if refusal.type != "body-too-large":
            await super().respond(refusal, scope, send)
            return
        graphql_refusal = Refusal(refusal.detail, Code.BODY_TOO_LARGE, limit=self.max_bytes)
        await refusal.send_body(send, 400, json.dumps(refusal_body(graphql_refusal)).encode(), "application/json")
