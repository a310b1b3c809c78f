#!/usr/bin/env bash
# Benchmarks, printed as one Markdown table:
# - the pg_ot OT core in C against the JavaScript reference types in Node, on
#   the same seeded corpora: text-unicode against ot-text-unicode 4.0.0,
#   rich-text against rich-text 4.1.0;
# - the installed extension on a throwaway cluster with durable commits
#   (db.sh; BENCH_DB=0 leaves it out);
# - gateway/pg_ot_gateway on another such cluster, driven by stock sharedb
#   clients: ops/s with batching on and off, and fan-out latency to 100
#   subscribers (gateway.sh; BENCH_GATEWAY=0 leaves it out).
#
#   test/bench/run.sh                   # from anywhere; 100,000 cases per type, seed 42
#   BENCH_CASES=20000 BENCH_SECONDS=1 test/bench/run.sh
#
# Needs cc, libjansson-dev, node and npm, pgbench for the database, and the
# gateway built (make) for the gateway part.  The corpora (about 25 MB each)
# and the binary go to a temporary directory that is removed afterwards.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
core="$root/extension/ot"
cases=${BENCH_CASES:-100000}
docs=${BENCH_DOCS:-2000}
seed=${BENCH_SEED:-42}
seconds=${BENCH_SECONDS:-2}
with_db=${BENCH_DB:-1}
with_gateway=${BENCH_GATEWAY:-1}
CC=${CC:-cc}
types="text-unicode rich-text"

for tool in node npm "$CC"; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "run.sh: $tool is required" >&2
		exit 1
	fi
done
if [ ! -d "$here/node_modules/ot-text-unicode" ] || [ ! -d "$here/node_modules/rich-text" ] ||
	[ ! -d "$here/node_modules/sharedb" ] || [ ! -d "$here/node_modules/ws" ]; then
	echo "== npm ci in $here" >&2
	(cd "$here" && npm ci --no-audit --no-fund --silent) >&2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pg_ot_bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

for type in $types; do
	echo "== $type corpus: $cases cases over $docs documents, seed $seed" >&2
	node "$here/gen_corpus.js" --type "$type" --seed "$seed" --cases "$cases" \
		--docs "$docs" --out "$tmp/$type.jsonl"
done

echo "== building bench_core (-O2)" >&2
if ! "$CC" -O2 -std=gnu99 -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare \
	-I"$core" -I"$here" -o "$tmp/bench_core" \
	"$here/bench_core.c" "$here/tu_json.c" "$here/rt_json.c" \
	"$core/text_unicode.c" "$core/rich_text.c" "$core/attribute_map.c" "$core/compose_all.c" \
	"$core/json_value.c" "$core/utf8.c" "$core/ot_alloc.c" "$core/ot_error.c" \
	-ljansson; then
	echo "run.sh: bench_core failed to build (it needs libjansson-dev)" >&2
	exit 1
fi

field() { sed -n "s/^$1 //p" "$2"; }

for type in $types; do
	echo "== $type: C" >&2
	"$tmp/bench_core" "$tmp/$type.jsonl" "$seconds" >"$tmp/c.$type.out"
	echo "== $type: JS (node $(node --version))" >&2
	node "$here/bench_core.js" "$tmp/$type.jsonl" "$seconds" >"$tmp/js.$type.out"

	# Both implementations must have computed the same results.
	c_check=$(field check "$tmp/c.$type.out")
	js_check=$(field check "$tmp/js.$type.out")
	if [ -z "$c_check" ] || [ "$c_check" != "$js_check" ]; then
		echo "run.sh: $type results differ between C and JS:" >&2
		echo "  C:  $(echo $c_check)" >&2
		echo "  JS: $(echo $js_check)" >&2
		exit 1
	fi
	echo "== $type results agree: $(echo $c_check)" >&2
done

if [ "$with_db" != 0 ]; then
	"$here/db.sh" >"$tmp/db.out"
fi
if [ "$with_gateway" != 0 ]; then
	"$here/gateway.sh" >"$tmp/gateway.out"
fi

# Thousands separators; a ratio with one or two decimals.
fmt() { echo "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta'; }
ratio() { awk -v a="$1" -v b="$2" -v d="${3:-1}" 'BEGIN { if (b > 0) printf "%.*f×", d, a / b; else print "n/a" }'; }
version() { node -p "require('$here/node_modules/$1/package.json').version"; }
row() { echo "| $1 | $(fmt "$2") | $(fmt "$3") | $(ratio "$2" "$3" "${4:-1}") |"; }
ref() { [ "$1" = text-unicode ] && echo "ot-text-unicode $(version ot-text-unicode)" ||
	echo "rich-text $(version rich-text)"; }
# Ops/s and WAL bytes/op of a database load.
ops() { awk -v k="$1" '$1 == k { print $2 }' "$tmp/db.out"; }
wal() { awk -v k="$1" '$1 == k { print $3 }' "$tmp/db.out"; }
# Field N of the gateway's line KEY.
gw() { awk -v k="$1" -v n="$2" '$1 == k { print $n }' "$tmp/gateway.out"; }

title=""
for type in $types; do
	title="$title${title:+ and }$(fmt "$(field cases "$tmp/c.$type.out")") $type"
done
title="OT core ($title cases, each on a pool of $(fmt "$docs") documents, seed $seed)"
if [ "$with_db" != 0 ]; then
	title="$title; database (fsync on, ${BENCH_CLIENTS:-4} connections)"
fi
if [ "$with_gateway" != 0 ]; then
	title="$title; gateway (fsync on, ${BENCH_GATEWAY_CLIENTS:-50} clients, ${BENCH_GATEWAY_SUBSCRIBERS:-100} subscribers)"
fi
echo
echo "### Throughput: $title"
echo
echo "| benchmark: A against B | A | B | ratio A/B |"
echo "|---|---:|---:|---:|"
for type in $types; do
	for call in transform apply; do
		row "$type $call ops/s: C (pg_ot core) against JS ($(ref $type))" \
			"$(field "$call\\/s" "$tmp/c.$type.out")" "$(field "$call\\/s" "$tmp/js.$type.out")"
	done
done
if [ "$with_db" != 0 ]; then
	row "text-unicode ot.submit ops/s: 1 KB doc against 1 MB doc (ratio: 1 MB cost / 1 KB cost)" \
		"$(ops text-1k)" "$(ops text-1m)" 2
	row "rich-text ot.submit ops/s: 1 KB doc against 1 MB doc" "$(ops rich-1k)" "$(ops rich-1m)" 2
	row "rich-text ot.submit ops/s: 1 MB doc against 1 MB doc with an emoji" \
		"$(ops rich-1m)" "$(ops rich-1m-emoji)"
	row "text-unicode WAL bytes/op: 1 MB doc against 1 KB doc" "$(wal text-1m)" "$(wal text-1k)" 2
	row "rich-text WAL bytes/op: 1 MB doc against 1 KB doc" "$(wal rich-1m)" "$(wal rich-1k)" 2
	row "ops/s on 100 docs: batches of 50 (ot.submit_batch) against 1 op per transaction" \
		"$(ops batch)" "$(ops single)" 2
	row "WAL bytes/op on 100 docs: batches of 50 against 1 op per transaction" \
		"$(wal batch)" "$(wal single)" 2
	row "ops/s on 100 docs, 1 connection: batches of 50 against 1 op per transaction" \
		"$(ops batch-1)" "$(ops single-1)" 2
	row "ops/s on 100 docs, 1 op per transaction: pg_ot against bare UPDATE + INSERT + NOTIFY" \
		"$(ops single)" "$(ops bare)" 2
	row "WAL bytes/op on 100 docs: pg_ot against bare UPDATE + INSERT + NOTIFY" \
		"$(wal single)" "$(wal bare)" 2
fi
if [ "$with_gateway" != 0 ]; then
	n=${BENCH_GATEWAY_CLIENTS:-50}
	row "gateway ops/s, $n clients each editing its own doc: batching on (--batch-max 64) against off (--batch-max 1)" \
		"$(gw on 2)" "$(gw off 2)" 2
	row "gateway ops per transaction (ot.submit_batch call): batching on against off" \
		"$(gw on 3)" "$(gw off 3)" 2
	subs=$(gw fanout 8)
	row "gateway fan-out, 1 writer to $subs subscribers of one doc, ms from submitOp to 'op' event: p99 against p50" \
		"$(gw fanout 3)" "$(gw fanout 2)" 2
	row "gateway fan-out ms: max against p50" "$(gw fanout 4)" "$(gw fanout 2)" 2
	row "gateway fan-out ms, median op: to the last subscriber it reached against to the first" \
		"$(gw fanout 10)" "$(gw fanout 9)" 2
	row "gateway fan-out deliveries: received against expected ($subs subscribers × $(fmt "$(gw fanout 7)") ops)" \
		"$(gw fanout 6)" "$(($(gw fanout 7) * subs))"
fi
