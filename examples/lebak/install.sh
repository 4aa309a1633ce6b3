#!/usr/bin/env bash
# Install and initialise Pamong Lebak in this folder: the second of three commands.
#
#   bash install.sh [--database-url URL] [--admin-password-file FILE]
#
# Creates .venv, installs the pinned Pamong and the plugins of requirements.txt,
# writes pamong.env (a fresh secret key and the database URL; mode 600, never
# committed), creates or upgrades the schema, loads Kabupaten Lebak's
# kecamatan and villages, and creates the first administrator (password from
# FILE, or asked for). Without --database-url the database is SQLite in this
# folder. Safe to run again: the secret key, the data and the administrator
# are kept; a new --database-url replaces the one in pamong.env.
#
# Environment: PYTHON (default python3.11); PAMONG_SOURCE, a local Pamong wheel,
# checkout or folder of wheels to install instead of the package index's release.
set -euo pipefail

usage() {
    sed -n '4p' "$0" | sed 's/^# *//'
}

database_url=""
password_file=""
admin_username="admin"
source=${PAMONG_SOURCE:-}
while [ $# -gt 0 ]; do
    case "$1" in
        --database-url) database_url=${2:?"--database-url needs a URL"}; shift 2 ;;
        --database-url=*) database_url=${1#*=}; shift ;;
        --admin-password-file) password_file=${2:?"--admin-password-file needs a file"}; shift 2 ;;
        --admin-password-file=*) password_file=${1#*=}; shift ;;
        --admin-username) admin_username=${2:?"--admin-username needs a name"}; shift 2 ;;
        --admin-username=*) admin_username=${1#*=}; shift ;;
        -h | --help) usage; exit 0 ;;
        *) echo "install.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
done
# Paths given relative to where the command was typed.
if [ -n "$password_file" ]; then
    [ -r "$password_file" ] || { echo "install.sh: cannot read $password_file" >&2; exit 2; }
    password_file=$(realpath "$password_file")
fi
if [ -n "$source" ]; then
    [ -e "$source" ] || { echo "install.sh: PAMONG_SOURCE $source does not exist" >&2; exit 2; }
    source=$(realpath "$source")
fi
case "$database_url" in
    "" | sqlite:* | postgresql:* | postgresql+psycopg:*) ;;
    *) echo "install.sh: expected a postgresql+psycopg://USER:PASSWORD@HOST/DB URL" >&2; exit 2 ;;
esac
here=$(dirname "$0")
cd "$here"

step() { echo "== $*"; }

step "Python virtual environment (.venv)"
PY=${PYTHON:-python3.11}
if [ ! -x .venv/bin/python ]; then
    command -v "$PY" >/dev/null || { echo "install.sh: $PY not found (apt-get install python3.11-venv)" >&2; exit 1; }
    "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || { echo "install.sh: Pamong needs Python 3.11 or newer; set PYTHON" >&2; exit 1; }
    "$PY" -m venv .venv
fi

step "Pamong and the enabled plugins (requirements.txt)"
pip_args=(-r requirements.txt)
if [ -f "$source" ] || [ -f "$source/pyproject.toml" ]; then
    pip_args+=("$source")                 # a wheel or a checkout of Pamong
elif [ -d "$source" ]; then
    pip_args+=(--find-links "$source")    # a folder of wheels
fi
log=.venv/pip-install.log
if ! PIP_DISABLE_PIP_VERSION_CHECK=1 .venv/bin/python -m pip install "${pip_args[@]}" >"$log" 2>&1; then
    cat "$log" >&2
    echo "install.sh: pip install failed (log: $log)" >&2
    exit 1
fi
.venv/bin/pamong --version

step "Settings and secrets (pamong.env)"
umask 077
.venv/bin/python - "$PWD" "$database_url" <<'PY'
"""Write pamong.env from deploy/pamong.env.example, keeping what an earlier run wrote."""

import secrets
import sys
from pathlib import Path

instance, database_url = sys.argv[1], sys.argv[2]
path = Path("pamong.env")
if "'" in database_url:
    sys.exit("install.sh: percent-encode the ' in the database URL")
if path.exists():
    lines = path.read_text("utf-8").splitlines()
    wanted = {"PAMONG_DATABASE_URL": f"'{database_url}'"} if database_url else {}
else:
    lines = Path("deploy/pamong.env.example").read_text("utf-8").splitlines()
    wanted = {"PAMONG_INSTANCE": f"'{instance}'", "PAMONG_SECRET_KEY": secrets.token_urlsafe(48)}
    wanted["PAMONG_DATABASE_URL"] = f"'{database_url}'" if database_url else None
for key, value in wanted.items():
    found = [i for i, line in enumerate(lines) if line.lstrip("# ").startswith(f"{key}=")]
    if value is None:  # SQLite in this folder: leave the example line commented out
        lines = [f"# {lines[i].lstrip('# ')}" if i in found else lines[i] for i in range(len(lines))]
    elif found:
        lines[found[0]] = f"{key}={value}"
    else:
        lines.append(f"{key}={value}")
path.write_text("\n".join(lines) + "\n", "utf-8")
path.chmod(0o600)
PY
set -a
. ./pamong.env
set +a
echo "database: ${PAMONG_DATABASE_URL:-sqlite:///$PWD/pamong.sqlite3}" | sed -E 's#(://[^:/@]*:)[^@]*@#\1***@#'

step "Database, Kabupaten Lebak and the first administrator (pamong init)"
init_args=(--instance . init --region 36.02 --admin-username "$admin_username")
[ -z "$password_file" ] || init_args+=(--admin-password-file "$password_file")
.venv/bin/pamong "${init_args[@]}"

echo
echo "Installed. Serve it with: $here/serve.sh   (http://127.0.0.1:8000/, log in as $admin_username)"
