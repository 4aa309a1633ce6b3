"""Drop bytecode an installed Pamong may have compiled inside the template."""

import shutil
from pathlib import Path

for cache in list(Path(".").rglob("__pycache__")):
    shutil.rmtree(cache)
