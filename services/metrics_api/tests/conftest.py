import pytest

from common.testing import bearer, service_client, truncate_schema
from services.metrics_api.app import create_app
from services.metrics_api.settings import MetricsSettings
from services.metrics_api.tests.uwv import uwv_observations

UWV_FEED = "/v1/feeds/uwv/observations"

# Reference data of the Noordvleugel pact (CBS codes; UWV occupation classes).
REGIONS = [
    ("NL01", {"name": "Nederland", "kind": "country"}),
    ("PV24", {"name": "Flevoland", "kind": "province", "parent": "NL01"}),
    ("PV26", {"name": "Utrecht", "kind": "province", "parent": "NL01"}),
    ("PV27", {"name": "Noord-Holland", "kind": "province", "parent": "NL01"}),
    ("noordvleugel", {"name": "Noordvleugel", "kind": "aggregate", "members": ["PV24", "PV26", "PV27"]}),
]
MEASURES = [
    ("vacancies_new", {"name": "Ontstane vacatures", "unit": "vacancies", "kind": "flow"}),
    ("vacancies_open", {"name": "Openstaande vacatures", "unit": "vacancies", "kind": "stock"}),
    ("technology_choice_share", {"name": "Leerlingen die kiezen voor techniek", "unit": "share", "kind": "flow",
                                 "value_type": "share"}),
]
OCCUPATIONS = [
    ("total", {"name": "Totaal"}),
    ("technical_industry", {"name": "Technische en industrieberoepen", "parent": "total"}),
    ("ict", {"name": "Informaticaberoepen", "parent": "total"}),
    ("technical_industry_ict", {"name": "Technische, industrie- en informaticaberoepen", "parent": "total",
                                "members": ["technical_industry", "ict"]}),
]


@pytest.fixture
def app(database_url):
    return create_app(MetricsSettings(database_url=database_url, environment="test"))


@pytest.fixture
async def client(app):
    # From an empty schema: the migrations load the CBS region registry, and the tests count rows.
    await truncate_schema(app.state.database)
    async with service_client(app) as client:
        yield client


@pytest.fixture
def admin(token):
    return bearer(token("metrics:admin", subject="seed-loader"))


@pytest.fixture
def writer(token):
    """A feed token of the uwv source."""
    return bearer(token("metrics:write", sources=["uwv"]))


@pytest.fixture
async def uwv(client, reference, writer):
    """The 2012 UWV table by province and for Nederland, as the feed posts it."""
    response = await client.post(UWV_FEED, json={"observations": uwv_observations()}, headers=writer)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
async def reference(client, admin):
    """Regions, measures and occupation classes as the seed loader puts them."""
    for path, items in (("regions", REGIONS), ("measures", MEASURES), ("occupations", OCCUPATIONS)):
        for code, body in items:
            response = await client.put(f"/v1/{path}/{code}", json=body, headers=admin)
            assert response.status_code == 201, response.text
