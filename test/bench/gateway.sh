#!/usr/bin/env bash
# Gateway benchmark: gateway/pg_ot_gateway on a throwaway cluster with durable
# commits (fsync and synchronous_commit on, as db.sh), driven by stock sharedb
# clients in Node (bench_gateway.js).  run.sh calls it; it prints on stdout
#
#   on OPS_PER_S OPS_PER_TRANSACTION      50 clients, batching on (--batch-max 64)
#   off OPS_PER_S OPS_PER_TRANSACTION     the same, batching off (--batch-max 1)
#   fanout P50_MS P99_MS MAX_MS MEAN_MS DELIVERIES OPS SUBSCRIBERS FIRST_P50_MS LAST_P50_MS
#
# and its progress on stderr.
#
#   test/bench/gateway.sh               # after make (the gateway) and make install
#   BENCH_GATEWAY_SECONDS=2 BENCH_GATEWAY_ROUNDS=1 test/bench/gateway.sh
#
# Settings: BENCH_GATEWAY_SECONDS (5: the timed window of a throughput run,
# after 1 s of warm-up), BENCH_GATEWAY_ROUNDS (2: rounds of on then off),
# BENCH_GATEWAY_CLIENTS (50), BENCH_GATEWAY_SUBSCRIBERS (100),
# BENCH_GATEWAY_RATE (50 ops/s) and BENCH_GATEWAY_FANOUT_SECONDS (5).
# GATEWAY_BIN (gateway/pg_ot_gateway) is the binary.
# Ports: the cluster BENCH_GATEWAY_PORT (54700; a Unix socket in its own
# directory), the gateways the first free port of BENCH_GATEWAY_SERVER_PORTS
# (54701-54719) on 127.0.0.1.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
export PATH="$(pg_config --bindir):$PATH"
seconds=${BENCH_GATEWAY_SECONDS:-5}
rounds=${BENCH_GATEWAY_ROUNDS:-2}
clients=${BENCH_GATEWAY_CLIENTS:-50}
subscribers=${BENCH_GATEWAY_SUBSCRIBERS:-100}
rate=${BENCH_GATEWAY_RATE:-50}
fan_seconds=${BENCH_GATEWAY_FANOUT_SECONDS:-5}
warmup=1
pgport=${BENCH_GATEWAY_PORT:-54700}
# The gateways listen on the first free port of this range.
gw_first=${BENCH_GATEWAY_SERVER_PORTS:-54701-54719}
gw_last=${gw_first#*-}
gw_first=${gw_first%-*}
gateway_bin=${GATEWAY_BIN:-$root/gateway/pg_ot_gateway}
collection=bench

if [ ! -x "$gateway_bin" ]; then
	echo "gateway.sh: no gateway binary at $gateway_bin: build it first (make), or set GATEWAY_BIN" >&2
	exit 1
fi
for m in sharedb ws ot-text-unicode; do
	[ -d "$here/node_modules/$m" ] ||
		{ echo "gateway.sh: node_modules/$m is missing: run npm ci in $here" >&2; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pg_ot_bench_gateway.XXXXXX")
chmod 755 "$tmp"
server_pid=
cleanup() {
	if [ -n "$server_pid" ]; then
		kill -KILL "$server_pid" 2>/dev/null || true
	fi
	"$root/test/cluster.sh" stop "$tmp/pg" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "== throwaway cluster with fsync on, port $pgport" >&2
cluster_env=$(FSYNC=on "$root/test/cluster.sh" start "$tmp/pg" "$pgport")
eval "$cluster_env"

sql() { psql -XAtq -v ON_ERROR_STOP=1 -c "$1"; }
[ "$(sql 'SHOW fsync')/$(sql 'SHOW synchronous_commit')" = on/on ] ||
	{ echo "gateway.sh: commits are not durable" >&2; exit 1; }
sql 'CREATE EXTENSION pg_ot' >/dev/null ||
	{ echo "gateway.sh: CREATE EXTENSION pg_ot failed (is it installed? make install)" >&2; exit 1; }
sql "SELECT ot.grant('$collection', NULL, 'anonymous', 'write')" >/dev/null
# Calls of ot.submit_batch, the gateway's one transaction per batch, are
# counted in pg_stat_user_functions.
sql "ALTER SYSTEM SET track_functions = 'all'" >/dev/null
sql "SELECT pg_reload_conf()" >/dev/null

me=gateway.sh
. "$here/server.sh"

# start_gateway NAME [OPTIONS]: a gateway on a free port of $gw_first-$gw_last; sets gw_url.
start_gateway() {
	local name=$1
	shift
	server_start "$name" "$gw_first" "$gw_last" sh -c 'exec "$0" --listen 127.0.0.1 --port "$SERVER_PORT" "$@"' \
		"$gateway_bin" --db "host=$PGHOST port=$PGPORT dbname=postgres user=postgres" --allow-anonymous "$@"
	gw_url="ws://127.0.0.1:$server_port"
}

# stop_gateway: SIGTERM (it must exit 0), and waits until its database
# sessions are gone (a backend flushes its statistics when it exits).
stop_gateway() {
	server_stop strict
	for _ in $(seq 100); do
		[ "$(sql "SELECT count(*) FROM pg_stat_activity
			WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()")" = 0 ] && return 0
		sleep 0.1
	done
	echo "gateway.sh: the gateway's database sessions outlived it by 10 s" >&2
	exit 1
}

# Ops applied (document versions, creates included) and batches submitted.
applied() { sql "SELECT coalesce(sum(version), 0) FROM ot.documents"; }
batches() { sql "SELECT coalesce(sum(calls), 0) FROM pg_stat_user_functions
	WHERE schemaname = 'ot' AND funcname = 'submit_batch'"; }
field() { sed -n "s/^$1 //p" "$2"; }

# throughput MODE BATCH_MAX ROUND: one gateway, one run of bench_gateway.js;
# appends "MODE ACKED_IN_WINDOW WINDOW_S OPS_APPLIED BATCHES" to $tmp/runs.
throughput() {
	local mode=$1 batch_max=$2 round=$3 ops0 calls0 ops1 calls1 acked created
	ops0=$(applied)
	calls0=$(batches)
	start_gateway "$mode-$round" --batch-max "$batch_max"
	node "$here/bench_gateway.js" throughput "$gw_url" "$collection" "$mode" \
		"$clients" "$warmup" "$seconds" >"$tmp/node.out" ||
		{ echo "gateway.sh: the $mode run failed; last lines of the gateway log:" >&2
		  tail -n 20 "$tmp/$server_name.log" >&2; exit 1; }
	stop_gateway
	ops1=$(applied)
	calls1=$(batches)
	# Every acknowledged op (and create) must be in the database, and nothing else.
	acked=$(field acked_total "$tmp/node.out")
	created=$(field created "$tmp/node.out")
	if [ $((ops1 - ops0)) != $((acked + created)) ]; then
		echo "gateway.sh: $mode: the gateway acknowledged $acked ops and $created creates," \
			"the database applied $((ops1 - ops0))" >&2
		exit 1
	fi
	echo "$mode $(field acked_window "$tmp/node.out") $(field window_s "$tmp/node.out")" \
		"$((ops1 - ops0)) $((calls1 - calls0))" >>"$tmp/runs"
	tail -1 "$tmp/runs" | awk '{ printf "== round %s, batching %s: %d ops/s, %.2f ops per transaction\n",
		r, $1, $2 / $3, $5 ? $4 / $5 : 0 }' r="$round" >&2
}

: >"$tmp/runs"
for round in $(seq "$rounds"); do
	throughput on 64 "$round"
	throughput off 1 "$round"
done

start_gateway fanout
node "$here/bench_gateway.js" fanout "$gw_url" "$collection" fanout \
	"$subscribers" "$rate" "$fan_seconds" >"$tmp/fanout.out" ||
	{ echo "gateway.sh: the fan-out run failed; last lines of the gateway log:" >&2
	  tail -n 20 "$tmp/$server_name.log" >&2; exit 1; }
stop_gateway
f() { field "$1" "$tmp/fanout.out"; }
echo "== fan-out: p50 $(f p50_ms) ms, p99 $(f p99_ms) ms, max $(f max_ms) ms," \
	"$(f deliveries) deliveries; median op: first subscriber $(f first_p50_ms) ms, last $(f last_p50_ms) ms" >&2

# Each mode over all rounds: ops acknowledged / seconds, ops / batches.
awk '{ n[$1] += $2; s[$1] += $3; o[$1] += $4; b[$1] += $5 }
	END { for (m in n) printf "%s %d %.2f\n", m, n[m] / s[m], b[m] ? o[m] / b[m] : 0 }' "$tmp/runs"
echo "fanout $(f p50_ms) $(f p99_ms) $(f max_ms) $(f mean_ms) $(f deliveries) $(f ops) $(f subscribers)" \
	"$(f first_p50_ms) $(f last_p50_ms)"
