from typing import ClassVar

from common.settings import BaseServiceSettings


class MetricsSettings(BaseServiceSettings):
    process_name: ClassVar[str] = "metrics_api"
    schema_name: ClassVar[str] = "metrics"

    # Feeds are streamed into the database (CSV and JSON alike), so a million-row post (60-130 MB) fits.
    max_body_bytes: int = 256 * 1024 * 1024
    feed_statement_timeout_ms: int = 600_000
