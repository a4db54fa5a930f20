#!/usr/bin/env bash
# Start/stop the local backing services for ConnectSphere development and tests:
#   - a throwaway PostgreSQL cluster on 127.0.0.1:${CS_PG_PORT:-55432}
#   - an AWS emulator (moto server) on 127.0.0.1:4566
#   - an SMTP server (aiosmtpd) on 127.0.0.1:${CS_SMTP_PORT:-1025} that accepts every
#     message and stores it in the Maildir <repo>/.local/mail for tests to read
# Everything this script creates lives under <repo>/.local/ (gitignored).
# Usage: localstack/services.sh {start|stop|status|env}
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
ROOT="$(cd "$SCRIPT_DIR/.." && pwd -P)"
LOCAL="$ROOT/.local"

PG_PORT="${CS_PG_PORT:-55432}"
PG_DIR="$LOCAL/pg"
PG_DATA="$PG_DIR/data"
PG_RUN="$PG_DIR/run"
PG_LOG="$PG_DIR/log"
PG_DB="connectsphere"
OUR_DB_URL="postgres://postgres@127.0.0.1:${PG_PORT}/${PG_DB}"

MOTO_HOST="127.0.0.1"
MOTO_PORT="4566"
MOTO_URL="http://${MOTO_HOST}:${MOTO_PORT}"
MOTO_VERSION="5.2.5"
VENV="$LOCAL/venv"
MOTO_PID_FILE="$LOCAL/moto.pid"
MOTO_LOG="$LOCAL/moto.log"

SMTP_HOST="127.0.0.1"
SMTP_PORT="${CS_SMTP_PORT:-1025}"
SMTP_URL="smtp://${SMTP_HOST}:${SMTP_PORT}"
AIOSMTPD_VERSION="1.4.6"
MAIL_DIR="$LOCAL/mail"
SMTP_PID_FILE="$LOCAL/smtp.pid"
SMTP_LOG="$LOCAL/smtp.log"

ENV_FILE="$LOCAL/env"

IS_ROOT=0
[ "$(id -u)" -eq 0 ] && IS_ROOT=1

log() { printf '%s\n' "$*"; }
warn() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

[[ "$SMTP_PORT" =~ ^[0-9]+$ ]] && [ "$SMTP_PORT" -ge 1 ] && [ "$SMTP_PORT" -le 65535 ] ||
  die "CS_SMTP_PORT must be a TCP port number, got: $SMTP_PORT"

# ---------------------------------------------------------------- helpers

# Run a privileged command (apt-get): directly as root, via sudo otherwise.
as_admin() {
  if [ "$IS_ROOT" -eq 1 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root or sudo to run: $*"
  fi
}

apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; please install: $*"
  log "installing: $* (apt-get)"
  as_admin apt-get update -qq
  as_admin env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

ensure_local_dir() {
  mkdir -p "$LOCAL"
  # The postgres user must be able to traverse it when we run as root.
  chmod 755 "$LOCAL"
}

lock() {
  ensure_local_dir
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$LOCAL/.services.lock"
    flock 9
  fi
}

# ---------------------------------------------------------------- postgres

PGBIN=""

# Pick the PostgreSQL bin dir: the one matching an existing cluster's version,
# else the highest installed version that has initdb. Returns 1 if none.
find_pgbin() {
  if [ -f "$PG_DATA/PG_VERSION" ]; then
    local v
    v="$(cat "$PG_DATA/PG_VERSION")"
    if [ -x "/usr/lib/postgresql/$v/bin/pg_ctl" ]; then
      PGBIN="/usr/lib/postgresql/$v/bin"
      return 0
    fi
  fi
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | while read -r b; do
         [ -x "$b/initdb" ] && [ -x "$b/pg_ctl" ] && echo "$b"; done | tail -n 1 || true)"
  [ -n "$d" ] || return 1
  PGBIN="$d"
}

# Run a PostgreSQL server tool as the cluster owner (postgres when root).
pg_as() {
  if [ "$IS_ROOT" -eq 1 ]; then
    (cd "$PG_DIR" && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

psql_bin() {
  if [ -n "$PGBIN" ] && [ -x "$PGBIN/psql" ]; then
    echo "$PGBIN/psql"
  elif command -v psql >/dev/null 2>&1; then
    command -v psql
  else
    local p
    p="$(ls -d /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -n 1 || true)"
    [ -n "$p" ] || return 1
    echo "$p"
  fi
}

# Is process $1 alive (exists and is not a zombie)?
proc_alive() {
  local st
  [ -r "/proc/$1/stat" ] || return 1
  st="$(sed -e 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" || return 1
  [ -n "$st" ] && [ "$st" != "Z" ] && [ "$st" != "X" ]
}

postmaster_pid() {
  local pid
  pid="$(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  echo "$pid"
}

# Our own throwaway cluster is running?
our_pg_running() {
  [ -f "$PG_DATA/PG_VERSION" ] || return 1
  [ -n "$PGBIN" ] || find_pgbin || return 1
  pg_as "$PGBIN/pg_ctl" status -D "$PG_DATA" >/dev/null 2>&1 || return 1
  # pg_ctl counts a zombie postmaster (killed, not yet reaped: happens when
  # PID 1 does not reap orphans, e.g. in containers) as running.
  local pid
  pid="$(postmaster_pid)" || return 1
  proc_alive "$pid"
}

# Live processes whose cwd is our data dir (postmaster and backends).
pg_live_procs() {
  local d pid
  for d in /proc/[0-9]*; do
    pid="${d#/proc/}"
    [ "$(readlink "$d/cwd" 2>/dev/null || true)" = "$PG_DATA" ] || continue
    proc_alive "$pid" && echo "$pid"
  done
  return 0
}

# After a crash (kill -9), postgres itself removes a stale postmaster.pid,
# unless its pid still exists as a zombie; handle that case here.
pg_clear_stale_lock() {
  local pid i
  pid="$(postmaster_pid)" || return 0
  proc_alive "$pid" && return 0
  [ -e "/proc/$pid" ] || return 0   # dead and reaped: postgres copes
  for i in $(seq 1 20); do
    [ -z "$(pg_live_procs)" ] && break
    sleep 0.5
  done
  [ -z "$(pg_live_procs)" ] || die "postgres: old server processes still running: $(pg_live_procs | tr '\n' ' ')"
  log "postgres: removing stale lock of killed postmaster (pid $pid)"
  rm -f "$PG_DATA/postmaster.pid"
  local f
  for f in "$PG_RUN"/.s.PGSQL.*.lock; do
    [ -f "$f" ] && [ "$(head -n 1 "$f")" = "$pid" ] && rm -f "$f"
  done
  return 0
}

# An externally provided DATABASE_URL (not ours) that answers?
external_db_ok() {
  [ -n "${DATABASE_URL:-}" ] || return 1
  [ "$DATABASE_URL" != "$OUR_DB_URL" ] || return 1
  local psql
  psql="$(psql_bin)" || return 1
  PGCONNECT_TIMEOUT=5 "$psql" "$DATABASE_URL" -qtA -c 'select 1' >/dev/null 2>&1
}

# Same priority as start: a working DATABASE_URL from the caller wins.
current_db_url() {
  if external_db_ok; then
    echo "$DATABASE_URL"
  else
    echo "$OUR_DB_URL"
  fi
}

pg_prepare_dirs() {
  mkdir -p "$PG_DIR"
  if [ "$IS_ROOT" -eq 1 ]; then
    getent passwd postgres >/dev/null || die "user 'postgres' does not exist (is the postgresql package installed?)"
    chown postgres:postgres "$PG_DIR"
    chmod 700 "$PG_DIR"
    if ! runuser -u postgres -- test -w "$PG_DIR" 2>/dev/null; then
      local d="$PG_DIR" blocker=""
      while [ "$d" != "/" ]; do
        d="$(dirname "$d")"
        runuser -u postgres -- test -x "$d" 2>/dev/null || blocker="$d"
      done
      die "the postgres user cannot reach $PG_DIR${blocker:+ ($blocker is not traversable; try: chmod o+x $blocker)}"
    fi
    runuser -u postgres -- mkdir -p "$PG_RUN"
  else
    chmod 700 "$PG_DIR"
    mkdir -p "$PG_RUN"
  fi
}

pg_initdb() {
  # A data dir without PG_VERSION is a leftover from a failed initdb.
  if [ -d "$PG_DATA" ] && [ ! -f "$PG_DATA/PG_VERSION" ]; then
    rm -rf "$PG_DATA"
  fi
  [ -f "$PG_DATA/PG_VERSION" ] && return 0

  log "postgres: initializing throwaway cluster in ${PG_DATA#"$ROOT"/}"
  local common=(-D "$PG_DATA" --auth=trust -U postgres --encoding=UTF8)
  if ! pg_as "$PGBIN/initdb" "${common[@]}" --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1; then
    warn "postgres: initdb with locale C.UTF-8 failed, retrying with locale C"
    rm -rf "$PG_DATA"
    if ! pg_as "$PGBIN/initdb" "${common[@]}" --locale=C >"$PG_DIR/initdb.log" 2>&1; then
      tail -n 20 "$PG_DIR/initdb.log" >&2 || true
      die "initdb failed (see ${PG_DIR}/initdb.log)"
    fi
  fi

  # Fixed tuning for tests; per-start settings go to connectsphere.conf.
  pg_as tee -a "$PG_DATA/postgresql.conf" >/dev/null <<'EOF'

# --- added by localstack/services.sh (throwaway test cluster) ---
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
shared_buffers = 256MB
include_if_exists = 'connectsphere.conf'
EOF
}

pg_write_runtime_conf() {
  local sockdirs="$PG_RUN"
  # Unix socket paths are limited to ~107 bytes; fall back to TCP only.
  if [ "$(printf '%s' "$PG_RUN/.s.PGSQL.$PG_PORT" | wc -c)" -gt 100 ]; then
    warn "postgres: repo path too long for a unix socket; listening on TCP only"
    sockdirs=""
  fi
  pg_as tee "$PG_DATA/connectsphere.conf" >/dev/null <<EOF
# written by localstack/services.sh on every start
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$sockdirs'
EOF
}

pg_wait_ready() {
  local i
  for i in $(seq 1 60); do
    if "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -d postgres -U postgres; then
      return 0
    fi
    sleep 0.5
  done
  return 1
}

pg_ensure_db() {
  local psql conn exists
  psql="$(psql_bin)" || die "psql not found"
  conn="host=127.0.0.1 port=$PG_PORT user=postgres dbname=postgres sslmode=disable"
  exists="$("$psql" "$conn" -qtAX -c "select 1 from pg_database where datname = '$PG_DB'")"
  if [ "$exists" != "1" ]; then
    "$psql" "$conn" -qtAX -c "create database \"$PG_DB\"" >/dev/null
    log "postgres: created database $PG_DB"
  fi
}

pg_start() {
  # 1. Someone else's database, given to us via DATABASE_URL.
  if [ -n "${DATABASE_URL:-}" ] && [ "$DATABASE_URL" != "$OUR_DB_URL" ]; then
    if external_db_ok; then
      log "postgres: using existing DATABASE_URL (not starting a cluster)"
      DB_URL="$DATABASE_URL"
      return 0
    fi
    warn "postgres: DATABASE_URL is set but does not answer; starting the throwaway cluster instead"
  fi
  DB_URL="$OUR_DB_URL"

  # 2. Our throwaway cluster.
  if ! find_pgbin; then
    apt_install postgresql
    find_pgbin || die "no initdb found under /usr/lib/postgresql/*/bin after installing postgresql"
  fi

  if our_pg_running; then
    pg_wait_ready || die "postgres: cluster is running but not answering on 127.0.0.1:$PG_PORT (see $PG_LOG)"
    pg_ensure_db
    log "postgres: already running on 127.0.0.1:$PG_PORT"
    return 0
  fi

  if [ -f "$PG_DATA/PG_VERSION" ] && [ "$(cat "$PG_DATA/PG_VERSION")" != "$(basename "$(dirname "$PGBIN")")" ]; then
    die "cluster in $PG_DATA is version $(cat "$PG_DATA/PG_VERSION") but only $PGBIN is installed; remove $PG_DIR to recreate it"
  fi

  pg_prepare_dirs
  pg_initdb
  pg_clear_stale_lock
  pg_write_runtime_conf

  local attempt ok=0
  for attempt in 1 2 3; do
    # 9>&-: the postmaster must not inherit (and hold) our lock fd.
    if pg_as "$PGBIN/pg_ctl" start -D "$PG_DATA" -l "$PG_LOG" -w -t 60 >/dev/null 2>&1 9>&-; then
      ok=1
      break
    fi
    # e.g. leftover backends of a killed postmaster still holding shared memory
    sleep 2
  done
  if [ "$ok" -ne 1 ]; then
    tail -n 20 "$PG_LOG" >&2 || true
    die "postgres: failed to start (see $PG_LOG)"
  fi
  pg_wait_ready || die "postgres: started but not answering on 127.0.0.1:$PG_PORT (see $PG_LOG)"
  pg_ensure_db
  log "postgres: started on 127.0.0.1:$PG_PORT"
}

pg_stop() {
  if [ ! -f "$PG_DATA/PG_VERSION" ] || ! find_pgbin; then
    log "postgres: not running (no throwaway cluster)"
    return 0
  fi
  if our_pg_running; then
    pg_as "$PGBIN/pg_ctl" stop -D "$PG_DATA" -m fast -w -t 60 >/dev/null
    log "postgres: stopped"
  else
    log "postgres: not running"
  fi
}

pg_status() {
  find_pgbin || true
  if our_pg_running; then
    log "postgres: running on 127.0.0.1:$PG_PORT (throwaway cluster, started by this script)"
    return 0
  elif external_db_ok; then
    log "postgres: using external DATABASE_URL (not managed by this script)"
    return 0
  fi
  log "postgres: not running"
  return 1
}

# ---------------------------------------------------------------- venv

# Create the project virtualenv .local/venv (with pip) unless it is usable.
# moto and aiosmtpd are installed into it on demand by ensure_moto / ensure_aiosmtpd.
ensure_venv() {
  if ! command -v python3 >/dev/null 2>&1; then
    apt_install python3 python3-venv
  fi
  if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
    rm -rf "$VENV"
    if ! python3 -m venv "$VENV" >/dev/null 2>&1; then
      # Debian's python3 needs python3-venv (ensurepip) for this.
      rm -rf "$VENV"
      apt_install python3-venv
      python3 -m venv "$VENV"
    fi
  fi
}

venv_pip_install() {
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "$@"
}

ensure_moto() {
  [ -x "$VENV/bin/moto_server" ] && return 0
  ensure_venv
  log "moto: installing moto[server] into ${VENV#"$ROOT"/}"
  if ! venv_pip_install "moto[server]==$MOTO_VERSION"; then
    warn "moto: moto[server]==$MOTO_VERSION not installable, trying latest 5.x"
    venv_pip_install "moto[server]>=5,<6"
  fi
  [ -x "$VENV/bin/moto_server" ] || die "moto_server missing after installing moto[server]"
}

aiosmtpd_installed() {
  [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import aiosmtpd' >/dev/null 2>&1
}

ensure_aiosmtpd() {
  aiosmtpd_installed && return 0
  ensure_venv
  log "smtp: installing aiosmtpd into ${VENV#"$ROOT"/}"
  if ! venv_pip_install "aiosmtpd==$AIOSMTPD_VERSION"; then
    warn "smtp: aiosmtpd==$AIOSMTPD_VERSION not installable, trying latest 1.x"
    venv_pip_install "aiosmtpd>=1.4,<2"
  fi
  aiosmtpd_installed || die "aiosmtpd not importable after installing it"
}

# ---------------------------------------------------------------- moto

# Does anything answer HTTP on the emulator port?
moto_answers() {
  if command -v curl >/dev/null 2>&1; then
    curl -s -o /dev/null --max-time 2 "$MOTO_URL/moto-api/" ||
      curl -s -o /dev/null --max-time 2 "$MOTO_URL/"
  else
    timeout 3 bash -c '
      exec 3<>"/dev/tcp/$0/$1" || exit 1
      printf "GET / HTTP/1.0\r\nHost: %s\r\n\r\n" "$0" >&3
      head -c 5 <&3 | grep -q "^HTTP/"' "$MOTO_HOST" "$MOTO_PORT" 2>/dev/null
  fi
}

# The pid in PIDFILE, if that process is still alive and its command line still matches
# PATTERN (a pid file can outlive its process, and the pid be reused).
our_pid() {
  local pid_file="$1" pattern="$2" pid
  [ -f "$pid_file" ] || return 1
  pid="$(cat "$pid_file" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [ -r "/proc/$pid/cmdline" ] || return 1
  proc_alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$pattern" || return 1
  echo "$pid"
}

# Pid of the moto server we started, if it is still alive and still moto.
our_moto_pid() { our_pid "$MOTO_PID_FILE" moto_server; }

# Waits (up to ATTEMPTS half-seconds) until ANSWERS succeeds for a server this script just
# launched; fails with its log's tail if it exits or never answers.
wait_started() { # name answers-fn pid-fn pid-file log url attempts [detail]
  local name=$1 answers=$2 alive=$3 pid_file=$4 logfile=$5 url=$6 attempts=$7 detail=${8:-} i
  for i in $(seq 1 "$attempts"); do
    if "$answers"; then
      log "$name: started on $url (pid $(cat "$pid_file")$detail)"
      return 0
    fi
    if ! "$alive" >/dev/null; then
      tail -n 20 "$logfile" >&2 || true
      rm -f "$pid_file"
      die "$name: server exited during startup (see $logfile)"
    fi
    sleep 0.5
  done
  tail -n 20 "$logfile" >&2 || true
  die "$name: not answering on $url after $((attempts / 2)) s (see $logfile)"
}

# Stops a server this script started (PID, empty when there is none): TERM, up to 5 s,
# then KILL.
stop_started() { # name pid-file pid
  local name=$1 pid_file=$2 pid=$3 i
  if [[ -n $pid ]]; then
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 20); do
      proc_alive "$pid" || break
      sleep 0.25
    done
    if proc_alive "$pid"; then
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pid_file"
    log "$name: stopped (pid $pid)"
  else
    rm -f "$pid_file"
    log "$name: not running (nothing started by this script)"
  fi
}

moto_start() {
  local pid
  if moto_answers; then
    if pid="$(our_moto_pid)"; then
      log "moto: already running on $MOTO_URL (pid $pid)"
    else
      log "moto: using existing emulator on $MOTO_URL (not started by this script)"
    fi
    return 0
  fi

  # Our moto may be alive but still booting.
  if ! our_moto_pid >/dev/null; then
    ensure_moto
    rm -f "$MOTO_PID_FILE"
    setsid nohup "$VENV/bin/moto_server" -H "$MOTO_HOST" -p "$MOTO_PORT" </dev/null >"$MOTO_LOG" 2>&1 9>&- &
    echo $! >"$MOTO_PID_FILE"
  fi

  wait_started moto moto_answers our_moto_pid "$MOTO_PID_FILE" "$MOTO_LOG" "$MOTO_URL" 60
}

moto_stop() {
  stop_started moto "$MOTO_PID_FILE" "$(our_moto_pid || true)"
}

moto_status() {
  local pid
  if pid="$(our_moto_pid)"; then
    if moto_answers; then
      log "moto: running on $MOTO_URL (pid $pid, started by this script)"
      return 0
    fi
    log "moto: process $pid alive but not answering on $MOTO_URL"
    return 1
  elif moto_answers; then
    log "moto: an emulator not started by this script answers on $MOTO_URL"
    return 0
  fi
  log "moto: not running"
  return 1
}

# ---------------------------------------------------------------- smtp

# Does something accept TCP connections on the SMTP port?
smtp_port_open() {
  timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$SMTP_HOST" "$SMTP_PORT" 2>/dev/null
}

# Does an SMTP server answer there (greets with 220)?
smtp_answers() {
  timeout 3 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    IFS= read -r -t 2 line <&3 || exit 1
    printf "QUIT\r\n" >&3
    case "$line" in 220*) exit 0 ;; *) exit 1 ;; esac' "$SMTP_HOST" "$SMTP_PORT" 2>/dev/null
}

# Pid of the SMTP server we started, if it is still alive and still aiosmtpd.
our_smtp_pid() { our_pid "$SMTP_PID_FILE" aiosmtpd; }

# The same, but only if it listens on $SMTP_PORT (CS_SMTP_PORT may have changed).
our_smtp_pid_here() {
  local pid
  pid="$(our_smtp_pid)" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-l $SMTP_HOST:$SMTP_PORT " || return 1
  echo "$pid"
}

smtp_start() {
  local pid
  if smtp_answers; then
    if pid="$(our_smtp_pid_here)"; then
      log "smtp: already running on $SMTP_URL (pid $pid, mail in ${MAIL_DIR#"$ROOT"/})"
      SMTP_OURS=1
    else
      log "smtp: using existing SMTP server on $SMTP_URL (not started by this script; MAILDIR not exported)"
      SMTP_OURS=0
    fi
    return 0
  fi
  SMTP_OURS=1

  if pid="$(our_smtp_pid)" && ! our_smtp_pid_here >/dev/null; then
    log "smtp: moving our server (pid $pid) to port $SMTP_PORT"
    smtp_stop
  fi

  # Our server may be alive but still booting.
  if ! our_smtp_pid_here >/dev/null; then
    if smtp_port_open; then
      die "smtp: something that is not an SMTP server listens on $SMTP_HOST:$SMTP_PORT; free it or set CS_SMTP_PORT"
    fi
    ensure_aiosmtpd
    # The Mailbox handler would create it on the first message; tests may look earlier.
    mkdir -p "$MAIL_DIR/new" "$MAIL_DIR/cur" "$MAIL_DIR/tmp"
    rm -f "$SMTP_PID_FILE"
    # -n: do not setuid to nobody (as root it would, and then could not write the maildir).
    # -u: advertise SMTPUTF8. 8BITMIME is advertised anyway; without -s there is no size limit.
    setsid nohup "$VENV/bin/python" -m aiosmtpd -n -u -l "$SMTP_HOST:$SMTP_PORT" \
      -c aiosmtpd.handlers.Mailbox "$MAIL_DIR" </dev/null >"$SMTP_LOG" 2>&1 9>&- &
    echo $! >"$SMTP_PID_FILE"
  fi

  wait_started smtp smtp_answers our_smtp_pid_here "$SMTP_PID_FILE" "$SMTP_LOG" "$SMTP_URL" 30 ", mail in ${MAIL_DIR#"$ROOT"/}"
}

smtp_stop() {
  stop_started smtp "$SMTP_PID_FILE" "$(our_smtp_pid || true)"
}

smtp_status() {
  local pid
  if pid="$(our_smtp_pid_here)"; then
    if smtp_answers; then
      log "smtp: running on $SMTP_URL (pid $pid, started by this script; mail in ${MAIL_DIR#"$ROOT"/})"
      return 0
    fi
    log "smtp: process $pid alive but not answering on $SMTP_URL"
    return 1
  elif smtp_answers; then
    log "smtp: an SMTP server not started by this script answers on $SMTP_URL"
    return 0
  elif pid="$(our_smtp_pid)"; then
    log "smtp: not running on $SMTP_URL (ours, pid $pid, listens on another port)"
    return 1
  fi
  log "smtp: not running"
  return 1
}

# Same rule as start: MAILDIR is exported unless a server that is not ours
# answers on the port (its mail does not land in our maildir).
current_smtp_ours() {
  if ! our_smtp_pid_here >/dev/null && smtp_answers; then
    echo 0
  else
    echo 1
  fi
}

# ---------------------------------------------------------------- env

print_env() {
  local url="$1" smtp_ours="$2"
  printf 'export %s=%q\n' \
    DATABASE_URL "$url" \
    AWS_ENDPOINT_URL "$MOTO_URL" \
    AWS_ACCESS_KEY_ID test \
    AWS_SECRET_ACCESS_KEY test \
    AWS_REGION us-east-1 \
    AWS_DEFAULT_REGION us-east-1 \
    SMTP_URL "$SMTP_URL"
  if [ "$smtp_ours" = "1" ]; then
    printf 'export %s=%q\n' MAILDIR "$MAIL_DIR"
  fi
}

# ---------------------------------------------------------------- main

usage() {
  cat >&2 <<EOF
usage: $0 {start|stop|status|env}
  start   start PostgreSQL (127.0.0.1:$PG_PORT), moto (127.0.0.1:$MOTO_PORT) and
          an SMTP sink ($SMTP_HOST:$SMTP_PORT, mail in .local/mail), write .local/env
  stop    stop what this script started
  status  show what is running (exit 0 if all three services are available)
  env     print export lines (eval "\$($0 env)")
EOF
  exit 2
}

cmd="${1:-}"
case "$cmd" in
  start)
    lock
    DB_URL=""
    SMTP_OURS=1
    pg_start
    moto_start
    smtp_start
    print_env "$DB_URL" "$SMTP_OURS" >"$ENV_FILE.tmp"
    mv "$ENV_FILE.tmp" "$ENV_FILE"
    log "env: wrote ${ENV_FILE#"$ROOT"/} (source it, or: eval \"\$($0 env)\")"
    ;;
  stop)
    lock
    smtp_stop
    moto_stop
    pg_stop
    ;;
  status)
    rc=0
    pg_status || rc=3
    moto_status || rc=3
    smtp_status || rc=3
    exit "$rc"
    ;;
  env)
    print_env "$(current_db_url)" "$(current_smtp_ours)"
    ;;
  *)
    usage
    ;;
esac
