"""What errors may say to a client, and what the log keeps of them.

Unexpected errors become 'Unexpected error.' (no stack trace, host or query text). Errors the
gateway means to show pass as they are: a service down, a service's problem details, GraphQL's
own validation.
"""

import logging

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from gateway.downstream import DownstreamError

log = logging.getLogger(__name__)


class ServiceErrorsPass(MaskErrors):
    def __init__(self) -> None:
        super().__init__(should_mask_error=_unexpected, error_message="Unexpected error.")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        log.error("unexpected error in a resolver", exc_info=error.original_error)
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "INTERNAL_SERVER_ERROR"}
        return masked


def _unexpected(error: GraphQLError) -> bool:
    return error.original_error is not None and not isinstance(error.original_error, (DownstreamError, GraphQLError))


def log_errors(errors: list[GraphQLError]) -> None:
    """A service being down is expected and already logged by the downstream client: no traceback."""
    for error in errors:
        if isinstance(error.original_error, DownstreamError):
            log.info("field error: %s", error.message, extra={"path": error.path})
        elif error.original_error is None:
            log.info("request error: %s", error.message)
        else:
            log.error("resolver failed", exc_info=error.original_error, extra={"path": error.path})
