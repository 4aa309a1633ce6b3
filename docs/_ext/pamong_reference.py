"""Sphinx directives that write the plugin reference from the code itself.

``pamong-hooks`` renders every hookspec of :mod:`pamong.hookspecs` (or of
the module given as its argument: a plugin's own ``hookspecs``): purpose,
signature, each parameter with its type, the return, whether it is
``firstresult``, when it is called, since which API version, and an example
taken from a real plugin's hook implementation. ``pamong-records`` renders
the record types with their fields; ``pamong-api`` lists the names of
:mod:`pamong.plugin` by topic. ``tests/test_docs.py`` uses the same
functions to fail when a hook, parameter or field is undocumented.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import inspect
import re
import textwrap
from typing import Any

from docutils import nodes
from docutils.parsers.rst import Directive
from docutils.statemachine import StringList
from sphinx.util.nodes import nested_parse_with_titles

#: Where examples come from, in order of preference: built-in plugins first,
#: then the core's own hooks, the worked third-party example, the test plugin.
EXAMPLE_MODULES = (
    "pamong_plugins.licensing.hooks",
    "pamong_plugins.ktp.hooks",
    "pamong_plugins.billing.hooks",
    "pamong_plugins.portal.hooks",
    "pamong_suratdesa.hooks",
    "pamong.core_hooks",
    "pamong_example.hooks",
)
SOURCE_NAMES = {
    "pamong_plugins.licensing.hooks": "the licensing plugin (plugins/licensing/hooks.py)",
    "pamong_plugins.ktp.hooks": "the KTP plugin (plugins/ktp/hooks.py)",
    "pamong_plugins.billing.hooks": "the billing plugin (plugins/billing/hooks.py)",
    "pamong_plugins.portal.hooks": "the portal plugin (plugins/portal/hooks.py)",
    "pamong_suratdesa.hooks": "the worked example (examples/pamong-suratdesa)",
    "pamong.core_hooks": "the core, which plugs in through the same hooks (core/core_hooks.py)",
    "pamong_example.hooks": "the test plugin (tests/plugin_site/pamong_example/hooks.py)",
}
SECTION = re.compile(r"^(Args|Returns|Attributes):\s*$", re.M)


def hook_names(module: str = "pamong.hookspecs") -> list[str]:
    specs = importlib.import_module(module)
    return sorted(n for n in dir(specs) if n.startswith("pamong_") and callable(getattr(specs, n)))


def split_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """The prose of a Google-style docstring and its sections (``Args`` etc.)."""
    parts = SECTION.split(doc)
    pairs = zip(parts[1::2], parts[2::2], strict=True)
    sections = {name: textwrap.dedent(body).strip() for name, body in pairs}
    return parts[0].strip(), sections


def entries(section: str) -> dict[str, str]:
    """``name: text`` entries of an ``Args``/``Attributes`` section (continuation lines joined)."""
    found: dict[str, str] = {}
    name = None
    for line in section.splitlines():
        match = re.match(r"^(\w+): (.*)$", line)
        if match:
            name = match.group(1)
            found[name] = match.group(2).strip()
        elif name and line.strip():
            found[name] += " " + line.strip()
    return found


def hook_info(name: str, module: str = "pamong.hookspecs") -> dict[str, Any]:
    """Everything the reference says about one hook."""
    func = getattr(importlib.import_module(module), name)
    prose, sections = split_docstring(inspect.getdoc(func) or "")
    params = inspect.signature(func).parameters
    returns = inspect.signature(func).return_annotation
    return {
        "name": name,
        "signature": f"{name}({', '.join(f'{p.name}: {p.annotation}' for p in params.values())})"
        f" -> {returns}",
        "params": {p.name: p.annotation for p in params.values()},
        "returns": returns,
        "prose": prose,
        "args": entries(sections.get("Args", "")),
        "returns_doc": " ".join(sections.get("Returns", "").split()),
        # pluggy keeps a hookspec's options on the function as <project>_spec.
        "firstresult": bool(func.pamong_spec.get("firstresult")),
        "since": getattr(func, "pamong_since", ""),
        "when": getattr(func, "pamong_when", ""),
        "transactional": bool(getattr(func, "pamong_transactional", False)),
        "example": example_for(name),
    }


def example_for(name: str) -> tuple[str, str] | None:
    """(source description, code) of the first real implementation of hook ``name``."""
    for module_name in EXAMPLE_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        impl = getattr(module, name, None)
        if impl is not None:
            return SOURCE_NAMES[module_name], textwrap.dedent(inspect.getsource(impl))
    return None


def record_types() -> list[type]:
    """The frozen records hooks return, in the order of :mod:`pamong.hooks`."""
    import pamong.hooks as hooks

    return [
        obj
        for obj in vars(hooks).values()
        if isinstance(obj, type)
        and dataclasses.is_dataclass(obj)
        and obj.__module__ == hooks.__name__
    ]


def record_info(cls: type) -> dict[str, Any]:
    prose, sections = split_docstring(inspect.getdoc(cls) or "")
    documented = entries(sections.get("Attributes", ""))
    fields = []
    for f in dataclasses.fields(cls):
        default = ""
        if f.default is not dataclasses.MISSING:
            default = repr(f.default)
        fields.append((f.name, str(f.type), default, documented.get(f.name, "")))
    return {"name": cls.__name__, "prose": prose, "fields": fields}


# --- rendering (MyST Markdown, parsed in place) ------------------------------------


def _code(text: str, language: str = "python") -> list[str]:
    return [f"```{language}", *text.rstrip("\n").splitlines(), "```", ""]


def _heading(text: str) -> list[str]:
    return [f"### {text}", ""]


def render_hooks(module: str = "pamong.hookspecs") -> list[str]:
    out: list[str] = []
    for name in hook_names(module):
        info = hook_info(name, module)
        out += _heading(f"`{name}`")
        out += _code(info["signature"], "text")
        out += [info["prose"], ""]
        out += [
            f"- **Called**: {info['when']}",
            f"- **Since**: plugin API {info['since']}",
            "- **firstresult**: "
            + (
                "yes: the first non-None answer wins and the rest are not called"
                if info["firstresult"]
                else "no: every enabled plugin's answer is collected"
            ),
        ]
        if name.startswith("pamong_on_"):
            out.append(
                "- **A listener that raises**: "
                + (
                    "fails the operation that announced the event (transactional)"
                    if info["transactional"]
                    else "is rolled back, logged and audited; the operation goes on"
                )
            )
        out.append("")
        if info["params"]:
            out += ["**Parameters**", ""]
            for param, annotation in info["params"].items():
                out.append(f"- `{param}` (`{annotation}`): {info['args'].get(param, '')}")
            out.append("")
        if info["returns"] != "None":
            out += [f"**Returns** `{info['returns']}`: {info['returns_doc']}", ""]
        if info["example"]:
            source, code = info["example"]
            out += [f"Example, from {source}:", ""]
            out += _code(code)
    return out


def render_records() -> list[str]:
    out: list[str] = []
    for cls in record_types():
        info = record_info(cls)
        out += _heading(f"`{info['name']}`")
        out += [info["prose"], ""]
        out += ["| field | type | default | meaning |", "|---|---|---|---|"]
        for field_name, type_, default, doc in info["fields"]:
            shown = f"`{default}`" if default else "(required)"
            out.append(f"| `{field_name}` | `{type_.replace('|', '&#124;')}` | {shown} | {doc} |")
        out.append("")
    return out


def api_topics() -> list[tuple[str, list[str]]]:
    """The names of ``pamong.plugin.__all__`` grouped by the comments in its source."""
    import pamong.plugin as api

    source = inspect.getsource(api)
    block = source[source.index("__all__ = [") :]
    block = block[: block.index("\n]")]
    topics: list[tuple[str, list[str]]] = []
    for line in block.splitlines()[1:]:
        line = line.strip()
        if line.startswith("#"):
            topics.append((line.lstrip("# ").capitalize(), []))
        elif line.startswith('"'):
            topics[-1][1].append(line.strip('",'))
    return topics


def render_api() -> list[str]:
    import pamong.plugin as api

    out: list[str] = []
    for topic, names in api_topics():
        out += _heading(topic)
        for name in names:
            obj = getattr(api, name)
            doc = inspect.getdoc(obj) if callable(obj) or isinstance(obj, type) else None
            first = (doc or "").split("\n\n")[0].replace("\n", " ")
            sig = ""
            if callable(obj) and not isinstance(obj, type):
                with contextlib.suppress(TypeError, ValueError):
                    sig = str(inspect.signature(obj))
            out.append(f"- `{name}{sig}`" + (f": {first}" if first else ""))
        out.append("")
    return out


class _Generated(Directive):
    render = staticmethod(lambda: [])
    optional_arguments = 1

    def run(self) -> list[nodes.Node]:
        container = nodes.section()
        container.document = self.state.document
        lines = StringList(self.render(*self.arguments), source="pamong_reference")
        nested_parse_with_titles(self.state, lines, container)
        return container.children


class HooksDirective(_Generated):
    render = staticmethod(render_hooks)


class RecordsDirective(_Generated):
    render = staticmethod(render_records)


class ApiDirective(_Generated):
    render = staticmethod(render_api)


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("pamong-hooks", HooksDirective)
    app.add_directive("pamong-records", RecordsDirective)
    app.add_directive("pamong-api", ApiDirective)
    return {"parallel_read_safe": True, "version": "1.0"}
