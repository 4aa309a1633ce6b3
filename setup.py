"""Build steps setup.cfg cannot express; metadata is in setup.cfg.

- compile translation catalogs (.po -> .mo) into the build;
- ship the cookiecutter templates (``templates/``) as ``pamong/scaffolds/`` so
  ``pamong new-regency`` and ``pamong new-plugin`` work from an installed wheel.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCatalogs(build_py):
    def run(self) -> None:
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po_path in Path(self.build_lib).rglob("LC_MESSAGES/*.po"):
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file)
            with po_path.with_suffix(".mo").open("wb") as mo_file:
                write_mo(mo_file, catalog)
        # After compiling: the plugin template's .po files are templates, not catalogs.
        templates = Path(__file__).parent / "templates"
        if templates.is_dir():
            shutil.copytree(
                templates,
                Path(self.build_lib) / "pamong" / "scaffolds",
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
                dirs_exist_ok=True,
            )


setup(cmdclass={"build_py": BuildWithCatalogs})
