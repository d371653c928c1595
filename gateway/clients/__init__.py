"""One typed client per service: the only place that names a service's paths (`/v1/...`)."""

from dataclasses import dataclass

from gateway.clients.actions import ActionsClient
from gateway.clients.metrics import MetricsClient
from gateway.clients.partners import PartnersClient
from gateway.downstream import DownstreamSession


@dataclass(frozen=True)
class ServiceClients:
    actions: ActionsClient
    partners: PartnersClient
    metrics: MetricsClient

    @classmethod
    def over(cls, calls: DownstreamSession) -> "ServiceClients":
        return cls(ActionsClient(calls), PartnersClient(calls), MetricsClient(calls))
