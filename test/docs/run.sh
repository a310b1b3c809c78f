#!/usr/bin/env bash
# Builds and runs the property test of gateway/docs/ (docs_test.c, driving
# docs_sim.c) under ASan and UBSan, linked with docs/ and base/ and fakes of
# the layers below: test/docs/run.sh [TRIALS [SEED]].  Exit 0 when every
# trial held.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(mktemp -d /tmp/pg_ot_docs_test.XXXXXX)
trap 'rm -rf "$build"' EXIT
gw="$root/gateway"
${CC:-cc} -std=gnu99 -g -O1 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Werror \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
	-I"$gw" -I"$here" -I"$(pg_config --includedir)" -o "$build/docs_test" "$here/docs_test.c" "$here/docs_sim.c" \
	"$gw"/docs/*.c "$gw/db/partitions.c" "$gw/base/table.c" "$gw/base/alloc.c" "$gw/base/frame.c" "$gw/base/metrics.c" \
	-L"$(pg_config --libdir)" -lpq -ljansson -lwebsockets
ASAN_OPTIONS=detect_leaks=1 "$build/docs_test" "$@"
