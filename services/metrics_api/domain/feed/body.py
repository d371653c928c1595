"""A feed's body, read whole before the feed touches the database, then replayed to the parser.

A client that sends slowly (or stops halfway) would otherwise hold a pooled connection and an
open transaction for as long as it takes: the body streamed straight into COPY. Spooled first,
the upload costs a worker's memory (in memory up to a few MB, on disk past that) and nothing of
the database's; the deadline on reading the body (common.limits) ends it. Reading it again from
the spool is fast, and it can be read twice when the end of a file decides how its start reads
(see numbers.Undecided).
"""

import hashlib
import tempfile
from collections.abc import AsyncIterable
from typing import IO


class SpooledBody:
    """The body's bytes, their SHA-256 (the Idempotency-Key fingerprint) and size."""

    def __init__(self, memory_bytes: int) -> None:
        self._file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=memory_bytes)  # noqa: SIM115 (closed by close)
        self.digest = hashlib.sha256()
        self.size = 0

    @classmethod
    async def read(cls, chunks: AsyncIterable[bytes], memory_bytes: int) -> "SpooledBody":
        body = cls(memory_bytes)
        try:
            async for chunk in chunks:
                body.digest.update(chunk)
                body.size += len(chunk)
                body._file.write(chunk)
        except BaseException:
            body.close()
            raise
        return body

    def rewound(self) -> IO[bytes]:
        """The body as a file, read from its start."""
        self._file.seek(0)
        return self._file

    def close(self) -> None:
        self._file.close()
