"""The cyclic garbage collector held off for a bulk job (no Pamong imports: cheap)."""

from __future__ import annotations

import atexit
import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused(*, age: bool = False) -> Iterator[None]:
    """No cyclic garbage collection inside the block; it runs again after.

    For jobs that make many short-lived objects without reference cycles
    (a bulk import's rows, the imports and app of a command): each young
    collection is cheap, but they set off full ones that scan every object
    of the process. What cyclic garbage the block leaves is collected once
    the collector runs again.

    ``age=True`` is for blocks that make long-lived objects (an app's models,
    routes, schemas and plugin modules: a few hundred thousand): after the
    block they go straight to the oldest generation (``gc.freeze()`` then
    ``gc.unfreeze()``). Left in the youngest, the first collections after
    the block scanned them all again, two or three times: an app's first
    request cost 0.3 s more than the next. Nothing is lost: the oldest
    generation's collections still free whatever became garbage.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if age:
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()


def no_collection_at_exit() -> None:
    """Spare the process's exit the full collections it runs over every object.

    At exit Python collects cyclic garbage several times while it clears the
    modules: after a command that built an app and loaded data, some hundred
    thousand objects scanned for garbage nobody will see (a tenth of a
    100,000-row import's CPU). ``gc.freeze()`` at exit takes them out of the
    collector's reach; objects are still freed as the modules go, and the
    command closes its files and connections itself. Only for commands: a
    server process (or a test run) exits once, after all the rest.
    """
    atexit.unregister(gc.freeze)  # once, however many commands a test runs
    atexit.register(gc.freeze)
