#!/usr/bin/env bash
# make run: an embedded PostgreSQL cluster under the project folder with
# pg_ot, the gateway and the demo page.  Runs until Ctrl-C, then stops the
# gateway and the cluster; running it again reuses the data.
#
# Variables: DATA (folder, default .run), PGPORT (PostgreSQL, default 5433),
# PORT (the demo page and WebSocket, default 8080), LISTEN (the gateway's
# address, default 127.0.0.1; 0.0.0.0 lets other machines in).
#
# PARTITIONS=N (a power of two; make run PARTITIONS=2): instead of the one
# cluster, N partition instances with pg_ot and a router instance with
# PL/Proxy and pg_ot_router, made by test/partition/clusters.sh in
# DATA/partitions (the router on PGPORT, the partitions on the next N
# ports, Unix sockets in their folders only), and the gateway on them with
# --partition for each.  The same DATA with another N keeps its first N.
set -euo pipefail
cd "$(dirname "$0")/.."

data=$(realpath -m "${DATA:-.run}")
port=${PGPORT:-5433}
web_port=${PORT:-8080}
listen=${LISTEN:-127.0.0.1}
bindir=$(pg_config --bindir)
gateway="$bindir/pg_ot_gateway"
www=$PWD/gateway/www/dist

as_owner() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if port_busy "$web_port"; then
	echo "run: port $web_port is taken; choose another with PORT=" >&2
	exit 1
fi
[ -x "$gateway" ] || { echo "run: $gateway is missing (make install)" >&2; exit 1; }
echo "run: building the demo page"
gateway/www/build.sh >"${TMPDIR:-/tmp}/pg_ot_run_build.log" 2>&1 ||
	{ cat "${TMPDIR:-/tmp}/pg_ot_run_build.log" >&2; echo "run: the demo page did not build" >&2; exit 1; }

mkdir -p "$data"
[ "$(id -u)" = 0 ] && chown postgres: "$data"
if [ -n "${PARTITIONS:-}" ]; then
	exec scripts/run_partitions.sh "$data" "$PARTITIONS" "$port" "$web_port" "$listen" "$www"
fi
if [ ! -f "$data/pgdata/PG_VERSION" ]; then
	echo "run: creating a cluster in $data/pgdata"
	as_owner "$bindir/initdb" -D "$data/pgdata" -U postgres -A trust \
		--encoding=UTF8 --locale=C.UTF-8 >"$data/initdb.log"
fi
as_owner "$bindir/pg_ctl" -D "$data/pgdata" -l "$data/server.log" -w \
	-o "-p $port -k $data -c listen_addresses=localhost" start >/dev/null
gateway_pid=
stopping=
stop() {
	set +e
	echo
	if [ -n "$gateway_pid" ]; then
		echo "run: stopping the gateway"
		kill -TERM "$gateway_pid" 2>/dev/null
		wait "$gateway_pid" 2>/dev/null
	fi
	echo "run: stopping the cluster"
	as_owner "$bindir/pg_ctl" -D "$data/pgdata" -m fast -w stop >/dev/null
}
trap stop EXIT
trap 'stopping=1' INT TERM

psql_run() { psql -X -q -v ON_ERROR_STOP=1 -h "$data" -p "$port" -U postgres "$@"; }
psql_run -d postgres -tc "SELECT 1 FROM pg_database WHERE datname = 'pg_ot'" | grep -q 1 ||
	psql_run -d postgres -c "CREATE DATABASE pg_ot"
psql_run -d pg_ot -c "CREATE EXTENSION IF NOT EXISTS pg_ot"
# The gateway logs in as its own role; anonymous visitors may edit the demo
# collection and nothing else.
psql_run -d pg_ot <<'SQL'
DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ot_demo_gateway') THEN
		CREATE ROLE ot_demo_gateway LOGIN IN ROLE ot_gateway;
	END IF;
END
$$;
SELECT ot.grant('demo', NULL, 'anonymous', 'write') \g /dev/null
SQL

host=$([ "$listen" = 0.0.0.0 ] && hostname -f || echo "$listen")
# Only pages of the names it serves may open its WebSocket: anonymous
# visitors may write, so another site (or a name rebound to 127.0.0.1) must
# not act for them.
origins="http://127.0.0.1:$web_port,http://localhost:$web_port"
case $host in 127.0.0.1 | localhost) ;; *) origins="$origins,http://$host:$web_port" ;; esac

# Its own session: Ctrl-C reaches this script, which stops it in order.
setsid "$gateway" --db "host=$data port=$port dbname=pg_ot user=ot_demo_gateway" \
	--listen "$listen" --port "$web_port" --www "$www" --allow-anonymous \
	--allowed-origins "$origins" >>"$data/gateway.log" 2>&1 &
gateway_pid=$!
for _ in $(seq 100); do
	port_busy "$web_port" && break
	kill -0 "$gateway_pid" 2>/dev/null || { tail -n 20 "$data/gateway.log" >&2; exit 1; }
	sleep 0.1
done

cat <<MSG

pg_ot is running in $data: PostgreSQL on port $port, the gateway on port $web_port.

    Open  http://$host:$web_port/  in two browser tabs and type in both.
    (http://$host:$web_port/?doc=NAME opens another document.)

The database:  psql -h localhost -p $port -U postgres pg_ot
               SELECT * FROM ot.fetch('demo', 'welcome');
Logs: $data/gateway.log, $data/server.log.  Press Ctrl-C to stop.
MSG
while [ -z "$stopping" ] && kill -0 "$gateway_pid" 2>/dev/null; do sleep 1 & wait $! || true; done
[ -n "$stopping" ] && exit 0
echo "run: the gateway stopped; see $data/gateway.log" >&2
exit 1
