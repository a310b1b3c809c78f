#!/usr/bin/env bash
# Growth benchmark: the bytes pg_ot's tables and indexes take per op, for
# each type, on a throwaway cluster.  run.sh calls it (BENCH_GROWTH=0 leaves
# it out); it prints one line per type on stdout,
#   "TYPE OPS HEAP_BYTES_PER_OP TOAST_BYTES_PER_OP INDEX_BYTES_PER_OP TOTAL_BYTES_PER_OP"
# and its progress on stderr.
#
#   test/bench/growth.sh                       # after make install
#   BENCH_GROWTH_OPS=20000 test/bench/growth.sh
#
# Per type: BENCH_GROWTH_DOCS documents (100) of 10,000 characters (the
# words of db/setup.sql; rich-text in lines of 20 to 200 characters, a third
# formatted), then BENCH_GROWTH_OPS ops (40,000) of one character typed at a
# random place of a random document, each op its own ot.submit over 4
# connections (pgbench), with a src (32 characters, as a client's id) and a
# seq, as the gateway submits them.  Sizes are every table of schema ot, summed:
# pg_relation_size (the heap's main fork), pg_total_relation_size less the
# heap and the indexes (TOAST, free space and visibility maps),
# pg_indexes_size, and pg_total_relation_size; each before and after the
# ops, the difference over the ops.  Autovacuum runs as configured by
# default (so a document row's dead versions count as they would in use).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
export PATH="$(pg_config --bindir):$PATH"
ops=${BENCH_GROWTH_OPS:-40000}
docs=${BENCH_GROWTH_DOCS:-100}
clients=4
port=${BENCH_PORT:-54720}			# names the cluster's Unix socket

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pg_ot_bench_growth.XXXXXX")
chmod 755 "$tmp"
trap '"$root/test/cluster.sh" stop "$tmp/pg" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
echo "== throwaway cluster, port $port" >&2
eval "$("$root/test/cluster.sh" start "$tmp/pg" "$port")"
sql() { psql -XAtq -v ON_ERROR_STOP=1 -c "$1"; }

# The vocabulary and the text and delta makers of db/setup.sql (its part before its documents).
sed '/^SELECT ot.create/,$d' "$here/db/setup.sql" >"$tmp/setup.sql"
psql -Xq -v ON_ERROR_STOP=1 -f "$tmp/setup.sql" >/dev/null

sizes() {						# heap, other (TOAST, maps), index, total bytes of schema ot's tables
	sql "SELECT sum(pg_relation_size(c.oid)),
			sum(pg_total_relation_size(c.oid) - pg_relation_size(c.oid) - pg_indexes_size(c.oid)),
			sum(pg_indexes_size(c.oid)), sum(pg_total_relation_size(c.oid))
		 FROM pg_class c WHERE c.relnamespace = 'ot'::regnamespace AND c.relkind = 'r'" | tr '|' ' '
}

cat >"$tmp/text-unicode.sql" <<'SQL'
\set doc random(1, :docs)
\set pos random(1, 9999)
\set seq :seq + 1
SELECT version FROM ot.submit('growth-text-unicode', :doc::text, NULL, jsonb_build_array(:pos::int, 'x'),
	md5(:client_id::text), :seq);
SQL
cat >"$tmp/rich-text.sql" <<'SQL'
\set doc random(1, :docs)
\set pos random(1, 9999)
\set seq :seq + 1
SELECT version FROM ot.submit('growth-rich-text', :doc::text, NULL,
	jsonb_build_array(jsonb_build_object('retain', :pos::int), jsonb_build_object('insert', 'x')),
	md5(:client_id::text), :seq);
SQL

for type in text-unicode rich-text; do
	if [ $type = text-unicode ]; then data="to_jsonb(bench.text(10000))"; else data="bench.delta(10000)"; fi
	sql "SELECT count(ot.create('growth-$type', i::text, '$type', $data)) FROM generate_series(1, $docs) i" >/dev/null
	sql "CHECKPOINT" >/dev/null
	read -r h0 o0 i0 t0 <<<"$(sizes)"
	txns=$((ops / clients))
	echo "== $type: $docs documents of 10,000 characters, $((txns * clients)) ops" >&2
	pgbench -n -M prepared -c $clients -t $txns -D docs="$docs" -D seq=0 -f "$tmp/$type.sql" >"$tmp/pgbench.out" 2>&1 ||
		{ cat "$tmp/pgbench.out" >&2; exit 1; }
	got=$(sql "SELECT sum(version) - $docs FROM ot.documents WHERE collection = 'growth-$type'")
	[ "$got" = $((txns * clients)) ] || { echo "growth.sh: $type applied $got ops of $((txns * clients))" >&2; exit 1; }
	read -r h1 o1 i1 t1 <<<"$(sizes)"
	awk -v t=$type -v n="$got" -v h=$((h1 - h0)) -v o=$((o1 - o0)) -v i=$((i1 - i0)) -v a=$((t1 - t0)) \
		'BEGIN { printf "%s %d %.1f %.1f %.1f %.1f\n", t, n, h / n, o / n, i / n, a / n }'
done
