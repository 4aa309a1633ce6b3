"""Compile the translation catalogs (.po -> .mo) into the build; metadata: pyproject.toml."""

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


setup(cmdclass={"build_py": BuildWithCatalogs})
