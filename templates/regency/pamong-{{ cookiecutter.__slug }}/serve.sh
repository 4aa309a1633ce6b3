#!/usr/bin/env bash
# Serve Pamong {{ cookiecutter.__short_name }}: the third of three commands (after install.sh).
#
#   ./serve.sh [--bind HOST:PORT] [--workers N]
#
# Runs the web app with gunicorn on 127.0.0.1:8000 (put nginx in front:
# deploy/nginx.conf) and one `pamong worker` beside it for e-mail delivery and
# the modules' periodic jobs, with the settings and secrets of pamong.env.
# Ctrl-C (or SIGTERM) stops both. Under systemd use deploy/*.service instead.
set -euo pipefail

bind=${PAMONG_BIND:-127.0.0.1:8000}
workers=${PAMONG_WEB_WORKERS:-2}
while [ $# -gt 0 ]; do
    case "$1" in
        --bind) bind=${2:?"--bind needs HOST:PORT"}; shift 2 ;;
        --bind=*) bind=${1#*=}; shift ;;
        --workers) workers=${2:?"--workers needs a number"}; shift 2 ;;
        --workers=*) workers=${1#*=}; shift ;;
        -h | --help) sed -n '4p' "$0" | sed 's/^# *//'; exit 0 ;;
        *) echo "serve.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
cd "$(dirname "$0")"
if [ ! -x .venv/bin/gunicorn ] || [ ! -f pamong.env ]; then
    echo "serve.sh: not installed yet; run: bash install.sh" >&2
    exit 1
fi
set -a
. ./pamong.env
set +a
export PAMONG_INSTANCE=$PWD

web_args=(--workers "$workers" --bind "$bind" --access-logfile - --forwarded-allow-ips 127.0.0.1)
# Newer gunicorn opens a control socket in the home folder unless told not to.
if [[ $(.venv/bin/gunicorn --help) == *--no-control-socket* ]]; then
    web_args+=(--no-control-socket)
fi

pids=()
stop() {
    trap - INT TERM EXIT
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap stop EXIT

.venv/bin/pamong worker &
pids+=($!)
.venv/bin/gunicorn "${web_args[@]}" 'pamong:create_app()' &
pids+=($!)
echo "Pamong {{ cookiecutter.__short_name }} on http://$bind/ (Ctrl-C stops it)"
# Whichever of the two ends first ends the service.
wait -n
