#!/usr/bin/env bash
# The failover test of make check: a primary with a synchronous standby (two
# clusters, streaming replication on TCP 127.0.0.1), stock ShareDB clients
# editing through two gateways whose --db names both nodes
# (host=127.0.0.1,127.0.0.1 port=P1,P2 target_session_attrs=read-write); the
# primary stopped with pg_ctl -m immediate and the standby promoted.  Every
# acknowledged op must be in the new primary's op log exactly once and every
# client must converge to ot.fetch; the client-visible stall is reported
# (failover.js does the load and the checks; streaming.sh the clusters).
#
# FAILOVER_MODES=partition: the same, but the primary is frozen (SIGSTOP)
# instead of stopped, as a hung machine or a partition: the gateways must
# notice the silence by their deadlines and stop trying the silent host first.
#
# Then the same with asynchronous replication, the standby streaming through
# a proxy that holds its bytes 200 ms (FAILOVER_LAG_MS): the acknowledged ops
# lost are counted and reported, not judged.
#
#   test/failover/run.sh                       # both runs, about a minute and a half
#   FAILOVER_MODES=sync test/failover/run.sh   # one (sync, partition, async or async-lag)
#
# Environment: FAILOVER_PORTS (28470-28479: the nodes, the proxy and the two
# gateways take the first 5), FAILOVER_SECONDS (20 per run), FAILOVER_KEEP=1
# keeps the logs, FAILOVER_GATEWAY_BIN (gateway/pg_ot_gateway).  The
# FAILOVER_* settings of failover.js pass through.
# Exit status: 0 when the synchronous runs passed (and the others ran).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export PATH="$(pg_config --bindir):$PATH"

ports=${FAILOVER_PORTS:-28470-28479}
lo=${ports%-*}
export FAILOVER_GATEWAY_BIN=${FAILOVER_GATEWAY_BIN:-$root/gateway/pg_ot_gateway}
export FAILOVER_SECONDS=${FAILOVER_SECONDS:-20}
export NODE_PATH="$root/test/soak/node_modules"
[ -d "$NODE_PATH" ] || { echo "failover: no $NODE_PATH (npm ci in test/soak)" >&2; exit 2; }

work=$(mktemp -d /tmp/pg_ot_failover.XXXXXX)
chmod 755 "$work"
status=0
current=
cleanup() {
	[ -n "$current" ] && "$here/streaming.sh" stop "$current"
	for f in "$work"/*/gateway*.pid; do
		[ -s "$f" ] || continue
		pid=$(cat "$f")
		grep -q pg_ot_gateway "/proc/$pid/cmdline" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	done
	if [ "$status" = 0 ] && [ "${FAILOVER_KEEP:-0}" != 1 ]; then rm -rf "$work"; else echo "failover: logs in $work" >&2; fi
}
trap cleanup EXIT

for mode in ${FAILOVER_MODES:-sync partition async-lag}; do
	dir=$work/$mode
	mkdir -p "$dir"
	echo "# failover: $mode replication, primary 127.0.0.1:$lo, standby :$((lo + 1))"
	current=$dir/nodes
	if ! "$here/streaming.sh" setup "$current" "$mode" "$lo" $((lo + 1)) $((lo + 2)); then
		echo "failover: the clusters did not start ($mode)"; status=1; continue
	fi
	psql -Xq -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$lo" -U postgres -d postgres >"$dir/psql.log" 2>&1 <<'SQL' ||
CREATE DATABASE soak;
\c soak
CREATE EXTENSION pg_ot;
CREATE ROLE soak_gateway LOGIN IN ROLE ot_gateway;
SELECT ot.grant('soak', NULL, 'anonymous', 'write');
SQL
		{ cat "$dir/psql.log"; status=1; continue; }
	loss_ok=0
	[ "$mode" = sync ] || [ "$mode" = partition ] || loss_ok=1
	# A frozen primary is noticed by the deadlines: a short --db-timeout keeps the test short.
	args='--max-connections-per-ip 0'
	[ "$mode" = partition ] && args="$args --db-timeout 2"
	FAILOVER_WORK=$dir FAILOVER_CTL="$here/streaming.sh" FAILOVER_DIR=$current \
		FAILOVER_GATEWAY_DB="host=127.0.0.1,127.0.0.1 port=$lo,$((lo + 1)) dbname=soak user=soak_gateway target_session_attrs=read-write" \
		FAILOVER_GATEWAY_PORTS="$((lo + 3)),$((lo + 4))" FAILOVER_LOSS_OK=$loss_ok FAILOVER_GATEWAY_ARGS="$args" \
		PGUSER=postgres PGDATABASE=soak \
		node "$here/failover.js"
	rc=$?
	if [ $loss_ok = 0 ] && [ $rc != 0 ]; then
		status=1
		for g in 1 2; do
			echo "# last lines of gateway $g's log:"
			tail -n 20 "$dir/gateway$g.log" | sed 's/^/#   /'
		done
	fi
	[ $loss_ok = 1 ] && [ $rc -gt 1 ] && status=1
	"$here/streaming.sh" stop "$current"
	current=
done
exit $status
