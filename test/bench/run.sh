#!/usr/bin/env bash
# Core benchmark: the pg_ot text-unicode core in C against ot-text-unicode
# 4.0.0 in Node, on the same seeded corpus.  Prints one Markdown table.
#
#   test/bench/run.sh                   # from anywhere; 100,000 cases, seed 42
#   BENCH_CASES=20000 BENCH_SECONDS=1 test/bench/run.sh
#
# Needs cc, libjansson-dev, node and npm.  The corpus (about 0.5 GB) and the
# binary go to a temporary directory that is removed afterwards.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
core="$root/extension/ot"
cases=${BENCH_CASES:-100000}
seed=${BENCH_SEED:-42}
seconds=${BENCH_SECONDS:-2}
CC=${CC:-cc}

for tool in node npm "$CC"; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "run.sh: $tool is required" >&2
		exit 1
	fi
done
if [ ! -d "$here/node_modules/ot-text-unicode" ]; then
	echo "== npm ci in $here" >&2
	(cd "$here" && npm ci --no-audit --no-fund --silent) >&2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pg_ot_bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "== corpus: $cases cases, seed $seed" >&2
node "$here/gen_corpus.js" --seed "$seed" --cases "$cases" --out "$tmp/corpus.jsonl"

echo "== building bench_core (-O2)" >&2
if ! "$CC" -O2 -std=gnu99 -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare \
	-I"$core" -I"$here" -o "$tmp/bench_core" \
	"$here/bench_core.c" "$here/tu_json.c" \
	"$core/text_unicode.c" "$core/utf8.c" "$core/ot_error.c" -ljansson; then
	echo "run.sh: bench_core failed to build (is libjansson-dev installed?)" >&2
	exit 1
fi

echo "== C" >&2
"$tmp/bench_core" "$tmp/corpus.jsonl" "$seconds" >"$tmp/c.out"
echo "== JS (node $(node --version))" >&2
node --max-old-space-size=8192 "$here/bench_core.js" "$tmp/corpus.jsonl" "$seconds" >"$tmp/js.out"

field() { sed -n "s/^$1 //p" "$2"; }

# Both implementations must have computed the same results.
c_check=$(field check "$tmp/c.out")
js_check=$(field check "$tmp/js.out")
if [ -z "$c_check" ] || [ "$c_check" != "$js_check" ]; then
	echo "run.sh: results differ between C and JS:" >&2
	echo "  C:  $c_check" >&2
	echo "  JS: $js_check" >&2
	exit 1
fi
echo "== results agree: $c_check" >&2

n=$(field cases "$tmp/c.out")
c_t=$(field 'transforms\/s' "$tmp/c.out")
c_a=$(field 'applies\/s' "$tmp/c.out")
js_t=$(field 'transforms\/s' "$tmp/js.out")
js_a=$(field 'applies\/s' "$tmp/js.out")

# Thousands separators, and a ratio with one decimal.
fmt() { echo "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta'; }
ratio() { awk -v c="$1" -v j="$2" 'BEGIN { if (j > 0) printf "%.1f×", c / j; else print "n/a" }'; }

echo
echo "### text-unicode core throughput ($(fmt "$n") cases, seed $seed)"
echo
echo "| benchmark | C (pg_ot core) | JS (ot-text-unicode 4.0.0) | ratio C/JS |"
echo "|---|---:|---:|---:|"
echo "| text-unicode transform ops/s | $(fmt "$c_t") | $(fmt "$js_t") | $(ratio "$c_t" "$js_t") |"
echo "| text-unicode apply ops/s | $(fmt "$c_a") | $(fmt "$js_a") | $(ratio "$c_a" "$js_a") |"
