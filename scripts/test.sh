#!/usr/bin/env bash
# The test command of README.md: installs everything into .venv, then runs pytest.
# Extra arguments go to pytest. Set PAMONG_TEST_DATABASE_URL to run on PostgreSQL.
set -euo pipefail
source "$(dirname "$0")/_install.sh"
set +e
# Two processes by default (pytest-xdist; one test file per process, as files share
# fixtures and servers); PAMONG_TEST_WORKERS=0 runs in one process.
.venv/bin/pytest -n "${PAMONG_TEST_WORKERS:-2}" --dist loadfile "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
    echo "pytest collected no tests" >&2
    exit 1
fi
exit "$rc"
