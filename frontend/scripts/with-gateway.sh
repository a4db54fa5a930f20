#!/usr/bin/env bash
# usage: frontend/scripts/with-gateway.sh <command…>
# Runs <command> (the Playwright tests, the browser benchmark) against a local gateway serving
# frontend/dist: E2E_BASE_URL when set, else a gateway of this repository started here the way
# `make dev` starts one, on E2E_GATEWAY_PORT (3100) and E2E_WEBSOCKET_PORT (port + 1), and
# stopped afterwards. Needs the backing services (`make services`, whose .local/env the
# Makefile sources). That gateway has a database, queues, buckets and rate limits of its own
# (a fresh database `connectsphere_e2e_<port>` each run, prefix `e2e<port>-`), so a `make dev` gateway on the
# same services neither takes its events nor pushes its live frames to the wrong sockets.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
cd "$ROOT"

[[ -x ${CHROMIUM_PATH:-/usr/bin/chromium} ]] || { echo "error: no Chromium at ${CHROMIUM_PATH:-/usr/bin/chromium}: apt-get install -y chromium" >&2; exit 1; }
[[ -f frontend/dist/index.html ]] || { echo "error: frontend/dist is not built: cd frontend && npm run build" >&2; exit 1; }

if [[ -n ${E2E_BASE_URL:-} ]]; then
  exec "$@"
fi

PORT="${E2E_GATEWAY_PORT:-3100}"
WS_PORT="${E2E_WEBSOCKET_PORT:-$((PORT + 1))}"
BASE="http://127.0.0.1:$PORT"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
LOG="$ROOT/.local/e2e-gateway.log"
mkdir -p "$ROOT/.local"

# One run at a time per port (the database and queues are named after it): a second waits.
exec 9>"$ROOT/.local/e2e-$PORT.lock"
flock 9
if curl -fsS -o /dev/null "$BASE/health" 2>/dev/null; then
  echo "error: something already answers on $BASE (another gateway?): set E2E_GATEWAY_PORT to a free port" >&2
  exit 1
fi

cargo build -q -p local-gateway
DB=connectsphere_e2e_$PORT
psql "$DATABASE_URL" -qtAX -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
DATABASE_URL="${DATABASE_URL%/*}/$DB" QUEUE_PREFIX=e2e$PORT- MEDIA_BUCKET=e2e$PORT-media ITEM_FILES_BUCKET=e2e$PORT-item-files \
  RATE_LIMIT_PREFIX=e2e$PORT: GATEWAY_PORT=$PORT WEBSOCKET_PORT=$WS_PORT PUBLIC_URL="$BASE" PAYMENT_WEBHOOK_URL="$BASE/payments/webhook" \
  FRONTEND_DIST="$ROOT/frontend/dist" CORS_ORIGINS="$BASE" \
  "$TARGET/debug/local-gateway" serve >"$LOG" 2>&1 &
GW=$!
trap 'kill "$GW" 2>/dev/null; wait "$GW" 2>/dev/null || true' EXIT

for _ in $(seq 1 120); do
  if curl -fsS -o /dev/null "$BASE/health" 2>/dev/null; then break; fi
  if ! kill -0 "$GW" 2>/dev/null; then echo "error: the gateway exited; its log:" >&2; tail -n 30 "$LOG" >&2; exit 1; fi
  sleep 0.5
done
curl -fsS -o /dev/null "$BASE/health" || { echo "error: the gateway did not answer on $BASE; log: $LOG" >&2; exit 1; }

export E2E_BASE_URL="$BASE"
status=0
(cd frontend && "$@") || status=$?
exit "$status"
