#!/usr/bin/env bash
# make run: an embedded PostgreSQL cluster under the project folder with
# pg_ot installed.  Runs until Ctrl-C, then stops the cluster; running it
# again reuses the data.  Variables: DATA (folder), PGPORT (port).
set -euo pipefail
cd "$(dirname "$0")/.."

data=$(realpath -m "${DATA:-.run}")
port=${PGPORT:-5433}
bindir=$(pg_config --bindir)

as_owner() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

mkdir -p "$data"
[ "$(id -u)" = 0 ] && chown postgres: "$data"
if [ ! -f "$data/pgdata/PG_VERSION" ]; then
	echo "run: creating a cluster in $data/pgdata"
	as_owner "$bindir/initdb" -D "$data/pgdata" -U postgres -A trust \
		--encoding=UTF8 --locale=C.UTF-8 >"$data/initdb.log"
fi
as_owner "$bindir/pg_ctl" -D "$data/pgdata" -l "$data/server.log" -w \
	-o "-p $port -k $data -c listen_addresses=localhost" start >/dev/null
stop() {
	echo
	echo "run: stopping the cluster"
	as_owner "$bindir/pg_ctl" -D "$data/pgdata" -m fast -w stop >/dev/null
}
trap stop EXIT
trap 'exit 0' INT TERM

psql_run() { psql -X -q -h "$data" -p "$port" -U postgres "$@"; }
psql_run -d postgres -tc "SELECT 1 FROM pg_database WHERE datname = 'pg_ot'" | grep -q 1 ||
	psql_run -d postgres -c "CREATE DATABASE pg_ot"
psql_run -d pg_ot -c "CREATE EXTENSION IF NOT EXISTS pg_ot" \
	-c "ALTER EXTENSION pg_ot UPDATE" 2>/dev/null || true

cat <<MSG

pg_ot is running in $data (PostgreSQL on port $port).
Connect with:

    psql -h localhost -p $port -U postgres pg_ot

and try:  SELECT ot.apply('text-unicode', '"hi there"', '[3, {"d":5}, "🤖👻💃"]');

The demo page arrives with the gateway.  Press Ctrl-C to stop.
MSG
while :; do sleep 3600 & wait $!; done
