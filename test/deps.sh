#!/usr/bin/env bash
# Installs what the build and the test suites need and the machine lacks:
# Debian packages with apt-get (as root), npm packages from package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

#   test/deps.sh        everything (make check, bench, fuzz)
#   test/deps.sh run    what make run needs: no test tools, no browser
packages=(make gcc postgresql-15 postgresql-server-dev-15 libpq-dev libjansson-dev libwebsockets-dev libjwt-dev)
# libuv1-dev and libwebsockets-evlib-uv: test/bench/loadgen.c runs lws on a libuv loop.
[ "${1:-}" = run ] || packages+=(clang libclang-rt-14-dev postgresql-15-pgtap pgtap chromium openssl curl
	debhelper dpkg-dev postgresql-server-dev-all lintian help2man libuv1-dev libwebsockets-evlib-uv
	postgresql-15-auto-failover postgresql-15-cron postgresql-15-plproxy)
# make run PARTITIONS=N: the router is PL/Proxy.
[ "${1:-}" = run ] && [ -n "${PARTITIONS:-}" ] && packages+=(postgresql-15-plproxy)
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "deps: missing Debian packages: ${missing[*]}; install them as root" >&2
		exit 1
	fi
	echo "deps: installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
fi

# The JavaScript references, the demo page's packages and the test drivers,
# pinned by each package-lock.json.  Playwright drives Debian's chromium:
# it never downloads a browser.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
dirs=(gateway/www)
[ "${1:-}" = run ] || dirs+=(test/differential test/bench test/convergence test/gateway test/browser test/soak)
for dir in "${dirs[@]}"; do
	[ -f "$dir/package-lock.json" ] || continue
	if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
		(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
		touch "$dir/node_modules"
	fi
done
