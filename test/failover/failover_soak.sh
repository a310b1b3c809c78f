#!/usr/bin/env bash
# make failover (not in CI): pg_auto_failover does the promotion.  A monitor
# and two nodes (autofailover.sh), two gateways on the URI the monitor gives
# (pg_autoctl show uri: both hosts, target_session_attrs=read-write), 100
# stock ShareDB clients editing for FAILOVER_SECONDS (300) with two
# failovers: the first loses the primary (its keeper and Postgres killed),
# the old primary then rejoins as a standby; the second is
# `pg_autoctl perform failover`.  Every acknowledged op must be in the op log
# once, every client must converge to ot.fetch; the stall of each failover is
# reported (failover.js).
#
#   test/failover/failover_soak.sh                      # 300 s
#   FAILOVER_SECONDS=60 test/failover/failover_soak.sh  # a short run
#
# Environment: FAILOVER_SOAK_PORTS (55500-55509: the monitor, the two nodes,
# the two gateways take the first 5), FAILOVER_KEEP=1, and the FAILOVER_*
# settings of failover.js (FAILOVER_CLIENTS 100, FAILOVER_DOCS 20,
# FAILOVER_PROCS 4, FAILOVER_RATE 1, FAILOVER_DISCONNECT_MEAN 60 here).
# Exit status: 0 PASS, 1 FAIL, 2 could not run.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export PATH="$(pg_config --bindir):$PATH"
command -v pg_autoctl >/dev/null || { echo "failover: pg_autoctl is required (Debian postgresql-15-auto-failover)" >&2; exit 2; }

ports=${FAILOVER_SOAK_PORTS:-55500-55509}
lo=${ports%-*}
export FAILOVER_GATEWAY_BIN=${FAILOVER_GATEWAY_BIN:-$root/gateway/pg_ot_gateway}
export FAILOVER_SECONDS=${FAILOVER_SECONDS:-300}
export FAILOVER_COUNT=${FAILOVER_COUNT:-2}
export FAILOVER_CLIENTS=${FAILOVER_CLIENTS:-100}
export FAILOVER_DOCS=${FAILOVER_DOCS:-20}
export FAILOVER_PROCS=${FAILOVER_PROCS:-4}
export FAILOVER_RATE=${FAILOVER_RATE:-1}
export FAILOVER_DISCONNECT_MEAN=${FAILOVER_DISCONNECT_MEAN:-60}
export FAILOVER_DRAIN=${FAILOVER_DRAIN:-120}
export NODE_PATH="$root/test/soak/node_modules"
[ -d "$NODE_PATH" ] || { echo "failover: no $NODE_PATH (npm ci in test/soak)" >&2; exit 2; }

work=$(mktemp -d /tmp/pg_ot_failover_soak.XXXXXX)
chmod 755 "$work"
status=2
cleanup() {
	"$here/autofailover.sh" stop "$work/nodes"
	for f in "$work"/gateway*.pid; do
		[ -s "$f" ] || continue
		pid=$(cat "$f")
		grep -q pg_ot_gateway "/proc/$pid/cmdline" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	done
	if [ "$status" = 0 ] && [ "${FAILOVER_KEEP:-0}" != 1 ]; then rm -rf "$work"; else echo "failover: logs in $work" >&2; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "# failover (pg_auto_failover): monitor 127.0.0.1:$lo, nodes :$((lo + 1)) and :$((lo + 2))" >&2
uri=$("$here/autofailover.sh" setup "$work/nodes" "$lo" $((lo + 1)) $((lo + 2))) || { echo "failover: pg_auto_failover did not start" >&2; exit 2; }
uri=$(tail -n 1 <<<"$uri")
# The gateway's role in the URI the monitor gives.
gateway_uri=${uri/postgres:\/\//postgres://soak_gateway@}
FAILOVER_WORK=$work FAILOVER_CTL="$here/autofailover.sh" FAILOVER_DIR=$work/nodes \
	FAILOVER_GATEWAY_DB=$gateway_uri FAILOVER_GATEWAY_PORTS="$((lo + 3)),$((lo + 4))" \
	PGUSER=postgres PGDATABASE=soak node "$here/failover.js"
status=$?
[ "$status" = 0 ] || [ "$status" = 1 ] || status=1
exit $status
