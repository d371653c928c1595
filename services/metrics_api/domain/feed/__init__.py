"""The statistics feed: `POST /v1/feeds/{source}/observations`, JSON or CSV, all or nothing.

The body is read whole first (`body`: in memory up to a few MB, on disk past that), before the
transaction starts, so a slow client holds no database connection. Then it is read again chunk by
chunk (`parsing`), each row is checked in Python (`checking`, numbers in `numbers`) and copied
(asyncpg COPY) into a temporary staging table, so a million rows never sit in memory as objects.
Only when every row is good (codes known, period, value of its measure's kind, no key twice) does
one set-based INSERT ... SELECT add a revision for each key whose value, status or missing reason
differs from the latest revision, or which a `D` row withdraws (`ingest`; the SQL is in
repository/feed.py). Any error rolls the whole transaction back: the staging table goes with it
and nothing is written.
"""
