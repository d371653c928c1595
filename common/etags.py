"""Optimistic concurrency: updates carry `If-Match` with the ETag the client last saw."""

from fastapi import Request

from common.problems import Problem


def etag(version: int) -> str:
    return f'"{version}"'


def require_if_match(request: Request, version: int) -> None:
    header = request.headers.get("if-match")
    if header is None:
        raise Problem(428, "Precondition required",
                      "Send If-Match with the ETag of the version you are changing.", type="if-match-required")
    offered = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    if "*" not in offered and etag(version) not in offered:
        raise Problem(412, "Precondition failed",
                      "The resource has changed since you read it; fetch it again and reapply your change.",
                      type="stale-etag", current_etag=etag(version))
