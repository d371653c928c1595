from typing import ClassVar

from common.settings import BaseServiceSettings


class ActionsSettings(BaseServiceSettings):
    process_name: ClassVar[str] = "actions_api"
    schema_name: ClassVar[str] = "actions"

    # Participations name partner organisations by id; writes check them against partners_api.
    partners_api_url: str = "http://127.0.0.1:8002"
    partners_timeout_seconds: float = 3.0
    # Goals and results that point at a metrics series are measured by reading it from metrics_api.
    metrics_api_url: str = "http://127.0.0.1:8003"
    metrics_timeout_seconds: float = 3.0
