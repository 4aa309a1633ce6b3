"""Stop with a clear message when an input is invalid (runs before any file is written)."""

import sys

from pamong.scaffold import DATABASES, LANGUAGES, ScaffoldError, check_choice
from pamong.scaffold import parse_modules, regency_context

try:
    regency_context({{ cookiecutter.region_code | tojson }})
    parse_modules({{ cookiecutter.modules | tojson }})
    check_choice("default_language", {{ cookiecutter.default_language | tojson }}, LANGUAGES)
    check_choice("database", {{ cookiecutter.database | tojson }}, DATABASES)
except ScaffoldError as exc:
    print(f"ERROR: {exc}", file=sys.stderr)
    sys.exit(1)
