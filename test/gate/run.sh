#!/usr/bin/env bash
# Builds and runs the delivery gate's property test (gate_test.c) under
# ASan and UBSan: test/gate/run.sh [TRIALS [SEED]].  Exit 0 when every
# trial held.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(mktemp -d /tmp/pg_ot_gate_test.XXXXXX)
trap 'rm -rf "$build"' EXIT
gw="$root/gateway"
${CC:-cc} -std=gnu99 -g -O1 -Wall -Wextra -Wno-unused-parameter -Werror -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer -I"$gw" -I"$(pg_config --includedir)" \
	-o "$build/gate_test" "$here/gate_test.c" "$gw/docs/gate.c" "$gw/base/table.c" "$gw/base/alloc.c" "$gw/base/frame.c" \
	-ljansson -lwebsockets
ASAN_OPTIONS=detect_leaks=1 "$build/gate_test" "$@"
