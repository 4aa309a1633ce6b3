"""The plugin host: discover, order, load and validate plugins.

Installed is not enabled: plugins are found through the ``pamong.plugins``
entry-point group, but only those listed in the instance configuration are
imported. Every problem found while loading (unknown plugin, cycle, missing
dependency, incompatible core, bad settings, namespace violation, duplicate
contribution, two plugins with one id, a misspelled hook, colliding CLI groups
or URL prefixes) is collected and raised together as one :class:`StartupError`.

Once running, the host contains a faulty plugin: an exception in one of its
``pamong_on_*`` listeners is logged and audited and does not fail the core's
operation, unless the hook is declared transactional
(``pamong.hookspecs.spec(..., transactional=True)``).
"""

from __future__ import annotations

import difflib
import importlib
import logging
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
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

logger = logging.getLogger(__name__)

#: The version of :mod:`pamong.plugin`; kept here so the host need not import it.
PLUGIN_API_VERSION = "1.5"

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
    #: The installed distribution (``importlib.metadata``), when there is one.
    distribution: Any = None
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.info.id

    @property
    def distribution_version(self) -> str | None:
        # Read when asked: parsing each plugin's metadata took 10 ms of app creation.
        return self.distribution.version if self.distribution is not None else None

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


def installed_entry_points() -> list[EntryPoint]:
    """Every ``pamong.plugins`` entry point of every installed distribution."""
    return list(entry_points(group=ENTRY_POINT_GROUP))


def available_plugins() -> dict[str, Any]:
    """Entry points of every installed plugin, keyed by plugin id."""
    return {ep.name: ep for ep in installed_entry_points()}


def describe_entry_point(ep: Any) -> str:
    """``module (distribution version)``: enough to find what to uninstall."""
    dist = getattr(ep, "dist", None)
    return f"{ep.value} ({dist.name} {dist.version})" if dist else ep.value


def id_clashes() -> dict[str, list[EntryPoint]]:
    """Plugin ids that more than one installed distribution claims."""
    by_id: dict[str, list[EntryPoint]] = {}
    for ep in installed_entry_points():
        by_id.setdefault(ep.name, []).append(ep)
    return {pid: eps for pid, eps in by_id.items() if len(eps) > 1}


#: Which component (``core`` or a plugin id) defined each table; filled
#: the first time a component's modules are imported.
TABLE_OWNERS: dict[str, str] = {}


def _claim_new_tables(component: str, package: str) -> list[str]:
    """Give ``component`` the unclaimed tables whose models live in ``package``.

    Tables of another package's models stay unclaimed: a test module that
    imports a plugin's models before the first app is built must not make
    them the core's. Tables without a model go to the first claimant.
    """
    modules: dict[str, set[str]] = {}
    for mapper in Base.registry.mappers:
        for table in mapper.tables:
            modules.setdefault(table.name, set()).add(mapper.class_.__module__)
    new = []
    for name in Base.metadata.tables:
        if name in TABLE_OWNERS:
            continue
        owners = modules.get(name)
        if owners and not any(m == package or m.startswith(f"{package}.") for m in owners):
            continue
        TABLE_OWNERS[name] = component
        new.append(name)
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
        "pamong.jobs.models",
        "pamong.surveys.models",
    ):
        importlib.import_module(module)
    _claim_new_tables(CORE_ID, "pamong")


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
        #: Enabled plugins that could not be imported, with the reason.
        self.broken: dict[str, str] = {}
        self.clashes = id_clashes()
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
            if pid in self.clashes:
                self.problems.append(clash_problem(pid, self.clashes[pid]))
                continue
            ep = self.available.get(pid)
            if ep is None:
                known = ", ".join(sorted(self.available)) or "none"
                self.problems.append(f"unknown plugin {pid!r} (installed: {known})")
                continue
            try:
                package = ep.load()
            except Exception as exc:  # a broken plugin must not hide the others' problems
                self._import_failed(pid, exc)
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
        # Once every plugin declared its own hooks: a name nobody declared is a typo.
        for pid, plugin in self.plugins.items():
            if plugin.hooks is not None:
                self.problems.extend(hook_name_problems(self.pm, pid, plugin.hooks))

    def _register(self, pid: str, info: PluginInfo, package: ModuleType) -> None:
        hooks_module: ModuleType | None = None
        try:
            hooks_module = importlib.import_module(f"{package.__name__}.hooks")
        except ModuleNotFoundError as exc:
            if exc.name != f"{package.__name__}.hooks":
                self._import_failed(pid, exc)
                return
        except Exception as exc:
            self._import_failed(pid, exc)
            return
        if not self._add_plugin_hookspecs(pid, package):
            return
        for table in _claim_new_tables(pid, package.__name__):
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
        self.plugins[pid] = LoadedPlugin(
            info, package, hooks_module, getattr(self.available.get(pid), "dist", None)
        )

    def _import_failed(self, pid: str, exc: BaseException) -> None:
        self.broken[pid] = f"{type(exc).__name__}: {exc}"
        self.problems.append(f"plugin {pid!r} failed to import: {exc!r}")

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
            self._import_failed(pid, exc)
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
        installed = set(self.available) | set(self.plugins)  # scanned once, at __init__
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
            if result is None:
                records: Iterable[Any] = ()
            elif isinstance(result, record_type | str | bytes) or not isinstance(result, Iterable):
                records = [result]  # one record, or one wrong answer to name
            else:
                records = result
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


# -- Faults found at startup: clashing ids, misspelled hooks, collisions ------


def clash_problem(pid: str, eps: list[EntryPoint]) -> str:
    """Two installed distributions claim one plugin id: name both."""
    found = " and ".join(describe_entry_point(ep) for ep in eps)
    return f"plugin id {pid!r} is installed twice: {found}; uninstall one of them"


def _spec_names(pm: pluggy.PluginManager) -> list[str]:
    return sorted(
        name
        for name, caller in vars(pm.hook).items()
        if isinstance(caller, pluggy.HookCaller) and caller.spec is not None
    )


def _did_you_mean(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def hook_name_problems(pm: pluggy.PluginManager, pid: str, module: ModuleType) -> list[str]:
    """Hook implementations of ``module`` that pluggy would never call.

    A marked ``@hookimpl`` whose name matches no hookspec (pluggy's
    ``check_pending`` refuses it too), and a function named like a hook
    but not marked. Both are usually a typo; each problem suggests the
    nearest hook name.
    """
    known = _spec_names(pm)
    marker = f"{PROJECT}_impl"
    problems: list[str] = []
    plugin = pm.get_plugin(pid)
    for caller in pm.get_hookcallers(plugin) or []:
        if caller.spec is not None:
            continue
        for impl in caller.get_hookimpls():
            if impl.plugin is plugin and not impl.optionalhook:
                problems.append(
                    f"plugin {pid!r}: {module.__name__}.{caller.name} implements no known "
                    f"hook{_did_you_mean(caller.name, known)}"
                )
    for name, value in sorted(vars(module).items()):
        if (
            name.startswith(f"{PROJECT}_")
            and callable(value)
            and getattr(value, "__module__", None) == module.__name__
            and not hasattr(value, marker)
        ):
            hint = (
                "; add @hookimpl or it is never called"
                if name in known
                else _did_you_mean(name, known) or "; it implements no known hook"
            )
            problems.append(f"plugin {pid!r}: {module.__name__}.{name} is not a @hookimpl{hint}")
    return problems


def check_cli_groups(host: PluginHost, core_commands: Iterable[str]) -> None:
    """A plugin's command group must not hide a core command (``pamong db``…)."""
    reserved = set(core_commands)
    for component, group in host.call_each("pamong_register_cli_commands"):
        name = getattr(group, "name", None)
        if component != CORE_ID and name in reserved:
            host.problems.append(
                f"command group 'pamong {name}' of plugin {component!r} collides with "
                f"the core's command 'pamong {name}'"
            )


def url_prefix_owner(rule: str, api_prefix: str) -> str:
    """The part of a URL that one component owns: ``/track`` or ``/api/v1/ktp``."""
    if rule.startswith(f"{api_prefix}/"):
        rest = rule[len(api_prefix) + 1 :]
        return f"{api_prefix}/{rest.split('/', 1)[0]}"
    return "/" + rule.lstrip("/").split("/", 1)[0]


def check_url_prefixes(host: PluginHost, rules: Iterable[tuple[str, str]], api_prefix: str) -> None:
    """Every URL prefix belongs to one component; name both when two share one.

    ``rules`` are ``(path, endpoint)`` pairs; a plugin owns the endpoints of
    its blueprints ``<id>`` and ``<id>_api``, the core owns the rest, and
    the API prefix's first segment (``/api``) as a whole.
    """

    def component_of(endpoint: str) -> str:
        blueprint = endpoint.rsplit(".", 1)[0] if "." in endpoint else ""
        pid = blueprint.removesuffix("_api")
        return pid if pid in host.plugins else CORE_ID

    api_root = "/" + api_prefix.strip("/").split("/", 1)[0]
    owners: dict[str, tuple[str, str]] = {api_root: (CORE_ID, api_prefix)}
    reported: set[tuple[str, str]] = set()
    for path, endpoint in rules:
        prefix = url_prefix_owner(path, api_prefix)
        component = component_of(endpoint)
        owner, example = owners.setdefault(prefix, (component, endpoint))
        if owner != component and (prefix, component) not in reported:
            reported.add((prefix, component))
            first = "the core" if owner == CORE_ID else f"plugin {owner!r}"
            host.problems.append(
                f"URL prefix {prefix!r} of plugin {component!r} ({endpoint}) collides with "
                f"{first} ({example})"
            )


# -- Faults at run time: listeners that raise ------------------------------


def is_transactional(caller: pluggy.HookCaller) -> bool:
    """True when a listener's exception must fail the operation announcing the event."""
    spec = caller.spec
    return bool(spec is not None and getattr(spec.function, "pamong_transactional", False))


def _contained(caller: pluggy.HookCaller) -> bool:
    return caller.name.startswith(f"{PROJECT}_on_") and not is_transactional(caller)


class ContainedHookRelay:
    """The hook relay services get through ``hooks_of(session)``.

    Non-transactional ``pamong_on_*`` listeners run one by one, each in a
    savepoint of the caller's session: one that raises is rolled back,
    logged and audited (``plugin.listener_failed``), and the next listener
    and the core's operation carry on. Every other hook is pluggy's own.
    """

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self._pm = pm

    def __getattr__(self, name: str) -> Any:
        caller = getattr(self._pm.hook, name)
        return _ContainedCall(self._pm, caller) if _contained(caller) else caller


def call_one(pm: pluggy.PluginManager, hook: str, impl: Any, **kwargs: Any) -> list[Any]:
    """Call one implementation of ``hook`` through pluggy (so tracing sees it)."""
    others = [plugin for plugin in pm.get_plugins() if plugin is not impl.plugin]
    return pm.subset_hook_caller(hook, remove_plugins=others)(**kwargs)


class _ContainedCall:
    def __init__(self, pm: pluggy.PluginManager, caller: pluggy.HookCaller) -> None:
        self.pm = pm
        self.caller = caller
        self.name = caller.name

    def get_hookimpls(self) -> list[Any]:
        return self.caller.get_hookimpls()

    def __call__(self, **kwargs: Any) -> list[Any]:
        impls = self.caller.get_hookimpls()
        if any(impl.hookwrapper or impl.wrapper for impl in impls):
            return self.caller(**kwargs)  # a core wrapper takes over the whole call
        session = kwargs.get("session")
        results: list[Any] = []
        for impl in reversed(impls):  # pluggy's call order
            savepoint = session.begin_nested() if session is not None else None
            try:
                results.extend(call_one(self.pm, self.name, impl, **kwargs))
                if savepoint is not None:
                    savepoint.commit()
            except Exception as exc:
                if savepoint is not None:
                    savepoint.rollback()  # also after a refused flush at commit()
                report_listener_failure(self.name, impl.plugin_name, exc, session)
        return results


def report_listener_failure(hook: str, component: str, exc: Exception, session: Any) -> None:
    """Log a listener's exception and, given a session, add an audit entry for it."""
    logger.error(
        "plugin %r failed in %s; the operation goes on without it",
        component,
        hook,
        exc_info=exc,
    )
    if session is None:
        return
    from pamong.accounts.permissions import Actor
    from pamong.audit.services import record

    record(
        session,
        Actor.system("plugin host"),
        "plugin.listener_failed",
        "plugin",
        component,
        hook=hook,
        error=f"{type(exc).__name__}: {exc}"[:500],
    )


def announce_app_ready(host: PluginHost, app: Any) -> None:
    """Call ``pamong_on_app_ready``; a listener that raises stops the startup, named."""
    impls = host.pm.hook.pamong_on_app_ready.get_hookimpls()
    if not impls:
        host.pm.hook.pamong_on_app_ready(app=app)  # nobody listens; tracing still shows it
    for impl in reversed(impls):
        try:
            call_one(host.pm, "pamong_on_app_ready", impl, app=app)
        except Exception as exc:
            host.problems.append(
                f"plugin {impl.plugin_name!r} failed in pamong_on_app_ready: {exc!r}"
            )
    host.raise_problems()
