#!/usr/bin/env bash
# `make stack`: the production shape on one machine (docs/operators-guide.md, "The stack").
#
#   Varnish on STACK_PORT (8080), deploy/varnish/newsroom.vcl
#     -> two gunicorn app servers (STACK_APP_PORTS, 8081 and 8082), DEBUG off
#   one Celery worker and the clock (content events, purges, periodic jobs)
#   on DATABASE_URL (local PostgreSQL) and REDIS_URL (local Redis; the broker is Redis too).
#
# Ctrl-C (or SIGTERM) stops every process it started. Logs and pid files are in STACK_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
PY="${PY:-$ROOT/.venv/bin/python}"

STACK_PORT="${STACK_PORT:-8080}"
STACK_APP_PORTS="${STACK_APP_PORTS:-8081,8082}"
STACK_DIR="${STACK_DIR:-$ROOT/.stack}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/newsroom}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export TASKS_BROKER_URL="${TASKS_BROKER_URL:-${REDIS_URL%/*}/1}"
export DEBUG=0
# A key of its own for this run unless one is given (sessions end when the stack does).
export SECRET_KEY="${SECRET_KEY:-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')}"
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1,localhost}"
export STATIC_ROOT="${STATIC_ROOT:-$STACK_DIR/static}"
# Varnish is the one proxy in front: the client is the address it appends.
export TRUSTED_PROXY_COUNT="${TRUSTED_PROXY_COUNT:-1}"
export CDN_PURGE=varnish
export CDN_PURGE_URLS="http://127.0.0.1:$STACK_PORT"
# The app servers' purges carry it; Varnish obeys no PURGE without it (backends.sh).
export CDN_PURGE_SECRET="${CDN_PURGE_SECRET:-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(32))')}"

mkdir -p "$STACK_DIR"
# varnishd's worker process runs as its own user and must reach its folder.
chmod 755 "$STACK_DIR"

pids=()  # what runs until Ctrl-C
stop() {
  trap - INT TERM EXIT
  set +e
  echo
  echo "Stopping the stack..."
  [ -n "$step_pid" ] && pids+=("$step_pid")
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for _ in $(seq 100); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  wait 2>/dev/null
  rm -f "$STACK_DIR"/*.pid
  echo "Stopped."
  exit 0
}
trap stop INT TERM EXIT

start() {  # start NAME COMMAND...: in the background, its output in STACK_DIR/NAME.log
  local name=$1
  shift
  "$@" >"$STACK_DIR/$name.log" 2>&1 &
  pids+=($!)
  echo $! >"$STACK_DIR/$name.pid"
}

step_pid=""
step() {  # step COMMAND...: in the foreground, but stopped with the rest on Ctrl-C
  "$@" &
  step_pid=$!
  wait "$step_pid"
  step_pid=""
}

wait_for() {  # wait_for URL WHAT
  for _ in $(seq 300); do
    curl -fsS -o /dev/null --max-time 1 "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "$2 did not answer at $1; see $STACK_DIR/*.log" >&2
  exit 1
}

if ! command -v varnishd >/dev/null && [ ! -x /usr/sbin/varnishd ]; then
  echo "Installing Varnish (Debian packages varnish, varnish-modules)..."
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq varnish varnish-modules >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq varnish varnish-modules >/dev/null
  fi
fi
VARNISHD="$(command -v varnishd || echo /usr/sbin/varnishd)"

if [[ "$DATABASE_URL" == postgres* ]] && command -v createdb >/dev/null; then
  # A fresh clone on a fresh server: make the database if it is not there yet.
  createdb --maintenance-db="${DATABASE_URL%/*}/postgres" "${DATABASE_URL##*/}" 2>/dev/null || true
fi
if [ "${STACK_MIGRATE:-1}" = 1 ]; then
  step "$PY" manage.py migrate --noinput -v0
  step "$PY" manage.py rename_photo_files
fi
if [ "${STACK_SEED:-1}" = 1 ]; then
  step "$PY" manage.py seed_demo --if-empty
fi
if [ "${STACK_COLLECTSTATIC:-1}" = 1 ]; then
  step "$PY" manage.py collectstatic --noinput -v0
fi

IFS=, read -r -a app_ports <<<"$STACK_APP_PORTS"
backends=()
n=0
for port in "${app_ports[@]}"; do
  n=$((n + 1))
  start "app$n" "$PY" -m gunicorn newsroom.wsgi --bind "127.0.0.1:$port" \
    --workers "${STACK_WEB_CONCURRENCY:-2}" --timeout 30 --access-logfile - \
    --forwarded-allow-ips 127.0.0.1
  backends+=("127.0.0.1:$port")
done
start worker "$PY" -m celery -A newsroom.celery worker --loglevel="${LOG_LEVEL:-INFO}" \
  --concurrency "${STACK_WORKER_CONCURRENCY:-2}"
start clock "$PY" manage.py clock

mkdir -p "$STACK_DIR/varnish"
chmod 755 "$STACK_DIR/varnish"
deploy/varnish/backends.sh "${backends[@]}" >"$STACK_DIR/varnish/newsroom-backends.vcl"
start varnish "$VARNISHD" -F -n "$STACK_DIR/varnish/state" -a "127.0.0.1:$STACK_PORT" -T none \
  -p "vcl_path=$STACK_DIR/varnish:$ROOT/deploy/varnish" -f "$ROOT/deploy/varnish/newsroom.vcl" \
  -s "malloc,${STACK_VARNISH_MEMORY:-256m}"

for port in "${app_ports[@]}"; do wait_for "http://127.0.0.1:$port/healthz" "app server $port"; done
wait_for "http://127.0.0.1:$STACK_PORT/healthz" "Varnish"

cat <<EOF

Newsroom's stack is up (Ctrl-C stops it all):
  site, through Varnish   http://127.0.0.1:$STACK_PORT/
  app servers             $(printf 'http://%s/ ' "${backends[@]}")
  worker and clock        broker $TASKS_BROKER_URL
  database                ${DATABASE_URL%%\?*}
  cache                   $REDIS_URL
  logs and pids           $STACK_DIR/
EOF
echo "stack ready"

# Until Ctrl-C. A process that dies is left dead (Varnish routes around an app server that
# stops answering, as in production); its log says why.
wait
