"""Stop with a clear message when the plugin id is unusable."""

import sys

from pamong.scaffold import ScaffoldError, check_plugin_id

try:
    check_plugin_id({{ cookiecutter.plugin_id | tojson }})
except ScaffoldError as exc:
    print(f"ERROR: {exc}", file=sys.stderr)
    sys.exit(1)
