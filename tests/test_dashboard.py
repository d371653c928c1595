"""The pact dashboard (gateway/web): served by the gateway at `/`, beside its API routes."""

import re
from pathlib import Path

import httpx
import pytest

from gateway.app import WEB_DIR, create_app
from gateway.settings import GatewaySettings

IMPORT = re.compile(r"""^\s*(?:import|export)\b[^'"]*?\bfrom\s+["']([^"']+)["']""", re.MULTILINE)


@pytest.fixture
async def gateway():
    app = create_app(GatewaySettings(environment="test"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client:
        yield client


async def test_the_page_is_served_at_the_root(gateway):
    page = await gateway.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="nl">' in page.text
    assert '<script type="module" src="js/main.js"></script>' in page.text
    assert 'name="viewport"' in page.text


def _modules() -> list[Path]:
    return sorted((WEB_DIR / "js").rglob("*.js"))


async def test_every_module_and_asset_is_served_with_its_type(gateway):
    for module in _modules():
        served = await gateway.get("/" + module.relative_to(WEB_DIR).as_posix())
        assert served.status_code == 200, module
        # Browsers refuse ES modules served with any other type.
        assert "javascript" in served.headers["content-type"], module
    for asset, kind in [("app.css", "text/css"), ("vendor/chart.umd.min.js", "javascript")]:
        served = await gateway.get(f"/{asset}")
        assert served.status_code == 200 and kind in served.headers["content-type"], asset
    assert (WEB_DIR / "vendor" / "chart.js.LICENSE.md").read_text().startswith("The MIT License")


def test_the_page_preloads_every_module():
    preloaded = set(re.findall(r'<link rel="modulepreload" href="([^"]+)">', (WEB_DIR / "index.html").read_text()))
    assert preloaded == {module.relative_to(WEB_DIR).as_posix() for module in _modules()}


def test_every_relative_import_points_at_a_file():
    for module in _modules():
        for target in IMPORT.findall(module.read_text()):
            assert target.startswith("."), f"{module.name} imports {target}: no bare specifiers without a build"
            assert (module.parent / target).resolve().is_file(), f"{module.name} imports missing {target}"


async def test_the_api_routes_keep_their_paths(gateway):
    assert (await gateway.get("/healthz")).status_code == 200
    assert (await gateway.get("/metrics")).status_code == 200
    answer = await gateway.post("/graphql", json={"query": "{ __typename }"})
    assert answer.status_code == 200 and answer.json()["data"] == {"__typename": "Query"}
    graphiql = await gateway.get("/graphql", headers={"Accept": "text/html"})
    assert graphiql.status_code == 200 and "graphiql" in graphiql.text.lower()
    missing = await gateway.get("/no-such-file.js")
    assert missing.status_code == 404
