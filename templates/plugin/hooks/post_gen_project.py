"""Leave out the model, its service and its migration when they were not asked for."""

import shutil
from pathlib import Path

if not {{ cookiecutter.include_model | tojson | replace("true", "True") | replace("false", "False") }}:
    package = Path("{{ cookiecutter.__package }}")
    (package / "models.py").unlink()
    (package / "services.py").unlink()
    shutil.rmtree(package / "migrations")
