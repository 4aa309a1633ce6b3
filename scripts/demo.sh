#!/usr/bin/env bash
# The demo command of README.md: installs into .venv, builds a Sragen-like demo
# regency in ./demo-instance (synthetic residents, staff per role) and serves it
# on http://127.0.0.1:${PORT:-5000}/. The logins are printed before it serves.
set -euo pipefail
source "$(dirname "$0")/_install.sh"
exec .venv/bin/pamong --instance demo-instance demo --host 127.0.0.1 --port "${PORT:-5000}" "$@"
