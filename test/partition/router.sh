#!/usr/bin/env bash
# The router on two partitions (separate instances, test/partition/clusters.sh):
# through pg_ot_router, as roles that act as themselves on the partitions,
# documents of every type land on both partitions, each on exactly the one
# ot.partition_of names; submit, fetch, fetch_at, ops, messages and a query
# read as on the partition itself; grants and revokes of one document and
# of a collection; an error keeps its SQLSTATE; a role without a grant is
# refused.  Then SQL's ot.partition_of (pg_ot's and the router's) and
# extension/ot/doc_hash.h compiled in C agree on random names, non-ASCII
# ones included.
#
#   test/partition/router.sh    (PARTITION_PORT, default 54370: ports PARTITION_PORT .. +2)
set -uo pipefail
port=${PARTITION_PORT:-54370}
. "$(dirname "$0")/lib.sh"
partition_test_start partition 2 "$port"
# The SQLSTATE and message of a statement that fails, as USER through the router.
fails() {
	PGOPTIONS="-c client_min_messages=warning" psql -XAtq -h "$c/router" -p "$ROUTER_PORT" -U "$1" \
		-d "$ROUTER_DATABASE" -c "\\set VERBOSITY verbose" -c "$2" 2>&1 | sed -n 's/^ERROR:  \([0-9A-Z]\{5\}\): \(.*\)/\1 \2/p' | head -1
}

# Login roles, the same on every instance (PL/Proxy connects as the caller's role).
for inst in router p0 p1; do
	q "$inst" postgres "CREATE ROLE alice LOGIN IN ROLE ot_user; CREATE ROLE bob LOGIN IN ROLE ot_user;
		CREATE ROLE eve LOGIN IN ROLE ot_user; CREATE ROLE boss LOGIN IN ROLE ot_admin" || fail "roles on $inst"
done
check "the router's cluster pg_ot has the 2 partitions" 2 "$(q router postgres "SELECT ot.partitions()")"
check "ot.partition_conninfos() lists them in order" "0|$(cut -d' ' -f1-3 <<<"$PARTITION_CONNINFO_0") 1|$(cut -d' ' -f1-3 <<<"$PARTITION_CONNINFO_1")" \
	"$(q router alice "SELECT string_agg(partition || '|' || conninfo, ' ' ORDER BY partition) FROM ot.partition_conninfos()")"
check "through the router alice acts as alice on the partitions" alice "$(q router alice "SELECT ot.current_principal()")"

# A collection-wide grant: on every partition.
q router boss "SELECT ot.grant('rdocs', NULL, 'alice', 'write')" >/dev/null
check "a collection's grant is on both partitions" "1 1" \
	"$(q p0 postgres "SELECT count(*) FROM ot.grants WHERE collection = 'rdocs' AND name IS NULL") $(q p1 postgres "SELECT count(*) FROM ot.grants WHERE collection = 'rdocs' AND name IS NULL")"

# Documents of every type, created and edited through the router.
docs=()
for t in text-unicode rich-text json0; do
	for i in 0 1 2 3 4 5; do docs+=("$t.$i"); done
done
initial() {
	case $1 in
	text-unicode) echo '"hello"' ;;
	rich-text) echo '[{"insert": "hello\n"}]' ;;
	json0) echo '{"n": 1, "s": "hello"}' ;;
	esac
}
edit() {									# edit TYPE K
	case $1 in
	text-unicode) echo "[\"$2\"]" ;;
	rich-text) echo "[{\"insert\": \"$2\"}]" ;;
	json0) echo "[{\"p\": [\"n\"], \"na\": $2}]" ;;
	esac
}
created=0
for d in "${docs[@]}"; do
	t=${d%.*}
	[ "$(q router alice "SELECT ot.create('rdocs', '$d', '$t', '$(initial "$t")')")" = 1 ] && created=$((created + 1))
done
check "alice created ${#docs[@]} documents through the router" "${#docs[@]}" "$created"
versions=""
for d in "${docs[@]}"; do
	t=${d%.*}
	for k in 1 2 3; do
		versions+=$(q router alice "SELECT version FROM ot.submit('rdocs', '$d', $k, '$(edit "$t" "$k")', 'src-a', $k)")
	done
	versions+=" "
done
check "3 submits on each through the router applied at versions 1, 2, 3" \
	"$(printf '123 %.0s' "${docs[@]}")" "$versions"

# Where each document is: on the partition ot.partition_of names, and only there.
placed=0 types_on=""
for d in "${docs[@]}"; do
	p=$(q router alice "SELECT ot.partition_of('rdocs', '$d', 2)")
	[ "$p" = "$(q p0 postgres "SELECT ot.partition_of('rdocs', '$d', 2)")" ] || fail "$d: router and pg_ot name partitions apart"
	here=$(q "p$p" postgres "SELECT count(*) FROM ot.documents WHERE collection = 'rdocs' AND name = '$d'")
	there=$(q "p$((1 - p))" postgres "SELECT count(*) FROM ot.documents WHERE collection = 'rdocs' AND name = '$d'")
	elsewhere=$(q "p$((1 - p))" postgres "SELECT count(*) FROM ot.operations o JOIN ot.documents x ON x.id = o.doc_id WHERE x.name = '$d'")
	[ "$here $there $elsewhere" = "1 0 0" ] && placed=$((placed + 1))
	types_on+="${d%.*}@$p "
done
check "every document is on the partition ot.partition_of names and nowhere else" "${#docs[@]}" "$placed"
spread=$(tr ' ' '\n' <<<"$types_on" | sort -u | grep -c .)
check "each type has documents on both partitions" 6 "$spread"

# Reads through the router are the partition's own reads (as alice, at every version).
same=0
reads() {									# reads WHERE DOC
	q "$1" alice "SELECT md5(concat_ws('|',
		(SELECT string_agg(concat_ws(',', f.type, f.version, f.data), ';') FROM ot.fetch('rdocs', '$2') f),
		(SELECT string_agg(concat_ws(',', f.type, f.version, f.data), ';' ORDER BY v)
		 FROM generate_series(0, 4) v, ot.fetch('rdocs', '$2', v) f),
		(SELECT string_agg(concat_ws(',', f.version, f.data), ';') FROM ot.fetch_at('rdocs', '$2', '2100-01-01') f),
		(SELECT string_agg(concat_ws(',', o.version, o.op, o.\"create\", o.del, o.src, o.seq, o.user_id, o.created_at), ';')
		 FROM ot.ops('rdocs', '$2', 0) o),
		(SELECT string_agg(m::text, ';') FROM ot.messages('rdocs', '$2', 1, 3) m)))"
}
for d in "${docs[@]}"; do
	p=$(q router alice "SELECT ot.partition_of('rdocs', '$d', 2)")
	r=$(reads router "$d")
	[ -n "$r" ] && [ "$r" = "$(reads "p$p" "$d")" ] && same=$((same + 1))
done
check "fetch (latest and every version), fetch_at, ops and messages read the same through the router" "${#docs[@]}" "$same"
check "the ops were submitted as alice" "alice" "$(q router alice "SELECT string_agg(DISTINCT user_id, ',') FROM ot.ops('rdocs', 'json0.3', 0)")"
check "presence_at through the router" '4|{"index": 5, "length": 0}' \
	"$(q router alice "SELECT version || '|' || presence FROM ot.presence_at('rdocs', 'rich-text.0', '{\"index\": 2, \"length\": 0}', 1)")"
check "a query spans both partitions" "${#docs[@]}" "$(q router alice "SELECT count(*) FROM ot.query('rdocs', '{}')")"
check "its rows come from both" "0 1" "$(q router alice "SELECT string_agg(DISTINCT ot.partition_of('rdocs', id, 2)::text, ' ') FROM ot.query('rdocs', '{}')")"
check "a query's \$count sums the partitions'" "6" "$(q router alice "SELECT ot.query_extra('rdocs', '{\"\$count\": true, \"_type\": \"http://sharejs.org/types/text-unicode\"}')")"
check "a query with \$sort is refused through the router" 0A000 "$(fails alice "SELECT * FROM ot.query('rdocs', '{\"\$sort\": {\"_id\": 1}}')" | cut -c1-5)"

# Each call commits on its partition (PL/Proxy's autocommit): a router transaction rolled back keeps it.
q router alice "BEGIN; SELECT ot.create('rdocs', 'kept', 'json0', '{}'); ROLLBACK" >/dev/null
check "a call commits on its partition whatever the router's transaction does (README)" 1 \
	"$(q router alice "SELECT version FROM ot.fetch('rdocs', 'kept')")"
q router alice "SELECT ot.delete('rdocs', 'kept')" >/dev/null

# Errors keep their SQLSTATE (PL/Proxy prefixes the message).
err=$(fails alice "SELECT * FROM ot.submit('rdocs', 'json0.1', 99, '[]')")
check "a partition's error reaches the router's caller with its SQLSTATE (OT003)" OT003 "${err:0:5}"
echo "  # $err"
check "a create of an existing document: OT005" OT005 "$(fails alice "SELECT ot.create('rdocs', 'json0.1', 'json0')" | cut -c1-5)"
check "eve (no grant) is refused a fetch: 42501" 42501 "$(fails eve "SELECT * FROM ot.fetch('rdocs', 'json0.1')" | cut -c1-5)"
check "eve is refused a submit: 42501" 42501 "$(fails eve "SELECT * FROM ot.submit('rdocs', 'json0.1', 4, '[]')" | cut -c1-5)"
check "alice (not ot_admin) may not grant: 42501" 42501 "$(fails alice "SELECT ot.grant('rdocs', 'json0.1', 'eve', 'read')" | cut -c1-5)"

# One document's grant: on its partition only.
d=json0.2
p=$(q router alice "SELECT ot.partition_of('rdocs', '$d', 2)")
q router boss "SELECT ot.grant('rdocs', '$d', 'bob', 'read')" >/dev/null
check "a document's grant is on its partition only" "1 0" \
	"$(q "p$p" postgres "SELECT count(*) FROM ot.grants WHERE principal = 'bob'") $(q "p$((1 - p))" postgres "SELECT count(*) FROM ot.grants WHERE principal = 'bob'")"
check "bob reads that document through the router" 4 "$(q router bob "SELECT version FROM ot.fetch('rdocs', '$d')")"
check "bob may not write it" 42501 "$(fails bob "SELECT * FROM ot.submit('rdocs', '$d', 4, '[]')" | cut -c1-5)"
check "bob may not read another" 42501 "$(fails bob "SELECT * FROM ot.fetch('rdocs', 'json0.3')" | cut -c1-5)"
check "its revoke: true, then false" "t f" "$(q router boss "SELECT ot.revoke('rdocs', '$d', 'bob')") $(q router boss "SELECT ot.revoke('rdocs', '$d', 'bob')")"
check "bob is refused after the revoke" 42501 "$(fails bob "SELECT * FROM ot.fetch('rdocs', '$d')" | cut -c1-5)"

# The collection's revoke: on every partition.
check "the collection's revoke: true" t "$(q router boss "SELECT ot.revoke('rdocs', NULL, 'alice')")"
check "it is gone from both partitions" "0 0" \
	"$(q p0 postgres "SELECT count(*) FROM ot.grants WHERE principal = 'alice'") $(q p1 postgres "SELECT count(*) FROM ot.grants WHERE principal = 'alice'")"
refused=0
for d in "${docs[@]}"; do
	[ "$(fails alice "SELECT * FROM ot.fetch('rdocs', '$d')" | cut -c1-5)" = 42501 ] && refused=$((refused + 1))
done
check "alice is refused every document on both partitions after it" "${#docs[@]}" "$refused"
check "ot_admin reads every document as itself through the router" "${#docs[@]}" \
	"$(q router boss "SELECT count(*) FROM ot.query('rdocs', '{}')")"

# One mapping: SQL (pg_ot's, the router's, the router's RUN ON hash) and C agree.
if cc -std=c99 -Wall -Wextra -Werror -o "$tmp/doc_hash_names" test/partition/doc_hash_names.c; then
	python3 - >"$tmp/names" <<'EOF'
import random
random.seed(18)
ranges = [(0x20, 0x7e), (0xa0, 0x2ff), (0x400, 0x4ff), (0x4e00, 0x9fff), (0xac00, 0xd7a3), (0x1f300, 0x1faff), (1, 0x1f)]
def name():
    return ''.join(chr(random.randint(*random.choice(ranges))) for _ in range(random.randint(1, 24)))
for _ in range(500):
    print(name().encode().hex(), name().encode().hex())
EOF
	"$tmp/doc_hash_names" <"$tmp/names" >"$tmp/c_side"
	sql_side() {							# sql_side WHERE EXPR
		{ echo "CREATE TEMP TABLE h (k serial, c text, i text); COPY h (c, i) FROM STDIN WITH (DELIMITER ' ');"
		  cat "$tmp/names"; echo '\.'
		  echo "SELECT $2 FROM (SELECT k, convert_from(decode(c, 'hex'), 'UTF8') AS c, convert_from(decode(i, 'hex'), 'UTF8') AS i FROM h) s ORDER BY k;"
		} | psql -XAtq -v ON_ERROR_STOP=1 -h "$c/$1" -p "$(cat "$c/$1/port")" -U postgres \
			-d "$([ "$1" = router ] && echo "$ROUTER_DATABASE" || echo "$PARTITION_DATABASE")" -F ' '
	}
	sql_side p0 "ot.partition_of(c, i, 1073741824), ot.partition_of(c, i, 8), 0" | cut -d' ' -f1,2 >"$tmp/pg_ot_side"
	sql_side router "ot.partition_of(c, i, 1073741824), ot.partition_of(c, i, 8), ot._hash(c, i) & 7" >"$tmp/router_side"
	check "500 random names (non-ASCII, control characters): pg_ot's ot.partition_of = doc_hash.h in C (2^30 and 8)" \
		"$(cut -d' ' -f1,2 "$tmp/c_side" | md5sum)" "$(md5sum <"$tmp/pg_ot_side")"
	check "the same: the router's ot.partition_of and its RUN ON hash & 7 = doc_hash.h in C" \
		"$(md5sum <"$tmp/c_side")" "$(md5sum <"$tmp/router_side")"
	check "... over 500 names" 500 "$(grep -c . "$tmp/router_side")"
else
	fail "test/partition/doc_hash_names.c compiles"
fi

partition_test_end router
