import pytest

from common.testing import service_client
from services.actions_api.app import create_app
from services.actions_api.settings import ActionsSettings


@pytest.fixture
def app(database_url):
    return create_app(ActionsSettings(database_url=database_url, environment="test"))


@pytest.fixture
async def client(app):
    async with service_client(app) as client:
        yield client
