#!/usr/bin/env bash
# The Debian packages as an administrator gets them: built (scripts/deb.sh,
# whose build runs the regression and isolation tests on the packaged files),
# checked by lintian (no error; warnings are printed), installed with
# apt-get install ./*.deb, the extension created from the package in a
# throwaway cluster, and the gateway started with the packaged unit's command
# line, user and environment file; then removed (purge) and make install run
# again, so that the suites after this one find the build tree installed.
#
# Prints TAP-like lines "ok N - ..." / "not ok N - ..."; exits 1 on a failure.
# Needs root (apt-get, the gateway's system user).
set -uo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d "${TMPDIR:-/tmp}/pg_ot_debtest.XXXXXX")
chmod 755 "$work"	# the cluster belongs to the postgres user
port=${DEB_TEST_PORT:-28480}
n=0 failed=0
check() {	# check DESCRIPTION STATUS
	n=$((n + 1))
	if [ "$2" = 0 ]; then echo "ok $n - $1"; else echo "not ok $n - $1"; failed=$((failed + 1)); fi
}
gateway_pid=
cleanup() {
	[ -n "$gateway_pid" ] && kill "$gateway_pid" 2>/dev/null && wait "$gateway_pid" 2>/dev/null
	test/cluster.sh stop "$work/pg" >/dev/null 2>&1
	if dpkg-query -W -f='${Status}' pg-ot-gateway 2>/dev/null | grep -q 'ok installed' ||
		dpkg-query -W -f='${Status}' postgresql-15-pg-ot 2>/dev/null | grep -q 'ok installed'; then
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq pg-ot-gateway postgresql-15-pg-ot >/dev/null 2>&1
	fi
	make -s install >/dev/null 2>&1 || echo "deb: make install after the purge failed" >&2
	rm -rf "$work"
}
trap cleanup EXIT

changes=$(scripts/deb.sh "$work/out")
check "dpkg-buildpackage builds both packages (its build ran pg_regress and the isolation tests on them)" $?
[ -n "$changes" ] || { echo "$n passed? no: nothing built"; exit 1; }

lintian --fail-on error "$changes" >"$work/lintian.txt" 2>&1
check "lintian: no errors" $?
sed 's/^/# lintian: /' "$work/lintian.txt"

DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$work/out"/postgresql-15-pg-ot_*.deb \
	"$work/out"/pg-ot-gateway_*.deb >"$work/apt.log" 2>&1
check "apt-get install ./postgresql-15-pg-ot_*.deb ./pg-ot-gateway_*.deb" $?
dpkg -L pg-ot-gateway >"$work/files" 2>/dev/null
for f in /usr/bin/pg_ot_gateway /lib/systemd/system/pg_ot_gateway.service /etc/pg_ot/gateway.env \
	/usr/share/man/man1/pg_ot_gateway.1.gz; do
	grep -qx "$f" "$work/files"
	check "pg-ot-gateway ships $f" $?
done
id pg_ot_gateway >/dev/null 2>&1 && [ "$(stat -c %U:%G:%a /etc/pg_ot)" = root:pg_ot_gateway:750 ] &&
	[ "$(stat -c %a /etc/pg_ot/gateway.env)" = 600 ]
check "postinst made the system user pg_ot_gateway; /etc/pg_ot is 0750 root:pg_ot_gateway, gateway.env 0600" $?
zcat /usr/share/man/man1/pg_ot_gateway.1.gz | grep -q -- 'db\\-grace'
check "the manual page lists the flags (--db-grace)" $?

# The extension from the package (make install's files were replaced by it).
eval "$(CLUSTER_TCP=1 test/cluster.sh start "$work/pg" "$port")"
psql -qX -v ON_ERROR_STOP=1 >"$work/sql.log" 2>&1 <<'SQL'
CREATE EXTENSION pg_ot;
CREATE ROLE gateway LOGIN;
GRANT ot_gateway TO gateway;
SELECT ot.create('notes', 'packaged', 'text-unicode', '"from the package"');
SQL
check "CREATE EXTENSION pg_ot from the package, ot.create" $?
[ "$(psql -qXAtc "SELECT data FROM ot.fetch('notes', 'packaged')")" = '"from the package"' ]
check "ot.fetch reads it back" $?

# The unit's command line, user and environment file, as systemd would run it.
unit=/lib/systemd/system/pg_ot_gateway.service
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
user=$(sed -n 's/^User=//p' "$unit")
env_file=$(sed -n 's/^EnvironmentFile=//p' "$unit")
web_port=$((port + 20))
cat >>"$env_file" <<EOF2
PG_OT_GATEWAY_DB="host=127.0.0.1 port=$PGPORT dbname=postgres user=gateway sslmode=disable"
PG_OT_GATEWAY_LISTEN=127.0.0.1
PG_OT_GATEWAY_PORT=$web_port
PG_OT_GATEWAY_ALLOW_ANONYMOUS=1
EOF2
(
	set -a
	# shellcheck disable=SC1090
	. "$env_file"
	set +a
	# setpriv execs the gateway itself (runuser would stay as its parent).
	exec setpriv --reuid="$user" --regid="$user" --init-groups -- $exec_start
) >"$work/gateway.log" 2>&1 &
gateway_pid=$!
ok=1
for _ in $(seq 50); do
	if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$web_port/healthz")" = 200 ]; then ok=0; break; fi
	kill -0 "$gateway_pid" 2>/dev/null || break
	sleep 0.2
done
check "the gateway runs with the unit's ExecStart ($exec_start), User=$user and $env_file: /healthz 200" $ok
[ $ok = 0 ] || sed 's/^/# gateway: /' "$work/gateway.log"
kill "$gateway_pid" 2>/dev/null
wait "$gateway_pid" 2>/dev/null
check "it exits 0 on SIGTERM" $?
gateway_pid=

DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq pg-ot-gateway postgresql-15-pg-ot >"$work/purge.log" 2>&1 &&
	! [ -e /usr/bin/pg_ot_gateway ] && ! [ -e /etc/pg_ot/gateway.env ]
check "apt-get purge removes both packages and the environment file" $?

echo "# deb: $((n - failed)) of $n passed"
[ $failed = 0 ]
