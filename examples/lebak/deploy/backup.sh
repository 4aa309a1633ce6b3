#!/usr/bin/env bash
# Back up the database of Kabupaten Lebak: pg_dump on PostgreSQL, the
# SQLite online-backup API otherwise (safe while the app runs). Run daily, e.g.
#   /etc/cron.d/pamong-lebak:
#   30 1 * * * pamong /srv/pamong-lebak/deploy/backup.sh
# Restore: pg_restore --clean -d "$URL" FILE.dump, or stop the app and copy the
# .sqlite3 file back to the instance folder.
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
        # pg_dump takes a libpq URL: drop SQLAlchemy's "+psycopg" driver suffix.
        OUT="$DEST/pamong-lebak-$STAMP.dump"
        pg_dump --format=custom --no-owner --file "$OUT" "${URL/+psycopg/}"
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
