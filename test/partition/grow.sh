#!/usr/bin/env bash
# Growing 1 -> 2 -> 4 partitions (test/partition/clusters.sh double: copies,
# then ot.purge_foreign_documents on each): documents of every type with
# history (several versions, a delete and a create again, a retention cut,
# grants of one document and of the collection), read through the router
# before and after each doubling: every ot.fetch (the latest and every
# readable version), ot.fetch_at at every op's time, ot.ops and
# ot.messages read the same, compacted versions stay refused (OT007), each
# document is on exactly the partition ot.partition_of names, each grant of
# one document on its partition only, the collection's on every one; then
# submits continue at the next versions.
#
#   test/partition/grow.sh    (PARTITION_GROW_PORT, default 54380: ports .. +4)
set -uo pipefail
port=${PARTITION_GROW_PORT:-54380}
. "$(dirname "$0")/lib.sh"
partition_test_start grow 1 "$port"
on_all() {									# on_all SQL: its rows on every partition (@P@ in SQL: which), each prefixed by it
	local i
	for i in $(seq 0 $((PARTITIONS - 1))); do q "p$i" postgres "${1//@P@/$i}" | sed "s/^/$i|/"; done
}
for inst in router p0; do
	q "$inst" postgres "CREATE ROLE reader LOGIN IN ROLE ot_user" || fail "role on $inst"
done

# 24 documents, 8 of each type, 6 versions or more each; text-unicode.7 deleted and
# created again as rich-text; the .0 and .1 of each type compacted at version 3.
docs=()
for t in text-unicode rich-text json0; do for i in 0 1 2 3 4 5 6 7; do docs+=("$t.$i"); done; done
initial() {
	case $1 in
	text-unicode) echo '"héllo 😀"' ;;
	rich-text) echo '[{"insert": "hello\n"}]' ;;
	json0) echo '{"n": 1, "s": "hello", "l": []}' ;;
	esac
}
edit() {									# edit TYPE K
	case $1 in
	text-unicode) echo "[\"$2é\"]" ;;
	rich-text) echo "[{\"insert\": \"$2\", \"attributes\": {\"bold\": true}}]" ;;
	json0) echo "[{\"p\": [\"n\"], \"na\": $2}, {\"p\": [\"l\", 0], \"li\": $2}]" ;;
	esac
}
typeof() { if [ "$1" = text-unicode.7 ]; then echo rich-text; else echo "${1%.*}"; fi; }
for d in "${docs[@]}"; do
	t=${d%.*}
	q router postgres "SELECT ot.create('grow', '$d', '$t', '$(initial "$t")')" >/dev/null || fail "create $d"
	for k in 1 2 3 4 5; do
		q router postgres "SELECT version FROM ot.submit('grow', '$d', $k, '$(edit "$t" "$k")', 'seed', $k)" >/dev/null ||
			fail "submit $d $k"
	done
done
q router postgres "SELECT ot.delete('grow', 'text-unicode.7'); SELECT ot.create('grow', 'text-unicode.7', 'rich-text', '[{\"insert\": \"again\"}]')" >/dev/null
q router postgres "SELECT ot.submit('grow', 'text-unicode.7', 8, '[{\"insert\": \"!\"}]')" >/dev/null
cut=()
for t in text-unicode rich-text json0; do
	for i in 0 1; do
		check "ot.compact('grow', '$t.$i', 3) through the router" 3 "$(q router postgres "SELECT ot.compact('grow', '$t.$i', 3)")"
		cut+=("$t.$i")
	done
done
first_of() { case " ${cut[*]} " in *" $1 "*) echo 3 ;; *) echo 0 ;; esac; }
q router postgres "SELECT ot.set_retention('grow', keep_versions => 1000)" >/dev/null
q router postgres "SELECT ot.grant('grow', NULL, 'writers', 'write')" >/dev/null
for d in "${docs[@]}"; do q router postgres "SELECT ot.grant('grow', '$d', 'reader', 'read')" >/dev/null; done

# Everything readable through the router, one line per value.
dump() {
	local d f
	for d in "${docs[@]}"; do
		f=$(first_of "$d")
		q router postgres "
			SELECT '$d latest ' || concat_ws(',', type, version, data) FROM ot.fetch('grow', '$d');
			SELECT '$d v' || v || ' ' || concat_ws(',', f.type, f.version, f.data)
			FROM generate_series($f, (SELECT version FROM ot.fetch('grow', '$d'))) v, ot.fetch('grow', '$d', v) f ORDER BY v;
			SELECT '$d op ' || concat_ws(',', version, op, \"create\", del, src, seq, user_id, created_at) FROM ot.ops('grow', '$d', $f);
			SELECT '$d message ' || m::text FROM ot.messages('grow', '$d', $f) m;
			SELECT '$d at ' || o.created_at || ' ' || concat_ws(',', a.type, a.version, a.data)
			FROM ot.ops('grow', '$d', $f) o, ot.fetch_at('grow', '$d', o.created_at) a ORDER BY o.version;"
	done
}
# Versions the cut took: still refused.
refused_cut() {
	local d n=0
	for d in "${cut[@]}"; do
		PGOPTIONS="-c client_min_messages=warning" psql -XAtq -h "$c/router" -p "$ROUTER_PORT" -U postgres -d "$ROUTER_DATABASE" \
			-c '\set VERBOSITY verbose' -c "SELECT * FROM ot.fetch('grow', '$d', 1)" >"$tmp/cut.out" 2>&1
		grep -q '^ERROR:  OT007' "$tmp/cut.out" && n=$((n + 1))
	done
	echo "$n"
}
# Where things are: each document on the one partition ot.partition_of names, its ops only there.
placement() {
	local n=$PARTITIONS
	on_all "SELECT name, ot.partition_of(collection, name, $n) FROM ot.documents WHERE collection = 'grow'" |
		awk -F'|' '$1 != $3 { bad++ } { seen[$2]++ } END { for (d in seen) if (seen[d] != 1) bad++; print length(seen) " documents, " bad + 0 " misplaced or twice" }'
}
grants() {
	on_all "SELECT coalesce(name, '*'), principal, access, name IS NULL OR ot.partition_of(collection, name, $PARTITIONS) = @P@ FROM ot.grants WHERE collection = 'grow'" |
		awk -F'|' '$2 == "*" { coll++ } $2 != "*" { one[$2 "|" $3]++; if ($5 != "t") bad++ } END { for (g in one) if (one[g] != 1) bad++; print length(one) " document grants, " coll + 0 " collection grants, " bad + 0 " misplaced or twice" }'
}

dump >"$tmp/before"
lines=$(grep -c . "$tmp/before")
echo "  # $lines values recorded on 1 partition ($(grep -c ' v[0-9]' "$tmp/before") versions, $(grep -c ' op ' "$tmp/before") ops)"
[ "$lines" -gt 500 ] || fail "the dump holds what it should ($lines lines)"
check "the cut versions are refused (OT007)" "${#cut[@]}" "$(refused_cut)"

for n in 2 4; do
	t0=$(date +%s%N)
	eval "$(test/partition/clusters.sh double "$c" 2>"$tmp/double.log")" || { cat "$tmp/double.log" >&2; fail "doubling to $n"; break; }
	t1=$(date +%s%N)
	echo "  # doubled to $PARTITIONS partitions in $(( (t1 - t0) / 1000000 )) ms: $(tr '\n' ';' <"$tmp/double.log")"
	check "the router's cluster has $n partitions" "$n" "$(q router postgres "SELECT ot.partitions()")"
	check "every document is on the one partition ot.partition_of names ($n partitions)" "${#docs[@]} documents, 0 misplaced or twice" "$(placement)"
	check "every partition has documents" "$n" "$(on_all "SELECT count(*) FROM ot.documents WHERE collection = 'grow'" | awk -F'|' '$2 > 0' | grep -c .)"
	check "ops, snapshots and cuts only beside their documents" 0 \
		"$(on_all "SELECT count(*) FROM (SELECT doc_id FROM ot.operations UNION ALL SELECT doc_id FROM ot.snapshots UNION ALL SELECT doc_id FROM ot.retention_cuts) r WHERE doc_id NOT IN (SELECT id FROM ot.documents)" | awk -F'|' '{ s += $2 } END { print s }')"
	check "grants: each document's on its partition once, the collection's on all $n" \
		"${#docs[@]} document grants, $n collection grants, 0 misplaced or twice" "$(grants)"
	check "the retention policy is on every partition" "$n" "$(on_all "SELECT 1 FROM ot.retention_policies WHERE collection = 'grow'" | grep -c .)"
	dump >"$tmp/after"
	if diff -q "$tmp/before" "$tmp/after" >/dev/null; then
		ok "all $lines values read the same through the router on $n partitions"
	else
		fail "values changed on $n partitions: $(diff "$tmp/before" "$tmp/after" | head -5)"
	fi
	check "the cut versions are still refused (OT007)" "${#cut[@]}" "$(refused_cut)"
	check "reader still reads through its moved grant" "${#docs[@]}" \
		"$(for d in "${docs[@]}"; do q router reader "SELECT version FROM ot.fetch('grow', '$d')"; done | grep -c .)"
	# Submits continue: at the current version, and one made at an older version (transformed).
	applied=""
	for d in "${docs[@]}"; do
		t=$(typeof "$d")
		v=$(q router postgres "SELECT version FROM ot.fetch('grow', '$d')")
		a=$(q router postgres "SELECT version FROM ot.submit('grow', '$d', $v, '$(edit "$t" 7)', 'grow$n', 1)")
		b=$(q router postgres "SELECT version FROM ot.submit('grow', '$d', $v, '$(edit "$t" 8)', 'grow$n', 2)")
		[ "$a $b" = "$v $((v + 1))" ] && applied+=.
	done
	check "submits after the move apply at the next versions (one of them transformed)" "${#docs[@]}" "${#applied}"
	dump >"$tmp/before"
	lines=$(grep -c . "$tmp/before")
done

partition_test_end grow
