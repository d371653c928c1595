"""A fixed-window request counter per key (a client address), kept in PostgreSQL.

Every replica counts in the same table, so the limit holds however many run, and a restart does not
forget it. One row per key holds the current window and its hits; one `INSERT ... ON CONFLICT DO
UPDATE` counts a hit atomically (a new window starts the count again). The count runs in a short
transaction of its own, before the request's: a refused or failed request still counts, and the
counter's row lock is held only for that one statement. Rows of windows long past are purged a few
at a time (SKIP LOCKED, so purgers never wait on each other), keeping the table as small as the
number of recent clients.
"""

from sqlalchemy import Column, DateTime, Index, Integer, MetaData, String, Table, text

from common.database import Database

MAX_KEY_LENGTH = 200
PURGE_BATCH = 100


def rate_limit_table(metadata: MetaData, name: str) -> Table:
    return Table(
        name,
        metadata,
        Column("key", String(MAX_KEY_LENGTH), primary_key=True),
        Column("window_start", DateTime(timezone=True), nullable=False),
        Column("hits", Integer, nullable=False),
        Index(f"ix_{name}_window_start", "window_start"),
    )


class FixedWindowLimiter:
    def __init__(self, table: Table, *, limit: int, window_seconds: int) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        name = f'"{table.schema}"."{table.name}"' if table.schema else f'"{table.name}"'
        self._hit = text(f"""
            INSERT INTO {name} AS counted (key, window_start, hits)
            VALUES (:key, date_bin(make_interval(secs => :window), clock_timestamp(), TIMESTAMPTZ 'epoch'), 1)
            ON CONFLICT (key) DO UPDATE
               SET hits = CASE WHEN counted.window_start = EXCLUDED.window_start THEN counted.hits + 1 ELSE 1 END,
                   window_start = EXCLUDED.window_start
            RETURNING hits,
                      extract(epoch FROM window_start + make_interval(secs => :window) - clock_timestamp()) AS left
        """)
        self._purge = text(f"""
            DELETE FROM {name} WHERE key IN (
                SELECT key FROM {name} WHERE window_start < clock_timestamp() - make_interval(secs => :window)
                 LIMIT {PURGE_BATCH} FOR UPDATE SKIP LOCKED)
        """)

    async def hit(self, database: Database, key: str) -> float:
        """Count one request of `key`: 0.0 when it is within the limit, else the seconds until the next window."""
        async with database.engine.begin() as connection:
            row = (await connection.execute(self._hit, {"key": key[:MAX_KEY_LENGTH], "window": self.window_seconds}
                                            )).one()
            await connection.execute(self._purge, {"window": self.window_seconds})
        hits, left = row
        return 0.0 if hits <= self.limit else max(float(left), 0.0)
