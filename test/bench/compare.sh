#!/usr/bin/env bash
# pg_ot against ShareDB: the same load generator drives, one after the other,
#
#   gw_on    gateway/pg_ot_gateway (default --batch-max 64) on database pgot
#   gw_off   the same with --batch-max 1 (batching off)
#   sdb_mem  ShareDB 7 (sharedb_server.js), in-memory database
#   sdb_pg   ShareDB 7 with sharedb-postgres 5.0.1, on database sharedb
#
# The generator of the throughput, hot-document and fan-out rows is
# loadgen.c (built here: a wire-level ShareDB client in C, every connection
# in one process and one event loop), so that on a small machine the rows
# measure the servers and not the generator.  A validation run first drives
# the same low load (BENCH_VAL_EDITORS editors × BENCH_VAL_RATE ops/s on one
# document) with loadgen.c and with loadgen.js (stock sharedb clients over ws
# in BENCH_CMP_PROCS Node processes), against gw_on and sdb_mem: the two
# generators must see the same ops/s and, within noise, the same latencies.
#
# Both databases live in one throwaway cluster started by test/cluster.sh with
# FSYNC=on (fsync and synchronous_commit on: every commit waits for its WAL
# flush).  Every measurement starts a fresh server and stops it afterwards.
# run.sh calls it; it prints on stdout
#
#   val GEN KIND OPS_PER_S ACK_P50_MS ACK_P99_MS DEL_P50_MS DEL_P99_MS GEN_CPU SERVER_CPU
#   tput KIND OPS_PER_S ACK_P50_MS ACK_P99_MS SERVER_CPU DB_CPU GEN_CPU SERVER_US DB_US GEN_US
#   hot KIND OPS ACK_P50_MS ACK_P99_MS DEL_P50_MS DEL_P99_MS DELIVERIES SERVER_CPU DB_CPU GEN_CPU SERVER_US DB_US GEN_US OPS_PER_S
#   fan KIND SUBSCRIBERS P50_MS P99_MS MAX_MS OPS DELIVERIES RSS_BEFORE_KB RSS_AFTER_KB RSS_PER_CONN_KB SERVER_CPU DB_CPU GEN_CPU SERVER_US DB_US GEN_US
#   na KIND REASON...                    a server that could not run
#
# (GEN is c or js; SERVER_CPU, DB_CPU and GEN_CPU: cores busy in the server
# process, in the cluster's processes (the postmaster and its children: every
# backend, the WAL writer...) and in the generator during the measurement,
# from /proc/PID/stat utime + stime, the postmaster's cutime + cstime adding
# the cluster's processes that exited in the window; SERVER_US, DB_US and GEN_US: the same
# CPU in microseconds per acked op) and its progress on stderr.
#
#   test/bench/compare.sh               # after make and make install
#   BENCH_CMP_SECONDS=3 BENCH_FANOUT_SUBSCRIBERS="100 1000" test/bench/compare.sh
#
# Settings (defaults):
#   BENCH_CMP_DOCS (1000), BENCH_CMP_EDITORS (2), BENCH_CMP_WARMUP (2),
#   BENCH_CMP_SECONDS (8)                 throughput: docs × editors, closed loop
#   BENCH_CMP_SERVERS ("gw_on gw_off sdb_mem sdb_pg")   throughput servers
#   BENCH_HOT_EDITORS (100), BENCH_HOT_RATE (5), BENCH_HOT_SECONDS (8)
#   BENCH_HOT_SERVERS ("gw_on sdb_mem sdb_pg")
#   BENCH_FANOUT_SUBSCRIBERS ("1000 10000"), BENCH_FANOUT_RATE (2 ops/s),
#   BENCH_FANOUT_SECONDS (5), BENCH_FANOUT_SERVERS ("gw_on sdb_mem sdb_pg")
#   BENCH_VAL_EDITORS (20), BENCH_VAL_RATE (5), BENCH_VAL_SECONDS (5),
#   BENCH_VAL_SERVERS ("gw_on sdb_mem")   the validation ("" skips it)
#   BENCH_CMP_PROCS (4)                   loadgen.js's processes (validation)
#   GATEWAY_BIN (gateway/pg_ot_gateway), LOADGEN_BIN (built from loadgen.c)
# Ports: the cluster BENCH_CMP_PORT (54730; a Unix socket in its own
# directory), the servers the first free port of BENCH_CMP_SERVER_PORTS
# (54731-54799) on 127.0.0.1.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
export PATH="$(pg_config --bindir):$PATH"
docs=${BENCH_CMP_DOCS:-1000}
editors=${BENCH_CMP_EDITORS:-2}
warmup=${BENCH_CMP_WARMUP:-2}
seconds=${BENCH_CMP_SECONDS:-8}
tput_servers=${BENCH_CMP_SERVERS-gw_on gw_off sdb_mem sdb_pg}
hot_editors=${BENCH_HOT_EDITORS:-100}
hot_rate=${BENCH_HOT_RATE:-5}
hot_seconds=${BENCH_HOT_SECONDS:-8}
hot_servers=${BENCH_HOT_SERVERS-gw_on sdb_mem sdb_pg}
fan_subs=${BENCH_FANOUT_SUBSCRIBERS-1000 10000}
fan_rate=${BENCH_FANOUT_RATE:-2}
fan_seconds=${BENCH_FANOUT_SECONDS:-5}
fan_servers=${BENCH_FANOUT_SERVERS-gw_on sdb_mem sdb_pg}
val_editors=${BENCH_VAL_EDITORS:-20}
val_rate=${BENCH_VAL_RATE:-5}
val_seconds=${BENCH_VAL_SECONDS:-5}
val_servers=${BENCH_VAL_SERVERS-gw_on sdb_mem}
procs=${BENCH_CMP_PROCS:-4}
pgport=${BENCH_CMP_PORT:-54730}
# The servers listen on the first free port of this range.
srv_first=${BENCH_CMP_SERVER_PORTS:-54731-54799}
srv_last=${srv_first#*-}
srv_first=${srv_first%-*}
gateway_bin=${GATEWAY_BIN:-$root/gateway/pg_ot_gateway}
collection=bench

if [ ! -x "$gateway_bin" ]; then
	echo "compare.sh: no gateway binary at $gateway_bin: build it first (make), or set GATEWAY_BIN" >&2
	exit 1
fi
for m in sharedb ws ot-text-unicode rich-text @teamwork/websocket-json-stream; do
	[ -d "$here/node_modules/$m" ] ||
		{ echo "compare.sh: node_modules/$m is missing: run npm ci in $here" >&2; exit 1; }
done

# 10,000 connections: a socket each in the server, and in the generator
# (spread over its processes).  Without CAP_SYS_RESOURCE (a container) the hard
# limit is the most there is.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
max_subs=0
for s in $fan_subs; do [ "$s" -gt "$max_subs" ] && max_subs=$s; done
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((max_subs + 1000)) ]; then
	echo "compare.sh: ulimit -n is $(ulimit -n) (hard limit $(ulimit -Hn)): $max_subs connections need more" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pg_ot_bench_compare.XXXXXX")
chmod 755 "$tmp"
loadgen=${LOADGEN_BIN:-}
if [ -z "$loadgen" ]; then
	echo "== compare: building loadgen.c (-O2)" >&2
	loadgen=$tmp/loadgen
	"${CC:-cc}" -O2 -std=gnu99 -Wall -Wextra -Werror -o "$loadgen" "$here/loadgen.c" \
		-lwebsockets -ljansson -luv -lm ||
		{ echo "compare.sh: loadgen.c failed to build (it needs libwebsockets-dev, libjansson-dev, libuv1-dev)" >&2; exit 1; }
fi
server_pid=
cleanup() {
	if [ -n "$server_pid" ]; then
		kill -KILL "$server_pid" 2>/dev/null || true
	fi
	"$root/test/cluster.sh" stop "$tmp/pg" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "== compare: throwaway cluster with fsync on, port $pgport" >&2
cluster_env=$(FSYNC=on "$root/test/cluster.sh" start "$tmp/pg" "$pgport")
eval "$cluster_env"
sql() { psql -XAtq -v ON_ERROR_STOP=1 "$@"; }
[ "$(sql -c 'SHOW fsync')/$(sql -c 'SHOW synchronous_commit')" = on/on ] ||
	{ echo "compare.sh: commits are not durable" >&2; exit 1; }
sql -c 'CREATE DATABASE pgot' -c 'CREATE DATABASE sharedb' >/dev/null
sql -d pgot -c 'CREATE EXTENSION pg_ot' >/dev/null ||
	{ echo "compare.sh: CREATE EXTENSION pg_ot failed (is it installed? make install)" >&2; exit 1; }
sql -d pgot -c "SELECT ot.grant('$collection', NULL, 'anonymous', 'write')" >/dev/null
sdb_pg_na=
if ! sql -d sharedb -f "$here/node_modules/sharedb-postgres/structure.sql" >"$tmp/structure.log" 2>&1; then
	sdb_pg_na="not available: sharedb-postgres's structure.sql failed: $(head -c 200 "$tmp/structure.log" | tr '\n' ' ')"
fi
[ -d "$here/node_modules/sharedb-postgres" ] && [ -d "$here/node_modules/pg" ] ||
	sdb_pg_na="not available: npm sharedb-postgres or pg is not installed"

me=compare.sh
. "$here/server.sh"

# start_server KIND NAME: on the first free port of $srv_first-$srv_last; sets srv_url.
start_server() {
	local kind=$1 db="host=$PGHOST port=$PGPORT dbname=pgot user=postgres" batch=64
	case $kind in
	gw_on | gw_off)
		[ "$kind" = gw_off ] && batch=1
		# Every generator connection comes from 127.0.0.1: no per-address cap;
		# the fan-out's subscribers and its writer are more than the default
		# --max-connections (10,000).
		server_start "$2" "$srv_first" "$srv_last" sh -c 'exec "$0" --db "$1" --listen 127.0.0.1 --port "$SERVER_PORT" \
			--allow-anonymous --batch-max "$2" --max-connections-per-ip 0 --max-connections "$3"' \
			"$gateway_bin" "$db" "$batch" $((max_subs + 100))
		;;
	sdb_mem)
		server_start "$2" "$srv_first" "$srv_last" sh -c 'exec node "$0" --port "$SERVER_PORT"' "$here/sharedb_server.js"
		;;
	sdb_pg)
		PGDATABASE=sharedb server_start "$2" "$srv_first" "$srv_last" \
			sh -c 'exec node "$0" --port "$SERVER_PORT" --db postgres' "$here/sharedb_server.js"
		;;
	esac
	srv_url="ws://127.0.0.1:$server_port"
}

stop_server() { server_stop; }

# run_gen NAME ARGS...: loadgen.c against the running server; run_gen_js
# NAME ARGS...: loadgen.js (ARGS then end with its number of processes).
run_gen() {
	local name=$1
	shift
	SERVER_PID=$server_pid DB_PID=$(head -1 "$PGHOST/data/postmaster.pid") "$loadgen" "$@" >"$tmp/$name.out" ||
		{ echo "compare.sh: the $name run failed; last lines of the server log:" >&2
		  tail -n 20 "$tmp/$server_name.log" >&2; exit 1; }
}
run_gen_js() {
	local name=$1
	shift
	SERVER_PID=$server_pid DB_PID=$(head -1 "$PGHOST/data/postmaster.pid") node "$here/loadgen.js" "$@" >"$tmp/$name.out" ||
		{ echo "compare.sh: the $name run failed; last lines of the server log:" >&2
		  tail -n 20 "$tmp/$server_name.log" >&2; exit 1; }
}
f() { sed -n "s/^$2 //p" "$tmp/$1.out"; }
applied() { sql -d pgot -c "SELECT coalesce(sum(version), 0) FROM ot.documents"; }

available() {
	if [ "$1" = sdb_pg ] && [ -n "$sdb_pg_na" ]; then
		echo "na sdb_pg $sdb_pg_na"
		return 1
	fi
}

# 0. Validation: the C generator against the stock-client one, one low load.
for kind in $val_servers; do
	available "$kind" || continue
	for gen in c js; do
		name=val-$gen-$kind
		start_server "$kind" "$name"
		if [ "$gen" = c ]; then
			run_gen "$name" hot "$srv_url" "$collection" "val-$gen-$kind" "$val_editors" "$val_rate" \
				"$warmup" "$val_seconds"
		else
			run_gen_js "$name" hot "$srv_url" "$collection" "val-$gen-$kind" "$val_editors" "$val_rate" \
				"$warmup" "$val_seconds" "$procs"
		fi
		stop_server
		ops_s=$(awk -v o="$(f "$name" ops)" -v s="$val_seconds" 'BEGIN { printf "%.1f", o / s }')
		echo "== validation $gen $kind: $ops_s ops/s, ack p50 $(f "$name" ack_p50_ms) p99 $(f "$name" ack_p99_ms) ms," \
			"delivery p50 $(f "$name" del_p50_ms) p99 $(f "$name" del_p99_ms) ms, generator $(f "$name" gen_cpu) cores" >&2
		echo "val $gen $kind $ops_s $(f "$name" ack_p50_ms) $(f "$name" ack_p99_ms)" \
			"$(f "$name" del_p50_ms) $(f "$name" del_p99_ms) $(f "$name" gen_cpu) $(f "$name" server_cpu)"
	done
done

# 1. Throughput: DOCS × EDITORS, closed loop.
for kind in $tput_servers; do
	available "$kind" || continue
	name=tput-$kind
	ops0=$(applied)
	start_server "$kind" "$name"
	run_gen "$name" throughput "$srv_url" "$collection" "t-$kind" "$docs" "$editors" \
		"$warmup" "$seconds"
	stop_server
	if [ "${kind#gw_}" != "$kind" ]; then
		# Every acknowledged op (and create) must be in the database, and nothing else.
		ops1=$(applied)
		if [ $((ops1 - ops0)) != $(($(f "$name" acked_total) + $(f "$name" created))) ]; then
			echo "compare.sh: $kind: the gateway acknowledged $(f "$name" acked_total) ops and" \
				"$(f "$name" created) creates, the database applied $((ops1 - ops0))" >&2
			exit 1
		fi
	fi
	echo "== throughput $kind: $(f "$name" ops_per_s) ops/s, ack p50 $(f "$name" ack_p50_ms) ms," \
		"server $(f "$name" server_cpu) cores, database $(f "$name" db_cpu), generator $(f "$name" gen_cpu)" >&2
	echo "tput $kind $(f "$name" ops_per_s) $(f "$name" ack_p50_ms) $(f "$name" ack_p99_ms)" \
		"$(f "$name" server_cpu) $(f "$name" db_cpu) $(f "$name" gen_cpu)" \
		"$(f "$name" server_us_per_op) $(f "$name" db_us_per_op) $(f "$name" gen_us_per_op)"
done

# 2. One hot document.
for kind in $hot_servers; do
	available "$kind" || continue
	name=hot-$kind
	start_server "$kind" "$name"
	run_gen "$name" hot "$srv_url" "$collection" "hot-$kind" "$hot_editors" "$hot_rate" \
		"$warmup" "$hot_seconds"
	stop_server
	echo "== hot document $kind: ack p50 $(f "$name" ack_p50_ms) p99 $(f "$name" ack_p99_ms) ms," \
		"delivery p50 $(f "$name" del_p50_ms) p99 $(f "$name" del_p99_ms) ms," \
		"server $(f "$name" server_cpu) cores, database $(f "$name" db_cpu), generator $(f "$name" gen_cpu)" >&2
	echo "hot $kind $(f "$name" ops) $(f "$name" ack_p50_ms) $(f "$name" ack_p99_ms)" \
		"$(f "$name" del_p50_ms) $(f "$name" del_p99_ms) $(f "$name" deliveries)" \
		"$(f "$name" server_cpu) $(f "$name" db_cpu) $(f "$name" gen_cpu)" \
		"$(f "$name" server_us_per_op) $(f "$name" db_us_per_op) $(f "$name" gen_us_per_op) $(f "$name" ops_per_s)"
done

# 3. Fan-out, and the server's memory per idle connection.
for subs in $fan_subs; do
	for kind in $fan_servers; do
		available "$kind" || continue
		name=fan$subs-$kind
		start_server "$kind" "$name"
		run_gen "$name" fanout "$srv_url" "$collection" "fan$subs-$kind" "$subs" "$fan_rate" \
			"$fan_seconds"
		stop_server
		echo "== fan-out $subs $kind: p50 $(f "$name" p50_ms) p99 $(f "$name" p99_ms) ms," \
			"RSS $(f "$name" rss_per_conn_kb) KB per connection," \
			"server $(f "$name" server_cpu) cores, database $(f "$name" db_cpu), generator $(f "$name" gen_cpu)" >&2
		echo "fan $kind $subs $(f "$name" p50_ms) $(f "$name" p99_ms) $(f "$name" max_ms)" \
			"$(f "$name" ops) $(f "$name" deliveries) $(f "$name" rss_before_kb)" \
			"$(f "$name" rss_after_kb) $(f "$name" rss_per_conn_kb)" \
			"$(f "$name" server_cpu) $(f "$name" db_cpu) $(f "$name" gen_cpu)" \
			"$(f "$name" server_us_per_op) $(f "$name" db_us_per_op) $(f "$name" gen_us_per_op)"
	done
done
