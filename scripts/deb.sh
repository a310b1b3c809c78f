#!/usr/bin/env bash
# Builds the Debian packages postgresql-15-pg-ot and pg-ot-gateway from the
# files git knows (committed or not, never node_modules or build output),
# with dpkg-buildpackage in a copy of the tree, so that the working tree
# stays as it is.
#
#   scripts/deb.sh [OUTDIR]    the .deb, .changes and .buildinfo files go to
#                              OUTDIR (default deb/); prints the .changes path
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-deb}")
build=$(mktemp -d "${TMPDIR:-/tmp}/pg_ot_deb.XXXXXX")
trap 'rm -rf "$build"' EXIT

mkdir -p "$build/src" "$out"
git ls-files --cached --others --exclude-standard | grep -v '/node_modules/' |
	while read -r f; do [ -e "$f" ] && printf '%s\n' "$f"; done |
	tar -cf - -T - | tar -xf - -C "$build/src"
# The build's pg_virtualenv picks its own port and host: a PGPORT left by
# the caller (make check's throwaway cluster) could name another server.
(cd "$build/src" && env -u PGPORT -u PGHOST -u PGHOSTADDR -u PGDATABASE -u PGUSER -u PGSERVICE \
	dpkg-buildpackage -us -uc -b) >"$build/build.log" 2>&1 || {
	tail -60 "$build/build.log" >&2
	echo "deb: dpkg-buildpackage failed" >&2
	exit 1
}
cp "$build"/*.deb "$build"/*.changes "$build"/*.buildinfo "$out/"
ls "$out"/*.changes
