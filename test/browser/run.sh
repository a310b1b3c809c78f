#!/usr/bin/env bash
# The demo page in a real browser: Debian's chromium driven by playwright-core
# (never a downloaded browser), against gateway/pg_ot_gateway serving
# gateway/www/dist (built by gateway/www/build.sh when missing or out of
# date) on a throwaway cluster.  The tests start, stop and restart the gateway
# themselves (tests/*.test.js); screenshots go to artifacts/ (two-pages.png,
# and the pages of a test that failed, with the gateway log).  ShareDB's own
# textarea and counter examples (examples/) run against the gateway and
# against a ShareDB server (tests/examples.test.js), and so does its
# leaderboard example, from the npm package sharedb@1.8.1
# (tests/leaderboard.test.js).
#
#   test/browser/run.sh [node --test options] [tests/FILE.test.js ...]
#
# Environment: GATEWAY_BIN (default gateway/pg_ot_gateway), CHROMIUM
# (default /usr/bin/chromium), WAIT_MS (how long a wait may last, default
# 30000).  Ports: the cluster BROWSER_PG_PORT (default 54800; a Unix socket
# in its own directory), the gateway the first free port in BROWSER_PORTS
# (LO-HI, default 54810-54819), the next free one a proxy that serves the page
# with a stricter Content-Security-Policy, the next the reference ShareDB
# server of tests/examples.test.js (and the leaderboard example's own
# server/index.js, its port 8080 redirected there by lib/listen-port.js).
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
mkdir -p artifacts
rm -f artifacts/failed-*.png artifacts/gateway.log
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null ||
		die "npm ci failed in $here"
	touch node_modules
fi
# The page is built when dist/ is missing or older than what it is built from.
www=$root/gateway/www
if [ ! -f "$www/dist/index.html" ] ||
	[ -n "$(find "$www/src" "$www/package-lock.json" "$www/build.sh" -newer "$www/dist/index.html" -print -quit)" ]; then
	"$www/build.sh" >"$here/artifacts/build.log" 2>&1 ||
		{ cat "$here/artifacts/build.log" >&2; die "the demo page did not build (gateway/www/build.sh)"; }
fi
export WWW="$www/dist"

pg_port=${BROWSER_PG_PORT:-54800}
port_range=${BROWSER_PORTS:-54810-54819}
[[ $pg_port =~ ^[0-9]+$ ]] || die "BROWSER_PG_PORT must be a port number"
[[ $port_range =~ ^([0-9]+)-([0-9]+)$ ]] || die "BROWSER_PORTS must be LO-HI"
port_lo=${BASH_REMATCH[1]} port_hi=${BASH_REMATCH[2]}

work=$(mktemp -d /tmp/pg_ot_browser.XXXXXX)
chmod 755 "$work"
cluster="$work/pg"
# The tests write the pid of the gateway they run here: one left behind by
# a test run that crashed is stopped with the cluster.
export GATEWAY_PIDFILE="$work/gateway.pid"
cleanup() {
	if [ -s "$GATEWAY_PIDFILE" ]; then
		pid=$(cat "$GATEWAY_PIDFILE")
		if kill -0 "$pid" 2>/dev/null && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$(readlink -f "$GATEWAY_BIN")" ]; then
			kill -TERM "$pid"
			for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
			kill -KILL "$pid" 2>/dev/null
		fi
	fi
	"$root/test/cluster.sh" stop "$cluster" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ShareDB's textarea and counter examples (examples/, their client code as
# sharedb ships it), bundled the way their package.json does with browserify:
# esbuild, with browserify's `global` (the counter assigns global.increment).
export EXAMPLES="$work/examples"
for ex in textarea counter; do
	mkdir -p "$EXAMPLES/$ex/dist"
	cp "$here/examples/$ex/index.html" "$EXAMPLES/$ex/"
	npx --no-install esbuild "$here/examples/$ex/client.js" --bundle --target=es2020 --define:global=window \
		--external:util --log-level=warning --outfile="$EXAMPLES/$ex/dist/bundle.js" >"$work/examples-build.log" 2>&1 ||
		{ cat "$work/examples-build.log" >&2; die "ShareDB's $ex example did not build"; }
done
# ShareDB's leaderboard example as the npm package sharedb@1.8.1 ships it
# (examples/leaderboard/ of its tarball, installed as the alias
# sharedb-leaderboard-example), copied whole to $LEADERBOARD: its
# client/index.jsx bundled unchanged as its package.json's `browserify -t
# [ babelify --presets [ react ] ]` would (esbuild's JSX loader, classic
# React.createElement), into the copy's static/dist/bundle.js.  NODE_PATH
# resolves its require()s from here: sharedb/lib/client is sharedb 7.0.0
# (the stock client under test), react 16, ...; its server/index.js runs
# from the copy with the same NODE_PATH (tests/leaderboard.test.js).
export LEADERBOARD="$work/leaderboard" LEADERBOARD_NODE_PATH="$here/node_modules"
cp -R "$here/node_modules/sharedb-leaderboard-example/examples/leaderboard" "$LEADERBOARD" ||
	die "no leaderboard example in node_modules/sharedb-leaderboard-example (npm ci)"
mkdir -p "$LEADERBOARD/static/dist"
NODE_PATH="$LEADERBOARD_NODE_PATH" npx --no-install esbuild "$LEADERBOARD/client/index.jsx" --bundle --target=es2020 \
	--loader:.jsx=jsx --jsx=transform --define:global=window --external:util --log-level=warning \
	--outfile="$LEADERBOARD/static/dist/bundle.js" >"$work/examples-build.log" 2>&1 ||
	{ cat "$work/examples-build.log" >&2; die "ShareDB's leaderboard example did not build"; }
env_out=$("$root/test/cluster.sh" start "$cluster" "$pg_port") || die "the throwaway cluster did not start"
eval "$env_out"
psql -Xq -v ON_ERROR_STOP=1 >"$work/psql.log" 2>&1 <<'SQL' || { cat "$work/psql.log" >&2; die "setting up pg_ot failed"; }
CREATE EXTENSION pg_ot;
CREATE ROLE ot_demo_gateway LOGIN IN ROLE ot_gateway;
SELECT ot.grant('demo', NULL, 'anonymous', 'write');
-- ShareDB's examples edit collection 'examples' with no token.
SELECT ot.grant('examples', NULL, 'anonymous', 'write');
-- ShareDB's leaderboard example: its players, with no token.
SELECT ot.grant('players', NULL, 'anonymous', 'write');
SQL
export GATEWAY_DB="host=$cluster port=$pg_port dbname=postgres user=ot_demo_gateway"
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# The gateway's port, one for the tests' CSP-rewriting proxy and one for the
# reference ShareDB server of the examples' test.
ports=()
for p in $(seq "$port_lo" "$port_hi"); do
	port_free "$p" && ports+=("$p")
	[ ${#ports[@]} = 3 ] && break
done
[ ${#ports[@]} = 3 ] || die "no three free ports in $port_range"
export GATEWAY_PORT=${ports[0]} PROXY_PORT=${ports[1]} REFERENCE_PORT=${ports[2]}
export GATEWAY_LOG="$work/gateway.log"

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
	cp "$GATEWAY_LOG" artifacts/gateway.log
	echo "# last lines of the gateway log (all of it: $here/artifacts/gateway.log):"
	tail -n 20 "$GATEWAY_LOG" | sed 's/^/#   /'
fi
[ $status = 0 ] || echo "# screenshots of the pages of failed tests: $here/artifacts/"
exit $status
