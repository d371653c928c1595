from typing import ClassVar

from pydantic import Field

from common.settings import BaseServiceSettings


class MetricsSettings(BaseServiceSettings):
    process_name: ClassVar[str] = "metrics_api"
    schema_name: ClassVar[str] = "metrics"

    # A feed is spooled, then copied into the database row by row (CSV and JSON alike), so a million-row
    # post (60-130 MB) fits.
    max_body_bytes: int = 256 * 1024 * 1024
    feed_statement_timeout_ms: int = 600_000
    # A CSV row, and so each of its fields, is at most this long; past it the feed is a 422 naming the line
    # (at most the csv module's own field limit, 128 KiB).
    feed_csv_max_row_chars: int = Field(64 * 1024, ge=1024, le=128 * 1024)
    # A feed's body is read whole before the database is touched: in memory up to this size, on disk past it.
    feed_spool_memory_bytes: int = 4 * 1024 * 1024
    # Feeds are large and read before any connection is taken, so a slow link may take longer than elsewhere.
    body_read_timeout_seconds: float = 300.0
    # Series answers kept encoded in the process until the next write of the schema (0: none kept).
    series_cache_entries: int = Field(2000, ge=0)
