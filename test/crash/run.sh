#!/usr/bin/env bash
# Crash durability: every op whose submit was acknowledged survives a kill -9
# of the server.
#
#   test/crash/run.sh        (CRASH_PORT=, default 54330)
#
# On its own cluster with fsync and synchronous_commit on, it submits ops to a
# text-unicode and a rich-text document (ot.submit, then ot.submit_batch)
# while a third client keeps submitting one op per connection; then it kills
# the postmaster and its children with SIGKILL, restarts, and checks that
# every acknowledged op is in ot.ops, that ot.fetch is the replay of what was
# sent, and that the documents take further submits.
#
# CRASH_SYNCHRONOUS_COMMIT=off shows that the test can fail: commits are then
# acknowledged before their WAL is written, and the crash loses them.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$(pg_config --bindir):$PATH"

port=${CRASH_PORT:-54330}
sync_commit=${CRASH_SYNCHRONOUS_COMMIT:-on}
n_submits=120			# per document, through ot.submit
n_batches=8				# of 16 ops, 8 per document
live_seconds=1			# the third client's head start before the kill

fail() {
	echo "crash: FAILED: $*" >&2
	exit 1
}

work=$(mktemp -d /tmp/pg_ot_crash.XXXXXX)
chmod 755 "$work"
cleanup() {
	[ -n "${live_pid:-}" ] && kill "$live_pid" 2>/dev/null
	test/cluster.sh stop "$work/pg" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

eval "$(FSYNC=on test/cluster.sh start "$work/pg" "$port")" || fail "the cluster did not start"
sql() { psql -XAtq -v ON_ERROR_STOP=1 "$@"; }

sql -c "CREATE EXTENSION pg_ot"
if [ "$sync_commit" != on ]; then
	sql -c "ALTER SYSTEM SET synchronous_commit = $sync_commit" \
		-c "ALTER SYSTEM SET wal_writer_delay = '10s'" -c "SELECT pg_reload_conf()" >/dev/null
	sleep 0.5
fi
[ "$(sql -c 'SHOW fsync')" = on ] || fail "fsync is not on"
[ "$(sql -c 'SHOW synchronous_commit')" = on ] || [ "$sync_commit" != on ] ||
	fail "synchronous_commit is not on"

# The ops, and what the documents become.  Each inserts "<tag>," at the
# start; every fifth ot.submit deletes the first character instead.
sql -c "SELECT ot.create('crash', 'text', 'text-unicode', '\"\"')" \
	-c "SELECT ot.create('crash', 'rich', 'rich-text', '[{\"insert\": \"\\n\"}]')" \
	-c "SELECT ot.create('crash', 'live', 'text-unicode', '\"\"')" >/dev/null
text=''
rich=''
{
	for i in $(seq 1 "$n_submits"); do
		if [ $((i % 5)) = 0 ]; then
			echo "SELECT version FROM ot.submit('crash', 'text', NULL, '[{\"d\": 1}]', 'a', $i);"
			echo "SELECT version FROM ot.submit('crash', 'rich', NULL, '[{\"delete\": 1}]', 'a', $i);"
			text=${text:1}
			rich=${rich:1}
		else
			echo "SELECT version FROM ot.submit('crash', 'text', NULL, '[\"$i,\"]', 'a', $i);"
			echo "SELECT version FROM ot.submit('crash', 'rich', NULL, '[{\"insert\": \"$i,\"}]', 'a', $i);"
			text="$i,$text"
			rich="$i,$rich"
		fi
	done
	# A batch is acknowledged only if every op in it was.
	echo "CREATE FUNCTION pg_temp.acked(r jsonb) RETURNS jsonb LANGUAGE plpgsql AS \$\$
		BEGIN
			IF NOT r ? 'ack' THEN RAISE EXCEPTION 'batch op rejected: %', r; END IF;
			RETURN r->'ack';
		END \$\$;"
	seq=0
	for _ in $(seq 1 "$n_batches"); do
		items=()
		for _ in $(seq 1 8); do
			seq=$((seq + 1))
			for d in text rich; do
				if [ $d = text ]; then op="[\"b$seq,\"]"; else op="[{\"insert\": \"b$seq,\"}]"; fi
				items+=("{\"message\": {\"a\": \"op\", \"c\": \"crash\", \"d\": \"$d\", \"src\": \"b\", \"seq\": $seq, \"op\": $op}}")
			done
			text="b$seq,$text"
			rich="b$seq,$rich"
		done
		echo "SELECT count(pg_temp.acked(r)) FROM ot.submit_batch('[$(IFS=,; echo "${items[*]}")]') r;"
	done
} >"$work/ops.sql"

# The third client: one op per connection, each logged once acknowledged.
live() {
	local i=1
	while psql -XAtq -c "SELECT version FROM ot.submit('crash', 'live', NULL, '[\"$i,\"]', 'live', $i)" \
		>/dev/null 2>&1; do
		echo "$i" >>"$work/live.acks"
		i=$((i + 1))
	done
}
live &
live_pid=$!

sql -f "$work/ops.sql" >"$work/ops.out" || fail "a submit was rejected before the crash"
sleep "$live_seconds"

# The crash: SIGKILL to the postmaster and its children, the postmaster
# stopped first so that it forks no child in between.
postmaster=$(head -1 "$work/pg/data/postmaster.pid")
kill -STOP "$postmaster"
mapfile -t children < <(ps -o pid= --ppid "$postmaster" | tr -d ' ')
kill -KILL "$postmaster" "${children[@]}" 2>/dev/null || true	# some may have exited
wait "$live_pid" || true
live_pid=
live_acked=$(tail -1 "$work/live.acks" 2>/dev/null || echo 0)
for pid in "$postmaster" "${children[@]}"; do
	while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
done

# (pg_ctl warns of the stale postmaster.pid)
eval "$(FSYNC=on test/cluster.sh start "$work/pg" "$port" 2>"$work/restart.log")" ||
	fail "the cluster did not restart: $(cat "$work/restart.log")"
grep -q "database system was interrupted\|not properly shut down" "$work/pg/server.log" ||
	fail "no crash recovery in the server log: the server was not killed"

# Every acknowledged op is there, and the documents are their replay.
ops=$(sql -c "SELECT count(*) FROM ot.ops('crash', 'text', 0)")
[ "$ops" = $((1 + n_submits + 8 * n_batches)) ] ||
	fail "text: $ops ops after the crash, $((1 + n_submits + 8 * n_batches)) acknowledged"
ops=$(sql -c "SELECT count(*) FROM ot.ops('crash', 'rich', 0)")
[ "$ops" = $((1 + n_submits + 8 * n_batches)) ] ||
	fail "rich: $ops ops after the crash, $((1 + n_submits + 8 * n_batches)) acknowledged"
[ "$(sql -v text="$text" <<<"SELECT data = to_jsonb(:'text'::text) FROM ot.fetch('crash', 'text')")" = t ] ||
	fail "text: ot.fetch is not the replay of the acknowledged ops"
[ "$(sql -v rich="$rich" <<<"SELECT data = jsonb_build_object('ops', jsonb_build_array(
		jsonb_build_object('insert', :'rich' || E'\n'))) FROM ot.fetch('crash', 'rich')")" = t ] ||
	fail "rich: ot.fetch is not the replay of the acknowledged ops"

# The third client: ops 1..K with K the last acknowledged, or one more whose
# commit made it to disk but whose acknowledgement did not reach the client.
[ "$live_acked" -gt 0 ] || fail "live: no op was acknowledged before the crash"
kept=$(sql -c "SELECT count(*) FROM ot.ops('crash', 'live', 1)")
[ "$(sql -c "SELECT coalesce(max(seq), 0) = count(*) FROM ot.ops('crash', 'live', 1)")" = t ] ||
	fail "live: the ops kept are not 1..$kept"
if [ "$kept" -lt "$live_acked" ] || [ "$kept" -gt $((live_acked + 1)) ]; then
	fail "live: $kept ops after the crash, $live_acked acknowledged"
fi
live_text=''
for i in $(seq 1 "$kept"); do live_text="$i,$live_text"; done
[ "$(sql -v t="$live_text" <<<"SELECT data = to_jsonb(:'t'::text) FROM ot.fetch('crash', 'live')")" = t ] ||
	fail "live: ot.fetch is not the replay of the ops kept"

# The documents take further submits, at their next versions.
for d in text rich live; do
	v=$(sql -c "SELECT version FROM ot.fetch('crash', '$d')")
	op='["after"]'; [ $d = rich ] && op='[{"insert": "after"}]'
	[ "$(sql -c "SELECT version FROM ot.submit('crash', '$d', $v, '$op', 'after', 1)")" = "$v" ] ||
		fail "$d: a submit after the crash did not apply at version $v"
done

echo "crash: $((2 * (n_submits + 8 * n_batches))) acknowledged ops ($((2 * n_submits)) ot.submit, $((16 * n_batches)) in $n_batches batches) and $live_acked of a live client ($kept kept) survived kill -9; documents replay and take submits"
