#!/usr/bin/env bash
# The PGXN distribution: scripts/dist.sh makes pg_ot-VERSION.zip (META.json
# validated against the PGXN Meta Spec first); the archive holds everything
# under pg_ot-VERSION/, META.json validates against its own tree (the files
# it names are in it, its version is the control file's), and the extension
# and the gateway build from the unpacked archive alone.
set -uo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d "${TMPDIR:-/tmp}/pg_ot_dist.XXXXXX")
trap 'rm -rf "$work"' EXIT
version=$(sed -n "s/^default_version = '\(.*\)'/\1/p" extension/pg_ot.control)
n=0 failed=0
check() {
	n=$((n + 1))
	if [ "$2" = 0 ]; then echo "ok $n - $1"; else echo "not ok $n - $1"; failed=$((failed + 1)); fi
}

zip=$(scripts/dist.sh "$work")
check "scripts/dist.sh: META.json valid, $(basename "${zip:-none}") written" $?
python3 - "$zip" "pg_ot-$version/" "$work" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = z.namelist()
bad = [n for n in names if not n.startswith(sys.argv[2])]
if bad or sys.argv[2] + "META.json" not in names:
    sys.exit("archive: outside %s or no META.json: %s" % (sys.argv[2], bad[:5]))
z.extractall(sys.argv[3])
PY
check "every file is under pg_ot-$version/, META.json among them" $?
node test/dist/validate_meta.js "$work/pg_ot-$version/META.json" --tree "$work/pg_ot-$version"
check "META.json validates against the unpacked archive (files it names, version $version)" $?
make -s -C "$work/pg_ot-$version" all WERROR=-Werror >"$work/build.log" 2>&1
check "the extension and the gateway build from the archive alone (-Werror)" $?
[ $failed = 0 ] || tail -20 "$work/build.log"
echo "# dist: $((n - failed)) of $n passed"
[ $failed = 0 ]
