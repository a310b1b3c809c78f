#!/usr/bin/env bash
# The gateway's version and its check of the extension's (gateway/base/ext_version.h):
#   - --version prints the control file's default_version, and exits 0; --help names it
#   - against a database with pg_ot 0.1.0 it refuses to start, naming both versions
#   - against a database without pg_ot it refuses to start, saying so
#   - a connection that comes back to a server without pg_ot (here: dropped
#     under a running gateway, its backends terminated) is refused and
#     retried; the gateway logs it, counts it, and keeps running
#
#   test/gateway/version.sh    (needs the extension installed and the gateway built)
#
# Environment: GATEWAY_BIN (default gateway/pg_ot_gateway); VERSION_TEST_PORT
# (the throwaway cluster's, default 54470, a Unix socket in its own
# directory); VERSION_TEST_GATEWAY_PORT (default 28465, on 127.0.0.1).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export PATH="$(pg_config --bindir):$PATH"
gateway=${GATEWAY_BIN:-$root/gateway/pg_ot_gateway}
gw_port=${VERSION_TEST_GATEWAY_PORT:-28465}
[ -x "$gateway" ] || { echo "version: no gateway binary at $gateway (make)" >&2; exit 2; }

failed=0
check() {						# check DESCRIPTION STATUS
	if [ "$2" = 0 ]; then echo "ok - $1"; else echo "not ok - $1"; failed=1; fi
}

work=$(mktemp -d /tmp/pg_ot_version.XXXXXX)
chmod 755 "$work"
gw_pid=
cleanup() {
	[ -n "$gw_pid" ] && kill "$gw_pid" 2>/dev/null && wait "$gw_pid" 2>/dev/null
	test/cluster.sh stop "$work/pg" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
eval "$(test/cluster.sh start "$work/pg" "${VERSION_TEST_PORT:-54470}")" || exit 2

version=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" extension/pg_ot.control)

out=$("$gateway" --version); status=$?
[ $status = 0 ] && [ "$out" = "pg_ot_gateway $version" ]
check "--version prints \"pg_ot_gateway $version\" (extension/pg_ot.control) and exits 0 (saw \"$out\", $status)" $?
"$gateway" --help | grep -qF -- "--version             print the version ($version)"
check "--help names --version and $version" $?

psql -Xq -v ON_ERROR_STOP=1 -c "CREATE DATABASE v010" -c "CREATE DATABASE none" -c "CREATE DATABASE live" &&
	psql -Xq -v ON_ERROR_STOP=1 -d v010 -c "CREATE EXTENSION pg_ot VERSION '0.1.0'" &&
	psql -Xq -v ON_ERROR_STOP=1 -d live -c "CREATE EXTENSION pg_ot" || exit 2

# Starting: it must exit (non-zero) by itself; timeout only bounds a hang (status 124).
start() {						# start DB: runs the gateway until it exits
	timeout 30 "$gateway" --db "dbname=$1" --allow-anonymous --listen 127.0.0.1 --port "$gw_port" \
		>"$work/$1.log" 2>&1
}
start v010; status=$?
want="pg_ot_gateway $version does not support extension pg_ot 0.1.0 in database \"v010\" (supported: $version); run ALTER EXTENSION pg_ot UPDATE"
[ $status != 0 ] && [ $status != 124 ] && grep -qF "$want" "$work/v010.log"
check "pg_ot 0.1.0: exits $status, naming both versions" $?
[ $status = 0 ] || [ $status = 124 ] || grep -qF "$want" "$work/v010.log" || cat "$work/v010.log"

start none; status=$?
want="the extension pg_ot is not installed in database \"none\""
[ $status != 0 ] && [ $status != 124 ] && grep -qF "$want" "$work/none.log"
check "no pg_ot: exits $status, saying it is not installed" $?
grep -qF "$want" "$work/none.log" || cat "$work/none.log"

# Reconnecting: a running gateway whose server loses pg_ot.
"$gateway" --db "dbname=live" --allow-anonymous --listen 127.0.0.1 --port "$gw_port" >"$work/live.log" 2>&1 &
gw_pid=$!
waitfor() {						# waitfor STRING: in the live gateway's log, 30 s at most
	for _ in $(seq 300); do
		grep -qF "$1" "$work/live.log" && return 0
		kill -0 "$gw_pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
waitfor "listening on"
check "pg_ot $version: the gateway starts" $?
psql -Xq -d live -c "DROP EXTENSION pg_ot CASCADE" -c \
	"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name LIKE 'pg_ot_gateway%'" >/dev/null
waitfor "refused: the extension pg_ot is not installed in database \"live\""
check "a reconnect to a server without pg_ot is refused and logged" $?
sleep 1
kill -0 "$gw_pid" 2>/dev/null
check "the gateway keeps running (it retries the server)" $?
curl -s "http://127.0.0.1:$gw_port/metrics" | grep -qE '^pg_ot_gateway_db_version_refused_total [1-9]'
check "metrics count it (db_version_refused_total)" $?
[ $failed = 0 ] || tail -20 "$work/live.log"
exit $failed
