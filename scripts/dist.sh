#!/usr/bin/env bash
# The PGXN source distribution: pg_ot-VERSION.zip of the committed tree (git
# archive of HEAD, so nothing uncommitted or ignored goes in), everything
# under the folder pg_ot-VERSION/, after META.json passed
# test/dist/validate_meta.js.
#
#   scripts/dist.sh [OUTDIR]    writes OUTDIR/pg_ot-VERSION.zip (default dist/)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-dist}
version=$(sed -n "s/^default_version = '\(.*\)'/\1/p" extension/pg_ot.control)
node test/dist/validate_meta.js META.json --tree .
mkdir -p "$out"
git archive --format=zip --prefix="pg_ot-$version/" -o "$out/pg_ot-$version.zip" HEAD
echo "$out/pg_ot-$version.zip"
