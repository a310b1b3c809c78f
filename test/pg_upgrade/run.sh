#!/usr/bin/env bash
# pg_upgrade of a cluster with pg_ot documents: a cluster with documents of
# both types (edits with src/seq, a grant, a retention cut), pg_upgrade into
# a new cluster of the same major version (this installation's bindir as old
# and new), then every document reads the same (version, data, ops from the
# cut on), a resend is recognised, the cut still holds, and new edits apply.
#
#   test/pg_upgrade/run.sh     (makes its own clusters; PG_UPGRADE_PORT, 3
#                               ports from it, default 54340)
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$(pg_config --bindir):$PATH"
bindir=$(pg_config --bindir)
port=${PG_UPGRADE_PORT:-54340}
tmp=$(mktemp -d /tmp/pg_ot_pg_upgrade.XXXXXX)
chmod 755 "$tmp"
[ "$(id -u)" = 0 ] && chown postgres: "$tmp"
cleanup() {
	test/cluster.sh stop "$tmp/old" 2>/dev/null || true
	test/cluster.sh stop "$tmp/new" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
failures=0
fail() { echo "pg_upgrade: FAILED: $*" >&2; failures=$((failures + 1)); }
q() { psql -XAtq -v ON_ERROR_STOP=1 -c "$1"; }

# What every document reads as: version, data, ops from its first readable version.
state() {
	q "SELECT d.collection || '/' || d.name || ' v' || f.version || ' ' || f.data::text
			|| ' cut ' || coalesce(c.first_version, 0)
			|| ' ops ' || (SELECT jsonb_agg(jsonb_build_array(o.version, o.op, o.create, o.del, o.src, o.seq,
											o.user_id) ORDER BY o.version)
						   FROM ot.ops(d.collection, d.name, coalesce(c.first_version, 0)) o)::text
	   FROM ot.documents d LEFT JOIN ot.retention_cuts c ON c.doc_id = d.id,
			ot.fetch(d.collection, d.name) f ORDER BY 1"
}

eval "$(test/cluster.sh start "$tmp/old" "$port")"
q "CREATE EXTENSION pg_ot" >/dev/null
q "SELECT ot.create('notes', 'a', 'text-unicode', '\"hello\"')" >/dev/null
q "SELECT ot.submit('notes', 'a', v, '[5, \"!\"]', 'c1', v) FROM generate_series(1, 6) v" >/dev/null
q "SELECT ot.create('rich', 'b', 'rich-text', '{\"ops\": [{\"insert\": \"Hi\\n\"}]}')" >/dev/null
q "SELECT ot.submit('rich', 'b', 1, '{\"ops\": [{\"retain\": 2}, {\"insert\": \" there\", \"attributes\": {\"bold\": true}}]}', 'c2', 1)" >/dev/null
q "SELECT ot.grant('notes', NULL, '*', 'write')" >/dev/null
q "SELECT ot.compact('notes', 'a', 4)" >/dev/null
before=$(state)
test/cluster.sh stop "$tmp/old"

# The new cluster: made as cluster.sh makes one, stopped for pg_upgrade.
test/cluster.sh start "$tmp/new" $((port + 1)) >/dev/null
test/cluster.sh stop "$tmp/new"
if ! (cd "$tmp" && as_owner "$bindir/pg_upgrade" -b "$bindir" -B "$bindir" \
		-d "$tmp/old/data" -D "$tmp/new/data" -p $((port + 2)) -P $((port + 1)) -s "$tmp" \
		-U postgres >"$tmp/pg_upgrade.log" 2>&1); then
	cat "$tmp/pg_upgrade.log" "$tmp"/new/data/pg_upgrade_output.d/*/log/* 2>/dev/null | tail -40
	fail "pg_upgrade"
	exit 1
fi
echo "  ok - pg_upgrade into a new cluster"
eval "$(test/cluster.sh start "$tmp/new" $((port + 1)))"

after=$(state)
if [ "$before" = "$after" ]; then
	echo "  ok - every document reads the same after pg_upgrade ($(wc -l <<<"$after") documents)"
else
	fail "the documents differ"; diff <(echo "$before") <(echo "$after") || true
fi
[ "$(q "SELECT version FROM ot.submit('notes', 'a', 6, '[5, \"!\"]', 'c1', 6)")" = 6 ] &&
	[ "$(q "SELECT version FROM ot.fetch('notes', 'a')")" = 7 ] &&
	echo "  ok - a resend of an op from before pg_upgrade is recognised" ||
	fail "the resend"
err=$(psql -Xq -c "SELECT * FROM ot.fetch('notes', 'a', 3)" 2>&1 || true)
grep -q "earliest readable version is 4" <<<"$err" && echo "  ok - the retention cut holds" || fail "the cut: $err"
q "SELECT ot.submit('notes', 'a', 5, '[\">\"]')" >/dev/null
q "SELECT ot.submit('rich', 'b', 2, '{\"ops\": [{\"insert\": \"X\"}]}')" >/dev/null
[ "$(q "SELECT data FROM ot.fetch('notes', 'a')")" = '">hello!!!!!!"' ] &&
	[ "$(q "SELECT data FROM ot.fetch('rich', 'b')")" = '{"ops": [{"insert": "XHi"}, {"insert": " there", "attributes": {"bold": true}}, {"insert": "\n"}]}' ] &&
	echo "  ok - both documents take new edits (stale ones transformed)" || fail "new edits"
[ "$(q "SELECT count(*) FROM ot.grants WHERE collection = 'notes'")" = 1 ] &&
	echo "  ok - the grant is kept" || fail "the grant"

[ $failures = 0 ] && echo "pg_upgrade: all passed"
exit $((failures > 0))
