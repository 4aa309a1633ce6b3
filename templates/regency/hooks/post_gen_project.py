"""Copy the regency's logo into the site plugin; make the scripts executable; drop bytecode."""

import shutil
from pathlib import Path

from pamong.scaffold import check_logo

STATIC = Path("site") / {{ cookiecutter.__package | tojson }} / "static"

logo = check_logo({{ cookiecutter.logo | tojson }})
if logo:
    # The rendered emblem is only the default: the regency's own logo replaces it.
    (STATIC / "logo.svg").unlink()
    shutil.copyfile(logo, STATIC / {{ cookiecutter.__logo_file | tojson }})

for script in ("install.sh", "serve.sh", "deploy/backup.sh"):
    Path(script).chmod(0o755)

for cache in list(Path(".").rglob("__pycache__")):
    shutil.rmtree(cache)
