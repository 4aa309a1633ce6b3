"""Run the tests against the oldest and the newest Pamong this plugin supports.

    pipx install nox
    nox                                    # both Pamong versions, on SQLite
    PAMONG_TEST_DATABASE_URL=postgresql+psycopg://user@host/db nox   # on PostgreSQL

"oldest" is the lower bound of ``pamong`` in pyproject.toml; raise both
together. A Pamong whose plugin API is outside ``PLUGIN.plugin_api``
refuses to load the plugin, so a new major API shows up here first.
"""

import nox

PAMONG = {"oldest": "pamong==0.1.*", "latest": "pamong"}


@nox.session(python="3.11")
@nox.parametrize("pamong", list(PAMONG.values()), ids=list(PAMONG))
def tests(session: nox.Session, pamong: str) -> None:
    session.install("--upgrade", pamong)
    session.install("--editable", ".[test]", pamong)
    session.run("pytest", *session.posargs)
