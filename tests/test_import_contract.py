"""The import contract: plugins use only the public plugin API; the core never imports a plugin.

The core's layering and "core never imports a plugin" are import-linter
contracts (``[tool.importlinter]`` in pyproject.toml); the plugin rule
depends on each plugin's ``requires`` and is checked with grimp.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pamong.contracts import plugin_import_violations
from pamong.plugin.testing import check_plugin_imports

ROOT = Path(__file__).parent.parent
BUILT_IN = sorted(p.name for p in (ROOT / "plugins").iterdir() if (p / "__init__.py").exists())


def test_import_linter_contracts_are_kept():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


@pytest.mark.parametrize("plugin_id", BUILT_IN)
def test_built_in_plugin_imports_only_the_public_api(plugin_id):
    check_plugin_imports(f"pamong_plugins.{plugin_id}")


def test_the_example_plugin_keeps_the_contract():
    check_plugin_imports("pamong_example")


def test_an_internal_import_is_reported(tmp_path, monkeypatch):
    package = tmp_path / "pamong_sneaky"
    package.mkdir()
    (package / "__init__.py").write_text(
        "from pamong.plugin import PluginInfo\nPLUGIN = PluginInfo(id='sneaky', version='1.0')\n"
    )
    (package / "services.py").write_text(
        "def f():\n    from pamong.db import get_session\n    return get_session\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    problems = plugin_import_violations("pamong_sneaky")
    assert problems == ["pamong_sneaky.services imports pamong.db: plugins use only pamong.plugin"]
