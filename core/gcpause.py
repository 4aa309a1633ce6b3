"""The cyclic garbage collector held off for a bulk job (no Pamong imports: cheap)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block; it runs again after.

    For jobs that make many short-lived objects without reference cycles
    (a bulk import's rows, the imports and app of a command): each young
    collection is cheap, but they set off full ones that scan every object
    of the process. What cyclic garbage the block leaves is collected once
    the collector runs again.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
