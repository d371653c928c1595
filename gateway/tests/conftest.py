from collections.abc import Callable

import pytest

from gateway.tests.fakes import FakeServices
from gateway.tests.support import open_gateway


@pytest.fixture
def services() -> FakeServices:
    fake = FakeServices()
    fake.add_pact("noordvleugel", actions=3)
    return fake


@pytest.fixture
def gateway(services: FakeServices) -> Callable:
    """`async with gateway(**settings) as client`: the gateway in-process over the faked services."""
    return lambda **overrides: open_gateway(services, **overrides)
