#!/usr/bin/env bash
# The diffs of subscribed queries (gateway/actions/query_diff.c) against npm
# arraydiff 0.1.3, ShareDB's (query_diff.js): exits 1 if any differs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pg_ot_query_diff.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
${CC:-cc} -std=gnu99 -O1 -Wall -Werror -I"$root/gateway" -o "$tmp/query_diff" "$here/query_diff.c" \
	"$root/gateway/actions/query_diff.c" "$root/gateway/base/table.c" "$root/gateway/base/alloc.c"
cd "$here/.." && node unit/query_diff.js "$tmp/query_diff" "${CASES:-20000}" "${SEED:-1}"
