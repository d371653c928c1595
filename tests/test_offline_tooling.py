"""GraphiQL at the gateway's /graphql and the Swagger UI at each service's /docs work without the
internet: their pages name no other host, and every file they load is served by the process itself."""

import importlib
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from cli.processes import PROCESSES, SERVICES
from common.docs import SWAGGER_UI_DIR
from gateway.app import WEB_DIR

BASE = "http://process.test"
ABSOLUTE_URL = re.compile(r"""(?:https?:)?//[a-z0-9.-]+""", re.IGNORECASE)


class References(HTMLParser):
    """Every URL the page makes the browser load: scripts, stylesheets, icons, images, frames."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        for attribute in ("src", "href"):
            if named.get(attribute) and not (tag == "a" and attribute == "href"):
                self.urls.append(named[attribute] or "")
        self._in_script = tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.inline.append(data)


def _app(name: str, database_url: str):
    spec = PROCESSES[name]
    module, _, factory = spec.app_factory.partition(":")
    settings_module, _, settings_class = spec.settings_class.partition(":")
    settings_type = getattr(importlib.import_module(settings_module), settings_class)
    settings = settings_type(environment="test", **({"database_url": database_url} if name != "gateway" else {}))
    return getattr(importlib.import_module(module), factory)(settings)


async def _check_page_loads_only_its_own_files(app, page_path: str, expected: dict[str, str]) -> list[str]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        page = await client.get(page_path, headers={"Accept": "text/html"})
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        references = References()
        references.feed(page.text)
        assert references.urls, "the page loads nothing: the parser found no references"
        for url in references.urls:
            if url.startswith("data:"):
                continue
            assert not ABSOLUTE_URL.match(url), f"{page_path} loads {url} from another host"
            resolved = urljoin(f"{BASE}{page_path}", url)
            assert urlsplit(resolved).netloc == urlsplit(BASE).netloc
            served = await client.get(resolved)
            assert served.status_code == 200, url
            for suffix, kind in expected.items():
                if url.endswith(suffix):
                    assert kind in served.headers["content-type"], (url, served.headers["content-type"])
            if url.endswith(".css"):
                # A stylesheet could still import fonts or images from elsewhere.
                assert not re.search(r"@import|url\(\s*['\"]?(?:https?:)?//", served.text), url
        for code in references.inline:
            assert not re.search(r"""["'`](?:https?:)?//[a-z]""", code, re.IGNORECASE), f"inline code names a host: {code}"
        return references.urls


async def test_graphiql_loads_react_and_graphiql_from_the_gateway():
    urls = await _check_page_loads_only_its_own_files(
        _app("gateway", ""), "/graphql", {".js": "javascript", ".css": "text/css"})
    assert {"vendor/graphiql/graphiql.min.js", "vendor/graphiql/graphiql.min.css",
            "vendor/react/react.production.min.js", "vendor/react-dom/react-dom.production.min.js"} <= set(urls)


@pytest.mark.parametrize("service", SERVICES)
async def test_swagger_ui_loads_from_the_service_itself(service, database_url):
    app = _app(service, database_url)
    urls = await _check_page_loads_only_its_own_files(app, "/docs", {".js": "javascript", ".css": "text/css"})
    assert {"/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css"} <= set(urls)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        page = (await client.get("/docs")).text
        assert "'/openapi.json'" in page and '"validatorUrl": null' in page
        assert (await client.get("/openapi.json")).status_code == 200
        # ReDoc would load from a CDN: it is off rather than blank.
        assert (await client.get("/redoc")).status_code == 404


async def test_swagger_ui_follows_a_path_prefix(database_url):
    app = _app("actions_api", database_url)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, root_path="/actions"), base_url=BASE) as client:
        page = (await client.get("/docs")).text
    assert "/actions/docs/assets/swagger-ui-bundle.js" in page and "'/actions/openapi.json'" in page


def test_vendored_files_come_with_their_licences():
    for folder, licence in [(WEB_DIR / "vendor" / "graphiql", "MIT License"), (WEB_DIR / "vendor" / "react", "MIT License"),
                            (WEB_DIR / "vendor" / "react-dom", "MIT License"), (SWAGGER_UI_DIR, "Apache License")]:
        assert licence in (folder / "LICENSE").read_text(), folder
