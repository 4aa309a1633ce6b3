"""The served app's first request does little one-off work (issue 13): the mappers
are configured when it is built, and compiled templates are kept in the instance
folder for the next process."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, pass_context
from sqlalchemy.orm import Mapped  # the model annotations' names are the module's

from pamong.app import create_app
from pamong.web.template_cache import CACHE_FOLDER, environment_key


def _cached(app) -> list[str]:
    folder = Path(app.instance_path) / CACHE_FOLDER
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_the_next_process_loads_the_templates_the_first_one_compiled(app, monkeypatch):
    assert _cached(app) == []  # building the app wrote nothing
    assert app.test_client().get("/").status_code == 200
    written = _cached(app)
    assert written and all(name.endswith(".cache") for name in written)

    database_url = app.extensions["pamong"].settings.database_url
    again = create_app(app.instance_path, check_schema=False, database_url=database_url)
    try:

        def compile_again(*args, **kwargs):
            raise AssertionError("a cached template was compiled again")

        monkeypatch.setattr(again.jinja_env, "compile", compile_again)
        page = again.test_client().get("/")
        assert page.status_code == 200
        assert page.data.startswith(b"<!doctype html>")
        assert _cached(again) == written
    finally:
        again.extensions["pamong"].db.dispose()


def test_a_cache_that_cannot_be_written_only_means_compiling(app):
    in_the_way = Path(app.instance_path) / CACHE_FOLDER.parent
    in_the_way.write_text("a file where the cache folder would go")
    assert app.test_client().get("/").status_code == 200
    assert app.test_client().get("/").status_code == 200
    assert in_the_way.read_text() == "a file where the cache folder would go"


def test_the_cache_key_changes_with_what_changes_the_compiled_code():
    def shout(value):
        return str(value).upper()

    env = Environment()
    env.filters["shout"] = shout
    plain = environment_key(env)
    assert environment_key(env) == plain
    env.filters["shout"] = pass_context(lambda context, value: shout(value))
    assert environment_key(env) != plain  # the compiled call passes the context
    env.filters["shout"] = shout
    env.add_extension("jinja2.ext.loopcontrols")
    assert environment_key(env) != plain


def test_two_apps_of_one_install_share_the_key(app, tmp_path):
    from pamong.config import write_config
    from pamong.testing import TEST_REGION

    other = tmp_path / "other"
    write_config(other, region=TEST_REGION, plugins=[])
    second = create_app(other, check_schema=False)
    try:
        assert environment_key(second.jinja_env) == environment_key(app.jinja_env)
    finally:
        second.extensions["pamong"].db.dispose()


def test_schema_hooks_are_found_as_marshmallow_finds_them():
    import importlib
    import importlib.util
    import pkgutil

    from marshmallow import Schema, post_dump, pre_load

    import pamong
    from pamong import rest
    from pamong.plugins import available_plugins

    packages = [ep.value for ep in available_plugins().values()]
    packages += [
        f"pamong.{info.name}" for info in pkgutil.iter_modules(pamong.__path__) if info.ispkg
    ]
    for package in packages:
        for module in ("schemas", "api"):
            if importlib.util.find_spec(f"{package}.{module}"):
                importlib.import_module(f"{package}.{module}")

    class Base(Schema):
        @pre_load
        def first(self, data, **kwargs):
            return data

        @post_dump(pass_collection=True)
        def shadowed(self, data, **kwargs):
            return data

    class Child(Base):
        def shadowed(self, data, **kwargs):  # no longer a hook
            return data

        @pre_load(pass_collection=True)
        def another(self, data, **kwargs):
            return data

    def every(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from every(sub)

    classes = set(every(Schema))
    assert len(classes) > 300
    for cls in classes:
        assert rest._resolve_hooks(cls) == rest._marshmallow_resolve_hooks(cls), cls
    assert Child._hooks == rest._marshmallow_resolve_hooks(Child)
    assert [name for name, _many, _kwargs in Child._hooks["pre_load"]] == ["another", "first"]
    assert not Child._hooks.get("post_dump")


def test_model_annotations_are_evaluated_once_unless_not_defined_yet():
    from pamong.db import _evaluate_annotations

    class Draft:  # what a model module's class body holds under PEP 563
        __annotations__ = {
            "id": "Mapped[int]",
            "note": "Mapped[str | None]",
            "later": "Mapped[list[DefinedFurtherDown]]",
            "own": "Mapped[Draft]",
        }

    _evaluate_annotations(Draft)
    assert Draft.__annotations__["id"] == Mapped[int]
    assert Draft.__annotations__["note"] == Mapped[str | None]
    assert Draft.__annotations__["later"] == "Mapped[list[DefinedFurtherDown]]"  # for SQLAlchemy
    assert Draft.__annotations__["own"] == Mapped[Draft]


def test_mapped_attributes_get_the_event_dispatcher_sqlalchemy_would_give():
    import inspect

    from sqlalchemy.orm import configure_mappers

    from pamong import db
    from pamong.accounts.models import User

    # The method replaced is still the one measured (a SQLAlchemy upgrade shows up here).
    assert 'hasattr(obj, "_slots_dispatch")' in inspect.getsource(db._sqlalchemy_slots_dispatch)
    configure_mappers()
    for attribute in (User.username, User.id):
        descriptor = inspect.getattr_static(attribute, "dispatch")
        ours = attribute.dispatch
        assert db._sqlalchemy_slots_dispatch(descriptor, attribute, type(attribute)) is ours
        assert descriptor.__get__(None, type(attribute)) is type(attribute).dispatch
