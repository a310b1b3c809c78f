#!/usr/bin/env bash
# Core benchmark: the pg_ot OT core in C against the JavaScript reference
# types in Node, on the same seeded corpora: text-unicode against
# ot-text-unicode 4.0.0, rich-text against rich-text 4.1.0.  Prints one
# Markdown table.
#
#   test/bench/run.sh                   # from anywhere; 100,000 cases per type, seed 42
#   BENCH_CASES=20000 BENCH_SECONDS=1 test/bench/run.sh
#
# Needs cc, libjansson-dev, node and npm.  The corpora (about 25 MB each) and
# the binary go to a temporary directory that is removed afterwards.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
core="$root/extension/ot"
cases=${BENCH_CASES:-100000}
docs=${BENCH_DOCS:-2000}
seed=${BENCH_SEED:-42}
seconds=${BENCH_SECONDS:-2}
CC=${CC:-cc}
types="text-unicode rich-text"

for tool in node npm "$CC"; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "run.sh: $tool is required" >&2
		exit 1
	fi
done
if [ ! -d "$here/node_modules/ot-text-unicode" ] || [ ! -d "$here/node_modules/rich-text" ]; then
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

# Thousands separators, and a ratio with one decimal.
fmt() { echo "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta'; }
ratio() { awk -v c="$1" -v j="$2" 'BEGIN { if (j > 0) printf "%.1f×", c / j; else print "n/a" }'; }
version() { node -p "require('$here/node_modules/$1/package.json').version"; }

title=""
for type in $types; do
	title="$title${title:+ and }$(fmt "$(field cases "$tmp/c.$type.out")") $type"
done
echo
echo "### OT core throughput ($title cases, each on a pool of $(fmt "$docs") documents, seed $seed)"
echo
echo "| benchmark | C (pg_ot core) | JS (ot-text-unicode $(version ot-text-unicode), rich-text $(version rich-text)) | ratio C/JS |"
echo "|---|---:|---:|---:|"
for type in $types; do
	for call in transform apply; do
		c=$(field "$call\\/s" "$tmp/c.$type.out")
		js=$(field "$call\\/s" "$tmp/js.$type.out")
		echo "| $type $call ops/s | $(fmt "$c") | $(fmt "$js") | $(ratio "$c" "$js") |"
	done
done
