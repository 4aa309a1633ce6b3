"""The public plugin API: complete, documented, typed, versioned, with deprecations that warn."""

from __future__ import annotations

import inspect
import warnings
from importlib.metadata import EntryPoint

import pytest
from packaging.version import Version

import pamong.plugin as api
from pamong import plugins as plugin_host
from pamong.app import create_app
from pamong.config import write_config
from pamong.plugins import StartupError


def test_every_public_name_exists():
    missing = [name for name in api.__all__ if not hasattr(api, name)]
    assert missing == []


def test_the_api_version_is_a_semantic_major_minor():
    version = Version(api.API_VERSION)
    assert version.major >= 1 and len(version.release) == 2


def _own_callables():
    for name in api.__all__:
        obj = getattr(api, name)
        module = getattr(obj, "__module__", "") or ""
        if callable(obj) and module.startswith("pamong"):
            yield name, obj


@pytest.mark.parametrize("name", [name for name, _ in _own_callables()])
def test_every_public_name_has_a_docstring(name):
    assert inspect.getdoc(getattr(api, name)), f"pamong.plugin.{name} has no docstring"


@pytest.mark.parametrize(
    "name", [name for name, obj in _own_callables() if inspect.isfunction(obj)]
)
def test_every_public_function_is_typed(name):
    func = inspect.unwrap(getattr(api, name))
    signature = inspect.signature(func)
    untyped = [
        p.name
        for p in signature.parameters.values()
        if p.annotation is inspect.Parameter.empty
        and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    assert not untyped, f"pamong.plugin.{name}: parameters without a type: {untyped}"
    assert signature.return_annotation is not inspect.Signature.empty, f"{name}: no return type"


def test_a_deprecated_name_still_works_and_warns():
    with pytest.warns(api.PamongDeprecationWarning, match="use pamong.plugin.hook_relay"):
        old = api.hooks_of
    assert old is api.hook_relay


def test_a_deprecated_name_warns_at_import_too():
    with pytest.warns(api.PamongDeprecationWarning, match="goes in 1.2"):
        from pamong.plugin import hooks_of  # noqa: F401


def test_deprecated_names_are_not_in_all():
    assert not set(api.DEPRECATED) & set(api.__all__)


def test_current_names_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in api.__all__:
            getattr(api, name)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        api.nothing_here  # noqa: B018


def test_a_plugin_for_another_api_version_is_refused(tmp_path, monkeypatch):
    real = plugin_host.available_plugins

    def available():
        found = real()
        found["futureapi"] = EntryPoint(
            "futureapi", "bad_plugins.futureapi", plugin_host.ENTRY_POINT_GROUP
        )
        return found

    monkeypatch.setattr(plugin_host, "available_plugins", available)
    write_config(tmp_path, region="33.14")
    with pytest.raises(StartupError) as info:
        create_app(tmp_path, plugins=["futureapi"])
    assert info.value.problems == [
        "plugin 'futureapi' is not compatible: it needs the plugin API >=2.0,<3, "
        f"this Pamong has the plugin API {api.API_VERSION}; install a version of the plugin "
        "made for it"
    ]


def test_built_in_plugins_declare_the_api_they_support():
    from pamong_plugins import ktp, licensing

    for plugin in (ktp.PLUGIN, licensing.PLUGIN):
        assert Version(api.API_VERSION) in __import__(
            "packaging.specifiers"
        ).specifiers.SpecifierSet(plugin.plugin_api)


@pytest.fixture
def with_announcer(monkeypatch):
    real = plugin_host.available_plugins

    def available():
        found = real()
        for name in ("announcer", "listener"):
            found[name] = EntryPoint(name, f"bad_plugins.{name}", plugin_host.ENTRY_POINT_GROUP)
        return found

    monkeypatch.setattr(plugin_host, "available_plugins", available)


@pytest.mark.parametrize("order", [["announcer", "listener"], ["listener", "announcer"]])
def test_a_plugin_declares_its_own_hook_and_another_listens(tmp_path, with_announcer, order):
    from bad_plugins.listener import HEARD

    write_config(tmp_path, region="33.14")
    app = create_app(tmp_path, plugins=order, check_schema=False)
    host = app.extensions["pamong"].host
    host.pm.hook.pamong_on_announced(word="lunas")
    assert HEARD[-1] == "lunas"
    assert host.hook_owners == {"pamong_on_announced": "announcer"}
    app.extensions["pamong"].db.dispose()


def test_a_listener_loads_without_the_declaring_plugin(tmp_path, with_announcer):
    write_config(tmp_path, region="33.14")
    app = create_app(tmp_path, plugins=["listener"], check_schema=False)
    assert "listener" in app.extensions["pamong"].plugins
    app.extensions["pamong"].db.dispose()
