#!/usr/bin/env bash
# pg_auto_failover nodes for make failover (failover.js calls it as its
# FAILOVER_CTL; failover_soak.sh sets it up):
#
#   autofailover.sh setup DIR M P1 P2   a monitor on 127.0.0.1:M (pg_autoctl create monitor), two
#                                       nodes on P1 and P2 (pg_autoctl create postgres, each with
#                                       its keeper running: pg_autoctl run), the database soak
#                                       with pg_ot; prints the gateway's URI (pg_autoctl show uri)
#   autofailover.sh failover DIR N      odd N: the primary lost: its keeper killed (SIGKILL) and
#                                       its Postgres stopped with pg_ctl -m immediate; the monitor
#                                       promotes the standby; then the old primary's keeper is
#                                       started again and it rejoins as a standby.
#                                       even N: pg_autoctl perform failover (the monitor demotes
#                                       the primary and promotes the standby).
#                                       Either way it returns once the formation is primary +
#                                       secondary again, and prints JSON of its timings
#   autofailover.sh primary DIR         the port of the node that is primary now
#   autofailover.sh stop DIR            stops the keepers, the nodes and the monitor
#
# pg_autoctl create fails as root (the initdb it runs refuses root): as root
# everything runs as the "postgres" system user.  Its configuration and state go under
# DIR (XDG_CONFIG_HOME, XDG_DATA_HOME).  The monitor checks the nodes every
# second and calls a node unhealthy after 3 s without news
# (pgautofailover.health_check_period, node_considered_unhealthy_timeout;
# 5 s and 20 s by default), and a standby it promotes waits 5 s
# (FAILOVER_DEMOTE_TIMEOUT_MS) for a lost primary to have demoted itself
# (primary_demote_timeout, 30 s by default), so that a failover takes
# seconds, not most of a minute.
set -euo pipefail
action=$1
dir=$(realpath -m "$2")
bindir=$(pg_config --bindir)
export XDG_CONFIG_HOME=$dir/config XDG_DATA_HOME=$dir/share
export PG_AUTOCTL_DEBUG=0

as_owner() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- env XDG_CONFIG_HOME="$XDG_CONFIG_HOME" XDG_DATA_HOME="$XDG_DATA_HOME" PATH="$bindir:$PATH" "$@"
	else
		"$@"
	fi
}
monitor_sql() {
	psql -X -At -h 127.0.0.1 -p "$(cat "$dir/monitor.port")" -U autoctl_node -d pg_auto_failover -c "$1"
}
# Starts a node's keeper (pg_autoctl run) in a session of its own, whose id
# (the keeper's pid) goes to DIR/NAME.keeper: killing that process group
# takes the keeper and the Postgres it runs, as losing the machine would.
keeper() {
	rm -f "$dir/$1.keeper"
	as_owner setsid sh -c 'echo $$ >"$0"; exec pg_autoctl run --pgdata "$1"' "$dir/$1.keeper" "$dir/$1" \
		>>"$dir/$1.log" 2>&1 </dev/null &
	for _ in $(seq 50); do [ -s "$dir/$1.keeper" ] && return 0; sleep 0.1; done
	echo "autofailover.sh: the keeper of $1 did not start" >&2
	return 1
}
group_kill() {					# group_kill SIGNAL NAME
	[ -s "$dir/$2.keeper" ] && { kill "-$1" -- "-$(cat "$dir/$2.keeper")" 2>/dev/null || true; }
	return 0
}
# Waits (up to $2 s) until the monitor sees a primary and a secondary, both reported.
wait_pair() {
	local deadline=$((SECONDS + $1)) states
	while [ $SECONDS -lt $deadline ]; do
		states=$(monitor_sql "SELECT string_agg(reportedstate::text || '/' || goalstate::text, ' ' ORDER BY reportedstate)
			FROM pgautofailover.node" 2>/dev/null || true)
		[ "$states" = "primary/primary secondary/secondary" ] && return 0
		sleep 0.2
	done
	echo "autofailover.sh: the formation is '$states' after $1 s" >&2
	return 1
}
primary_name() {
	monitor_sql "SELECT nodename FROM pgautofailover.node WHERE reportedstate IN ('primary', 'wait_primary', 'single') AND goalstate IN ('primary', 'wait_primary', 'single')"
}
ms() { echo $((($(date +%s%N) - $1) / 1000000)); }

case $action in
setup)
	m=$3 p1=$4 p2=$5
	mkdir -p "$dir"
	[ "$(id -u)" = 0 ] && chown postgres: "$dir"
	echo "$m" >"$dir/monitor.port"
	as_owner pg_autoctl create monitor --pgdata "$dir/monitor" --pgport "$m" --hostname 127.0.0.1 \
		--auth trust --no-ssl --pgctl "$bindir/pg_ctl" >"$dir/monitor.log" 2>&1 || { tail -20 "$dir/monitor.log" >&2; exit 1; }
	keeper monitor
	for _ in $(seq 100); do monitor_sql "SELECT 1" >/dev/null 2>&1 && break; sleep 0.2; done
	psql -X -q -h 127.0.0.1 -p "$m" -U postgres -d pg_auto_failover \
		-c "ALTER SYSTEM SET pgautofailover.health_check_period = 1000" \
		-c "ALTER SYSTEM SET pgautofailover.health_check_retry_delay = 500" \
		-c "ALTER SYSTEM SET pgautofailover.node_considered_unhealthy_timeout = 3000" \
		-c "ALTER SYSTEM SET pgautofailover.primary_demote_timeout = ${FAILOVER_DEMOTE_TIMEOUT_MS:-5000}" \
		-c "SELECT pg_reload_conf()" >/dev/null
	uri=$(as_owner pg_autoctl show uri --pgdata "$dir/monitor" --formation monitor)
	n=0
	for p in "$p1" "$p2"; do
		n=$((n + 1))
		as_owner pg_autoctl create postgres --pgdata "$dir/node$n" --pgport "$p" --hostname 127.0.0.1 --listen 127.0.0.1 \
			--name "node$n" --dbname soak --auth trust --no-ssl --monitor "$uri" --pgctl "$bindir/pg_ctl" \
			>"$dir/node$n.log" 2>&1 || { tail -20 "$dir/node$n.log" >&2; exit 1; }
		if [ $n = 1 ]; then
			# The gateway's role and the checks connect over TCP; node2 copies this file.
			echo "host all all 127.0.0.1/32 trust" | as_owner tee -a "$dir/node1/pg_hba.conf" >/dev/null
		fi
		keeper "node$n"
		if [ $n = 1 ]; then
			for _ in $(seq 150); do
				[ "$(primary_name 2>/dev/null)" = node1 ] &&
					psql -X -At -h 127.0.0.1 -p "$p1" -U postgres -d soak -c "SELECT 1" >/dev/null 2>&1 && break
				sleep 0.2
			done
			psql -Xq -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$p1" -U postgres -d soak >"$dir/psql.log" 2>&1 <<'SQL' ||
CREATE EXTENSION pg_ot;
CREATE ROLE soak_gateway LOGIN IN ROLE ot_gateway;
SELECT ot.grant('soak', NULL, 'anonymous', 'write');
SQL
				{ cat "$dir/psql.log" >&2; exit 1; }
		fi
	done
	wait_pair 120
	echo "node1 $p1" >"$dir/nodes"
	echo "node2 $p2" >>"$dir/nodes"
	as_owner pg_autoctl show uri --pgdata "$dir/monitor" --formation default
	;;
failover)
	n=$3
	old=$(primary_name)
	t0=$(date +%s%N)
	if [ $((n % 2)) = 1 ]; then
		how="primary lost (keeper SIGKILL, pg_ctl -m immediate stop)"
		group_kill KILL "$old"
		as_owner pg_ctl -D "$dir/$old" -m immediate -w stop >/dev/null 2>&1 || true
		deadline=$((SECONDS + 120))
		until new=$(primary_name 2>/dev/null) && [ -n "$new" ] && [ "$new" != "$old" ]; do
			[ $SECONDS -lt $deadline ] || { echo "autofailover.sh: no new primary after 120 s" >&2; exit 1; }
			sleep 0.1
		done
		promoted=$(ms "$t0")
		keeper "$old"
	else
		how="pg_autoctl perform failover"
		as_owner pg_autoctl perform failover --pgdata "$dir/monitor" --formation default --group 0 \
			>>"$dir/perform.log" 2>&1 || { tail -20 "$dir/perform.log" >&2; exit 1; }
		new=$(primary_name)
		promoted=$(ms "$t0")
	fi
	wait_pair 180
	printf '{"how": "%s", "old": "%s", "new": "%s", "new_primary_after_ms": %d, "old_rejoined_as_standby_after_ms": %d}\n' \
		"$how" "$old" "$new" "$promoted" "$(ms "$t0")"
	;;
primary)
	name=$(primary_name)
	awk -v n="$name" '$1 == n {print $2}' "$dir/nodes"
	;;
stop)
	for k in node1 node2 monitor; do group_kill TERM "$k"; done
	sleep 2
	for k in node1 node2 monitor; do
		group_kill KILL "$k"
		[ -f "$dir/$k/postmaster.pid" ] && { as_owner pg_ctl -D "$dir/$k" -m immediate -w stop >/dev/null 2>&1 || true; }
	done
	exit 0
	;;
*)
	echo "usage: $0 setup|failover|primary|stop DIR ..." >&2
	exit 2
	;;
esac
