"""The response cache over real processes: the three services on a database of this module's own
(`empty_stack`) and a gateway over them with GATEWAY_CACHE=memory. Writes go through the services'
REST APIs (as pushes, feeds and imports do) or through the gateway's mutations; reads through the
gateway."""

import asyncio
import hashlib
import json
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from cli.processes import PROCESSES, SERVICES, Stack, free_port
from gateway.settings import GatewaySettings
from gateway.tests.platform_data import bearer, ok

pytestmark = pytest.mark.e2e

PACT = "{ pact(slug: $slug) { slug name } }"
NAME = "query Name($slug: String!) " + PACT
CONTACTS = "query Contacts($id: ID!) { organisation(id: $id) { name contacts { name } } }"


@pytest.fixture(scope="module")
def cached(empty_stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A gateway with GATEWAY_CACHE=memory over the services of this module's own stack."""
    running = Stack(empty_stack.database_url, {**empty_stack.ports, "gateway": free_port()},
                    extra_env={"ENVIRONMENT": "test", "GATEWAY_CACHE": "memory"},
                    log_dir=tmp_path_factory.mktemp("cached-gateway-logs"))
    running.start(("gateway",))
    try:
        running.wait_ready(timeout=60)
        yield running
    finally:
        running.stop()


async def new_pact(stack: Stack) -> str:
    slug = f"cache-{uuid.uuid4().hex[:6]}"
    async with httpx.AsyncClient(base_url=stack.url("actions_api"), timeout=30) as actions:
        ok(await actions.post("/v1/pacts", headers=bearer("actions:write"),
                              json={"slug": slug, "name": "Eerste naam", "level": "regional"}))
    return slug


async def ask(client: httpx.AsyncClient, query: str, variables: dict, headers: dict | None = None) -> httpx.Response:
    response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers or {})
    assert response.status_code == 200, response.text
    return response


def status(response: httpx.Response) -> str:
    assert response.json()["extensions"]["cache"]["status"] == response.headers["x-cache"]
    return response.headers["x-cache"]


async def caught_up(stack: Stack, client: httpx.AsyncClient) -> None:
    """Wait until the gateway has applied every change event committed so far (its /metrics says how far
    it is), so that no event still on its way can drop an entry a test expects to be served."""
    heads = {}
    for service in SERVICES:
        # The last event the gateway can see: events about personal data are listed only with contacts:read.
        async with httpx.AsyncClient(base_url=stack.url(service), timeout=30) as feed:
            heads[service], more = 0, True
            while more:
                page = ok(await feed.get("/v1/changes", params={"after": heads[service], "limit": 1000}))
                heads[service], more = page["next_after"], page["has_more"]
    deadline = time.monotonic() + 30
    while True:
        text = (await client.get("/metrics")).text
        applied = {service: float(line.rsplit(" ", 1)[1]) for service in SERVICES for line in text.splitlines()
                   if line.startswith(f'gateway_cache_stream_position{{service="{service}"}}')}
        if all(applied.get(service, -1) >= head for service, head in heads.items()):
            return
        assert time.monotonic() < deadline, f"the gateway applied {applied}, the feeds are at {heads}"
        await asyncio.sleep(0.05)


async def until_followed(client: httpx.AsyncClient, slug: str, stack: Stack) -> None:
    """The gateway serves from its cache only once it follows all three feeds (just after start-up) and
    has applied what they hold."""
    await caught_up(stack, client)
    deadline = time.monotonic() + 30
    while status(await ask(client, NAME, {"slug": slug})) != "HIT":
        assert time.monotonic() < deadline, "the gateway never served from its cache"
        await asyncio.sleep(0.1)


async def name_becomes(client: httpx.AsyncClient, slug: str, name: str) -> httpx.Response:
    """Ask again until the answer shows `name` (bench/gateway_queries.py measures how soon)."""
    deadline = time.monotonic() + 10
    while True:
        answer = await ask(client, NAME, {"slug": slug})
        if answer.json()["data"]["pact"]["name"] == name:
            return answer
        assert time.monotonic() < deadline, f"still {answer.json()['data']['pact']['name']!r}"
        await asyncio.sleep(0.02)


async def test_a_query_is_served_from_the_cache_until_a_rest_write_commits(cached):
    slug = await new_pact(cached)
    async with httpx.AsyncClient(base_url=cached.url("gateway"), timeout=30) as client:
        await until_followed(client, slug, cached)
        hit = await ask(client, NAME, {"slug": slug})
        assert status(hit) == "HIT" and hit.json()["data"]["pact"]["name"] == "Eerste naam"
        assert hit.json()["extensions"]["downstream"]["requests"] == 0
        # The same document written otherwise, and other variables: the key is the normalised document.
        spaced = await ask(client, "query Name($slug: String!) {\n  pact(slug: $slug) {   slug\n name } }",
                           {"slug": slug})
        assert status(spaced) == "HIT"
        other = await ask(client, NAME, {"slug": "bestaat-niet"})
        assert status(other) == "MISS" and other.json()["data"]["pact"] is None

        async with httpx.AsyncClient(base_url=cached.url("actions_api"), timeout=30) as actions:
            pact = ok(await actions.get(f"/v1/pacts/{slug}"))
            ok(await actions.patch(f"/v1/pacts/{slug}", json={"name": "Tweede naam"},
                                   headers={**bearer("actions:write"), "If-Match": f'"{pact["version"]}"'}))
        fresh = await name_becomes(client, slug, "Tweede naam")
        assert status(fresh) == "MISS"
        assert status(await ask(client, NAME, {"slug": slug})) == "HIT"

        metrics = (await client.get("/metrics")).text
    assert "gateway_cache_hits_total" in metrics and 'gateway_cache_invalidations_total{cause="change event"' \
        in metrics


async def becomes(client: httpx.AsyncClient, query: str, variables: dict, wanted) -> httpx.Response:
    """Ask again until `wanted(data)` holds: the change event reached the gateway."""
    deadline = time.monotonic() + 10
    while not wanted((answer := await ask(client, query, variables)).json()["data"]):
        assert time.monotonic() < deadline, answer.text
        await asyncio.sleep(0.02)
    return answer


async def cache_both(client: httpx.AsyncClient, query: str, *variables: dict) -> None:
    for one in variables:
        await ask(client, query, one)
        assert status(await ask(client, query, one)) == "HIT"


ORGANISATION = "query Organisation($id: ID!) { organisation(id: $id) { name } }"


async def test_a_write_drops_the_answers_about_its_entity_and_leaves_the_others(cached):
    async with httpx.AsyncClient(base_url=cached.url("partners_api"), timeout=30) as partners:
        first, other = [ok(await partners.post("/v1/organisations", headers=bearer("partners:admin"), json={
            "name": name, "kind": "company", "municipality_code": "GM0402"})) for name in ("Eerste bv", "Andere bv")]
        async with httpx.AsyncClient(base_url=cached.url("gateway"), timeout=30) as client:
            await until_followed(client, await new_pact(cached), cached)
            await cache_both(client, ORGANISATION, {"id": first["id"]}, {"id": other["id"]})
            ok(await partners.patch(f"/v1/organisations/{first['id']}", json={"name": "Hernoemd bv"},
                                    headers={**bearer("partners:admin"), "If-Match": f'"{first["version"]}"'}))
            renamed = await becomes(client, ORGANISATION, {"id": first["id"]},
                                    lambda data: data["organisation"]["name"] == "Hernoemd bv")
            assert status(renamed) == "MISS"
            # The event named only the first: the answer about the other is still served from the cache.
            await caught_up(cached, client)
            kept = await ask(client, ORGANISATION, {"id": other["id"]})
            assert status(kept) == "HIT" and kept.json()["data"]["organisation"]["name"] == "Andere bv"


ACTIONS = "query Actions($slug: String!) { pact(slug: $slug) { actions(first: 50) { edges { node { title } } } } }"


def titles(data: dict) -> list[str]:
    return [edge["node"]["title"] for edge in data["pact"]["actions"]["edges"]]


async def test_a_created_entity_drops_the_lists_of_its_type_and_an_update_only_its_own(cached):
    slugs = [await new_pact(cached), await new_pact(cached)]
    writer = bearer("actions:write")
    async with httpx.AsyncClient(base_url=cached.url("actions_api"), timeout=30) as actions:
        changed = [ok(await actions.post(f"/v1/pacts/{slug}/actions", headers=writer, json={"title": "Eerste actie"}))
                   for slug in slugs][1]
        async with httpx.AsyncClient(base_url=cached.url("gateway"), timeout=30) as client:
            await until_followed(client, slugs[0], cached)
            await cache_both(client, ACTIONS, *({"slug": slug} for slug in slugs))
            # An update of an action of the second pact: the first pact's list does not show it.
            ok(await actions.patch(f"/v1/actions/{changed['id']}", json={"title": "Andere titel"},
                                   headers={**writer, "If-Match": f'"{changed["version"]}"'}))
            await becomes(client, ACTIONS, {"slug": slugs[1]}, lambda data: titles(data) == ["Andere titel"])
            await caught_up(cached, client)
            assert status(await ask(client, ACTIONS, {"slug": slugs[0]})) == "HIT"
            # A new action of the first pact is in no cached answer yet; its creation drops the lists.
            ok(await actions.post(f"/v1/pacts/{slugs[0]}/actions", headers=writer, json={"title": "Nieuwe actie"}))
            grown = await becomes(client, ACTIONS, {"slug": slugs[0]}, lambda data: len(titles(data)) == 2)
            assert status(grown) == "MISS" and titles(grown.json()["data"]) == ["Eerste actie", "Nieuwe actie"]


AGGREGATE = f"cache-{uuid.uuid4().hex[:6]}"
SERIES = ("query Series($measure: String!) { series(measure: $measure, region: \"" + AGGREGATE
          + "\", occupation: \"total\") { points { period value derived } } }")


async def test_a_feed_drops_the_series_of_the_measures_it_changed(cached):
    """Figures of a province change the derived sums of the aggregates it is in: by measure, whatever the region."""
    admin = bearer("metrics:admin")
    async with httpx.AsyncClient(base_url=cached.url("metrics_api"), timeout=30) as metrics:
        # 428: there already (the migration loads CBS's regions).
        for path, body in [("/v1/occupations/total", {"name": "Totaal"}),
                           *((f"/v1/regions/{code}", {"name": code, "kind": "province"}) for code in ("PV24", "PV26"))]:
            assert (await metrics.put(path, json=body, headers=admin)).status_code in (200, 201, 428)
        ok(await metrics.put(f"/v1/regions/{AGGREGATE}", headers=admin,
                             json={"name": "Twee provincies", "kind": "aggregate", "members": ["PV24", "PV26"]}))
        measures = [f"cache_{uuid.uuid4().hex[:6]}" for _ in range(2)]
        for measure in measures:
            ok(await metrics.put(f"/v1/measures/{measure}", headers=admin,
                                 json={"name": measure, "unit": "vacatures", "kind": "flow"}))

        async def post(measure: str, region: str, value: int) -> None:
            ok(await metrics.post("/v1/feeds/uwv/observations", headers=bearer("metrics:write", sources=["uwv"]),
                                  json={"observations": [{"measure": measure, "region": region, "period": "2014",
                                                          "occupation": "total", "value": value,
                                                          "status": "final"}]}))

        for measure in measures:
            await post(measure, "PV24", 100)
        async with httpx.AsyncClient(base_url=cached.url("gateway"), timeout=30) as client:
            await until_followed(client, await new_pact(cached), cached)
            await cache_both(client, SERIES, *({"measure": measure} for measure in measures))
            await post(measures[0], "PV26", 50)
            summed = await becomes(client, SERIES, {"measure": measures[0]},
                                   lambda data: data["series"]["points"][0]["value"] == 150)
            assert status(summed) == "MISS" and summed.json()["data"]["series"]["points"][0]["derived"]
            await caught_up(cached, client)
            assert status(await ask(client, SERIES, {"measure": measures[1]})) == "HIT"


async def test_the_gateways_own_mutation_is_seen_at_once(cached):
    slug = await new_pact(cached)
    async with httpx.AsyncClient(base_url=cached.url("actions_api"), timeout=30) as actions:
        action = ok(await actions.post(f"/v1/pacts/{slug}/actions", headers=bearer("actions:write"),
                                       json={"title": "Oude titel"}))
    query = "query Titles($slug: String!) { pact(slug: $slug) { actions(first: 5) { edges { node { title } } } } }"

    def titles(response: httpx.Response) -> list[str]:
        return [edge["node"]["title"] for edge in response.json()["data"]["pact"]["actions"]["edges"]]

    async with httpx.AsyncClient(base_url=cached.url("gateway"), timeout=30) as client:
        await until_followed(client, slug, cached)
        await ask(client, query, {"slug": slug})
        assert status(cached_answer := await ask(client, query, {"slug": slug})) == "HIT"
        assert titles(cached_answer) == ["Oude titel"]
        changed = await ask(client, """mutation($id: ID!) { updateAction(id: $id, version: 1,
                                       input: {title: "Nieuwe titel"}) { title } }""", {"id": action["id"]},
                            headers=bearer("actions:write"))
        assert "errors" not in changed.json(), changed.text
        # No wait: the mutation dropped what it changed before it answered.
        after = await ask(client, query, {"slug": slug})
        assert titles(after) == ["Nieuwe titel"] and status(after) == "MISS"


async def test_a_private_field_is_never_served_from_the_shared_cache(cached):
    async with httpx.AsyncClient(base_url=cached.url("partners_api"), timeout=30) as partners:
        organisation = ok(await partners.post("/v1/organisations", headers=bearer("partners:admin"), json={
            "name": "Techniekraad", "kind": "economic_board", "municipality_code": "GM0402"}))
        ok(await partners.post(f"/v1/organisations/{organisation['id']}/contacts",
                               headers=bearer("partners:admin", "contacts:read"),
                               json={"name": "Jan de Vries", "email": "jan@example.org"}))
    allowed = bearer("contacts:read")
    slug = await new_pact(cached)
    async with httpx.AsyncClient(base_url=cached.url("gateway"), timeout=30) as client:
        await until_followed(client, slug, cached)
        for _ in range(3):
            seen = await ask(client, CONTACTS, {"id": organisation["id"]}, headers=allowed)
            assert seen.json()["data"]["organisation"]["contacts"] == [{"name": "Jan de Vries"}]
            assert status(seen) == "BYPASS"
        # Another caller, without the scope, never gets them: not from the cache, not at all.
        for _ in range(3):
            other = await ask(client, CONTACTS, {"id": organisation["id"]})
            assert other.json()["data"]["organisation"]["contacts"] is None and status(other) == "BYPASS"
        # A token bypasses the shared cache even for public fields: what a token shows is its holder's.
        assert status(await ask(client, NAME, {"slug": slug}, headers=bearer("actions:write"))) == "BYPASS"


async def test_a_lost_change_stream_never_lets_stale_data_through(cached, empty_stack):
    slug = await new_pact(cached)
    async with httpx.AsyncClient(base_url=cached.url("gateway"), timeout=30) as client:
        await until_followed(client, slug, cached)
        # metrics_api stops: its feed is lost, and the gateway stops serving from the cache at all.
        child = empty_stack.children["metrics_api"]
        child.terminate()
        child.wait(timeout=30)
        deadline = time.monotonic() + 10
        while status(await ask(client, NAME, {"slug": slug})) == "HIT":
            assert time.monotonic() < deadline, "still served from the cache with a feed lost"
            await asyncio.sleep(0.05)
        # Meanwhile a write: with the stream lost, the answer is read again, so it shows it at once.
        async with httpx.AsyncClient(base_url=cached.url("actions_api"), timeout=30) as actions:
            pact = ok(await actions.get(f"/v1/pacts/{slug}"))
            ok(await actions.patch(f"/v1/pacts/{slug}", json={"name": "Tijdens de storing"},
                                   headers={**bearer("actions:write"), "If-Match": f'"{pact["version"]}"'}))
        during = await ask(client, NAME, {"slug": slug})
        assert during.json()["data"]["pact"]["name"] == "Tijdens de storing" and status(during) == "BYPASS"
        empty_stack.start_one("metrics_api")
        empty_stack.wait_ready(timeout=60, names=("metrics_api",))
        await until_followed(client, slug, cached)
        assert (await ask(client, NAME, {"slug": slug})).json()["data"]["pact"]["name"] == "Tijdens de storing"


async def test_persisted_queries_over_post_and_get(cached):
    slug = await new_pact(cached)
    digest = hashlib.sha256(NAME.encode()).hexdigest()
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    async with httpx.AsyncClient(base_url=cached.url("gateway"), timeout=30) as client:
        unknown = await client.post("/graphql", json={"extensions": persisted, "variables": {"slug": slug}})
        assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND", unknown.text
        wrong = await client.post("/graphql", json={"query": PACT.replace("$slug", '"x"'), "extensions": persisted})
        assert wrong.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_MISMATCH", wrong.text
        registered = await client.post("/graphql", json={"query": NAME, "variables": {"slug": slug},
                                                        "extensions": persisted})
        assert registered.json()["data"]["pact"]["slug"] == slug
        await until_followed(client, slug, cached)
        params = {"extensions": json.dumps(persisted), "variables": json.dumps({"slug": slug})}
        got = await client.get("/graphql", params=params, headers={"Accept": "application/json"})
        assert got.status_code == 200 and got.json()["data"]["pact"]["slug"] == slug, got.text
        assert got.headers["cache-control"] == "public, max-age=0, must-revalidate" and got.headers["etag"]
        again = await client.get("/graphql", params=params,
                                 headers={"Accept": "application/json", "If-None-Match": got.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
        # The tag is the answer's: a run of the query (no cache) that finds the same data revalidates too.
        fresh = await client.get("/graphql", params=params, headers={
            "Accept": "application/json", "Cache-Control": "no-cache", "If-None-Match": got.headers["etag"]})
        assert fresh.headers["x-cache"] == "BYPASS" and fresh.status_code == 304
        # Clients that accept anything (curl, httpx) get the answer, not GraphiQL's page.
        plain = await client.get("/graphql", params=params, headers={"Accept": "*/*"})
        assert plain.headers["content-type"].startswith("application/json") and plain.json()["data"], plain.text
        other = {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}
        not_found = await client.get("/graphql", params={"extensions": json.dumps(other)},
                                     headers={"Accept": "application/json"})
        assert not_found.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        assert not_found.headers["cache-control"] == "no-store" and "etag" not in not_found.headers
        private = await client.get("/graphql", headers={"Accept": "application/json"}, params={
            "query": '{ organisation(id: "00000000-0000-0000-0000-000000000000") { contacts { name } } }'})
        assert "etag" not in private.headers and private.headers["x-cache"] == "BYPASS"
        assert private.headers["cache-control"] == "no-store"


def test_the_cache_is_on_unless_turned_off(stack, monkeypatch):
    monkeypatch.delenv("GATEWAY_CACHE", raising=False)
    assert GatewaySettings().gateway_cache == "on"
    # The suite's own gateways run with GATEWAY_CACHE=off (conftest.py): nothing is cached or said of it.
    answer = httpx.post(f"{stack.url('gateway')}/graphql", json={"query": "{ apiVersion }"}, timeout=30)
    assert "cache" not in answer.json().get("extensions", {}) and "x-cache" not in answer.headers
    assert set(SERVICES) <= set(PROCESSES)
