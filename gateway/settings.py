from typing import ClassVar

from common.settings import BaseProcessSettings


class GatewaySettings(BaseProcessSettings):
    process_name: ClassVar[str] = "gateway"

    actions_api_url: str = "http://127.0.0.1:8001"
    partners_api_url: str = "http://127.0.0.1:8002"
    metrics_api_url: str = "http://127.0.0.1:8003"
    downstream_timeout_seconds: float = 5.0
    graphql_introspection: bool = True

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if self.graphql_introspection:
            problems.append("GRAPHQL_INTROSPECTION must be false in production")
        return problems

    def service_urls(self) -> dict[str, str]:
        return {
            "actions_api": self.actions_api_url,
            "partners_api": self.partners_api_url,
            "metrics_api": self.metrics_api_url,
        }
