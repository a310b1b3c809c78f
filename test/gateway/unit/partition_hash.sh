#!/usr/bin/env bash
# The gateway's partition of a document (gateway/base/doc_hash.h) and SQL's
# ot.partition_of agree, on random names of ASCII, Latin, CJK and emoji
# (partition_hash.c), for N = 1, 2, 4, 8, 64, 1024.  A throwaway cluster
# (test/cluster.sh, port PARTITION_HASH_PORT, default 54457, on its Unix
# socket) runs ot.partition_of.  Exits 1 if one name differs.
#
#   test/gateway/unit/partition_hash.sh [SEED [COUNT]]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
export PATH="$(pg_config --bindir):$PATH"
seed=${1:-$(date +%s)}
count=${2:-500}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pg_ot_partition_hash.XXXXXX")
chmod 755 "$tmp"
cleanup() { "$root/test/cluster.sh" stop "$tmp/pg" >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT
${CC:-cc} -std=c99 -O1 -Wall -Wextra -Werror -I"$root/gateway" -I"$root/extension" \
	-o "$tmp/partition_hash" "$here/partition_hash.c"
"$tmp/partition_hash" "$seed" "$count" >"$tmp/names.tsv"
chmod 644 "$tmp/names.tsv"
eval "$("$root/test/cluster.sh" start "$tmp/pg" "${PARTITION_HASH_PORT:-54457}")"
psql -Xq -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION pg_ot' >/dev/null
result=$(psql -XqAt -v ON_ERROR_STOP=1 <<SQL
CREATE TEMP TABLE names (collection text, id text, partitions int, partition int);
\copy names FROM '$tmp/names.tsv'
SELECT count(*) || ' ' || count(*) FILTER (WHERE ot.partition_of(collection, id, partitions) <> partition)
	|| ' ' || count(*) FILTER (WHERE collection ~ '[^\x01-\x7f]' OR id ~ '[^\x01-\x7f]') FROM names;
SELECT format('%s/%s among %s: the gateway says %s, ot.partition_of %s', collection, id, partitions, partition,
		ot.partition_of(collection, id, partitions))
	FROM names WHERE ot.partition_of(collection, id, partitions) <> partition LIMIT 5;
SQL
)
read -r rows differ nonascii _ <<<"$result"
echo "partition_hash: seed $seed, $rows (name, N) pairs, $nonascii of them with non-ASCII names: $differ differ"
if [ "$rows" != $((count * 6)) ] || [ "$differ" != 0 ]; then
	echo "$result" | tail -n +2 >&2
	echo "partition_hash: the gateway's partition and ot.partition_of disagree (or the names did not load)" >&2
	exit 1
fi
