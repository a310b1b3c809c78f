#!/usr/bin/env bash
# pg_ot on 1 partition against 2: the same throughput load as compare.sh's
# (loadgen.c: DOCS × EDITORS, closed loop) through one gateway on N partition
# instances with durable commits (test/partition/clusters.sh, FSYNC=on; the
# router is started too but the gateway does not use it), first N = 1, then
# N = 2, each on fresh clusters.  run.sh calls it; it prints on stdout
#
#   part N OPS_PER_S ACK_P50_MS ACK_P99_MS SERVER_CPU DB_CPU GEN_CPU SERVER_US DB_US GEN_US DB_CPUS
#
# (the CPU as in compare.sh: cores busy in the gateway, in every partition's
# cluster summed (DB_CPUS: each one's, comma-separated, partition 0 first)
# and in the generator; then microseconds of CPU per acked op) and its
# progress on stderr.  Every acknowledged op (and create) must be on the
# partitions, and each document on the partition ot.partition_of names.
#
# On one machine the partitions share its cores: this measures what a
# second partition costs and whether it relieves the one commit lock, not
# what N machines would do (README, Partitions).
#
# Settings (defaults): BENCH_PART_DOCS (1000), BENCH_PART_EDITORS (2),
# BENCH_PART_WARMUP (2), BENCH_PART_SECONDS (8), BENCH_PART_COUNTS ("1 2"),
# GATEWAY_BIN, LOADGEN_BIN.  Ports: the clusters BENCH_PART_PORT (54740: the
# router, then one per partition; Unix sockets in their own directories),
# the gateway the first free port of BENCH_PART_SERVER_PORTS (54751-54799).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
export PATH="$(pg_config --bindir):$PATH"
docs=${BENCH_PART_DOCS:-1000}
editors=${BENCH_PART_EDITORS:-2}
warmup=${BENCH_PART_WARMUP:-2}
seconds=${BENCH_PART_SECONDS:-8}
counts=${BENCH_PART_COUNTS:-1 2}
pgport=${BENCH_PART_PORT:-54740}
srv_first=${BENCH_PART_SERVER_PORTS:-54751-54799}
srv_last=${srv_first#*-}
srv_first=${srv_first%-*}
gateway_bin=${GATEWAY_BIN:-$root/gateway/pg_ot_gateway}
collection=bench

[ -x "$gateway_bin" ] ||
	{ echo "partitions.sh: no gateway binary at $gateway_bin: build it first (make), or set GATEWAY_BIN" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pg_ot_bench_partitions.XXXXXX")
chmod 755 "$tmp"
loadgen=${LOADGEN_BIN:-}
if [ -z "$loadgen" ]; then
	echo "== partitions: building loadgen.c (-O2)" >&2
	loadgen=$tmp/loadgen
	"${CC:-cc}" -O2 -std=gnu99 -Wall -Wextra -Werror -o "$loadgen" "$here/loadgen.c" \
		-lwebsockets -ljansson -luv -lm
fi
server_pid=
clusters=
cleanup() {
	[ -n "$server_pid" ] && kill -KILL "$server_pid" 2>/dev/null
	[ -n "$clusters" ] && "$root/test/partition/clusters.sh" stop "$clusters" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

me=partitions.sh
. "$here/server.sh"
f() { sed -n "s/^$2 //p" "$tmp/$1.out"; }

for n in $counts; do
	name=part$n
	clusters=$tmp/clusters$n
	echo "== partitions: $n partition instances (fsync on), ports from $pgport" >&2
	env_out=$(FSYNC=on "$root/test/partition/clusters.sh" start "$clusters" "$n" "$pgport")
	eval "$env_out"
	psql -XAtq -v ON_ERROR_STOP=1 -d "$ROUTER_CONNINFO" -c "SELECT ot.grant('$collection', NULL, 'anonymous', 'write')" >/dev/null
	args=()
	pids=()
	for i in $(seq 0 $((n - 1))); do
		v=PARTITION_CONNINFO_$i
		args+=(--partition "${!v}")
		pids+=("$(head -1 "$clusters/p$i/data/postmaster.pid")")
		[ "$(psql -XAtq -d "${!v}" -c 'SHOW fsync')" = on ] || { echo "partitions.sh: fsync is off" >&2; exit 1; }
	done
	server_start "$name" "$srv_first" "$srv_last" sh -c 'exec "$0" "$@" --listen 127.0.0.1 --port "$SERVER_PORT" \
		--allow-anonymous --max-connections-per-ip 0' "$gateway_bin" "${args[@]}"
	SERVER_PID=$server_pid DB_PID=$(IFS=,; echo "${pids[*]}") "$loadgen" throughput "ws://127.0.0.1:$server_port" \
		"$collection" "part$n" "$docs" "$editors" "$warmup" "$seconds" >"$tmp/$name.out" ||
		{ echo "partitions.sh: the $name run failed; last lines of the gateway log:" >&2; tail -n 20 "$tmp/$name.log" >&2; exit 1; }
	server_stop
	server_pid=
	# Every acknowledged op is on the partitions, each document on its own.
	applied=0
	for i in $(seq 0 $((n - 1))); do
		v=PARTITION_CONNINFO_$i
		read -r a wrong < <(psql -XAtq -F ' ' -d "${!v}" -c \
			"SELECT coalesce(sum(version), 0), count(*) FILTER (WHERE ot.partition_of(collection, name, $n) <> $i) FROM ot.documents")
		[ "$wrong" = 0 ] || { echo "partitions.sh: $wrong documents on partition $i are not its" >&2; exit 1; }
		applied=$((applied + a))
	done
	if [ "$applied" != $(($(f "$name" acked_total) + $(f "$name" created))) ]; then
		echo "partitions.sh: $n partitions: the gateway acknowledged $(f "$name" acked_total) ops and" \
			"$(f "$name" created) creates, the partitions applied $applied" >&2
		exit 1
	fi
	echo "== partitions $n: $(f "$name" ops_per_s) ops/s, ack p50 $(f "$name" ack_p50_ms) ms, gateway $(f "$name" server_cpu) cores," \
		"partitions $(f "$name" db_cpus) ($(f "$name" db_cpu)), generator $(f "$name" gen_cpu)" >&2
	echo "part $n $(f "$name" ops_per_s) $(f "$name" ack_p50_ms) $(f "$name" ack_p99_ms)" \
		"$(f "$name" server_cpu) $(f "$name" db_cpu) $(f "$name" gen_cpu)" \
		"$(f "$name" server_us_per_op) $(f "$name" db_us_per_op) $(f "$name" gen_us_per_op) $(f "$name" db_cpus)"
	"$root/test/partition/clusters.sh" stop "$clusters"
	clusters=
done
