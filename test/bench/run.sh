#!/usr/bin/env bash
# Benchmarks, printed as one Markdown table:
# - the pg_ot OT core in C against the JavaScript reference types in Node, on
#   the same seeded corpora: text-unicode against ot-text-unicode 4.0.0,
#   rich-text against rich-text 4.1.0, json0 against ot-json0 1.1.0;
# - the installed extension on a throwaway cluster with durable commits
#   (db.sh; BENCH_DB=0 leaves it out);
# - gateway/pg_ot_gateway on another such cluster, driven by stock sharedb
#   clients: ops/s with batching on and off, and fan-out latency to 100
#   subscribers (gateway.sh; BENCH_GATEWAY=0 leaves it out);
# - what a gateway spends on a signed op notification against parsing the
#   whole payload as before (bench_notify.c; BENCH_NOTIFY=0 leaves it out);
# - pg_ot (gateway + extension) against a stock ShareDB 7 server, in-memory
#   and with sharedb-postgres, driven by the same wire-level load generator
#   in C (loadgen.c, validated against the stock-client one, loadgen.js, at
#   a low load): throughput with 1,000 docs × 2 editors, one hot document,
#   fan-out to 1,000 and 10,000 subscribers, memory per idle connection, and
#   each process's CPU in every one of them (compare.sh; BENCH_COMPARE=0
#   leaves it out);
# - partitions: acked ops/s through one gateway on 2 partition instances
#   against 1 (partitions.sh, loadgen.c's throughput load, every process's
#   CPU; BENCH_PARTITIONS=0 leaves it out);
# - growth: the bytes pg_ot's tables (heap, TOAST) and indexes take per op
#   of each type, typed into documents of 10,000 characters (growth.sh;
#   BENCH_GROWTH=0 leaves it out).
#
# The table is also written, with a description of the machine and the three
# figures where pg_ot is weakest against its reference or limit, to
# BENCHMARKS.md at the repository's root (BENCH_OUT=path elsewhere,
# BENCH_OUT= not at all).
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
with_notify=${BENCH_NOTIFY:-1}
with_compare=${BENCH_COMPARE:-1}
with_growth=${BENCH_GROWTH:-1}
with_partitions=${BENCH_PARTITIONS:-1}
bench_out=${BENCH_OUT-$root/BENCHMARKS.md}
started=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
CC=${CC:-cc}
types="text-unicode rich-text json0"

for tool in node npm "$CC"; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "run.sh: $tool is required" >&2
		exit 1
	fi
done
if [ ! -d "$here/node_modules/ot-text-unicode" ] || [ ! -d "$here/node_modules/rich-text" ] ||
	[ ! -d "$here/node_modules/ot-json0" ] ||
	[ ! -d "$here/node_modules/sharedb" ] || [ ! -d "$here/node_modules/ws" ] ||
	[ ! -d "$here/node_modules/@teamwork/websocket-json-stream" ] ||
	[ ! -d "$here/node_modules/sharedb-postgres" ] || [ ! -d "$here/node_modules/pg" ]; then
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
	"$core/json0.c" "$core/json0_subtype.c" "$core/json0_json.c" "$core/text0.c" "$core/js_number.c" \
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
if [ "$with_notify" != 0 ]; then
	# What a gateway spends on one op notification (signature and meta).
	echo "== bench_notify (-O2)" >&2
	"$CC" -O2 -std=gnu99 -Wall -Wextra -Wno-unused-parameter -I"$root/gateway" -o "$tmp/bench_notify" \
		"$here/bench_notify.c" "$root/gateway/base/notification.c" "$root/gateway/base/secrets.c" \
		"$root/gateway/base/alloc.c" -ljansson -lcrypto
	"$tmp/bench_notify" "$seconds" >"$tmp/notify.out"
fi
if [ "$with_compare" != 0 ]; then
	"$here/compare.sh" >"$tmp/compare.out"
fi
if [ "$with_growth" != 0 ]; then
	"$here/growth.sh" >"$tmp/growth.out"
fi
if [ "$with_partitions" != 0 ]; then
	"$here/partitions.sh" >"$tmp/partitions.out"
fi

# Thousands separators; a ratio with one or two decimals.
fmt() { echo "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta'; }
ratio() { awk -v a="$1" -v b="$2" -v d="${3:-1}" 'BEGIN { if (b > 0) printf "%.*f×", d, a / b; else print "n/a" }'; }
version() { node -p "require('$here/node_modules/$1/package.json').version"; }
row() { echo "| $1 | $(fmt "$2") | $(fmt "$3") | $(ratio "$2" "$3" "${4:-1}") |"; }
ref() {
	case $1 in
	text-unicode) echo "ot-text-unicode $(version ot-text-unicode)" ;;
	rich-text) echo "rich-text $(version rich-text)" ;;
	json0) echo "ot-json0 $(version ot-json0)" ;;
	esac
}
# Ops/s and WAL bytes/op of a database load.
ops() { awk -v k="$1" '$1 == k { print $2 }' "$tmp/db.out"; }
wal() { awk -v k="$1" '$1 == k { print $3 }' "$tmp/db.out"; }
dbcpu() { awk -v k="$1" '$1 == k { print $4 }' "$tmp/db.out"; }
# Field N of the gateway's line KEY.
gw() { awk -v k="$1" -v n="$2" '$1 == k { print $n }' "$tmp/gateway.out"; }

# "N text-unicode, N rich-text and N json0"
title=""
last=""
for type in $types; do
	[ -n "$last" ] && title="$title${title:+, }$last"
	last="$(fmt "$(field cases "$tmp/c.$type.out")") $type"
done
title="$title${title:+ and }$last"
title="OT core ($title cases, each on a pool of $(fmt "$docs") documents, seed $seed)"
if [ "$with_db" != 0 ]; then
	title="$title; database (fsync on, ${BENCH_CLIENTS:-4} connections)"
fi
if [ "$with_compare" != 0 ]; then
	title="$title; pg_ot against ShareDB (fsync on, the C generator loadgen.c in one process)"
fi
if [ "$with_gateway" != 0 ]; then
	title="$title; gateway (fsync on, ${BENCH_GATEWAY_CLIENTS:-50} clients, ${BENCH_GATEWAY_SUBSCRIBERS:-100} subscribers)"
fi
# Comparison rows, against a reference or a limit, also go to $tmp/rank as
# "ADVANTAGE<TAB>KEY<TAB>ROW": ADVANTAGE is how many times better pg_ot is
# (A/B when more is better, B/A when less is), KEY names the note on what
# limits it.
: >"$tmp/rank"
# crow KEY hi|lo DESCRIPTION A B [DIGITS]: a row of pg_ot (A) against its
# reference or limit (B).
crow() {
	local key=$1 dir=$2 r
	shift 2
	r=$(row "$@")
	echo "$r"
	if [ -n "$2" ] && [ -n "$3" ]; then
		awk -v a="$2" -v b="$3" -v d="$dir" 'BEGIN { if (a > 0 && b > 0) printf "%.4f\t", d == "hi" ? a / b : b / a; else exit 1 }' \
			>>"$tmp/rank" && printf '%s\t%s\n' "$key" "$r" >>"$tmp/rank"
	fi
	return 0
}
# A row whose reference could not run.
narow() { echo "| $1 | $(fmt "$2") | $3 | n/a |"; }

{
echo
echo "### Throughput: $title"
echo
echo "| benchmark: A against B | A | B | ratio A/B |"
echo "|---|---:|---:|---:|"
for type in $types; do
	for call in transform apply; do
		crow "core-$call" hi "$type $call ops/s: C (pg_ot core) against JS ($(ref $type))" \
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
	crow batch-bare hi "ops/s on 100 docs, 1 connection, 50 ops per transaction: ot.submit_batch against bare SQL (50 × one prepared UPDATE + INSERT + NOTIFY)" \
		"$(ops batch-1)" "$(ops bare-batch-1)" 2
	crow batch-bare-cpu lo "database CPU µs per op, 1 connection, 50 ops per transaction: ot.submit_batch against the bare SQL" \
		"$(dbcpu batch-1)" "$(dbcpu bare-batch-1)" 2
	crow single-bare hi "ops/s on 100 docs, 1 op per transaction: pg_ot against bare UPDATE + INSERT + NOTIFY" \
		"$(ops single)" "$(ops bare)" 2
	crow wal-bare lo "WAL bytes/op on 100 docs: pg_ot against bare UPDATE + INSERT + NOTIFY" \
		"$(wal single)" "$(wal bare)" 2
	for bytes in 200 7600; do
		row "database µs per notification of a $(fmt $bytes)-byte message (ot.publish_presence, in one transaction): signed against unsigned (pg_ot.sign_notifications off)" \
			"$(ops sign-on-$bytes)" "$(ops sign-off-$bytes)" 2
	done
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
if [ "$with_notify" != 0 ]; then
	nt() { awk -v k="$1" -v n="$2" '$1 == k { print $n }' "$tmp/notify.out"; }
	for size in keystroke large; do
		row "gateway µs per op notification of $(fmt "$(nt $size 2)") bytes: signature and meta (now) against parsing the whole payload (565e652)" \
			"$(nt $size 3)" "$(nt $size 4)" 2
	done
fi
if [ "$with_compare" != 0 ]; then
	# Field N of the compare line "KIND NAME ..." (for fan, also SUBSCRIBERS).
	cmp() { awk -v k="$1" -v s="$2" -v n="$3" '$1 == k && $2 == s { print $n }' "$tmp/compare.out"; }
	fan() { awk -v s="$1" -v sub_="$2" -v n="$3" '$1 == "fan" && $2 == s && $3 == sub_ { print $n }' "$tmp/compare.out"; }
	na() { awk -v s="$1" '$1 == "na" && $2 == s { $1 = ""; $2 = ""; sub(/^  /, ""); print }' "$tmp/compare.out"; }
	docs_n=${BENCH_CMP_DOCS:-1000}
	ed_n=${BENCH_CMP_EDITORS:-2}
	sdb_mem="ShareDB 7 in-memory"
	sdb_pg="ShareDB 7 + sharedb-postgres 5.0.1"
	# ref_row KEY hi|lo DESC_PREFIX SERVER_KIND REF_NAME A B [DIGITS]
	ref_row() {
		local key=$1 dir=$2 desc=$3 kind=$4 refname=$5 a=$6 b=$7 d=${8:-2} why
		why=$(na "$kind")
		if [ -n "$why" ]; then
			narow "$desc: pg_ot against $refname" "$a" "$why"
		elif [ -n "$b" ]; then
			crow "$key-$kind" "$dir" "$desc: pg_ot against $refname" "$a" "$b" "$d"
		fi
	}
	# The generator's validation: loadgen.c (A) against loadgen.js (B), one low load.
	val() { awk -v g="$1" -v s="$2" -v n="$3" '$1 == "val" && $2 == g && $3 == s { print $n }' "$tmp/compare.out"; }
	for ref in ${BENCH_VAL_SERVERS-gw_on sdb_mem}; do
		[ -n "$(val c "$ref" 4)" ] && [ -n "$(val js "$ref" 4)" ] || continue
		[ "$ref" = sdb_mem ] && refname=$sdb_mem || refname="pg_ot_gateway"
		v="generator validation, $refname, one doc, ${BENCH_VAL_EDITORS:-20} editors × ${BENCH_VAL_RATE:-5} ops/s: loadgen.c (C, 1 process) against loadgen.js (stock clients, ${BENCH_CMP_PROCS:-4} processes)"
		row "$v, ops/s acked" "$(val c "$ref" 4)" "$(val js "$ref" 4)" 2
		row "$v, ms submit → ack p50" "$(val c "$ref" 5)" "$(val js "$ref" 5)" 2
		row "$v, ms submit → arrival at the other editors p50" "$(val c "$ref" 7)" "$(val js "$ref" 7)" 2
	done
	t="acked ops/s, $(fmt "$docs_n") docs × $ed_n editors (own connections, closed loop), fsync on"
	ref_row tput hi "$t" sdb_mem "$sdb_mem (nothing durable; issue 16's target ≥ 1.0×)" "$(cmp tput gw_on 3)" "$(cmp tput sdb_mem 3)"
	ref_row tput hi "$t" sdb_pg "$sdb_pg (durable; issue 16's target ≥ 8×)" "$(cmp tput gw_on 3)" "$(cmp tput sdb_pg 3)"
	[ -n "$(cmp tput gw_off 3)" ] &&
		row "$t: pg_ot batching on (--batch-max 64) against off (--batch-max 1)" \
			"$(cmp tput gw_on 3)" "$(cmp tput gw_off 3)" 2
	if [ -n "$(cmp tput gw_on 10)" ]; then
		crow db-us lo "database CPU µs per acked op (all the cluster's processes), $(fmt "$docs_n") × $ed_n through the gateway (lower is better): pg_ot against issue 16's target" \
			"$(cmp tput gw_on 10)" 60 2
		[ -n "$(cmp tput sdb_mem 9)" ] &&
			crow gw-us lo "server CPU µs per acked op, $(fmt "$docs_n") × $ed_n: pg_ot_gateway against the $sdb_mem node process" \
				"$(cmp tput gw_on 9)" "$(cmp tput sdb_mem 9)" 2
		[ -n "$(cmp tput sdb_pg 10)" ] &&
			crow db-us-sdb_pg lo "database CPU µs per acked op, $(fmt "$docs_n") × $ed_n: pg_ot against $sdb_pg" \
				"$(cmp tput gw_on 10)" "$(cmp tput sdb_pg 10)" 2
	fi
	[ "$with_db" != 0 ] && [ -n "$(cmp tput gw_on 3)" ] &&
		crow ceiling hi "the ceiling: pg_ot acked ops/s ($(fmt "$docs_n") × $ed_n through the gateway) against commits/s of a bare UPDATE + INSERT + NOTIFY (pgbench, 4 connections)" \
			"$(cmp tput gw_on 3)" "$(ops bare)" 2
	h="one hot doc, ${BENCH_HOT_EDITORS:-100} editors × ${BENCH_HOT_RATE:-5} ops/s"
	for ref in sdb_mem sdb_pg; do
		[ "$ref" = sdb_mem ] && refname=$sdb_mem || refname=$sdb_pg
		ref_row hot-ack-p50 lo "$h, ms submit → ack p50 (lower is better)" "$ref" "$refname" "$(cmp hot gw_on 4)" "$(cmp hot "$ref" 4)"
		[ "$ref" = sdb_mem ] && tgt=" (issue 16's target ≤ 1.0×)" || tgt=
		ref_row hot-ack-p99 lo "$h, ms submit → ack p99$tgt" "$ref" "$refname" "$(cmp hot gw_on 5)" "$(cmp hot "$ref" 5)"
		ref_row hot-del-p50 lo "$h, ms submit → arrival at the other editors p50" "$ref" "$refname" "$(cmp hot gw_on 6)" "$(cmp hot "$ref" 6)"
		ref_row hot-del-p99 lo "$h, ms submit → arrival p99" "$ref" "$refname" "$(cmp hot gw_on 7)" "$(cmp hot "$ref" 7)"
	done
	for subs in ${BENCH_FANOUT_SUBSCRIBERS-1000 10000}; do
		fo="fan-out, 1 writer (${BENCH_FANOUT_RATE:-2} ops/s) to $(fmt "$subs") subscribers of one doc"
		for ref in sdb_mem sdb_pg; do
			[ "$ref" = sdb_mem ] && refname=$sdb_mem || refname=$sdb_pg
			ref_row fan-p50 lo "$fo, ms delivery p50 (lower is better)" "$ref" "$refname" "$(fan gw_on "$subs" 4)" "$(fan "$ref" "$subs" 4)"
			ref_row fan-p99 lo "$fo, ms delivery p99" "$ref" "$refname" "$(fan gw_on "$subs" 5)" "$(fan "$ref" "$subs" 5)"
		done
	done
	for subs in ${BENCH_FANOUT_SUBSCRIBERS-1000 10000}; do :; done
	if [ -n "${subs:-}" ] && [ -n "$(fan gw_on "$subs" 11)" ]; then
		for ref in sdb_mem sdb_pg; do
			[ "$ref" = sdb_mem ] && refname="the $sdb_mem server process" || refname="the $sdb_pg server process"
			ref_row rss-conn lo "memory: server RSS KB per idle connection (hs + subscribe to one doc) at $(fmt "$subs") connections (lower is better)" \
				"$ref" "$refname" "$(fan gw_on "$subs" 11)" "$(fan "$ref" "$subs" 11)"
			a=$(fan gw_on "$subs" 10); b=$(fan "$ref" "$subs" 10)
			ref_row rss-total lo "memory: server RSS MB with $(fmt "$subs") idle connections" "$ref" "$refname" \
				"$([ -n "$a" ] && awk -v x="$a" 'BEGIN { printf "%.1f", x / 1024 }')" \
				"$([ -n "$b" ] && awk -v x="$b" 'BEGIN { printf "%.1f", x / 1024 }')"
		done
	fi
fi
if [ "$with_partitions" != 0 ] && [ -s "$tmp/partitions.out" ]; then
	part() { awk -v n="$1" -v k="$2" '$1 == "part" && $2 == n { print $k }' "$tmp/partitions.out"; }
	[ -n "$(part 1 3)" ] && [ -n "$(part 2 3)" ] &&
		row "acked ops/s through one gateway, $(fmt "${BENCH_PART_DOCS:-1000}") docs × ${BENCH_PART_EDITORS:-2} editors, fsync on: 2 partitions (two PostgreSQL instances on this machine, sharing its cores) against 1" \
			"$(part 2 3)" "$(part 1 3)" 2
fi
} >"$tmp/table.md"
# Each measurement of compare.sh with every process's CPU, and the
# generator's validation in full.
: >"$tmp/cpu.md"
if [ "$with_compare" != 0 ] && [ -s "$tmp/compare.out" ]; then
	name_of() {
		case $1 in
		gw_on) echo "pg_ot (gateway --batch-max 64)" ;;
		gw_off) echo "pg_ot (gateway --batch-max 1)" ;;
		sdb_mem) echo "$sdb_mem" ;;
		sdb_pg) echo "$sdb_pg" ;;
		*) echo "$1" ;;
		esac
	}
	{
		echo
		echo "### CPU of every process in each comparison measurement"
		echo
		echo "Cores busy over the measured window (utime + stime from \`/proc/PID/stat\`): the generator (loadgen.c, one process), the server process (pg_ot_gateway or node), the database (the cluster's postmaster and all its children: every backend summed, WAL writer, checkpointer...; for ShareDB in-memory the idle cluster), and the same CPU in microseconds per acked op (in the fan-out rows per delivery: per op over the subscribers)."
		echo
		echo "| load | server | acked ops/s | ack p50 / p99 ms | generator cores | server cores | database cores | server µs/op | database µs/op | generator µs/op |"
		echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
		awk '$1 == "tput"' "$tmp/compare.out" | while read -r _ k ops p50 p99 sc dc gc su du gu; do
			echo "| throughput $(fmt "$docs_n") × $ed_n | $(name_of "$k") | $(fmt "$ops") | $p50 / $p99 | $gc | $sc | $dc | $su | $du | $gu |"
		done
		awk '$1 == "hot"' "$tmp/compare.out" | while read -r _ k ops p50 p99 _ _ _ sc dc gc su du gu ops_s; do
			echo "| hot doc, ${BENCH_HOT_EDITORS:-100} editors | $(name_of "$k") | $ops_s | $p50 / $p99 | $gc | $sc | $dc | $su | $du | $gu |"
		done
		awk '$1 == "fan"' "$tmp/compare.out" | while read -r _ k subs p50 p99 _ ops _ _ _ _ sc dc gc su du gu; do
			per() { awk -v x="$1" -v n="$subs" 'BEGIN { printf "%.2f", x / n }'; }
			echo "| fan-out to $(fmt "$subs") (delivery p50 / p99; µs per delivery) | $(name_of "$k") | ${BENCH_FANOUT_RATE:-2} | $p50 / $p99 | $gc | $sc | $dc | $(per "$su") | $(per "$du") | $(per "$gu") |"
		done
		if awk '$1 == "val"' "$tmp/compare.out" | grep -q .; then
			echo
			echo "### Generator validation"
			echo
			echo "The same low load (one document, ${BENCH_VAL_EDITORS:-20} editors × ${BENCH_VAL_RATE:-5} ops/s, ${BENCH_VAL_SECONDS:-5} s) driven by loadgen.c and by loadgen.js (stock sharedb 7 clients over ws in ${BENCH_CMP_PROCS:-4} Node processes), each against a fresh server."
			echo
			echo "| server | generator | acked ops/s | ack p50 / p99 ms | arrival p50 / p99 ms | generator cores | server cores |"
			echo "|---|---|---:|---:|---:|---:|---:|"
			awk '$1 == "val"' "$tmp/compare.out" | while read -r _ gen k ops p50 p99 d50 d99 gc sc; do
				[ "$gen" = c ] && gen="loadgen.c" || gen="loadgen.js"
				echo "| $(name_of "$k") | $gen | $ops | $p50 / $p99 | $d50 / $d99 | $gc | $sc |"
			done
		fi
	} >"$tmp/cpu.md"
fi
# The partition measurements with every process's CPU (partitions.sh).
if [ "$with_partitions" != 0 ] && [ -s "$tmp/partitions.out" ]; then
	{
		echo
		echo "### CPU of every process on 1 and 2 partitions"
		echo
		echo "The throughput load of \`test/bench/partitions.sh\` (loadgen.c, $(fmt "${BENCH_PART_DOCS:-1000}") docs × ${BENCH_PART_EDITORS:-2} editors, closed loop) through one pg_ot_gateway with \`--partition\` for each instance, fsync on; cores busy as above, the database column each partition's cluster (the postmaster and its children), partition 0 first, and their sum. The instances share this machine's cores: README, **Partitions**, says what the figure means here and on N machines."
		echo
		echo "| partitions | acked ops/s | ack p50 / p99 ms | generator cores | gateway cores | database cores (each; sum) | gateway µs/op | database µs/op | generator µs/op |"
		echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
		awk '$1 == "part"' "$tmp/partitions.out" | while read -r _ n ops p50 p99 sc dc gc su du gu dcs; do
			echo "| $n | $(fmt "$ops") | $p50 / $p99 | $gc | $sc | ${dcs//,/ + }; $dc | $su | $du | $gu |"
		done
	} >>"$tmp/cpu.md"
fi
# Growth: bytes per op in schema ot's tables (growth.sh).
: >"$tmp/growth.md"
if [ "$with_growth" != 0 ] && [ -s "$tmp/growth.out" ]; then
	{
		echo
		echo "### Growth: bytes per op"
		echo
		echo "What the op log costs on disk (\`test/bench/growth.sh\`): per type, ${BENCH_GROWTH_DOCS:-100} documents of 10,000 characters, then one character typed at a random place of a random document per op, each op an \`ot.submit\` with a src and seq (as the gateway submits), over 4 connections, autovacuum on as by default. The sizes of every table in schema \`ot\` (documents, operations, snapshots, grants, secrets) summed, after the ops less before, over the ops: heap is \`pg_relation_size\`, TOAST and maps the rest of \`pg_total_relation_size\` less the indexes, indexes \`pg_indexes_size\`."
		echo
		echo "| type | ops | heap bytes/op | TOAST and maps bytes/op | index bytes/op | total bytes/op |"
		echo "|---|---:|---:|---:|---:|---:|"
		while read -r type n h o i t; do
			echo "| $type | $(fmt "$n") | $h | $o | $i | $t |"
		done <"$tmp/growth.out"
	} >"$tmp/growth.md"
fi
cat "$tmp/table.md" "$tmp/cpu.md" "$tmp/growth.md"

[ -n "$bench_out" ] || exit 0

# What limits pg_ot in a comparison row: the notes for the weakest figures.
# The CPU figures come from this run (cores busy in the server process, in
# the cluster's processes and in the generator's processes).
cpu() { awk -v k="$1" -v s="$2" -v n="$3" '$1 == k && $2 == s { print $n }' "$tmp/compare.out" 2>/dev/null; }
fancpu() { awk -v s="$1" -v n="$2" '$1 == "fan" && $2 == s { v = $n } END { print v }' "$tmp/compare.out" 2>/dev/null; }
note_group() {
	case $1 in
	tput-sdb_mem | ceiling) echo tput ;;
	hot-*) echo hot ;;
	fan-*) echo fan ;;
	rss-*) echo rss ;;
	single-bare | wal-bare) echo bare ;;
	batch-bare | batch-bare-cpu) echo batch-bare ;;
	core-*) echo core ;;
	db-us | db-us-*) echo db-us ;;
	gw-us) echo gw-us ;;
	*) echo "$1" ;;
	esac
}
gw_off_note=
[ -n "$(cpu tput gw_off 3)" ] && gw_off_note=": with --batch-max 1 it does $(fmt "$(cpu tput gw_off 3)") ops/s"
limit_note() {
	case $1 in
	tput-sdb_mem | ceiling)
		echo "Every acknowledged op is in a PostgreSQL transaction whose commit waits for its WAL flush (fsync on), with the op's row lock, resend check, op row and its two indexes, the document's HOT update, the snapshot rule and a NOTIFY; PostgreSQL serializes the commits of transactions that NOTIFY (sampled pg_stat_activity shows the pool's backends waiting on Lock:object behind the one in IO:WALSync). The three processes share the machine's two cores: during the run the cluster's processes kept $(cpu tput gw_on 7) cores busy ($(cpu tput gw_on 10) µs of database CPU per acked op), the gateway $(cpu tput gw_on 6) ($(cpu tput gw_on 9) µs/op) and the generator $(cpu tput gw_on 8), so pg_ot's rate is what its two processes' CPU per op allows on what the generator leaves: in the gateway, per op, parsing and printing JSON (jansson) and the allocations around it, the ack and the other editor's frame (a send() each), the op's notification (its signature) and poll() over every socket; in the database the write path above, per op, and the commit per batch. ShareDB in-memory writes nothing anywhere: its one Node thread ($(cpu tput sdb_mem 6) cores, $(cpu tput sdb_mem 9) µs/op) is its limit, and it loses every op on a restart. Batching (one ot.submit_batch transaction for the ops waiting while the pool is busy) is what keeps pg_ot at this rate${gw_off_note}." ;;
	tput-sdb_pg)
		echo "Both commit durably into the same kind of cluster. The cluster kept $(cpu tput gw_on 7) cores busy for pg_ot and $(cpu tput sdb_pg 7) for sharedb-postgres; sharedb-postgres pays one transaction per op (no batching) while pg_ot shares a commit among the ops of a batch." ;;
	hot-ack-p50-* | hot-ack-p99-* | hot-del-p50-* | hot-del-p99-*)
		echo "One document serializes its ops: in pg_ot each op (or each batch of ops) on it waits for the document's row lock and a durable commit, and the clients compose what waits behind their op in flight. ShareDB in-memory applies an op in memory with no I/O; ShareDB + sharedb-postgres commits each op in a transaction of its own and, when another op took the version first, fetches the ops it missed and commits again. ${BENCH_HOT_EDITORS:-100} editors each receive every other editor's op (about $(fmt $(( ${BENCH_HOT_EDITORS:-100} * ${BENCH_HOT_RATE:-5} * (${BENCH_HOT_EDITORS:-100} - 1) ))) messages/s at the offered rate); the generator (loadgen.c) kept $(cpu hot gw_on 11) cores busy for pg_ot and $(cpu hot sdb_mem 11) for ShareDB in-memory, the gateway $(cpu hot gw_on 9) and the cluster $(cpu hot gw_on 10) ($(cpu hot gw_on 13) µs of database CPU per op), the ShareDB process $(cpu hot sdb_mem 9). What is left is the durable commit on the document's row: each of its batches waits for the one before it." ;;
	fan-p50-* | fan-p99-*)
		echo "Each op reaches the gateway's subscribers after a durable commit and a NOTIFY that the gateway's listener connection receives; the gateway builds the frame once and writes it to every socket. ShareDB in-memory does no I/O before its broadcast. With $(fmt "${subs:-10000}") subscribers the generator (loadgen.c, one process, every socket in one event loop) kept $(fancpu gw_on 14) cores busy against $(fancpu gw_on 12) for the gateway and $(fancpu gw_on 13) for the cluster: the spread between p50 and p99 is mostly the time to write (gateway) and read (generator) $(fmt "${subs:-10000}") sockets one after the other on a shared 2-core machine. The gateway spent $(fancpu gw_on 15 | awk -v n="${subs:-10000}" '{ printf "%.1f", $1 / n }') µs of CPU per delivery: a profile of it at 10,000 subscribers (perf, while this load ran) showed about 30% in poll() over every socket (gateway/main.c runs lws's default poll loop) and 20-45% in lws_dll2_add_sorted, lws re-inserting a per-connection timer into its sorted list of all of them (O(connections) each)." ;;
	rss-conn-* | rss-total-*)
		echo "The gateway's memory per idle connection is libwebsockets' per-connection state, the session and its subscription; ShareDB's is a Node agent, stream and socket objects on V8's heap." ;;
	single-bare | wal-bare)
		echo "ot.submit does more than the bare statement: it checks the principal's grant, reads and locks the document row, transforms a stale op against the ops since its base version, validates and applies the op, stores a snapshot when the snapshot rule says so, and builds the ShareDB message it NOTIFYs; the bare transaction only updates a version, inserts a row and notifies." ;;
	batch-bare | batch-bare-cpu)
		echo "Both do per op one row lock or update of the document, one op row with its indexes and NOTIFY trigger (the bare SQL also its foreign key check, which ot.submit_batch skips: it holds the document row's lock already), in one transaction of 50 whose commit waits for its WAL flush; ot.submit_batch also checks each op and its grant, transforms and fits it, and builds its ack. Since 0.2.0 it is C (extension/submit.c, store.c, batch.c: statements prepared once per backend, no subtransaction per op). Before, in PL/pgSQL (0.1.0), measured on this machine interleaved on one cluster, it did 0.41-0.48× of the bare SQL (2,142 against 5,198 ops/s; 240-292 against 78-86 CPU µs per op)." ;;
	db-us | db-us-*)
		echo "What the database spends per acknowledged op with the write path in C (0.2.0): per op the document's row lock (an index scan and table_tuple_lock), the resend check (an index scan), the op row and its two index entries, the document's HOT update, the NOTIFY trigger, a snapshot row for small documents on about two ops in five (41,205 snapshots for 100,732 ops in one run of this load: the ops since the last one soon outweigh a document of a few dozen characters), and per batch the commit, its WAL flush and the NOTIFY queue (profile in test/bench/README.md). The retention cut of a stale op is read by its index, and the gateway prepares its ot.submit_batch statement once per session (each had been about 5% of the cluster's CPU on this load). The foreign key check of each op row (a statement per op, 12% of the database's CPU in a profile of this load) is skipped since the document row is locked FOR NO KEY UPDATE before every append (store.c). The figure counts every process of the cluster, autovacuum workers that exit within the window included (loadgen.c adds the postmaster's cutime and cstime), and rises with the load of the machine's other processes: compare.sh's throughput row alone, this write path with and without the skipped check taking turns at a load average of 7, read 82-88 against 103-105 µs. Issue 16's target (60 µs) is for the write path in C; sharedb-postgres spends $(cpu tput sdb_pg 10) µs per op (one transaction per op, no batching)." ;;
	gw-us)
		echo "The gateway's CPU per op: reading the client's frame, the batch's ot.submit_batch call (a statement prepared once per session) and its result over libpq, the op's notification from the listener connection (signature, meta), the ack and the frame to the document's other subscriber. In a perf profile of this load about a quarter of it is the kernel's send() of those frames, a fifth jansson (parsing the client's message and each result row, printing the batch item and the frames) with its allocations, under a tenth poll() over every socket (lws's default loop) and the notification's signature check; ShareDB in-memory does the same in one process without a database round trip." ;;
	core-*)
		echo "Both run the same algorithm on the same corpus; C avoids V8's allocation and string handling. No external limit: this is CPU and memory bandwidth." ;;
	*) echo "(no note)" ;;
	esac
}

git_rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -n "$(git -C "$root" status --porcelain 2>/dev/null | grep -v '^??' || true)" ] && git_rev="$git_rev (with uncommitted changes)"
{
	echo "# Benchmarks"
	echo
	echo "Written by \`make bench\` (\`test/bench/run.sh\`) on $(date -u '+%Y-%m-%d %H:%M UTC'), in $(( $(date +%s) - started )) s, from commit $git_rev. Every figure below comes from this one run on this one machine; see \`test/bench/README.md\` for the method. No figure is asserted: the machine may be shared and noisy."
	echo
	echo "## Machine"
	echo
	echo "| | |"
	echo "|---|---|"
	echo "| CPU | $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1) |"
	echo "| cores | $(nproc) |"
	echo "| RAM | $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) |"
	echo "| kernel | $(uname -sr) |"
	echo "| PostgreSQL | $(pg_config --version) |"
	echo "| Node | $(node --version) |"
	echo "| load average (1, 5, 15 min) | $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end |"
	echo "| open files limit | $(ulimit -n) soft, $(ulimit -Hn) hard (compare.sh raises the soft limit to the hard one) |"
	echo
	echo "## Results"
	echo
	echo "pg_ot is the extension, and in the rows against ShareDB \`pg_ot_gateway\` on it (a cluster with fsync and \`synchronous_commit\` on); ShareDB is npm \`sharedb\` 7.0.0 with the same two types, over \`ws\` and \`@teamwork/websocket-json-stream\`. The load generator of those rows, the same for every server, is \`test/bench/loadgen.c\`: the ShareDB protocol at the wire level in C (libwebsockets on libuv, jansson), every connection in one process, so that the rows measure the servers rather than the generator; the validation rows check it against the stock \`sharedb\` client (\`loadgen.js\`, ${BENCH_CMP_PROCS:-4} Node processes) at a low load. The gateway's own rows (batching, fan-out to 100) still use stock clients (\`bench_gateway.js\`). \"lower is better\" marks rows where a smaller A wins; the ratio is always A/B."
	cat "$tmp/table.md" "$tmp/cpu.md" "$tmp/growth.md"
	echo
	echo "## Where pg_ot is weakest"
	echo
	if [ -s "$tmp/rank" ]; then
		echo "The three rows above where pg_ot does worst against its reference or limit (by how many times better or worse it does, whichever way the row reads), and what limits each. Picked by \`run.sh\` from this run's figures; the notes were written from the measurements (the CPU figures in them are this run's)."
		echo
		# The weakest row of each kind of limit (one note each), three of them.
		n=0
		seen=" "
		while IFS="$(printf '\t')" read -r adv key r; do
			group=$(note_group "$key")
			case $seen in *" $group "*) continue ;; esac
			seen="$seen$group "
			desc=$(echo "$r" | awk -F ' [|] ' '{ sub(/^[|] /, "", $1); print $1 }')
			ratio=$(echo "$r" | awk -F '|' '{ gsub(/ /, "", $5); print $5 }')
			printf '%d. **%s** (ratio %s: pg_ot %s). %s\n' "$((n + 1))" "$desc" "$ratio" \
				"$(awk -v a="$adv" 'BEGIN { if (a >= 1) printf "%.2f× better", a; else printf "%.2f× worse", 1 / a }')" \
				"$(limit_note "$key")"
			echo
			n=$((n + 1))
			[ "$n" = 3 ] && break
		done < <(sort -t "$(printf '\t')" -k1,1g "$tmp/rank")
	else
		echo "(No row against a reference in this run.)"
	fi
} >"$bench_out"
echo "== wrote $bench_out" >&2
