"""The statistics feed: `POST /v1/feeds/{source}/observations`, JSON or CSV, all or nothing.

The body is read whole first (`body`: in memory up to a few MB, on disk past that), before the
transaction starts, so a slow client holds no database connection. Then it is read again chunk by
chunk (`parsing`), each row is checked in Python (`checking`, numbers in `numbers`), so a million
rows never sit in memory as objects, and each chunk of 20,000 good rows is written straight into
observations (`ingest`, the SQL in repository/feed.py): rows of a series of which the source held no
figure when the post began, or of a period after the latest it held (this month's figures), are new
figures, copied in as they are; the others
are compared with the source's latest revision of their key in one query a chunk, and only those
whose value, status or missing reason differs, or which a `D` row withdraws, are copied in. A new
figure costs one write, an unchanged one a read. Nothing is visible before the request commits, and
a bad row anywhere rolls the whole transaction back, written chunks with it.

Two cases read the body as a whole instead: a dry run, and a batch in which a key may come twice
(the checker keeps hashes of the keys). Those are copied into a temporary staging table and checked
and merged there set-wise (the written chunks undone first, to a savepoint), which names the lines
that repeat a key.
"""
