"""Stop with a clear message when an input is invalid (runs before any file is written)."""

import sys

from pamong.scaffold import DATABASES, LANGUAGES, ScaffoldError, check_choice, check_color
from pamong.scaffold import check_logo, parse_modules, regency_context

try:
    regency_context({{ cookiecutter.region_code | tojson }})
    parse_modules({{ cookiecutter.modules | tojson }})
    check_choice("default_language", {{ cookiecutter.default_language | tojson }}, LANGUAGES)
    check_choice("database", {{ cookiecutter.database | tojson }}, DATABASES)
    check_color("primary_color", {{ cookiecutter.primary_color | tojson }})
    check_color("accent_color", {{ cookiecutter.accent_color | tojson }})
    check_logo({{ cookiecutter.logo | tojson }})
except ScaffoldError as exc:
    print(f"ERROR: {exc}", file=sys.stderr)
    sys.exit(1)
