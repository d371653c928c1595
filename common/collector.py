"""Pausing Python's cyclic garbage collector around work that builds many objects without awaiting."""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_collection() -> Iterator[None]:
    """The cyclic garbage collector paused while a request builds objects for each of thousands of
    records with no awaits in between (a push reading its body, staging, answering). They are all
    alive and hold no cycles, so its passes free nothing; with the start-up objects frozen out of them
    (`gc.freeze`), a full pass comes every few batches and walks every one of them (7-10 of 50 ms of a
    push reading and staging 5,000)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
