#!/usr/bin/env bash
# Starts and stops a throwaway local PostgreSQL server for tests and benchmarks.
#
#   scripts/postgres.sh start DIR    create a cluster in DIR if absent, start it on a free
#                                    port of 127.0.0.1, print its admin URL (also in DIR/url)
#   scripts/postgres.sh stop DIR     stop it (the cluster stays in DIR; rm -rf DIR to discard)
#   scripts/postgres.sh status DIR   exit 0 and print the URL when it runs, exit 3 when not
#
# Needs Debian's postgresql package (scripts/setup.sh installs it), not systemd and not a
# system cluster. PostgreSQL refuses to run as root, so as root the server runs as the
# `postgres` OS user and DIR is made theirs. The cluster is for throwaway data only: trust
# authentication on 127.0.0.1 and a socket in DIR, fsync off for speed.
# Both commands are idempotent and may run concurrently on the same DIR.
set -euo pipefail

readonly PG_BINDIR="${PG_BINDIR:-/usr/lib/postgresql/15/bin}"
readonly SERVER_USER=postgres  # the OS user when running as root, and the database superuser
readonly START_TIMEOUT_SECONDS=60
# Below Linux's ephemeral range (32768+), so outgoing connections rarely hold our pick.
readonly PORT_MIN=20000 PORT_MAX=32000

die() {
  echo "postgres.sh: $*" >&2
  exit 1
}
say() { echo "postgres.sh: $*" >&2; }

usage() {
  echo "usage: $0 start|stop|status DIR" >&2
  exit 2
}

# Runs a command as the user the server runs as, from a directory that user can read
# (initdb and postgres fail when the current directory is private, e.g. /root). The lock
# descriptor is closed so that the daemonised server does not hold the lock forever.
as_server_user() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd / && runuser -u "$SERVER_USER" -- "$@" 9>&-)
  else
    (cd / && "$@" 9>&-)
  fi
}

check_binaries() {
  local tool
  for tool in initdb pg_ctl pg_isready postgres; do
    [ -x "$PG_BINDIR/$tool" ] ||
      die "$PG_BINDIR/$tool not found; install the postgresql package (scripts/setup.sh)"
  done
  if [ "$(id -u)" -eq 0 ]; then
    id -u "$SERVER_USER" >/dev/null 2>&1 ||
      die "running as root but there is no '$SERVER_USER' OS user to run the server as"
    command -v runuser >/dev/null || die "runuser (util-linux) is needed when running as root"
  fi
}

# Makes DIR exist, be owned by the server user and be reachable by it.
prepare_dir() {
  mkdir -p "$DIR" || die "cannot create $DIR"
  if [ "$(id -u)" -eq 0 ]; then
    chown "$SERVER_USER:$SERVER_USER" "$DIR"
  fi
  chmod 700 "$DIR"
  as_server_user test -w "$DIR" -a -x "$DIR" ||
    die "user '$(as_server_user id -un)' cannot write $DIR (is a parent directory private?)"
}

# A killed postmaster whose parent is an init that does not reap (PID 1 in many
# containers) stays a zombie, which pg_ctl and postgres still take for a live server.
postmaster_is_zombie() {
  local pid state
  pid="$(head -n 1 "$DATA/postmaster.pid" 2>/dev/null)" || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  { read -r _ _ state _ <"/proc/$pid/stat"; } 2>/dev/null || return 1
  [ "$state" = Z ]
}

# Prints the port of the running server from its lock file, or fails.
running_port() {
  local port
  postmaster_is_zombie && return 1
  as_server_user "$PG_BINDIR/pg_ctl" status -D "$DATA" >/dev/null 2>&1 || return 1
  port="$(sed -n 4p "$DATA/postmaster.pid" 2>/dev/null)"
  [[ "$port" =~ ^[0-9]+$ ]] || return 1
  echo "$port"
}

port_in_use() {
  local port="$1"
  if command -v ss >/dev/null; then
    [ -n "$(ss -Htln "sport = :$port" 2>/dev/null)" ]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
  fi
}

publish_url() {
  local port="$1" url
  url="postgresql://$SERVER_USER@127.0.0.1:$port/postgres"
  echo "$url" >"$DIR/url"
  echo "$url"
}

wait_until_ready() {
  local port="$1"
  "$PG_BINDIR/pg_isready" -q -h 127.0.0.1 -p "$port" -U "$SERVER_USER" -d postgres \
    -t "$START_TIMEOUT_SECONDS" ||
    die "server on port $port did not accept connections; see $DIR/server.log"
}

init_cluster() {
  [ -f "$DATA/PG_VERSION" ] && return 0
  [ -e "$DATA" ] && [ -n "$(ls -A "$DATA" 2>/dev/null)" ] &&
    die "$DATA exists but holds no PostgreSQL cluster; remove it or choose another DIR"
  say "creating a cluster in $DATA"
  as_server_user "$PG_BINDIR/initdb" -D "$DATA" -U "$SERVER_USER" -A trust -E UTF8 \
    --locale=C.UTF-8 --no-sync --no-instructions >"$DIR/initdb.log" 2>&1 ||
    die "initdb failed; see $DIR/initdb.log"
  # Single quotes in a DIR path must be doubled inside a postgresql.conf string.
  local socket_dir="${DIR//\'/\'\'}"
  as_server_user tee -a "$DATA/postgresql.conf" >/dev/null <<EOF

# Throwaway test cluster written by scripts/postgres.sh: durability traded for speed.
listen_addresses = '127.0.0.1'
unix_socket_directories = '$socket_dir'
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
}

start() {
  local port attempt log_size
  if port="$(running_port)"; then
    wait_until_ready "$port"
    say "already running on port $port"
    publish_url "$port"
    return 0
  fi
  # The socket path DIR/.s.PGSQL.PORT must fit in sockaddr_un (108 bytes with its NUL).
  [ "${#DIR}" -le 90 ] || die "DIR path is too long for a unix socket; use a shorter one"
  init_cluster
  if postmaster_is_zombie; then
    say "removing the lock file of a server that was killed"
    rm -f "$DATA/postmaster.pid"
  fi
  for attempt in $(seq 1 20); do
    port=$((PORT_MIN + RANDOM % (PORT_MAX - PORT_MIN)))
    port_in_use "$port" && continue
    log_size="$(stat -c %s "$DIR/server.log" 2>/dev/null || echo 0)"
    if as_server_user "$PG_BINDIR/pg_ctl" start -D "$DATA" -l "$DIR/server.log" -w \
      -t "$START_TIMEOUT_SECONDS" -o "-p $port" >/dev/null; then
      wait_until_ready "$port"
      say "started on port $port (log: $DIR/server.log)"
      publish_url "$port"
      return 0
    fi
    # Another process may have taken the port between our check and the bind: retry.
    tail -c "+$((log_size + 1))" "$DIR/server.log" 2>/dev/null | grep -q "could not bind" ||
      die "server failed to start; see $DIR/server.log"
    say "port $port was taken while starting (attempt $attempt); trying another"
  done
  die "found no free port after 20 attempts"
}

stop() {
  if [ ! -f "$DATA/PG_VERSION" ]; then
    say "no cluster in $DIR; nothing to stop"
    return 0
  fi
  if ! running_port >/dev/null; then
    say "not running"
    rm -f "$DIR/url"
    return 0
  fi
  as_server_user "$PG_BINDIR/pg_ctl" stop -D "$DATA" -m fast -w -t "$START_TIMEOUT_SECONDS" \
    >/dev/null || die "pg_ctl stop failed; see $DIR/server.log"
  rm -f "$DIR/url"
  say "stopped"
}

status() {
  local port
  if [ -f "$DATA/PG_VERSION" ] && port="$(running_port)"; then
    echo "postgresql://$SERVER_USER@127.0.0.1:$port/postgres"
    return 0
  fi
  say "not running"
  exit 3
}

[ $# -eq 2 ] || usage
command="$1"
[ -n "$2" ] || usage
DIR="$(realpath -m -- "$2")"
DATA="$DIR/data"
readonly DIR DATA

case "$command" in
  start | stop | status) ;;
  *) usage ;;
esac
check_binaries
if [ "$command" = status ]; then
  status
  exit 0
fi
if [ "$command" = stop ] && [ ! -d "$DIR" ]; then
  say "$DIR does not exist; nothing to stop"
  exit 0
fi
prepare_dir
# Serialise concurrent invocations on the same DIR (the lock file lives beside the cluster).
exec 9>>"$DIR/.lock"
flock -w "$START_TIMEOUT_SECONDS" 9 || die "another postgres.sh holds $DIR/.lock"
"$command"
