#!/usr/bin/env bash
# Checks the HTTP API against its own OpenAPI document with schemathesis (PyPI): every
# check, authenticated as a user registered for the run, in a fresh database.
#
#   tests/schemathesis.sh [bounded|fuzz] [extra schemathesis options…]
#
#   bounded  a fixed seed and a few examples per operation: a few hundred requests, for `make test`
#   fuzz     more examples and a time budget, every phase, a new seed each run (`make fuzz`)
#
# It starts a gateway on free ports (built with the dev profile) unless SCHEMATHESIS_URL
# names a running one. Needs DATABASE_URL and the AWS emulator (`make services`).
# Exclusions of single checks for single operations, each with its reason, are in
# tests/schemathesis.toml. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
mode=${1:-bounded}
shift || true

venv=$root/.local/venv
if [[ ! -x $venv/bin/schemathesis ]]; then
    echo "installing schemathesis into .local/venv"
    [[ -x $venv/bin/python ]] || python3 -m venv "$venv"
    "$venv/bin/pip" install -q 'schemathesis==4.*'
fi

work=$root/.local/schemathesis
# JUnit only: the NDJSON log is about 5 MB per 1,500 requests, too much for long fuzz runs.
mkdir -p "$work"
gateway_pid=
database=
cleanup() {
    if [[ -n $gateway_pid ]]; then
        kill "$gateway_pid" 2>/dev/null || true
        wait "$gateway_pid" 2>/dev/null || true
    fi
    if [[ -n $database ]]; then
        psql -q "$admin_url" -c "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

url=${SCHEMATHESIS_URL:-}
if [[ -z $url ]]; then
    : "${DATABASE_URL:?DATABASE_URL is not set (run make services, then set -a; . .local/env)}"
    export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
    cargo build -q -p local-gateway
    # A database of its own: what the run creates stays out of the developer's data.
    database="cs_schemathesis_$$"
    admin_url="${DATABASE_URL%/*}/postgres"
    psql -q "$admin_url" -c "CREATE DATABASE \"$database\"" >/dev/null
    port=$(free_port)
    ws_port=$(free_port)
    # Queues and rate-limit counters of its own too: hundreds of logins from 127.0.0.1
    # must not rate-limit the developer's own gateway, which shares the emulator.
    DATABASE_URL="${DATABASE_URL%/*}/$database" GATEWAY_PORT=$port WEBSOCKET_PORT=$ws_port \
        QUEUE_PREFIX=${QUEUE_PREFIX:-schemathesis-} RATE_LIMIT_TABLE=connectsphere-rate-limits-schemathesis \
        ACCESS_TOKEN_TTL_SECONDS=86400 \
        "$CARGO_TARGET_DIR/debug/local-gateway" serve >"$work/gateway.log" 2>&1 &
    gateway_pid=$!
    url=http://127.0.0.1:$port
    for _ in $(seq 1 300); do
        curl -fs "$url/health" >/dev/null 2>&1 && break
        kill -0 "$gateway_pid" 2>/dev/null || { cat "$work/gateway.log"; exit 1; }
        sleep 0.2
    done
fi

# A user of our own, for the bearer token (the document's security scheme), and a peer:
# the user that tests/schemathesis.toml puts where a body must name another user.
register() {
    local name="st_$(date +%s)_$RANDOM"
    curl -fsS -X POST "$url/users/register" -H 'content-type: application/json' \
        -d "{\"username\":\"$name\",\"email\":\"$name@example.com\",\"password\":\"schemathesis-pass\"}" |
        python3 -c "import json, sys; d = json.load(sys.stdin)$1; print(d if isinstance(d, str) else json.dumps(d))"
}
session=$(register '')
token=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["accessToken"])' "$session")
SCHEMATHESIS_USER_ID=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["user"]["id"])' "$session")
SCHEMATHESIS_PEER_ID=$(register '["user"]["id"]')
export SCHEMATHESIS_USER_ID SCHEMATHESIS_PEER_ID
# A conversation with the peer, for the links from `GET /conversations` to lead into.
curl -fsS -o /dev/null -X POST "$url/conversations" -H "authorization: Bearer $token" \
    -H 'content-type: application/json' -d "{\"memberIds\":[\"$SCHEMATHESIS_PEER_ID\"]}"

case $mode in
bounded) options=(--seed "${SEED:-20261128}" --max-examples "${MAX_EXAMPLES:-3}" --phases examples,coverage,fuzzing,stateful --no-shrink) ;;
fuzz) options=(--max-examples "${MAX_EXAMPLES:-100}" --max-time "${MAX_TIME:-900}") ;;
*) echo "usage: $0 [bounded|fuzz]" >&2; exit 2 ;;
esac

start=$(date +%s)
status=0
"$venv/bin/schemathesis" --config-file "$root/tests/schemathesis.toml" run "$url/openapi.json" --url "$url" \
    -H "Authorization: Bearer $token" --workers 1 --request-timeout 30 \
    --report junit --report-dir "$work/report" "${options[@]}" "$@" || status=$?
echo "schemathesis ($mode) took $(( $(date +%s) - start )) s against $url"
exit $status
