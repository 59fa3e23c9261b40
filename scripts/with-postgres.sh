#!/usr/bin/env bash
# Runs CMD beside a throwaway PostgreSQL 15 cluster, then removes the cluster.
#
# Usage: scripts/with-postgres.sh CMD [ARGS...]
# CMD sees SWITCHBOARD_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:PORT/postgres
# (trust auth, nothing created beyond initdb's defaults). The cluster lives in a fresh
# temp dir, listens on a free loopback port and is tuned for speed, not durability
# (fsync off). It is stopped and deleted on exit, whatever happens; the script exits
# with CMD's exit code. Needs `scripts/ensure-tools.sh --postgres` first.
set -euo pipefail

PG_BIN=/usr/lib/postgresql/15/bin
die() { echo "with-postgres: ERROR: $*" >&2; exit 1; }

(($#)) || die "usage: $0 CMD [ARGS...]"
[[ -x $PG_BIN/initdb ]] || die "$PG_BIN/initdb is missing: run scripts/ensure-tools.sh --postgres"

# initdb and pg_ctl refuse to run as root, so root runs them as the postgres user.
# `cd /` keeps them from complaining about a working directory they cannot read.
as_pg() {
  if [[ $(id -u) == 0 ]]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

tmp=$(mktemp -d /tmp/switchboard-pg.XXXXXX)
data=$tmp/data
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  if [[ -f $data/postmaster.pid ]]; then
    as_pg "$PG_BIN/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
[[ $(id -u) != 0 ]] || chown postgres:postgres "$tmp"

as_pg "$PG_BIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
  --no-sync --no-instructions >"$tmp/initdb.log" 2>&1 ||
  { cat "$tmp/initdb.log" >&2; die "initdb failed"; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Another process may take the free port before the server binds it: try a few ports.
for attempt in 1 2 3; do
  port=$(free_port)
  # The settings go on pg_ctl's command line so that a retry can change the port.
  if as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$tmp/postgres.log" -w -t 30 \
    -o "-p $port -c listen_addresses=127.0.0.1 -k $tmp -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null; then
    break
  fi
  if ((attempt == 3)); then
    tail -n 20 "$tmp/postgres.log" >&2 || true
    die "PostgreSQL did not start"
  fi
done

export SWITCHBOARD_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
echo "with-postgres: PostgreSQL 15 at $SWITCHBOARD_TEST_POSTGRES_URL" >&2

status=0
"$@" || status=$?
exit "$status"
