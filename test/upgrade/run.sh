#!/usr/bin/env bash
# The update from 0.1.0: documents written by 0.1.0 stay editable and
# readable after ALTER EXTENSION pg_ot UPDATE, and the updated schema is the
# schema of a fresh install of the current version.
#
#   test/upgrade/run.sh      (on the cluster the PG* environment names,
#                             as test/check.sh starts it)
#
# 1. CREATE EXTENSION pg_ot VERSION '0.1.0' (its install script, kept in
#    extension/, with the current pg_ot.so), then documents of both types:
#    creates, edits with src/seq, a stale edit (transformed), a grant, a
#    delete and a create again, a batch as a gateway sends it.
# 2. ALTER EXTENSION pg_ot UPDATE.
# 3. The same documents: fetch and ops as before, new edits (stale ones
#    transformed), resends of ops made under 0.1.0 recognised (the original
#    version, no new op), a batch, a delete.
# 4. pg_dump --schema-only of the updated database against a fresh install,
#    once plainly and once with --binary-upgrade, which (unlike a plain dump)
#    lists every member of the extension: functions, tables, constraints,
#    indexes, triggers, comments, privileges.  Only OIDs are normalised: the
#    keys in ot.secrets are data, and no dump here has data.
#
# UPGRADE_KEEP=1 keeps the dumps in /tmp for a look.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$(pg_config --bindir):$PATH"

old=0.1.0
new=$(sed -n "s/^default_version = '\(.*\)'/\1/p" extension/pg_ot.control)
tmp=$(mktemp -d /tmp/pg_ot_upgrade.XXXXXX)
[ "${UPGRADE_KEEP:-0}" = 1 ] || trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "upgrade: FAILED: $*" >&2
	failures=$((failures + 1))
}
q() { psql -XAtq -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }
# expect DB WHAT SQL EXPECTED
expect() {
	local got
	got=$(q "$1" "$3" 2>&1) || true
	if [ "$got" != "$4" ]; then
		fail "$2: got [$got], expected [$4]"
	else
		echo "  ok - $2"
	fi
}

for db in upgrade_updated upgrade_fresh; do
	psql -Xq -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" 2>/dev/null
done

echo "# $old: install and write"
q upgrade_updated "CREATE EXTENSION pg_ot VERSION '$old'"
expect upgrade_updated "installed version $old" \
	"SELECT extversion FROM pg_extension WHERE extname = 'pg_ot'" "$old"
psql -Xq -v ON_ERROR_STOP=1 -d upgrade_updated >/dev/null <<'SQL'
SELECT ot.create('up', 'text', 'text-unicode', '"hello"');
SELECT * FROM ot.submit('up', 'text', 1, '[5, " world"]', 'c1', 1);
SELECT * FROM ot.submit('up', 'text', 2, '[">"]', 'c1', 2);
SELECT * FROM ot.submit('up', 'text', 2, '[11, "!"]', 'c2', 1);	-- stale: transformed
SELECT ot.create('up', 'rich', 'rich-text', '[{"insert": "ab\n"}]');
SELECT * FROM ot.submit('up', 'rich', 1, '[{"retain": 2}, {"insert": "c", "attributes": {"bold": true}}]', 'c1', 3);
SELECT ot.create('up', 'gone', 'text-unicode', '"x"');
SELECT ot.delete('up', 'gone', 1, 'c1', 4);
SELECT ot.create('up', 'gone', 'rich-text', NULL, 'c1', 5);
SELECT ot.grant('up', NULL, 'alice', 'write');
SELECT count(*) FROM ot.submit_batch('[
	{"user": "alice", "message": {"a": "op", "c": "up", "d": "text", "v": 4, "op": ["A"], "src": "ca", "seq": 1}},
	{"user": "alice", "message": {"a": "op", "c": "up", "d": "rich", "v": 2, "op": [{"insert": "Z"}], "src": "ca", "seq": 2}}]');
SQL
before_text=$(q upgrade_updated "SELECT data FROM ot.fetch('up', 'text')")
before_ops=$(q upgrade_updated "SELECT version, op, \"create\", del, src, seq, user_id FROM ot.ops('up', 'text', 0)")

echo "# update to $new"
q upgrade_updated "ALTER EXTENSION pg_ot UPDATE"
expect upgrade_updated "updated to $new" \
	"SELECT extversion FROM pg_extension WHERE extname = 'pg_ot'" "$new"

echo "# $new: read and edit what $old wrote"
expect upgrade_updated "fetch after the update: what $old wrote" \
	"SELECT data FROM ot.fetch('up', 'text')" "$before_text"
expect upgrade_updated "fetch: the text as its ops made it" \
	"SELECT version || ' ' || data FROM ot.fetch('up', 'text')" '5 "A>hello world!"'
expect upgrade_updated "ops after the update: what $old wrote" \
	"SELECT version, op, \"create\", del, src, seq, user_id FROM ot.ops('up', 'text', 0)" "$before_ops"
expect upgrade_updated "fetch of an old version" \
	"SELECT data FROM ot.fetch('up', 'text', 2)" '"hello world"'
expect upgrade_updated "rich-text document" \
	"SELECT version || ' ' || data FROM ot.fetch('up', 'rich')" \
	'3 {"ops": [{"insert": "Zab"}, {"insert": "c", "attributes": {"bold": true}}, {"insert": "\n"}]}'
expect upgrade_updated "deleted and created again" \
	"SELECT type || ' ' || version FROM ot.fetch('up', 'gone')" 'http://sharejs.org/types/rich-text/v1 3'
expect upgrade_updated "a resend of an op of $old: its version, no new op" \
	"SELECT version || ' ' || op FROM ot.submit('up', 'text', 2, '[\">\"]', 'c1', 2)" '2 [">"]'
expect upgrade_updated "a resend of a create of $old" \
	"SELECT ot.create('up', 'gone', 'rich-text', NULL, 'c1', 5)" '3'
expect upgrade_updated "a batch resend of $old's batch op" \
	"SELECT r FROM ot.submit_batch('[{\"user\": \"alice\", \"message\": {\"a\": \"op\", \"c\": \"up\", \"d\": \"text\", \"v\": 4, \"op\": [\"A\"], \"src\": \"ca\", \"seq\": 1}}]') r" \
	'{"ack": {"a": "op", "c": "up", "d": "text", "v": 4, "seq": 1, "src": "ca"}, "ops": []}'
expect upgrade_updated "a stale edit, transformed against $old's ops" \
	"SELECT version || ' ' || op FROM ot.submit('up', 'text', 1, '[5, \",\"]', 'c3', 1)" '5 [7, ","]'
expect upgrade_updated "a batch on both documents, for a granted user" \
	"SELECT string_agg(r->'ack'->>'v' || ':' || jsonb_array_length(r->'ops'), ' ') FROM ot.submit_batch('[
		{\"user\": \"alice\", \"message\": {\"a\": \"op\", \"c\": \"up\", \"d\": \"rich\", \"v\": 2, \"op\": [{\"retain\": 1}, {\"delete\": 1}], \"src\": \"ca\", \"seq\": 3}},
		{\"user\": \"alice\", \"message\": {\"a\": \"op\", \"c\": \"up\", \"d\": \"text\", \"op\": [\"<\"], \"src\": \"ca\", \"seq\": 4}}]') r" \
	'3:1 6:0'
expect upgrade_updated "the documents after the new edits" \
	"SELECT string_agg(data::text, ' ' ORDER BY id) FROM (SELECT d.id, f.data FROM ot.documents d, ot.fetch(d.collection, d.name) f WHERE d.collection = 'up') s" \
	'"<A>hello, world!" {"ops": [{"insert": "Za"}, {"insert": "c", "attributes": {"bold": true}}, {"insert": "\n"}]} {"ops": []}'
expect upgrade_updated "ot.messages across the update" \
	"SELECT count(*) FROM ot.messages('up', 'text', 0)" '7'
expect upgrade_updated "a delete after the update" \
	"SELECT ot.delete('up', 'gone')" '4'
expect upgrade_updated "a user without a grant is refused" \
	"SELECT r->'error'->>'code' FROM ot.submit_batch('[{\"user\": \"bob\", \"message\": {\"a\": \"op\", \"c\": \"up\", \"d\": \"text\", \"op\": [0, \"x\"]}}]') r" \
	'ERR_OP_SUBMIT_REJECTED'

echo "# the schema: updated against a fresh $new"
q upgrade_fresh "CREATE EXTENSION pg_ot"
# What differs by construction: OIDs and frozen XIDs (binary-upgrade
# bookkeeping, the config tables' list), the identity sequence's position
# (setval: data), and the random key of pg_dump's \restrict lines.
normalise() {
	sed -E -e '/binary_upgrade_set_next_/d' \
		-e "/^SELECT pg_catalog.binary_upgrade_create_empty_extension/s/'\{[0-9,]+\}'/'{OIDS}'/" \
		-e "s/^SET relfrozenxid = '[0-9]+', relminmxid = '[0-9]+'/SET relfrozenxid = XID, relminmxid = XID/" \
		-e "s/^WHERE oid = '[0-9]+';/WHERE oid = OID;/" \
		-e "/^SELECT pg_catalog.setval\(/d" \
		-e 's/^\\(un)?restrict .*/\\\1restrict KEY/' \
		-e '/^-- (Dumped|Started|Completed)/d'
}
for db in upgrade_updated upgrade_fresh; do
	pg_dump --schema-only -d "$db" | normalise >"$tmp/$db.plain.sql"
	pg_dump --schema-only --binary-upgrade -d "$db" | normalise >"$tmp/$db.members.sql"
done
grep -q "ALTER EXTENSION pg_ot ADD FUNCTION ot.submit_batch" "$tmp/upgrade_fresh.members.sql" ||
	fail "the binary-upgrade dump lists no members of the extension"
for kind in plain members; do
	if diff -u "$tmp/upgrade_fresh.$kind.sql" "$tmp/upgrade_updated.$kind.sql" >"$tmp/$kind.diff"; then
		echo "  ok - pg_dump --schema-only ($kind): updated = fresh ($(wc -l <"$tmp/upgrade_fresh.$kind.sql") lines)"
	else
		fail "pg_dump --schema-only ($kind) of the updated database differs from a fresh install:"
		head -60 "$tmp/$kind.diff" >&2
	fi
done

for db in upgrade_updated upgrade_fresh; do
	psql -Xq -d postgres -c "DROP DATABASE $db" 2>/dev/null || true
done
if [ $failures != 0 ]; then
	echo "upgrade: $failures failed" >&2
	exit 1
fi
echo "upgrade: all passed"
