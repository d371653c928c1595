import pytest

from common.testing import service_client
from services.metrics_api.app import create_app
from services.metrics_api.settings import MetricsSettings


@pytest.fixture
def app(database_url):
    return create_app(MetricsSettings(database_url=database_url, environment="test"))


@pytest.fixture
async def client(app):
    async with service_client(app) as client:
        yield client
