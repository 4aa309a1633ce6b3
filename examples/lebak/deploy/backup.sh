#!/usr/bin/env bash
# Back up the database of Kabupaten Lebak: pg_dump on PostgreSQL, the
# SQLite online-backup API otherwise (safe while the app runs). Run daily, e.g.
#   /etc/cron.d/pamong-lebak:
#   30 1 * * * pamong /srv/pamong-lebak/deploy/backup.sh
# Restore (stop the app and workers first): pamong restore --force FILE
# (docs: Administering a regency, Backups).
set -euo pipefail
ENV_FILE=${PAMONG_ENV_FILE:-$(dirname "$0")/../pamong.env}
if [ -r "$ENV_FILE" ]; then set -a; . "$ENV_FILE"; set +a; fi
INSTANCE=${PAMONG_INSTANCE:-/srv/pamong-lebak}
DEST=${PAMONG_BACKUP_DIR:-$INSTANCE/backups}
KEEP_DAYS=${PAMONG_BACKUP_KEEP_DAYS:-14}
PYTHON=${PAMONG_PYTHON:-$INSTANCE/.venv/bin/python}
URL=${PAMONG_DATABASE_URL:-sqlite:///$INSTANCE/pamong.sqlite3}
STAMP=$(date +%Y%m%d-%H%M%S)
mkdir -p "$DEST"
umask 077
case "$URL" in
    postgresql*)
        # pamong.backup runs pg_dump with a libpq URL and the password in PGPASSWORD,
        # never on a command line (where every user of the server could read it).
        OUT="$DEST/pamong-lebak-$STAMP.dump"
        PAMONG_BACKUP_URL="$URL" "$PYTHON" - "$OUT" <<'PY'
import os
import sys
from pathlib import Path

from pamong.backup import backup

backup(os.environ["PAMONG_BACKUP_URL"], Path(sys.argv[1]))
PY
        ;;
    sqlite*)
        OUT="$DEST/pamong-lebak-$STAMP.sqlite3"
        "$PYTHON" - "${URL#sqlite:///}" "$OUT" <<'PY'
import sqlite3
import sys

source = sqlite3.connect(sys.argv[1])
target = sqlite3.connect(sys.argv[2])
with target:
    source.backup(target)
target.close()
source.close()
PY
        ;;
    *)
        echo "backup.sh: unsupported database URL: $URL" >&2
        exit 1
        ;;
esac
find "$DEST" -name 'pamong-lebak-*' -type f -mtime "+$KEEP_DAYS" -delete
echo "$OUT"
