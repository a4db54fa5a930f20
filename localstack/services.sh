#!/usr/bin/env bash
# usage: localstack/services.sh {start|stop|status|env}
#   start   start the local backing services (again: keeps those running) and write .local/env:
#           postgres  a throwaway cluster in .local/pg on 127.0.0.1:${CS_PG_PORT:-55432}
#           moto      the AWS emulator on 127.0.0.1:${CS_AWS_PORT:-4566}
#           smtp      aiosmtpd on 127.0.0.1:${CS_SMTP_PORT:-1025}, storing mail in the Maildir .local/mail
#           payments  the sandbox payment provider (localstack/payments) on 127.0.0.1:${CS_PAY_PORT:-4010}
#   stop    stop what this script started
#   status  show what is running; exit 0 if every service is available, 3 otherwise
#   env     print the export lines: eval "$(localstack/services.sh env)"
# Everything this script creates lives under <repo>/.local/ (gitignored).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
LOCAL="$ROOT/.local"
VENV="$LOCAL/venv"
PG_PORT="${CS_PG_PORT:-55432}" AWS_PORT="${CS_AWS_PORT:-4566}" SMTP_PORT="${CS_SMTP_PORT:-1025}"
PAY_PORT="${CS_PAY_PORT:-4010}"

log() { printf '%s\n' "$*"; }
warn() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

for port in "$PG_PORT" "$AWS_PORT" "$SMTP_PORT" "$PAY_PORT"; do
  [[ $port =~ ^[0-9]{1,5}$ && $port -ge 1 && $port -le 65535 ]] || die "CS_*_PORT must be a TCP port, got: $port"
done

# ------------------------------------------------------------ the services
# A service NAME is described by (the server runs in the background, logging to .local/NAME.log):
#   SVC[NAME.port]     the port it serves on 127.0.0.1
#   NAME_cmd           sets CMD to the server's command line
#   NAME_prepare       installs what is missing; runs only before the server is launched
#   NAME_ready         succeeds once the server answers
#   NAME_env           prints its export lines for .local/env
# and, if needed:
#   SVC[NAME.user]     run the server as this user when we are root
#   SVC[NAME.pidfile]  a pid file the server writes itself (default: we write .local/NAME.pid)
#   SVC[NAME.signal]   the signal that stops it (default TERM)
#   SVC[NAME.reuse]=0  refuse a server not started here that answers on the port (default: use it)
#   NAME_external      succeeds when the environment names a server to use instead
#   NAME_started       runs after ours answers
SERVICES=(postgres moto smtp payments)
declare -A SVC=() STATE=()

# postgres: Debian's binaries, run as `postgres` (it refuses root), trust auth, database connectsphere.
PG_DIR="$LOCAL/pg" PG_DATA="$LOCAL/pg/data" PG_RUN="$LOCAL/pg/run"
PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/connectsphere"
SVC[postgres.port]=$PG_PORT SVC[postgres.user]=postgres SVC[postgres.signal]=INT SVC[postgres.reuse]=0
SVC[postgres.pidfile]="$PG_DATA/postmaster.pid"
postgres_cmd() {
  local sockets=$PG_RUN # unix sockets there, unless their path would be too long: then TCP only
  if ((${#PG_RUN} > 85)); then sockets=""; fi
  CMD=("$PGBIN/postgres" -D "$PG_DATA" -h 127.0.0.1 -p "$PG_PORT" -k "$sockets")
}
postgres_ready() { "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres 2>/dev/null; }
postgres_external() { # the caller's own DATABASE_URL, if it answers, replaces the cluster
  [[ -n ${DATABASE_URL:-} && $DATABASE_URL != "$PG_URL" ]] &&
    PGCONNECT_TIMEOUT=5 "${PGBIN:+$PGBIN/}psql" "$DATABASE_URL" -qtAc 'select 1' >/dev/null 2>&1
}
postgres_env() {
  if [[ ${STATE[postgres]} == external ]]; then exports DATABASE_URL "$DATABASE_URL"; else
    exports DATABASE_URL "$PG_URL" PGSSLROOTCERT "$PG_DIR/ca.pem"
  fi
}
postgres_prepare() {
  find_pgbin || { apt_install postgresql && find_pgbin; } || die "postgres: no initdb under /usr/lib/postgresql/*/bin"
  mkdir -p "$PG_DIR" && chmod 700 "$PG_DIR"
  if ((EUID == 0)); then chown postgres:postgres "$PG_DIR"; fi
  pg_as test -w "$PG_DIR" || die "postgres: the postgres user cannot reach $PG_DIR (each directory above needs o+x)"
  pg_as mkdir -p "$PG_RUN"
  if [[ ! -f $PG_DATA/PG_VERSION ]]; then
    rm -rf "$PG_DATA" # a leftover of a failed initdb
    log "postgres: initializing a throwaway cluster in .local/pg/data"
    pg_as "$PGBIN/initdb" -D "$PG_DATA" --auth=trust -U postgres --encoding=UTF8 --locale=C.UTF-8 \
      >"$PG_DIR/initdb.log" 2>&1 || { tail -n 20 "$PG_DIR/initdb.log" >&2; die "postgres: initdb failed"; }
    printf '%s\n' '' '# added by localstack/services.sh (throwaway test cluster)' 'fsync = off' \
      'synchronous_commit = off' 'full_page_writes = off' 'max_connections = 300' 'shared_buffers = 256MB' |
      pg_as tee -a "$PG_DATA/postgresql.conf" >/dev/null
  fi
  pg_tls
  # After a kill -9 the lock files name a dead postmaster (maybe a zombie, or a reused pid) and
  # postgres will not start; they are stale once no process works in the data dir.
  local i
  [[ -f $PG_DATA/postmaster.pid ]] || return 0
  for i in {1..20}; do if [[ -z $(pg_leftovers) ]]; then break; fi; sleep 0.5; done
  [[ -z $(pg_leftovers) ]] || die "postgres: a server not started by this script runs in $PG_DATA (pids $(pg_leftovers))"
  log "postgres: removing the stale lock of a killed server"
  rm -f "$PG_DATA/postmaster.pid" "$PG_RUN"/.s.PGSQL.*.lock
}
postgres_started() {
  [[ -z ${DATABASE_URL:-} || $DATABASE_URL == "$PG_URL" ]] || warn "postgres: DATABASE_URL does not answer; using .local/pg"
  local conn="host=127.0.0.1 port=$PG_PORT user=postgres dbname=postgres"
  [[ $("$PGBIN/psql" "$conn" -qtAXc "select 1 from pg_database where datname = 'connectsphere'") == 1 ]] ||
    { "$PGBIN/psql" "$conn" -qtAXc 'create database connectsphere' && log "postgres: created database connectsphere"; }
}
# TLS as in AWS (RDS Proxy requires it): a local CA (.local/pg/ca.pem, PGSSLROOTCERT in .local/env)
# signs the server's certificate for 127.0.0.1 and localhost. Clients verify it; sslmode=prefer
# (the default) uses it.
pg_tls() {
  [[ -f $PG_DATA/server.crt && -f $PG_DIR/ca.pem ]] && return 0
  local t
  t=$(mktemp -d)
  {
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj '/CN=ConnectSphere local CA' \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
      -keyout "$t/ca.key" -out "$t/ca.pem" &&
      openssl req -newkey rsa:2048 -nodes -subj '/CN=localhost' -keyout "$t/server.key" -out "$t/server.csr" &&
      printf '%s\n' 'subjectAltName=IP:127.0.0.1,DNS:localhost' 'extendedKeyUsage=serverAuth' \
        'basicConstraints=critical,CA:FALSE' >"$t/ext" &&
      openssl x509 -req -in "$t/server.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" -CAcreateserial -days 3650 \
        -extfile "$t/ext" -out "$t/server.crt"
  } >"$t/log" 2>&1 || { cat "$t/log" >&2; rm -rf "$t"; die "postgres: making the TLS certificates failed (openssl)"; }
  cp "$t/server.crt" "$t/server.key" "$PG_DATA/" && chmod 600 "$PG_DATA/server.key"
  if ((EUID == 0)); then chown postgres:postgres "$PG_DATA/server.crt" "$PG_DATA/server.key"; fi
  cp "$t/ca.pem" "$PG_DIR/ca.pem"
  rm -rf "$t"
  grep -q '^ssl = on' "$PG_DATA/postgresql.conf" || printf '%s\n' 'ssl = on' | pg_as tee -a "$PG_DATA/postgresql.conf" >/dev/null
  log "postgres: TLS on, with a local CA in .local/pg/ca.pem"
}
find_pgbin() { # the bin dir of the cluster's version, else of the newest installed one
  PGBIN=/usr/lib/postgresql/$(cat "$PG_DATA/PG_VERSION" 2>/dev/null)/bin
  [[ -x $PGBIN/postgres ]] ||
    PGBIN=$(find /usr/lib/postgresql/*/bin -maxdepth 1 -name initdb -printf '%h\n' 2>/dev/null | sort -V | tail -n 1)
  [[ -n $PGBIN ]]
}
find_pgbin || true
pg_as() { as_user postgres; "${AS[@]}" "$@"; }
pg_leftovers() { # live processes (postmaster, backends) working in our data dir
  local d
  for d in /proc/[0-9]*; do
    if [[ $(readlink "$d/cwd" 2>/dev/null) == "$PG_DATA" ]] && alive "${d#/proc/}"; then echo "${d#/proc/}"; fi
  done
}

# moto: the AWS emulator, from .local/venv.
SVC[moto.port]=$AWS_PORT
moto_cmd() { CMD=("$VENV/bin/moto_server" -H 127.0.0.1 -p "$AWS_PORT"); }
moto_prepare() { venv_install moto.server "moto[server]==5.2.5" "moto[server]>=5,<6"; }
moto_ready() { answers "$AWS_PORT" 'GET /moto-api/ HTTP/1.0\r\n\r\n' 'HTTP/*'; }
moto_env() {
  exports AWS_ENDPOINT_URL "http://127.0.0.1:$AWS_PORT" AWS_ACCESS_KEY_ID test AWS_SECRET_ACCESS_KEY test \
    AWS_REGION us-east-1 AWS_DEFAULT_REGION us-east-1
}

# smtp: aiosmtpd, from .local/venv. -n: do not setuid to nobody (it could not write the
# Maildir); -u: SMTPUTF8 (8BITMIME is always on; without -s there is no size limit).
MAIL_DIR="$LOCAL/mail"
SVC[smtp.port]=$SMTP_PORT
smtp_cmd() { CMD=("$VENV/bin/python" -m aiosmtpd -n -u -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Mailbox "$MAIL_DIR"); }
# (The handler makes the Maildir on the first message; tests may look earlier.)
smtp_prepare() { mkdir -p "$MAIL_DIR"/{new,cur,tmp} && venv_install aiosmtpd "aiosmtpd==1.4.6" "aiosmtpd>=1.4,<2"; }
smtp_ready() { answers "$SMTP_PORT" 'QUIT\r\n' '220*'; }
smtp_env() { # MAILDIR unless the server is not ours: then mail does not land there
  exports SMTP_URL "smtp://127.0.0.1:$SMTP_PORT"
  if [[ ${STATE[smtp]} != foreign ]]; then exports MAILDIR "$MAIL_DIR"; fi
}

# payments: our sandbox payment provider, built with cargo; it posts signed events to the
# gateway's webhook. The shared secret is made once, in .local/payment-webhook-secret.
# Another checkout's stub signs with another secret, so every webhook would fail: refused.
SVC[payments.port]=$PAY_PORT SVC[payments.reuse]=0
payments_secret() {
  local f="$LOCAL/payment-webhook-secret"
  [[ -s $f ]] || (umask 077 && printf 'whsec_%s\n' "$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')" >"$f")
  cat "$f"
}
payments_cmd() { # its settings go through the environment, not the command line
  export PAYMENTS_PORT=$PAY_PORT PAYMENT_WEBHOOK_SECRET PAYMENT_WEBHOOK_URL
  PAYMENT_WEBHOOK_SECRET=$(payments_secret)
  PAYMENT_WEBHOOK_URL=${PAYMENT_WEBHOOK_URL:-http://127.0.0.1:3000/payments/webhook}
  CMD=("${CARGO_TARGET_DIR:-$ROOT/target}/debug/payments")
}
payments_prepare() { (cd "$ROOT" && cargo build -q -p payments); }
payments_ready() { answers "$PAY_PORT" 'GET /health HTTP/1.0\r\n\r\n' 'HTTP/*200*'; }
payments_env() { exports PAYMENTS_URL "http://127.0.0.1:$PAY_PORT" PAYMENT_WEBHOOK_SECRET "$(payments_secret)"; }

# ------------------------------------------------------------ helpers
exports() { printf 'export %s=%q\n' "$@"; }

# answers PORT SEND PATTERN: does 127.0.0.1:PORT answer SEND with a first line matching PATTERN?
# shellcheck disable=SC2016 # the inner script expands its own arguments
answers() {
  timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0" && printf "$1" >&3 &&
    IFS= read -r -t 2 line <&3 && [[ $line == $2 ]]' "$@" 2>/dev/null
}
# shellcheck disable=SC2016
port_open() { timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0"' "$1" 2>/dev/null; }
# Is process $1 alive? A killed server stays a zombie where PID 1 does not reap orphans.
alive() { local st; st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) && [[ -n $st && ${st:0:1} != [ZX] ]]; }
# as_user USER: sets AS to the prefix that runs a command as USER when we are root.
as_user() { AS=(); if [[ -n $1 ]] && ((EUID == 0)); then AS=(setpriv --reuid="$1" --regid="$1" --init-groups --); fi; }
apt_install() { # as root, else through sudo
  local sudo=() && ((EUID == 0)) || sudo=(sudo)
  log "installing $* (apt-get)"
  "${sudo[@]}" apt-get update -qq && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

# venv_install MODULE SPEC FALLBACK: unless MODULE imports, pip-install SPEC (else FALLBACK) into .local/venv.
venv_install() {
  "$VENV/bin/python" -c "import $1" >/dev/null 2>&1 && return 0
  if ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
    python3 -c 'import ensurepip, venv' 2>/dev/null || apt_install python3 python3-venv # Debian splits venv off
    rm -rf "$VENV" && python3 -m venv "$VENV"
  fi
  log "installing $2 into .local/venv"
  local pip=("$VENV/bin/python" -m pip install -q --disable-pip-version-check)
  "${pip[@]}" "$2" || { warn "$2 not installable, trying $3" && "${pip[@]}" "$3"; }
  "$VENV/bin/python" -c "import $1" >/dev/null 2>&1 || die "$1 does not import after installing $2"
}

# ------------------------------------------------------------ any background server
pidfile() { printf '%s' "${SVC[$1.pidfile]:-$LOCAL/$1.pid}"; }

# pid_of NAME [any]: the pid in NAME's pid file if that process is alive and runs NAME's
# command line (with `any`: NAME's program, whatever its arguments).
pid_of() {
  local pid want
  pid=$(head -n 1 "$(pidfile "$1")" 2>/dev/null) && [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || return 1
  "$1_cmd"
  if [[ -n ${2:-} ]]; then want="${CMD[0]} "; else want="${CMD[*]} "; fi
  [[ $(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") == *"$want"* ]] && echo "$pid"
}

# probe NAME: STATE[NAME] = external (the environment names one), ours (answers, started
# here with these settings), foreign (answers, not ours) or down.
probe() {
  if declare -F "$1_external" >/dev/null && "$1_external"; then STATE[$1]=external
  elif ! "$1_ready"; then STATE[$1]=down
  elif pid_of "$1" >/dev/null; then STATE[$1]=ours
  else STATE[$1]=foreign; fi
}

start_one() {
  local name=$1 port=${SVC[$1.port]} pid i
  probe "$name"
  # A server of ours with other settings (a port changed, say) is replaced.
  if [[ ${STATE[$name]} =~ foreign|down ]] && pid=$(pid_of "$name" any) && ! pid_of "$name" >/dev/null; then
    log "$name: restarting ours (pid $pid) with the new settings"
    stop_one "$name"
    probe "$name"
  fi
  case ${STATE[$name]} in
    external) log "$name: using the server the environment names (not starting one)"; return ;;
    ours) log "$name: already running on 127.0.0.1:$port (pid $(pid_of "$name"))" ;;
    foreign)
      [[ ${SVC[$name.reuse]:-1} == 1 ]] ||
        die "$name: a server not started by this script answers on 127.0.0.1:$port; stop it or choose another port"
      log "$name: using the server on 127.0.0.1:$port (not started by this script)"
      return ;;
    down)
      if ! pid=$(pid_of "$name"); then # (else ours is still starting)
        ! port_open "$port" || die "$name: something else listens on 127.0.0.1:$port; free it or choose another port"
        "${name}_prepare"
        "${name}_cmd"
        as_user "${SVC[$name.user]:-}"
        # 9>&-: the server must not inherit (and hold) our lock.
        setsid nohup "${AS[@]}" "${CMD[@]}" </dev/null >"$LOCAL/$name.log" 2>&1 9>&- &
        pid=$!
        [[ -n ${SVC[$name.pidfile]:-} ]] || echo "$pid" >"$(pidfile "$name")"
      fi
      for i in {1..120}; do
        if "${name}_ready"; then break; fi
        alive "$pid" || { tail -n 20 "$LOCAL/$name.log" >&2; die "$name: exited while starting (see .local/$name.log)"; }
        ((i < 120)) || { tail -n 20 "$LOCAL/$name.log" >&2; die "$name: not answering on 127.0.0.1:$port after 60 s"; }
        sleep 0.5
      done
      STATE[$name]=ours
      log "$name: started on 127.0.0.1:$port (pid $pid, log .local/$name.log)" ;;
  esac
  if declare -F "${name}_started" >/dev/null; then "${name}_started"; fi
}

stop_one() { # only a server this script started: TERM (or its signal), up to 30 s, then KILL
  local name=$1 pid i
  pid=$(pid_of "$name" any) || { log "$name: not running (nothing started by this script)" && return 0; }
  kill -s "${SVC[$name.signal]:-TERM}" "$pid" 2>/dev/null || true
  for i in {1..120}; do if alive "$pid"; then sleep 0.25; else break; fi; done
  if alive "$pid"; then kill -9 "$pid" 2>/dev/null || true; fi
  [[ -n ${SVC[$name.pidfile]:-} ]] || rm -f "$(pidfile "$name")"
  log "$name: stopped (pid $pid)"
}

status_one() {
  local name=$1 port=${SVC[$1.port]} pid
  probe "$name"
  if [[ ${STATE[$name]} =~ foreign|down ]] && pid=$(pid_of "$name" any); then
    log "$name: ours (pid $pid) runs with other settings or is still starting; \`start\` fixes it"
  fi
  case ${STATE[$name]} in
    ours) log "$name: running on 127.0.0.1:$port (pid $(pid_of "$name"), started by this script)" ;;
    external) log "$name: using the server the environment names (not managed by this script)" ;;
    foreign)
      log "$name: a server not started by this script answers on 127.0.0.1:$port"
      [[ ${SVC[$name.reuse]:-1} == 1 ]] ;;
    down) log "$name: not running on 127.0.0.1:$port"; return 1 ;;
  esac
}

print_env() { local s; for s in "${SERVICES[@]}"; do "${s}_env"; done; }

# ------------------------------------------------------------ main
case "${1:-}" in
  start | stop)
    mkdir -p "$LOCAL" && chmod 755 "$LOCAL" && cd "$LOCAL" # the postgres user must reach it, when we are root
    exec 9>"$LOCAL/.services.lock" && flock 9              # one start or stop at a time
    if [[ $1 == start ]]; then
      for s in "${SERVICES[@]}"; do start_one "$s"; done
      print_env >"$LOCAL/env.tmp" && mv "$LOCAL/env.tmp" "$LOCAL/env"
      log "env: wrote .local/env (source it, or: eval \"\$($0 env)\")"
    else
      for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do stop_one "${SERVICES[i]}"; done
    fi
    ;;
  status)
    rc=0
    for s in "${SERVICES[@]}"; do status_one "$s" || rc=3; done
    exit "$rc"
    ;;
  env)
    for s in "${SERVICES[@]}"; do probe "$s"; done && print_env
    ;;
  *)
    sed -n '2,9s/^# //p' "$0" >&2
    exit 2
    ;;
esac
