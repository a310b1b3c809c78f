#!/usr/bin/env bash
# Two PostgreSQL clusters with streaming replication, for test/failover/run.sh
# (failover.js calls it as its FAILOVER_CTL):
#
#   streaming.sh setup DIR MODE P1 P2 [P3]   initdb the primary on TCP 127.0.0.1:P1, pg_basebackup
#                                            a standby on P2 (MODE sync: synchronous_standby_names
#                                            names it; async: not; async-lag: not, and it streams
#                                            through test/failover/delay_proxy.js on P3, which
#                                            holds every byte FAILOVER_LAG_MS, 200 by default;
#                                            partition: sync, and the failover freezes the
#                                            primary instead of stopping it)
#   streaming.sh failover DIR N              the primary stopped with pg_ctl -m immediate, the
#                                            standby promoted (pg_ctl promote -w); prints JSON.
#                                            In sync mode the primary is read-only for 1 s first
#                                            and the standby's WAL receiver frozen for 1 s (below)
#   streaming.sh primary DIR                 the port of the node that is primary now
#   streaming.sh stop DIR                    stops both (and the proxy)
#
# The clusters belong to the "postgres" system user when run as root
# (PostgreSQL refuses to run as root).  fsync is on: the test is about what
# survives the loss of a node.
set -euo pipefail
action=$1
dir=$(realpath -m "$2")
here=$(cd "$(dirname "$0")" && pwd)
bindir=$(pg_config --bindir)

as_owner() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
ctl() { as_owner "$bindir/pg_ctl" "$@"; }

# FAILOVER_OUTAGE_SQL (set by failover.js): SQL run on the promoted node, as
# postgres in the soak database, while its pg_hba.conf still rejects every
# other user on TCP: ops committed that no gateway can hear of, because none
# is connected, let alone listening; only the gap fill after their
# reconnects brings them to the clients.  Then the gateways are let in.
outage_close() {	# before the promotion: only postgres may connect to node $1
	[ -n "${FAILOVER_OUTAGE_SQL:-}" ] || return 0
	as_owner cp "$dir/$1/pg_hba.conf" "$dir/$1/pg_hba.conf.open"
	{ echo "host all postgres 127.0.0.1/32 trust"; echo "host all all 127.0.0.1/32 reject"; cat "$dir/$1/pg_hba.conf.open"; } |
		as_owner tee "$dir/$1/pg_hba.conf" >/dev/null
	ctl -D "$dir/$1" reload >/dev/null
	sleep 0.2
}
outage_ops=0
outage_write_open() {	# after it: the writes, then everyone may connect again
	[ -n "${FAILOVER_OUTAGE_SQL:-}" ] || return 0
	outage_ops=$(printf '%s\n' "$FAILOVER_OUTAGE_SQL" | psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$2" -U postgres -d "${PGDATABASE:-soak}" | wc -l)
	as_owner cp "$dir/$1/pg_hba.conf.open" "$dir/$1/pg_hba.conf"
	ctl -D "$dir/$1" reload >/dev/null
}

case $action in
setup)
	mode=$3 p1=$4 p2=$5 p3=${6:-}
	mkdir -p "$dir"
	[ "$(id -u)" = 0 ] && chown postgres: "$dir"
	as_owner "$bindir/initdb" -D "$dir/n1" -U postgres -A trust --encoding=UTF8 --locale=C.UTF-8 \
		>"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
	{
		echo "listen_addresses = '127.0.0.1'"
		echo "unix_socket_directories = '$dir'"
		echo "wal_level = replica"
		echo "max_wal_senders = 5"
		echo "wal_keep_size = '256MB'"
		echo "hot_standby = on"
		echo "synchronous_commit = on"
	} >>"$dir/n1/postgresql.conf"
	ctl -D "$dir/n1" -l "$dir/n1.log" -w -o "-p $p1" start >/dev/null || { cat "$dir/n1.log" >&2; exit 1; }
	up=$p1
	if [ "$mode" = async-lag ]; then
		FAILOVER_LAG_MS=${FAILOVER_LAG_MS:-200} node "$here/delay_proxy.js" "$p3" "$p1" >"$dir/proxy.log" 2>&1 &
		echo $! >"$dir/proxy.pid"
		for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$p3") 2>/dev/null && break; sleep 0.1; done
		up=$p3
	fi
	as_owner "$bindir/pg_basebackup" -h 127.0.0.1 -p "$p1" -U postgres -D "$dir/n2" -X stream \
		>"$dir/basebackup.log" 2>&1 || { cat "$dir/basebackup.log" >&2; exit 1; }
	as_owner touch "$dir/n2/standby.signal"
	echo "primary_conninfo = 'host=127.0.0.1 port=$up user=postgres application_name=standby'" |
		as_owner tee -a "$dir/n2/postgresql.auto.conf" >/dev/null
	ctl -D "$dir/n2" -l "$dir/n2.log" -w -o "-p $p2" start >/dev/null || { cat "$dir/n2.log" >&2; exit 1; }
	# Only the primary waits for its standby: the copy, once promoted, has none to wait for.
	if [ "$mode" = sync ] || [ "$mode" = partition ]; then
		echo "synchronous_standby_names = 'standby'" >>"$dir/n1/postgresql.conf"
		ctl -D "$dir/n1" reload >/dev/null
	fi
	echo "n1 $p1" >"$dir/nodes"
	echo "n2 $p2" >>"$dir/nodes"
	echo "$p1" >"$dir/primary"
	echo "$mode" >"$dir/mode"
	# Streaming (and, for sync, synchronous) before the load starts.
	want=$([ "$mode" = sync ] || [ "$mode" = partition ] && echo sync || echo async)
	for _ in $(seq 100); do
		state=$(psql -X -At -h 127.0.0.1 -p "$p1" -U postgres -d postgres \
			-c "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby'" 2>/dev/null || true)
		[ "$state" = "$want" ] && exit 0
		sleep 0.1
	done
	echo "streaming.sh: the standby is not streaming ($want) after 10 s" >&2
	exit 1
	;;
failover)
	# The node that is primary dies at once; the other one is promoted.
	p=$(cat "$dir/primary")
	old=$(awk -v p="$p" '$2 == p {print $1}' "$dir/nodes")
	new=$(awk -v p="$p" '$2 != p {print $1}' "$dir/nodes")
	newport=$(awk -v p="$p" '$2 != p {print $2}' "$dir/nodes")
	# With a synchronous standby, commits wait for it: its WAL receiver
	# frozen for FAILOVER_FREEZE_MS (1000) before the primary dies leaves
	# batches in flight, committed on the primary alone and never
	# acknowledged, that the gateways must send again to the new primary.
	receiver=
	if [ "$(cat "$dir/mode")" = sync ] && [ "${FAILOVER_FREEZE_MS:-1000}" != 0 ]; then
		receiver=$(psql -X -At -h 127.0.0.1 -p "$newport" -U postgres -d postgres -c "SELECT pid FROM pg_stat_wal_receiver")
	fi
	# First the primary turns read-only for FAILOVER_READ_ONLY_MS (1000), as
	# one being demoted does: writes fail with SQLSTATE 25006, which the
	# gateways must take for "not the primary" (drop, reconnect, resend),
	# never for a rejection.
	ro=${FAILOVER_READ_ONLY_MS:-1000}
	if [ "$(cat "$dir/mode")" = sync ] && [ "$ro" != 0 ]; then
		psql -X -q -h 127.0.0.1 -p "$p" -U postgres -d postgres \
			-c "ALTER SYSTEM SET default_transaction_read_only = on" -c "SELECT pg_reload_conf()" >/dev/null
		sleep "$(awk -v ms="$ro" 'BEGIN { print ms / 1000 }')"
		psql -X -q -h 127.0.0.1 -p "$p" -U postgres -d postgres \
			-c "ALTER SYSTEM RESET default_transaction_read_only" -c "SELECT pg_reload_conf()" >/dev/null
	else
		ro=0
	fi
	if [ "$(cat "$dir/mode")" = partition ]; then
		# The primary's host stops answering (SIGSTOP to the postmaster and
		# every child: its sockets stay open, nothing comes back), as a
		# frozen machine or a partition would; the standby is promoted.  The
		# gateways must notice the silence, and not keep trying the silent
		# host first.  It stays frozen until stop, which kills it.
		t0=$(date +%s%N)
		pm=$(head -1 "$dir/$old/postmaster.pid")
		{ echo "$pm"; ps -o pid= --ppid "$pm"; } | tr -d ' ' >"$dir/frozen.pids"
		while read -r pid; do kill -STOP "$pid" 2>/dev/null || true; done <"$dir/frozen.pids"
		t1=$(date +%s%N)
		outage_close "$new"
		ctl -D "$dir/$new" -w promote >/dev/null
		t2=$(date +%s%N)
		outage_write_open "$new" "$newport"
		echo "$newport" >"$dir/primary"
		printf '{"frozen": "%s", "promoted_ms": %d, "outage_ops": %d, "new": "%s", "port": %d}\n' "$old" $(((t2 - t1) / 1000000)) "$outage_ops" "$new" "$newport"
		exit 0
	fi
	t0=$(date +%s%N)
	if [ -n "$receiver" ]; then
		kill -STOP "$receiver"
		sleep "$(awk -v ms="${FAILOVER_FREEZE_MS:-1000}" 'BEGIN { print ms / 1000 }')"
	fi
	ctl -D "$dir/$old" -m immediate -w stop >/dev/null
	[ -n "$receiver" ] && { kill -CONT "$receiver" || true; }
	[ -f "$dir/proxy.pid" ] && { kill "$(cat "$dir/proxy.pid")" 2>/dev/null || true; }
	t1=$(date +%s%N)
	outage_close "$new"
	ctl -D "$dir/$new" -w promote >/dev/null
	t2=$(date +%s%N)
	outage_write_open "$new" "$newport"
	echo "$newport" >"$dir/primary"
	printf '{"read_only_ms": %d, "standby_frozen_ms": %d, "stopped_ms": %d, "promoted_ms": %d, "outage_ops": %d, "old": "%s", "new": "%s", "port": %d}\n' "$ro" \
		"$([ -n "$receiver" ] && echo "${FAILOVER_FREEZE_MS:-1000}" || echo 0)" \
		$(((t1 - t0) / 1000000)) $(((t2 - t1) / 1000000)) "$outage_ops" "$old" "$new" "$newport"
	;;
primary)
	cat "$dir/primary"
	;;
stop)
	[ -f "$dir/proxy.pid" ] && { kill "$(cat "$dir/proxy.pid")" 2>/dev/null || true; }
	if [ -f "$dir/frozen.pids" ]; then
		# The frozen primary never comes back.
		while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done <"$dir/frozen.pids"
		sleep 0.5
		rm -f "$dir/frozen.pids"
	fi
	for n in n1 n2; do
		[ -f "$dir/$n/postmaster.pid" ] && { ctl -D "$dir/$n" -m immediate -w stop >/dev/null 2>&1 || true; }
	done
	exit 0
	;;
*)
	echo "usage: $0 setup|failover|primary|stop DIR ..." >&2
	exit 2
	;;
esac
