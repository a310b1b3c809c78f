#!/usr/bin/env bash
# Builds the libFuzzer harnesses of the OT core and of the gateway's message
# parsing and handshake token checks, and runs each for FUZZ_SECONDS seconds
# (default 60; 20 when FUZZ_SMOKE=1, as make check does).
#
#   test/fuzz/run.sh                      # 60 s per harness
#   FUZZ_SECONDS=600 test/fuzz/run.sh     # or: make fuzz FUZZ_SECONDS=600
#   FUZZ_SMOKE=1 test/fuzz/run.sh         # short run for make check
#   test/fuzz/run.sh fuzz_utf8            # only the named harnesses
#   FUZZ_CFLAGS=-DFUZZ_MAX_COMPONENTS=512 test/fuzz/run.sh   # extra compiler flags
#
# Builds into test/fuzz/build/ and keeps corpora in test/fuzz/corpus/<name>
# (both gitignored); a harness's committed seeds test/fuzz/seeds/<name>/ and
# dictionary test/fuzz/<name>.dict, if it has them, are read too.  Exits
# non-zero if a harness fails to build or crashes; the crashing input is left
# in test/fuzz/build/ as crash-<sha1>.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
core="$root/extension/ot"
build="$here/build"

if [ "${FUZZ_SMOKE:-0}" = 1 ]; then
	seconds=${FUZZ_SECONDS:-20}
else
	seconds=${FUZZ_SECONDS:-60}
fi
case "$seconds" in
	'' | *[!0-9]*) echo "run.sh: FUZZ_SECONDS must be a whole number of seconds, not '$seconds'" >&2; exit 2 ;;
esac

CC=${FUZZ_CC:-}
if [ -z "$CC" ]; then
	for c in clang clang-14; do
		if command -v "$c" >/dev/null 2>&1; then CC=$c; break; fi
	done
fi
if [ -z "$CC" ]; then
	echo "run.sh: clang is required (apt-get install clang libclang-rt-14-dev)" >&2
	exit 1
fi

harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
	harnesses=(fuzz_text_unicode fuzz_rich_text fuzz_json0 fuzz_utf8 fuzz_gateway_request fuzz_gateway_token
		fuzz_gateway_notification fuzz_docs)
fi

mkdir -p "$build"
sanitizers='address,undefined'
common=(-g -O1 -std=gnu99 -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare
	-fno-sanitize-recover=all -I"$core")
read -ra extra <<<"${FUZZ_CFLAGS:-}"
common+=("${extra[@]}")
cflags=("${common[@]}" "-fsanitize=fuzzer,$sanitizers")
sources=("$core/ot_alloc.c" "$core/text_unicode.c" "$core/rich_text.c" "$core/attribute_map.c" "$core/compose_all.c"
	"$core/json_value.c" "$core/ot_error.c" "$core/json0.c" "$core/json0_subtype.c" "$core/json0_json.c" "$core/text0.c"
	"$core/js_number.c")

for h in "${harnesses[@]}"; do
	if [ ! -f "$here/$h.c" ]; then
		echo "run.sh: no harness $here/$h.c" >&2
		exit 2
	fi
	echo "== building $h"
	if [ "$h" = fuzz_docs ]; then
		# gateway/docs/ with base/ under test/docs/docs_sim.c's fakes of the
		# layers below (the same driver as test/docs/run.sh); libpq builds
		# the fake results, jansson and lws (lists only) come from the system.
		if ! "$CC" "${cflags[@]}" -Wno-missing-field-initializers -I"$root/gateway" -I"$root/test/docs" \
			-I"$(pg_config --includedir)" -o "$build/$h" "$here/$h.c" "$root/test/docs/docs_sim.c" \
			"$root"/gateway/docs/*.c "$root/gateway/db/partitions.c" "$root/gateway/base/table.c" "$root/gateway/base/alloc.c" \
			"$root/gateway/base/frame.c" "$root/gateway/base/metrics.c" \
			-L"$(pg_config --libdir)" -lpq -ljansson -lwebsockets; then
			echo "run.sh: $h failed to build" >&2
			exit 1
		fi
		continue
	fi
	if [[ $h == fuzz_gateway_* ]]; then
		# gateway/<layer>/<name>.c (and what it needs of the gateway's base: the
		# notification harness takes secrets.c and alloc.c): jansson, libjwt
		# and OpenSSL (for the RS256 key the token harness makes, and HMAC)
		# come from the system, uninstrumented.
		unit=${h#fuzz_gateway_}
		gateway_sources=("$(ls "$root"/gateway/*/"$unit.c")")
		[ "$h" = fuzz_gateway_notification ] &&
			gateway_sources+=("$root/gateway/base/secrets.c" "$root/gateway/base/alloc.c")
		if ! "$CC" "${cflags[@]}" -I"$root/gateway" -o "$build/$h" "$here/$h.c" \
			"${gateway_sources[@]}" -ljansson -ljwt -lcrypto; then
			echo "run.sh: $h failed to build" >&2
			exit 1
		fi
		continue
	fi
	# utf8.c walks every byte of every document many times per input; its
	# comparisons are not traced (edge coverage stays), which doubles the
	# speed of fuzz_text_unicode.  fuzz_utf8 traces it fully.
	utf8_flags=("${cflags[@]}")
	if [ "$h" != fuzz_utf8 ]; then
		utf8_flags=("${common[@]}" "-fsanitize=$sanitizers"
			"-fsanitize-coverage=inline-8bit-counters,pc-table")
	fi
	if ! "$CC" "${utf8_flags[@]}" -c -o "$build/$h.utf8.o" "$core/utf8.c" ||
		! "$CC" "${cflags[@]}" -o "$build/$h" "$here/$h.c" "${sources[@]}" "$build/$h.utf8.o"; then
		echo "run.sh: $h failed to build" >&2
		exit 1
	fi
done

status=0
for h in "${harnesses[@]}"; do
	corpus="$here/corpus/$h"
	log="$build/$h.log"
	mkdir -p "$corpus"
	inputs=("$corpus")
	[ -d "$here/seeds/$h" ] && inputs+=("$here/seeds/$h")
	options=()
	[ -f "$here/$h.dict" ] && options+=(-dict="$here/$h.dict")
	echo "== running $h for $seconds s (corpus $corpus)"
	rc=0
	(cd "$build" && ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
		UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
		"./$h" -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 \
		"${options[@]}" "${inputs[@]}") >"$log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		# Show the report: the property message or sanitizer output.
		grep -n -A40 -m1 -E 'PROPERTY FAILED|ERROR: (Address|Leak)Sanitizer|runtime error|deadly signal|ERROR: libFuzzer' "$log" >&2 || tail -n 60 "$log" >&2
		echo "run.sh: $h FAILED (exit $rc); log $log, crash input:" >&2
		ls "$build"/crash-* "$build"/leak-* "$build"/timeout-* "$build"/oom-* >&2 2>/dev/null || true
		status=1
		continue
	fi
	done_line=$(grep -E '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -n 1 || true)
	if [ -z "$done_line" ]; then
		tail -n 20 "$log" >&2
		echo "run.sh: $h did not report its final stats" >&2
		status=1
		continue
	fi
	echo "$h: $done_line"
done
exit $status
