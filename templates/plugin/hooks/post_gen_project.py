"""Leave out the model, its service and its migration when they were not asked for;
drop bytecode an installed Pamong may have compiled inside the template."""

import shutil
from pathlib import Path

for cache in list(Path(".").rglob("__pycache__")):
    shutil.rmtree(cache)

if not {{ cookiecutter.include_model | tojson | replace("true", "True") | replace("false", "False") }}:
    package = Path("{{ cookiecutter.__package }}")
    (package / "models.py").unlink()
    (package / "services.py").unlink()
    shutil.rmtree(package / "migrations")
