#!/usr/bin/env bash
# make run PARTITIONS=N (scripts/run.sh hands over): N partition instances
# and a router in DATA/partitions (test/partition/clusters.sh), the gateway
# on the partitions (--partition each) serving the demo page.  Runs until
# Ctrl-C, then stops the gateway and the instances; running it again reuses
# the data.
#
#   scripts/run_partitions.sh DATA N PGPORT PORT LISTEN WWW
set -euo pipefail
cd "$(dirname "$0")/.."
data=$1 n=$2 port=$3 web_port=$4 listen=$5 www=$6
gateway="$(pg_config --bindir)/pg_ot_gateway"
dir=$data/partitions
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

[[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ $((n & (n - 1))) = 0 ] ||
	{ echo "run: PARTITIONS must be a power of two, not '$n'" >&2; exit 1; }
if [ -f "$dir/partitions" ] && [ "$(cat "$dir/partitions")" != "$n" ]; then
	echo "run: $dir holds $(cat "$dir/partitions") partitions; starting those (another DATA= for $n)" >&2
fi
echo "run: starting the partitions and the router in $dir"
env_out=$(test/partition/clusters.sh start "$dir" "$n" "$port") ||
	{ echo "run: the partitions did not start (logs in $dir/*/server.log)" >&2; exit 1; }
eval "$env_out"
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
	echo "run: stopping the partitions and the router"
	test/partition/clusters.sh stop "$dir"
}
trap stop EXIT
trap 'stopping=1' INT TERM

# As on one database: the gateway logs in as its own role on every
# partition; anonymous visitors may edit the demo collection (a grant made
# through the router, so on every partition) and nothing else.
args=()
for i in $(seq 0 $((PARTITIONS - 1))); do
	v=PARTITION_CONNINFO_$i
	psql -X -q -v ON_ERROR_STOP=1 -d "${!v}" <<'SQL'
DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ot_demo_gateway') THEN
		CREATE ROLE ot_demo_gateway LOGIN IN ROLE ot_gateway;
	END IF;
END
$$;
SQL
	args+=(--partition "${!v/user=postgres/user=ot_demo_gateway}")
done
psql -X -q -v ON_ERROR_STOP=1 -d "$ROUTER_CONNINFO" -c "SELECT ot.grant('demo', NULL, 'anonymous', 'write')" >/dev/null

host=$([ "$listen" = 0.0.0.0 ] && hostname -f || echo "$listen")
origins="http://127.0.0.1:$web_port,http://localhost:$web_port"
case $host in 127.0.0.1 | localhost) ;; *) origins="$origins,http://$host:$web_port" ;; esac

setsid "$gateway" "${args[@]}" --listen "$listen" --port "$web_port" --www "$www" --allow-anonymous \
	--allowed-origins "$origins" >>"$data/gateway.log" 2>&1 &
gateway_pid=$!
for _ in $(seq 100); do
	port_busy "$web_port" && break
	kill -0 "$gateway_pid" 2>/dev/null || { tail -n 20 "$data/gateway.log" >&2; exit 1; }
	sleep 0.1
done

cat <<MSG

pg_ot is running on $PARTITIONS partitions in $dir: the router on port $ROUTER_PORT,
the partitions on the next ports, the gateway on port $web_port.

    Open  http://$host:$web_port/  in two browser tabs and type in both.
    (http://$host:$web_port/?doc=NAME opens another document; each lives on one partition.)

Through the router:  psql "$ROUTER_CONNINFO"
                     SELECT * FROM ot.fetch('demo', 'welcome');
                     SELECT ot.partition_of('demo', 'welcome', $PARTITIONS);
/healthz and /metrics say which partition is down, if one is.
Logs: $data/gateway.log, $dir/*/server.log.  Press Ctrl-C to stop.
MSG
while [ -z "$stopping" ] && kill -0 "$gateway_pid" 2>/dev/null; do sleep 1 & wait $! || true; done
[ -n "$stopping" ] && exit 0
echo "run: the gateway stopped; see $data/gateway.log" >&2
exit 1
