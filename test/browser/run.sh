#!/usr/bin/env bash
# The demo page in a real browser: Debian's chromium driven by playwright-core
# (never a downloaded browser), against gateway/pg_ot_gateway serving
# gateway/www/dist on a throwaway cluster.  The tests start, stop and restart
# the gateway themselves (tests/*.test.js); screenshots go to artifacts/.
#
#   test/browser/run.sh [node --test options] [tests/FILE.test.js ...]
#
# Environment: GATEWAY_BIN (default gateway/pg_ot_gateway), CHROMIUM
# (default /usr/bin/chromium), WAIT_MS (how long a wait may last, default
# 30000).  Ports: cluster 54800 (a Unix socket in its own directory), the
# gateway the first free port in 54810-54819.
#
# Exit status: 0 passed, 1 a test failed, 2 the tests could not run.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$here"
export PATH="$(pg_config --bindir 2>/dev/null || echo /usr/bin):$PATH"
die() { echo "browser tests: $*" >&2; exit 2; }

export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || die "no chromium at $CHROMIUM (apt-get install chromium)"
export GATEWAY_BIN=${GATEWAY_BIN:-$root/gateway/pg_ot_gateway}
[ -x "$GATEWAY_BIN" ] || die "no gateway binary at $GATEWAY_BIN (make)"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null ||
		die "npm ci failed in $here"
	touch node_modules
fi
"$root/gateway/www/build.sh" >/dev/null || die "the demo page did not build (gateway/www/build.sh)"
export WWW="$root/gateway/www/dist"

work=$(mktemp -d /tmp/pg_ot_browser.XXXXXX)
chmod 755 "$work"
cluster="$work/pg"
cleanup() {
	"$root/test/cluster.sh" stop "$cluster" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

env_out=$("$root/test/cluster.sh" start "$cluster" 54800) || die "the throwaway cluster did not start"
eval "$env_out"
psql -Xq -v ON_ERROR_STOP=1 >"$work/psql.log" 2>&1 <<'SQL' || { cat "$work/psql.log" >&2; die "setting up pg_ot failed"; }
CREATE EXTENSION pg_ot;
CREATE ROLE ot_demo_gateway LOGIN IN ROLE ot_gateway;
SELECT ot.grant('demo', NULL, 'anonymous', 'write');
SQL
export GATEWAY_DB="host=$cluster port=54800 dbname=postgres user=ot_demo_gateway"
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in $(seq 54810 54819); do
	if port_free "$p"; then export GATEWAY_PORT=$p; break; fi
done
[ -n "${GATEWAY_PORT:-}" ] || die "no free port in 54810-54819"
export GATEWAY_LOG="$work/gateway.log"
mkdir -p artifacts

args=()
files=()
for a in "$@"; do
	case $a in
	-*) args+=("$a") ;;
	*) files+=("$a") ;;
	esac
done
[ ${#files[@]} -gt 0 ] || files=(tests/*.test.js)
node --test --test-concurrency=1 --test-force-exit --test-reporter=spec "${args[@]}" "${files[@]}"
status=$?
if [ $status != 0 ] && [ -f "$GATEWAY_LOG" ]; then
	echo "# last lines of the gateway log:"
	tail -n 20 "$GATEWAY_LOG" | sed 's/^/#   /'
fi
exit $status
