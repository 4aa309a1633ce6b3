"""The plugin host: discover, order, load and validate plugins.

Installed is not enabled: plugins are found through the ``pamong.plugins``
entry-point group, but only those listed in the instance configuration are
imported. Every problem found while loading (unknown plugin, cycle, missing
dependency, incompatible core, bad settings, namespace violation, duplicate
contribution) is collected and raised together as one :class:`StartupError`.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy
from marshmallow import Schema, ValidationError
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

import pamong
from pamong import hookspecs
from pamong.config import unknown_key_problem
from pamong.db import Base
from pamong.hooks import PROJECT, PluginInfo

#: The version of :mod:`pamong.plugin`; kept here so the host need not import it.
PLUGIN_API_VERSION = "1.0"

ENTRY_POINT_GROUP = "pamong.plugins"
CORE_ID = "core"
#: Modules the core registers as its own plugin, Datasette-style: core
#: features use the same hooks as everybody else.
CORE_HOOK_MODULES = ("pamong.core_hooks",)


class StartupError(Exception):
    """The app cannot start; ``problems`` lists every reason found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"Pamong cannot start ({len(problems)} problem(s)):\n{lines}")


@dataclass
class LoadedPlugin:
    """A plugin that was enabled, imported and registered."""

    info: PluginInfo
    package: ModuleType
    hooks: ModuleType | None
    distribution_version: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.info.id

    @property
    def root(self) -> Path:
        return Path(self.package.__file__).parent  # type: ignore[arg-type]

    @property
    def migrations_dir(self) -> Path | None:
        path = self.root / "migrations" / "versions"
        return path if path.is_dir() else None

    @property
    def translations_dir(self) -> Path | None:
        path = self.root / "translations"
        return path if path.is_dir() else None


def available_plugins() -> dict[str, Any]:
    """Entry points of every installed plugin, keyed by plugin id."""
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


#: Which component (``core`` or a plugin id) defined each table; filled
#: the first time a component's modules are imported.
TABLE_OWNERS: dict[str, str] = {}


def _claim_new_tables(component: str) -> list[str]:
    new = [name for name in Base.metadata.tables if name not in TABLE_OWNERS]
    for name in new:
        TABLE_OWNERS[name] = component
    return new


def tables_of(component: str) -> list[str]:
    return [name for name, owner in TABLE_OWNERS.items() if owner == component]


def load_core_models() -> None:
    """Import the core's model modules and claim their tables for the core."""
    for module in (
        "pamong.orgunits.models",
        "pamong.accounts.models",
        "pamong.identity.models",
        "pamong.audit.models",
        "pamong.tracking.models",
        "pamong.documents.models",
        "pamong.messaging.models",
    ):
        importlib.import_module(module)
    _claim_new_tables(CORE_ID)


def dependency_order(infos: dict[str, PluginInfo], problems: list[str]) -> list[str]:
    """Order plugins so each comes after what it requires; ties keep config order."""
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(pid: str, path: list[str]) -> None:
        if state.get(pid) == "done":
            return
        if state.get(pid) == "visiting":
            cycle = " -> ".join([*path[path.index(pid) :], pid])
            problems.append(f"dependency cycle: {cycle}")
            return
        state[pid] = "visiting"
        for dep in infos[pid].requires:
            if dep in infos:
                visit(dep, [*path, pid])
        state[pid] = "done"
        order.append(pid)

    for pid in infos:
        visit(pid, [])
    return order


def _check_info(pid: str, package: ModuleType, problems: list[str]) -> PluginInfo | None:
    info = getattr(package, "PLUGIN", None)
    if not isinstance(info, PluginInfo):
        problems.append(f"plugin {pid!r}: its package {package.__name__} defines no PLUGIN")
        return None
    if info.id != pid:
        problems.append(
            f"plugin {pid!r}: namespace violation: PLUGIN.id is {info.id!r}, "
            f"but the entry point is named {pid!r}"
        )
        return None
    for field_name, wanted, have, what in (
        ("plugin_api", info.plugin_api, PLUGIN_API_VERSION, "the plugin API"),
        ("core_version", info.core_version, pamong.__version__, "Pamong"),
    ):
        try:
            spec = SpecifierSet(wanted)
        except InvalidSpecifier:
            problems.append(f"plugin {pid!r}: invalid {field_name} {wanted!r}")
            return None
        if Version(have) not in spec:
            problems.append(
                f"plugin {pid!r} is not compatible: it needs {what} {wanted}, "
                f"this Pamong has {what} {have}; install a version of the plugin made for it"
            )
            return None
    return info


class PluginHost:
    """Loads enabled plugins into a pluggy manager and collects their contributions."""

    def __init__(self, enabled: Iterable[str], available: dict[str, Any] | None = None) -> None:
        self.enabled = list(enabled)
        self.available = available_plugins() if available is None else available
        self.pm = pluggy.PluginManager(PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, LoadedPlugin] = {}
        self.problems: list[str] = []
        #: Hooks declared by plugins, with the id of the declaring plugin.
        self.hook_owners: dict[str, str] = {}
        if os.environ.get("PAMONG_TRACE_HOOKS") == "1":
            self._enable_tracing()

    def _enable_tracing(self) -> None:
        def before(hook_name: str, impls: list[Any], kwargs: dict[str, Any]) -> None:
            names = ", ".join(impl.plugin_name for impl in impls)
            print(f"[pamong hook] {hook_name}({', '.join(kwargs)}) -> [{names}]", file=sys.stderr)

        def after(outcome: Any, hook_name: str, impls: list[Any], kwargs: dict[str, Any]) -> None:
            print(f"[pamong hook] {hook_name} returned {outcome.get_result()!r}", file=sys.stderr)

        self.pm.add_hookcall_monitoring(before, after)

    def load(self) -> None:
        """Import, order and register every enabled plugin; collect problems."""
        load_core_models()
        for module_name in CORE_HOOK_MODULES:
            self.pm.register(importlib.import_module(module_name), name=CORE_ID)

        packages: dict[str, ModuleType] = {}
        infos: dict[str, PluginInfo] = {}
        seen: set[str] = set()
        for pid in self.enabled:
            if pid in seen:
                continue
            seen.add(pid)
            if pid == CORE_ID:
                self.problems.append(f"{CORE_ID!r} is reserved for the core")
                continue
            ep = self.available.get(pid)
            if ep is None:
                known = ", ".join(sorted(self.available)) or "none"
                self.problems.append(f"unknown plugin {pid!r} (installed: {known})")
                continue
            try:
                package = ep.load()
            except Exception as exc:  # a broken plugin must not hide the others' problems
                self.problems.append(f"plugin {pid!r} failed to import: {exc!r}")
                continue
            info = _check_info(pid, package, self.problems)
            if info is not None:
                packages[pid], infos[pid] = package, info

        for pid, info in infos.items():
            for dep in info.requires:
                if dep not in infos:
                    state = "not installed" if dep not in self.available else "not enabled"
                    self.problems.append(f"plugin {pid!r} requires {dep!r}, which is {state}")

        for pid in dependency_order(infos, self.problems):
            self._register(pid, infos[pid], packages[pid])

    def _register(self, pid: str, info: PluginInfo, package: ModuleType) -> None:
        hooks_module: ModuleType | None = None
        try:
            hooks_module = importlib.import_module(f"{package.__name__}.hooks")
        except ModuleNotFoundError as exc:
            if exc.name != f"{package.__name__}.hooks":
                self.problems.append(f"plugin {pid!r} failed to import: {exc!r}")
                return
        except Exception as exc:
            self.problems.append(f"plugin {pid!r} failed to import: {exc!r}")
            return
        if not self._add_plugin_hookspecs(pid, package):
            return
        for table in _claim_new_tables(pid):
            if not table.startswith(f"{pid}_"):
                self.problems.append(
                    f"plugin {pid!r}: namespace violation: table {table!r} "
                    f"must start with {pid + '_'!r}"
                )
        try:
            if hooks_module is not None:
                self.pm.register(hooks_module, name=pid)
        except pluggy.PluginValidationError as exc:
            self.problems.append(f"plugin {pid!r}: {exc}")
            return
        version = getattr(self.available.get(pid), "dist", None)
        self.plugins[pid] = LoadedPlugin(
            info, package, hooks_module, version.version if version else None
        )

    def _add_plugin_hookspecs(self, pid: str, package: ModuleType) -> bool:
        """Add the hooks a plugin declares in its ``hookspecs`` module (e.g. billing's).

        Their names start with ``pamong_`` and must not shadow a core hook or
        another plugin's; plugins implement them with
        ``@hookimpl(optionalhook=True)`` so they also load without the declaring plugin.
        """
        try:
            module = importlib.import_module(f"{package.__name__}.hookspecs")
        except ModuleNotFoundError as exc:
            if exc.name == f"{package.__name__}.hookspecs":
                return True
            self.problems.append(f"plugin {pid!r} failed to import: {exc!r}")
            return False
        names = [n for n in dir(module) if n.startswith("pamong_") and callable(getattr(module, n))]
        clashes = [n for n in names if getattr(self.pm.hook, n, None) and self._has_spec(n)]
        if clashes:
            self.problems.append(f"plugin {pid!r} declares hooks that already exist: {clashes}")
            return False
        self.pm.add_hookspecs(module)
        self.hook_owners.update(dict.fromkeys(names, pid))
        return True

    def _has_spec(self, hook_name: str) -> bool:
        return getattr(self.pm.hook, hook_name).has_spec()

    def call_each(self, hook_name: str, **kwargs: Any) -> Iterator[tuple[str, Any]]:
        """Call a hook once per component; yield ``(component id, result)``.

        Attribution lets the core check namespaces and name the culprit of
        a duplicate. Components without an implementation are skipped.
        """
        components = [CORE_ID, *self.plugins]
        for component in components:
            plugin = self.pm.get_plugin(component)
            if plugin is None or not any(
                impl.plugin is plugin for impl in getattr(self.pm.hook, hook_name).get_hookimpls()
            ):
                continue
            others = [p for name, p in self.pm.list_name_plugin() if name != component]
            caller = self.pm.subset_hook_caller(hook_name, remove_plugins=others)
            results = caller(**kwargs)
            for result in results:
                yield component, result

    def implemented_hooks(self, pid: str) -> list[str]:
        plugin = self.pm.get_plugin(pid)
        if plugin is None:
            return []
        return sorted(caller.name for caller in self.pm.get_hookcallers(plugin) or [])

    def load_settings(self, raw: dict[str, dict[str, Any]]) -> None:
        """Validate each plugin's ``[plugins.<id>]`` section with its schema.

        Each unknown key and each invalid value is a problem of its own; a
        section for a plugin that is not installed is one too (a typo in the
        id). Sections of installed but disabled plugins wait, unchecked,
        until the plugin is enabled.
        """
        schemas = dict(self._single_results("pamong_register_settings_schema"))
        installed = set(available_plugins()) | set(self.plugins)
        for pid in raw:
            if pid not in installed:
                self.problems.append(
                    f"[plugins.{pid}]: no installed plugin has the id {pid!r} "
                    f"(installed: {', '.join(sorted(installed)) or 'none'})"
                )
        for pid, plugin in self.plugins.items():
            schema = schemas.get(pid)
            section = raw.get(pid, {})
            if schema is None:
                if section:
                    self.problems.append(
                        f"plugin {pid!r} takes no settings, but [plugins.{pid}] is set"
                    )
                continue
            if isinstance(schema, type) and issubclass(schema, Schema):
                schema = schema()
            if not isinstance(schema, Schema):
                self.problems.append(f"plugin {pid!r}: settings schema is not a marshmallow Schema")
                continue
            known = {f.data_key or name for name, f in schema.load_fields.items()}
            unknown = sorted(key for key in section if key not in known)
            for key in unknown:
                self.problems.append(
                    f"plugin {pid!r}: invalid settings "
                    + unknown_key_problem(f"plugins.{pid}", key, known)
                )
            try:
                plugin.settings = schema.load({k: v for k, v in section.items() if k in known})
            except ValidationError as exc:
                for key, messages in sorted(exc.normalized_messages().items()):
                    self.problems.append(
                        f"plugin {pid!r}: invalid settings [plugins.{pid}] {key}: "
                        + " ".join(map(str, messages if isinstance(messages, list) else [messages]))
                    )

    def _single_results(self, hook_name: str) -> Iterator[tuple[str, Any]]:
        for component, result in self.call_each(hook_name):
            if component != CORE_ID:
                yield component, result

    def collect(
        self,
        hook_name: str,
        record_type: type | tuple[type, ...],
        key: Callable[[Any], str],
        namespace_ok: Callable[[str, Any], bool],
        what: str,
        **kwargs: Any,
    ) -> list[tuple[str, Any]]:
        """Gather records from a ``register`` hook, checking type, namespace, uniqueness."""
        found: list[tuple[str, Any]] = []
        owners: dict[str, str] = {}
        for component, result in self.call_each(hook_name, **kwargs):
            records = [result] if isinstance(result, record_type) else result or ()
            for record in records:
                if not isinstance(record, record_type):
                    self.problems.append(
                        f"{component!r}: {hook_name} returned {record!r}, not a {what}"
                    )
                    continue
                name = key(record)
                if component != CORE_ID and not namespace_ok(component, record):
                    self.problems.append(
                        f"plugin {component!r}: namespace violation: {what} {name!r} "
                        f"must be in the {component!r} namespace"
                    )
                    continue
                if name in owners:
                    self.problems.append(
                        f"duplicate {what} {name!r} from {component!r} "
                        f"(already registered by {owners[name]!r})"
                    )
                    continue
                owners[name] = component
                found.append((component, record))
        return found

    def raise_problems(self) -> None:
        if self.problems:
            raise StartupError(self.problems)
