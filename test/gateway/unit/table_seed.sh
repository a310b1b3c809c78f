#!/usr/bin/env bash
# The gateway's hash tables are keyed per process (gateway/base/table.c): two
# runs of table_seed.c walk the same keys in different orders.  Exits 1 if
# they agree (an unkeyed hash, which clients could aim at one bucket).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pg_ot_table_seed.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
${CC:-cc} -std=gnu99 -O1 -Wall -I"$root/gateway" -o "$tmp/table_seed" "$here/table_seed.c" \
	"$root/gateway/base/table.c" "$root/gateway/base/alloc.c"
a=$("$tmp/table_seed")
b=$("$tmp/table_seed")
echo "run 1: $a"
echo "run 2: $b"
if [ "$a" = "$b" ]; then
	echo "table_seed: two processes hashed 48 keys into the same buckets: the hash is not keyed per process" >&2
	exit 1
fi
echo "table_seed: the two processes hash differently"
