"""How every CLI command talks to the services' APIs: one client, one retry policy, one batch size.

A request is retried as it is, Idempotency-Key included, so a write that did happen is answered,
not redone. The sizes are the services' own limits (common/), so a page or an id list is never refused.
"""

from collections.abc import Iterator, Sequence
from types import TracebackType
from typing import Any

import httpx
import tenacity

from common.request_limits import MAX_LIST_ITEMS, MAX_PAGE_SIZE

# Rows per bulk write (a push or a feed post), one transaction each. A request costs a few hundred ms
# whatever its size, so fewer, larger ones win; 10,000 is the most a push takes in one.
BATCH_SIZE = 10_000
# A feed post takes any number of rows (up to its MAX_BODY_BYTES): `techniekpact import` sends 100,000
# at a time (about 5 MB of CSV), so a large file pays the post's fixed cost ten times per million rows.
FEED_BATCH_SIZE = 100_000
# Bulk writes in flight at once by `techniekpact import`: enough that the service always has the next
# batch while the client reads and encodes the one after (bench/import_concurrency.py).
IMPORT_CONCURRENCY = 4
# A bulk write of 10,000 rows can take a minute on a busy database; a service that is down shows at once.
TIMEOUT = httpx.Timeout(120.0, connect=10.0)
ATTEMPTS = 5


class ServiceError(Exception):
    """A service could not be reached or refused a request; the message is one line for the operator."""

    @classmethod
    def refused(cls, response: httpx.Response) -> "ServiceError":
        problem = problem_of(response)
        errors = "; ".join(f"{error.get('field', error.get('index', ''))}: {error.get('reason', error.get('msg', ''))}"
                           for error in (problem.get("errors") or [])[:10])
        return cls(f"{response.request.method} {response.request.url} answered {response.status_code}: "
                   f"{refusal_detail(response)}{' (' + errors + ')' if errors else ''}")


def problem_of(response: httpx.Response) -> dict[str, Any]:
    """The problem document (RFC 9457) of a refusal; empty when the body is not a JSON object."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def refusal_detail(response: httpx.Response) -> str:
    problem = problem_of(response)
    return str(problem.get("detail") or problem.get("title") or response.text[:300])


def client(base_url: str, *, token: str | None = None, transport: httpx.BaseTransport | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=base_url, timeout=TIMEOUT, headers=headers, transport=transport)


def retryable(response: httpx.Response) -> bool:
    """A proxy's 5xx; or 409 for a keyed write: the same Idempotency-Key is still running."""
    return response.status_code in {502, 503, 504} or (
        response.status_code == 409 and "idempotency-key" in response.request.headers)


def _last_answer(state: tenacity.RetryCallState) -> httpx.Response:
    """The answer of the last attempt once the attempts are used up (a transport error is raised again)."""
    assert state.outcome is not None  # tenacity calls this only after an attempt
    answer: httpx.Response = state.outcome.result()
    return answer


@tenacity.retry(retry=tenacity.retry_if_exception_type(httpx.TransportError) | tenacity.retry_if_result(retryable),
                stop=tenacity.stop_after_attempt(ATTEMPTS), wait=tenacity.wait_exponential(multiplier=0.5, max=8),
                retry_error_callback=_last_answer)
def _attempts(http: httpx.Client, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return http.request(method, path, **kwargs)


def send(http: httpx.Client, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """The answer, retried as the policy says; a ServiceError when the service stays unreachable."""
    try:
        return _attempts(http, method, path, **kwargs)
    except httpx.TransportError as exc:
        raise ServiceError(f"cannot reach {http.base_url}: {exc}") from None


def batches(rows: Sequence[dict[str, Any]], size: int = BATCH_SIZE) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """(position of the first row, rows) per bulk write."""
    for start in range(0, len(rows), size):
        yield start, list(rows[start:start + size])


def id_lists(ids: Sequence[str]) -> Iterator[str]:
    """The ids as comma-separated lists, as many per list as a query takes."""
    for start in range(0, len(ids), MAX_LIST_ITEMS):
        yield ",".join(ids[start:start + MAX_LIST_ITEMS])


class Service:
    """One service's JSON API over the shared client: a refusal becomes one ServiceError line."""

    def __init__(self, base_url: str, *, token: str | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.http = client(base_url, token=token, transport=transport)

    def request(self, method: str, path: str, *, ok: tuple[int, ...] = (200, 201, 202), **kwargs: Any) -> Any:
        """The answer's JSON (None for an empty answer, or a 404 that `ok` allows)."""
        response = send(self.http, method, path, **kwargs)
        if response.status_code == 404 and 404 in ok:
            return None
        if response.status_code not in ok:
            raise ServiceError.refused(response)
        return response.json() if response.content else None

    def get(self, path: str, **params: Any) -> Any:
        """GET with the parameters that have a value."""
        return self.request("GET", path, params={key: value for key, value in params.items() if value is not None})

    def items(self, path: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every item of a paged list, a page at a time."""
        cursor = None
        while True:
            page = self.get(path, **params, limit=MAX_PAGE_SIZE, cursor=cursor)
            yield from page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> "Service":
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()
