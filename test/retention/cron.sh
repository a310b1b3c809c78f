#!/usr/bin/env bash
# ot.apply_retention() scheduled with pg_cron (Debian postgresql-15-cron), as
# the README shows it: a throwaway cluster with shared_preload_libraries =
# pg_cron, a collection with a policy (the last 2 versions), a document of
# 10 versions, cron.schedule every minute (pg_cron 1.4, this Debian's, has
# no seconds schedules), then wait until cron.job_run_details shows a run
# that succeeded and the document's cut moved to 8.  Takes up to a minute
# and a half: the first run is at the next minute.
#
#   test/retention/cron.sh    (its own cluster; CRON_PORT, default 54345)
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$(pg_config --bindir):$PATH"
port=${CRON_PORT:-54345}
tmp=$(mktemp -d /tmp/pg_ot_cron.XXXXXX)
chmod 755 "$tmp"
cleanup() { test/cluster.sh stop "$tmp/pg" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
q() { psql -XAtq -v ON_ERROR_STOP=1 -c "$1"; }

if [ ! -f "$(pg_config --pkglibdir)/pg_cron.so" ]; then
	echo "retention cron: FAILED: pg_cron is not installed (apt-get install postgresql-15-cron)" >&2
	exit 1
fi
test/cluster.sh start "$tmp/pg" "$port" >/dev/null
test/cluster.sh stop "$tmp/pg"
# Background workers: pg_cron runs the job without a libpq connection.
printf "shared_preload_libraries = 'pg_cron'\ncron.database_name = 'postgres'\ncron.use_background_workers = on\n" \
	>>"$tmp/pg/data/postgresql.conf"
eval "$(test/cluster.sh start "$tmp/pg" "$port")"
q "CREATE EXTENSION pg_cron" >/dev/null
q "CREATE EXTENSION pg_ot" >/dev/null
echo "  ok - pg_cron $(q "SELECT extversion FROM pg_extension WHERE extname = 'pg_cron'") and pg_ot in one cluster"
q "SELECT ot.create('notes', 'a', 'text-unicode', '\"\"')" >/dev/null
q "SELECT ot.submit('notes', 'a', v, '[\"x\"]') FROM generate_series(1, 9) v" >/dev/null
q "SELECT ot.set_retention('notes', keep_versions => 2)" >/dev/null
job=$(q "SELECT cron.schedule('pg_ot retention', '* * * * *', 'SELECT count(*) FROM ot.apply_retention(1000)')")
echo "  ok - ot.apply_retention() scheduled every minute (job $job)"

for _ in $(seq 1 90); do
	runs=$(q "SELECT count(*) FROM cron.job_run_details WHERE jobid = $job AND status = 'succeeded'")
	[ "$runs" -gt 0 ] && break
	sleep 1
done
if [ "$runs" -gt 0 ]; then
	echo "  ok - cron.job_run_details: the job ran and succeeded ($(q "SELECT return_message FROM cron.job_run_details WHERE jobid = $job ORDER BY runid LIMIT 1"))"
else
	echo "retention cron: FAILED: the job did not run in 90 s" >&2
	q "SELECT status, return_message FROM cron.job_run_details" >&2 || true
	exit 1
fi
cut=$(q "SELECT first_version FROM ot.retention_cuts")
ops=$(q "SELECT count(*) FROM ot.operations")
if [ "$cut" = 8 ] && [ "$ops" = 2 ]; then
	echo "  ok - the cut moved to version 8; 2 ops left"
else
	echo "retention cron: FAILED: the cut is '$cut' with $ops ops (wanted 8, 2)" >&2
	exit 1
fi
echo "retention cron: all passed"
