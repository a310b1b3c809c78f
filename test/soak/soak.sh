#!/usr/bin/env bash
# The soak (make soak; not in CI): 200 stock sharedb clients on 20 documents
# for 10 minutes with random disconnects, one gateway restart and one
# PostgreSQL restart; then every client's document must equal the
# database's, every acknowledged op must be in the op log, and the gateway's
# RSS must not grow after warm-up.  It also reports schema ot's tables over
# the run: dead tuples, size, and whether autovacuum kept up (tables.sh).  See README.md; soak.js runs the load and
# prints the figures.
#
#   test/soak/soak.sh                    # 600 s
#   SOAK_SECONDS=120 test/soak/soak.sh   # a short run
#
# Environment: SOAK_SECONDS (600), SOAK_TABLES_INTERVAL (30: seconds between
# samples of the tables' dead tuples and sizes, tables.sh), SOAK_PG_PORT
# (54600), SOAK_PORTS (the gateway's, 54601-54699), SOAK_GATEWAY_BIN (default
# gateway/pg_ot_gateway: the plain build, since its RSS is measured;
# gateway/pg_ot_gateway-asan runs it under ASan and UBSan, and any report
# fails the run), and the SOAK_* settings soak.js describes.  FSYNC=on for
# durable commits (off by default, as the other suites).
#
# Needs the extension installed (make install), the gateway built (make),
# node and npm.  Ports: the cluster 54600 (a Unix socket in its own
# directory), the gateway the first free port of 54601-54699 on 127.0.0.1.
#
# The logs (gateway.log, the cluster's server.log, rss.tsv, figures.txt,
# and on failure mismatches.json, missing.json, stuck.json) stay in
# /tmp/pg_ot_soak.* when the run fails, or with SOAK_KEEP=1.
#
# Exit status: 0 PASS, 1 FAIL, 2 the soak could not run.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$here"
export PATH="$(pg_config --bindir 2>/dev/null || echo /usr/bin):$PATH"

die() { echo "soak: $*" >&2; exit 2; }

for tool in node npm psql pg_ctl; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool is required"
done
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
	echo "soak: npm ci in $here" >&2
	npm ci --no-audit --no-fund --loglevel=error >/dev/null || die "npm ci failed in $here"
	touch node_modules
fi

gateway_bin=${SOAK_GATEWAY_BIN:-$root/gateway/pg_ot_gateway}
case $gateway_bin in /*) ;; *) gateway_bin="$root/$gateway_bin" ;; esac
[ -x "$gateway_bin" ] || die "no gateway binary at $gateway_bin: build it first (make), or set SOAK_GATEWAY_BIN"

work=$(mktemp -d /tmp/pg_ot_soak.XXXXXX)
chmod 755 "$work"
cluster=
status=2
sampler=
cleanup() {
	[ -n "$sampler" ] && kill "$sampler" 2>/dev/null
	# The gateway soak.js started, if it is still there.
	if [ -s "$work/gateway.pid" ]; then
		pid=$(cat "$work/gateway.pid")
		if kill -0 "$pid" 2>/dev/null && grep -q pg_ot_gateway "/proc/$pid/cmdline" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null
			for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
			kill -KILL "$pid" 2>/dev/null
		fi
	fi
	if [ -n "$cluster" ]; then
		"$root/test/cluster.sh" stop "$cluster" 2>/dev/null
		[ -f "$cluster/server.log" ] && cp "$cluster/server.log" "$work/postgres.log"
	fi
	if [ "$status" = 0 ] && [ "${SOAK_KEEP:-0}" != 1 ]; then
		rm -rf "$work"
	else
		echo "soak: logs (and the cluster, in pg/) kept in $work" >&2
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

exec 9>/tmp/pg_ot_soak.ports.lock
flock -n 9 || die "another soak is running (/tmp/pg_ot_soak.ports.lock)"

port=
ports=${SOAK_PORTS:-54601-54699}
for p in $(seq "${ports%-*}" "${ports#*-}"); do
	if port_free "$p"; then port=$p; break; fi
done
[ -n "$port" ] || die "no free port in $ports"

pgport=${SOAK_PG_PORT:-54600}
cluster="$work/pg"
env_out=$("$root/test/cluster.sh" start "$cluster" "$pgport") || { cluster=; die "the throwaway cluster did not start"; }
eval "$env_out"
psql -Xq -v ON_ERROR_STOP=1 -d postgres -c 'CREATE DATABASE soak' >"$work/psql.log" 2>&1 ||
	{ cat "$work/psql.log" >&2; die "CREATE DATABASE failed"; }
export PGDATABASE=soak
# The gateway logs in as its own role, as in production; anonymous clients
# may edit the soak collection.
psql -Xq -v ON_ERROR_STOP=1 >>"$work/psql.log" 2>&1 <<'SQL' ||
CREATE EXTENSION pg_ot;
CREATE ROLE soak_gateway LOGIN IN ROLE ot_gateway;
SELECT ot.grant('soak', NULL, 'anonymous', 'write');
SQL
	{ cat "$work/psql.log" >&2; die "CREATE EXTENSION pg_ot failed (is it installed? make install)"; }

# A sanitizer build reports into these files; any report fails the run.
export ASAN_OPTIONS="log_path=$work/sanitizer:detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="log_path=$work/sanitizer:print_stacktrace=1:halt_on_error=1"
export SOAK_WORK="$work" SOAK_PORT="$port" SOAK_GATEWAY_BIN="$gateway_bin"
export SOAK_GATEWAY_DB="host=$cluster port=$pgport dbname=soak user=soak_gateway"
export CLUSTER_DIR="$cluster" CLUSTER_PORT="$pgport"
export SOAK_SECONDS=${SOAK_SECONDS:-600}

echo "soak: cluster $cluster port $pgport, gateway $gateway_bin on port $port, $SOAK_SECONDS s" >&2
"$here/tables.sh" sample "$work/tables.txt" "${SOAK_TABLES_INTERVAL:-30}" &
sampler=$!
node soak.js
status=$?
kill "$sampler" 2>/dev/null
wait "$sampler" 2>/dev/null
"$here/tables.sh" report "$work/tables.txt"
[ "$status" = 0 ] || [ "$status" = 1 ] || status=1
if [ "$status" != 0 ] && [ -f "$work/gateway.log" ]; then
	echo "# last lines of the gateway log:"
	tail -n 30 "$work/gateway.log" | sed 's/^/#   /'
fi
exit $status
