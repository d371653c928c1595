from typing import ClassVar

from common.settings import BaseServiceSettings


class MetricsSettings(BaseServiceSettings):
    process_name: ClassVar[str] = "metrics_api"
    schema_name: ClassVar[str] = "metrics"

    # Feeds are streamed into the database, so a million-row CSV (about 60 MB) fits; JSON is parsed whole.
    max_body_bytes: int = 256 * 1024 * 1024
    feed_statement_timeout_ms: int = 600_000
