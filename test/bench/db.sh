#!/usr/bin/env bash
# Database benchmark: pg_ot's submit path on a throwaway cluster with durable
# commits (fsync and synchronous_commit on), driven by pgbench.  run.sh calls
# it; it prints one line per load, "NAME OPS_PER_S WAL_BYTES_PER_OP
# CPU_US_PER_OP", on stdout and its progress on stderr.  CPU_US_PER_OP is the
# CPU time of the cluster's processes that ended during the load (its
# connections' backends, and any autovacuum worker it caused) per op, from
# the postmaster's reaped children (/proc/PID/stat cutime + cstime).
#
#   test/bench/db.sh                    # after make install
#   BENCH_DB_OPS=4000 BENCH_DB_ROUNDS=1 test/bench/db.sh
#
# Each load runs BENCH_DB_OPS ops (12,000) in each of BENCH_DB_ROUNDS rounds
# (2), over BENCH_CLIENTS connections (4).  The loads take turns within a
# round, so that a noisy neighbour spreads over all of them.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
export PATH="$(pg_config --bindir):$PATH"
clients=${BENCH_CLIENTS:-4}
ops=${BENCH_DB_OPS:-12000}
rounds=${BENCH_DB_ROUNDS:-2}
port=${BENCH_PORT:-54720}			# names the cluster's Unix socket

if ! command -v pgbench >/dev/null 2>&1; then
	echo "db.sh: pgbench is required" >&2
	exit 1
fi
if [ $((ops % (50 * clients))) != 0 ]; then
	echo "db.sh: BENCH_DB_OPS must be a multiple of 50 × BENCH_CLIENTS" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pg_ot_bench_db.XXXXXX")
chmod 755 "$tmp"
trap '"$root/test/cluster.sh" stop "$tmp/pg" 2>/dev/null; rm -rf "$tmp"' EXIT
echo "== throwaway cluster with fsync on, port $port" >&2
cluster_env=$(FSYNC=on "$root/test/cluster.sh" start "$tmp/pg" "$port")
eval "$cluster_env"

sql() { psql -XAtq -v ON_ERROR_STOP=1 -c "$1"; }
[ "$(sql 'SHOW fsync')/$(sql 'SHOW synchronous_commit')" = on/on ] ||
	{ echo "db.sh: commits are not durable" >&2; exit 1; }
echo "== documents: 1 KB and 1 MB of text-unicode and rich-text, 100 of 1 KB" >&2
psql -Xq -v ON_ERROR_STOP=1 -f "$here/db/setup.sql" >/dev/null

# The loads: NAME SCRIPT OPS_PER_TRANSACTION CONNECTIONS OPS [pgbench options].
loads=(
	"text-1k submit.sql 1 $clients $ops -D doc=text-1k -D len=1000"
	"text-1m submit.sql 1 $clients $ops -D doc=text-1m -D len=1000000"
	"rich-1k submit_rich.sql 1 $clients $ops -D doc=rich-1k -D len=1000"
	"rich-1m submit_rich.sql 1 $clients $ops -D doc=rich-1m -D len=1000000"
	"rich-1m-emoji submit_rich.sql 1 $clients $ops -D doc=rich-1m-emoji -D len=1000000"
	"single single.sql 1 $clients $ops"
	"batch batch.sql 50 $clients $ops"
	"single-1 single.sql 1 1 $((ops / 2))"
	"batch-1 batch.sql 50 1 $((ops / 2))"
	"bare-batch-1 bare_batch.sql 50 1 $((ops / 2))"
	"bare bare.sql 1 $clients $ops"
)

# Ops applied so far, counted from the documents' versions.
applied() { sql "SELECT (SELECT sum(version) FROM ot.documents) + (SELECT sum(version) FROM bench.bare_docs)"; }

# CPU ticks of the postmaster's children that have ended.
postmaster=$(head -1 "$tmp/pg/data/postmaster.pid")
reaped() { awk '{ print $16 + $17 }' "/proc/$postmaster/stat"; }
ticks=$(getconf CLK_TCK)

# run NAME SCRIPT PER_TRANSACTION CONNECTIONS OPS [options]: runs about OPS
# ops (whole transactions on every connection) and appends "NAME OPS SECONDS
# WAL_BYTES CPU_TICKS" to $tmp/runs.
run() {
	local name=$1 script=$2 per=$3 conns=$4 n=$5
	shift 5
	local txns=$((n / per / conns > 0 ? n / per / conns : 1))
	local lsn before got tps cpu0 cpu1
	n=$((txns * per * conns))
	lsn=$(sql "SELECT pg_current_wal_lsn()")
	before=$(applied)
	cpu0=$(reaped)
	pgbench -n -M prepared -c "$conns" -t "$txns" -f "$here/db/$script" "$@" \
		>"$tmp/pgbench.out" 2>&1 || { cat "$tmp/pgbench.out" >&2; exit 1; }
	# The backends exit once pgbench closes their connections.
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		[ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgbench'")" = 0 ] && break
		sleep 0.05
	done
	cpu1=$(reaped)
	# Every op must have applied (a batch reports rejections in its result).
	got=$(($(applied) - before))
	if [ "$got" != "$n" ]; then
		echo "db.sh: $name applied $got ops of $n" >&2
		exit 1
	fi
	tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$tmp/pgbench.out")
	echo "$name $n $(awk -v n="$n" -v t="$tps" -v p="$per" 'BEGIN { printf "%.4f", n / (t * p) }')" \
		"$(sql "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$lsn')")" $((cpu1 - cpu0)) >>"$tmp/runs"
}

echo "== warm-up: a tenth of each load" >&2
for load in "${loads[@]}"; do
	read -r name script per conns n options <<<"$load"
	run "$name" "$script" "$per" "$conns" $((n / 10)) $options
done
: >"$tmp/runs"
for round in $(seq "$rounds"); do
	for load in "${loads[@]}"; do
		read -r name script per conns n options <<<"$load"
		run "$name" "$script" "$per" "$conns" "$n" $options
		tail -1 "$tmp/runs" | awk '{ printf "== round %s, %s: %d ops/s, %d WAL bytes/op, %.1f CPU µs/op\n",
			r, $1, $2 / $3, $4 / $2, $5 * 1e6 / t / $2 }' r="$round" t="$ticks" >&2
	done
done

# Signing (extension/notify.c): what the database spends on the signature
# of one notification, from ot.publish_presence calls in one transaction
# (rolled back: no commit waits), with notifications signed and, as only
# this benchmark does, unsigned (pg_ot.sign_notifications off; the payload
# is the same, with a mac of zeros).  Messages of 200 and 7,600 bytes;
# rounds alternate and the fastest of each counts: "sign-on-BYTES US 0".
for round in $(seq "${BENCH_SIGN_ROUNDS:-5}"); do
	for bytes in 200 7600; do
		for sign in on off; do
			us=$(psql -XAtq -v ON_ERROR_STOP=1 -c "SET pg_ot.sign_notifications = $sign" -c BEGIN \
				-c "SELECT bench.publishes(${BENCH_SIGN_CALLS:-20000}, $bytes)" -c ROLLBACK)
			echo "sign-$sign-$bytes $us" >>"$tmp/sign"
		done
	done
	echo "== signing, round $round: $(tail -4 "$tmp/sign" | tr '\n' ' ')µs per notification" >&2
done
awk '{ if (!($1 in best) || $2 < best[$1]) best[$1] = $2 } END { for (k in best) printf "%s %.2f 0\n", k, best[k] }' \
	"$tmp/sign" | sort

# Each load over all rounds: ops / seconds, WAL bytes / ops, CPU µs / ops.
awk -v t="$ticks" '{ n[$1] += $2; s[$1] += $3; w[$1] += $4; c[$1] += $5
		if (!($1 in seen)) { seen[$1]; order[++k] = $1 } }
	END { for (i = 1; i <= k; i++) { x = order[i]
		printf "%s %d %d %.1f\n", x, n[x] / s[x], w[x] / n[x], c[x] * 1e6 / t / n[x] } }' \
	"$tmp/runs"
