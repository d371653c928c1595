"""What every resolver gets in `info.context`: the request's downstream session, clients and loaders."""

import strawberry
from strawberry.fastapi import BaseContext

from gateway.clients import ServiceClients
from gateway.downstream import DownstreamSession
from gateway.loaders import Loaders, create_loaders
from gateway.settings import GatewaySettings


class GatewayContext(BaseContext):
    def __init__(self, calls: DownstreamSession, settings: GatewaySettings) -> None:
        super().__init__()
        self.calls = calls
        self.settings = settings
        self.clients = ServiceClients.over(calls)
        self.loaders: Loaders = create_loaders(self.clients)


# The `info` argument of every resolver.
Info = strawberry.Info[GatewayContext, None]
