#!/usr/bin/env bash
# Installs what the build and the test suites need and the machine lacks:
# Debian packages with apt-get (as root), npm packages from package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(make gcc clang libclang-rt-14-dev postgresql-15 postgresql-server-dev-15
	libpq-dev libjansson-dev libwebsockets-dev postgresql-15-pgtap pgtap)
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

# The JavaScript references, pinned by each package-lock.json.
for dir in test/differential test/bench test/convergence test/gateway; do
	[ -f "$dir/package-lock.json" ] || continue
	if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
		(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
		touch "$dir/node_modules"
	fi
done
