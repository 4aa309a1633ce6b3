#!/usr/bin/env bash
# The test command of README.md: installs everything into .venv, then runs pytest.
# Extra arguments go to pytest. Set PAMONG_TEST_DATABASE_URL to run on PostgreSQL.
set -euo pipefail
source "$(dirname "$0")/_install.sh"
set +e
.venv/bin/pytest "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
    echo "pytest collected no tests" >&2
    exit 1
fi
exit "$rc"
