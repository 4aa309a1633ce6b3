"""App creation and the garbage collector (issue 13: the first request as cheap as the next)."""

from __future__ import annotations

import gc
from pathlib import Path

from pamong.config import write_config
from pamong.db import Base
from pamong.testing import TEST_REGION


def _instance(tmp_path: Path) -> Path:
    instance = tmp_path / "instance"
    write_config(instance, region=TEST_REGION, plugins=[])
    return instance


def test_a_built_app_leaves_nothing_in_the_young_generations(tmp_path):
    from pamong.app import create_app

    frozen = gc.get_freeze_count()
    app = create_app(_instance(tmp_path), check_schema=False)
    try:
        # In the oldest generation: the young collections do not scan it again.
        assert any(obj is app for obj in gc.get_objects(generation=2))
        # Not frozen: the apps that tests build are freed.
        assert gc.get_freeze_count() == frozen
        assert gc.isenabled()
    finally:
        app.extensions["pamong"].db.dispose()


def test_the_served_app_is_frozen_out_of_the_collector(tmp_path):
    import pamong

    before = gc.get_freeze_count()
    app = pamong.create_app(str(_instance(tmp_path)), check_schema=False)
    try:
        assert gc.get_freeze_count() > before + 10_000
        assert app.extensions["pamong"].db is not None
        # Configured before the first request (which would otherwise do it).
        assert all(mapper.configured for mapper in Base.registry.mappers)
    finally:
        app.extensions["pamong"].db.dispose()
        gc.unfreeze()  # this test process builds more apps
