from typing import ClassVar

from common.settings import BaseServiceSettings


class MetricsSettings(BaseServiceSettings):
    process_name: ClassVar[str] = "metrics_api"
    schema_name: ClassVar[str] = "metrics"
