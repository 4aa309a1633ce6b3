"""Smoke test: this deployment boots with its own pamong.toml and holds its org units.

What it checks comes from pamong.toml (region, enabled plugins, branding), so
enabling a module or changing the colours needs no change here.

Runs on SQLite in a temporary copy of the instance, whatever database the
environment names, so it is safe on a production server:
``python -m pytest`` from the deployment folder.
"""

from __future__ import annotations

import shutil
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import func, select

from pamong.app import create_app
from pamong.cli import main
from pamong.orgunits.models import OrgUnit

DEPLOYMENT = Path(__file__).resolve().parent.parent
#: The [pamong] settings of this deployment: region, enabled plugins, branding.
CONFIG = tomllib.loads((DEPLOYMENT / "pamong.toml").read_text("utf-8"))["pamong"]
REGION = CONFIG["region"]
#: Territorial org units of Kabupaten Lebak in the bundled region table.
EXPECTED = {
    "regency": 1,
    "kecamatan": 28,
    "desa": 340,
    "kelurahan": 5,
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    instance = tmp_path_factory.mktemp("instance")
    shutil.copy(DEPLOYMENT / "pamong.toml", instance / "pamong.toml")
    password = instance / "admin-password"
    password.write_text("smoke-test-password\n")
    env = {
        "PAMONG_SECRET_KEY": "smoke-test-secret",
        "PAMONG_DATABASE_URL": f"sqlite:///{instance / 'pamong.sqlite3'}",
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        args = ["--instance", str(instance), "init", "--region", REGION]
        result = CliRunner().invoke(main, [*args, "--admin-password-file", str(password)])
        assert result.exit_code == 0, result.output
        application = create_app(instance)
        yield application
        application.extensions["pamong"].db.dispose()


def test_the_regency_and_its_territory_are_loaded(app: Flask) -> None:
    session = app.extensions["pamong"].db.session()
    try:
        counts = dict(
            session.execute(select(OrgUnit.kind, func.count()).group_by(OrgUnit.kind)).all()
        )
    finally:
        session.close()
    assert {kind: counts.get(kind, 0) for kind in EXPECTED} == EXPECTED


def test_the_configured_plugins_are_enabled(app: Flask) -> None:
    assert set(app.extensions["pamong"].plugins) == set(CONFIG["plugins"])


def test_the_public_pages_answer(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/").status_code == 200
    about = client.get("/site/")
    assert about.status_code == 200
    assert "Kabupaten Lebak" in about.get_data(as_text=True)


def test_the_pages_carry_the_logo_and_colours(app: Flask) -> None:
    client = app.test_client()
    home = client.get("/").get_data(as_text=True)
    assert CONFIG["brand_color"] in home and CONFIG["accent_color"] in home
    assert f'src="{CONFIG["logo"]}"' in home
    logo = client.get(CONFIG["logo"])
    logo.close()
    assert logo.status_code == 200
