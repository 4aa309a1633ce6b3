# Sourced by scripts/test.sh and scripts/demo.sh: a .venv with Pamong and its tools.
# Needs python3.11; reaches only PyPI. Safe to run again (pip skips what is there).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1
PY=${PYTHON:-python3.11}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
log=.venv/pip-install.log
# The pip config here prints many harmless warnings: keep them in a log, show it on failure.
if ! .venv/bin/pip install -q -r requirements.lock.txt -e ".[test,docs,dev]" >"$log" 2>&1; then
    cat "$log"
    echo "pip install failed" >&2
    exit 1
fi
# Compiled catalogs (.mo) are build products: make them from the .po files.
for dir in core/translations plugins/*/translations; do
    [ -d "$dir" ] || continue
    for po in "$dir"/*/LC_MESSAGES/*.po; do
        [ -e "$po" ] || continue
        .venv/bin/pybabel -q compile -i "$po" -o "${po%.po}.mo"
    done
done
