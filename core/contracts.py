"""The import contract of plugins: what a plugin package may import from Pamong.

A plugin imports the core only through the public API (``pamong.plugin``;
its tests also ``pamong.plugin.testing``), and another plugin only when it
``requires`` it, and then only the modules that plugin declares public in
``PluginInfo.public_modules``. Built on grimp's import graph, so it sees
every import, including those inside functions.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

import grimp

from pamong.hooks import PluginInfo
from pamong.plugins import available_plugins

PUBLIC_CORE_MODULES = ("pamong.plugin", "pamong.plugin.testing")


def _info(package: str) -> PluginInfo:
    info = getattr(importlib.import_module(package), "PLUGIN", None)
    if not isinstance(info, PluginInfo):
        raise ValueError(f"{package} defines no PLUGIN = PluginInfo(...)")
    return info


def _package_of(plugin_id: str) -> str | None:
    ep = available_plugins().get(plugin_id)
    return ep.value.split(":")[0] if ep is not None else None


def _top(module: str) -> str:
    return module.split(".")[0]


def plugin_import_violations(package: str, *, allow_core: Iterable[str] = ()) -> list[str]:
    """Every import of ``package`` (a plugin's package) that breaks the contract.

    ``allow_core`` adds core modules a caller tolerates (none for plugin
    code). Returns readable lines, ``[]`` when the plugin keeps the contract.
    """
    info = _info(package)
    required = {pid: _package_of(pid) for pid in info.requires}
    roots = {"pamong", _top(package)} | {_top(p) for p in required.values() if p}
    graph = grimp.build_graph(*sorted(roots), cache_dir=None)
    allowed_core = set(PUBLIC_CORE_MODULES) | set(allow_core)
    allowed_other: set[str] = set()
    for other in filter(None, required.values()):
        allowed_other |= {f"{other}.{name}" for name in _info(other).public_modules}
    problems = []
    for module in sorted({package, *graph.find_descendants(package)}):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported == package or imported.startswith(package + "."):
                continue
            if _top(imported) == "pamong":
                if imported not in allowed_core:
                    problems.append(
                        f"{module} imports {imported}: plugins use only {PUBLIC_CORE_MODULES[0]}"
                    )
            elif imported not in allowed_other and any(
                imported == p or imported.startswith(p + ".")
                for p in [*filter(None, required.values()), _top(package)]
            ):
                problems.append(
                    f"{module} imports {imported}: another plugin is reached only through "
                    "a public module of a plugin named in `requires`"
                )
    return problems
