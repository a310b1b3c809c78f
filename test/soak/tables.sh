#!/usr/bin/env bash
# The soak's table growth (soak.sh runs it): samples schema ot's tables while
# the load runs, and at the end prints what it saw and whether autovacuum
# kept up.
#
#   test/soak/tables.sh sample FILE INTERVAL   until killed: every INTERVAL s a
#                                              row per table of schema ot
#   test/soak/tables.sh report FILE            the table, and the verdict
#
# A row: seconds since the first sample, table, n_live_tup, n_dead_tup,
# pg_total_relation_size, autovacuum_count, last_autovacuum (from
# pg_stat_user_tables; a sample that fails, as while PostgreSQL restarts, is
# left out).  Autovacuum keeps up with a table when its dead tuples never
# passed twice the point that starts a vacuum of it (autovacuum_vacuum_threshold
# + autovacuum_vacuum_scale_factor × n_live_tup, the server's settings): a
# report, not a check (soak.sh's status does not depend on it).  Uses psql
# and the PG* environment.
set -uo pipefail

case ${1:-} in
sample)
	file=$2 interval=$3
	start=$(date +%s)
	while :; do
		now=$(($(date +%s) - start))
		psql -XAtq -F ' ' -c "SELECT $now, relname, n_live_tup, n_dead_tup,
				pg_total_relation_size(relid), autovacuum_count,
				coalesce(to_char(last_autovacuum, 'HH24:MI:SS'), '-'),
				current_setting('autovacuum_vacuum_threshold'),
				current_setting('autovacuum_vacuum_scale_factor')
			FROM pg_stat_user_tables WHERE schemaname = 'ot' ORDER BY relname" >>"$file" 2>/dev/null
		sleep "$interval"
	done
	;;
report)
	file=$2
	[ -s "$file" ] || { echo "# table growth: no sample"; exit 0; }
	echo "# table growth (schema ot, pg_stat_user_tables, a sample every ${SOAK_TABLES_INTERVAL:-30} s):"
	printf '#   %6s  %-12s %10s %10s %12s %6s %s\n' s table live dead bytes vacuums last_autovacuum
	awk '$2 == "documents" || $2 == "operations" || $2 == "snapshots"' "$file" |
		while read -r s t live dead bytes count last _; do
			printf '#   %6s  %-12s %10s %10s %12s %6s %s\n' "$s" "$t" "$live" "$dead" "$bytes" "$count" "$last"
		done
	# A table over twice its trigger whose size did not grow over the last
	# third of the run lost nothing to it: page pruning (HOT) reclaimed the
	# dead versions between vacuums.  Else the advice names the term of the
	# trigger that dominates: the threshold on a small table, the scale factor
	# on a large one.
	awk '{ limit = $8 + $9 * $3
			if (!($2 in first)) { first[$2] = $5; order[++k] = $2; av0[$2] = $6 }
			last[$2] = $5; av[$2] = $6; dead[$2] = $4; size[$2, ++n[$2]] = $5
			if ($4 > maxdead[$2]) maxdead[$2] = $4
			if ($4 > 2 * limit) { over[$2]++; worst[$2] = limit; small[$2] = ($9 * $3 < $8) } }
		END { behind = 0
			for (i = 1; i <= k; i++) { t = order[i]
				if (t != "documents" && t != "operations" && t != "snapshots") continue
				printf "#   %s: %d -> %d bytes, dead tuples at most %d (%d at the end), %d autovacuums during the run\n", \
					t, first[t], last[t], maxdead[t], dead[t], av[t] - av0[t] }
			for (i = 1; i <= k; i++) { t = order[i]
				if (!over[t] || (t != "documents" && t != "operations" && t != "snapshots")) continue
				mid = size[t, int(n[t] * 2 / 3) + 1]
				if (last[t] <= mid * 1.1)
					printf "# %s had dead tuples past twice its vacuum trigger, %d, in %d samples, but its size stayed at %d bytes over the last third of the run (page pruning reclaims the dead versions between vacuums): nothing to tune\n", t, worst[t], over[t], last[t]
				else {
					behind = 1
					printf "# autovacuum fell behind on %s (dead tuples past twice its vacuum trigger, %d, in %d samples) and it grew from %d to %d bytes over the last third of the run: ", t, worst[t], over[t], mid, last[t]
					if (small[t]) print "its trigger is autovacuum_vacuum_threshold; lower it (ALTER TABLE ot." t " SET (autovacuum_vacuum_threshold = 10)) or autovacuum_naptime"
					else print "lower its autovacuum_vacuum_scale_factor (ALTER TABLE ot." t " SET (autovacuum_vacuum_scale_factor = 0.01)) or raise autovacuum_vacuum_cost_limit" } }
			if (!behind) print "# autovacuum kept up: no table of schema ot grew with dead tuples past twice the number that starts its vacuum" }' "$file"
	;;
*)
	echo "usage: $0 sample FILE INTERVAL | report FILE" >&2
	exit 2
	;;
esac
