"""Stop with a clear message when the plugin id, title or description is unusable."""

import sys

from pamong.scaffold import ScaffoldError, check_plugin_id, check_plugin_text

try:
    check_plugin_id({{ cookiecutter.plugin_id | tojson }})
    check_plugin_text("title", {{ cookiecutter.title | tojson }})
    check_plugin_text("description", {{ cookiecutter.description | tojson }})
except ScaffoldError as exc:
    print(f"ERROR: {exc}", file=sys.stderr)
    sys.exit(1)
