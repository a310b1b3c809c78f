#!/usr/bin/env bash
# Shows that the gateway suite can fail: runs it against the reference
# server broken in each way sabotage.js knows, and checks that every run
# fails, printing the tests that failed.  Exit 0 when every sabotage was
# caught.  (Not part of make check: it takes a few minutes.)
set -uo pipefail
cd "$(dirname "$0")"
missed=0
for s in $(node -p 'require("./sabotage").KNOWN.join(" ")'); do
	out=$(TARGET=reference SABOTAGE=$s WAIT_MS=${WAIT_MS:-4000} ./run.sh 2>&1)
	status=$?
	failed=$(grep -E '^✖ ' <<<"$out" | grep -v '^✖ failing tests:' | sed 's/ ([0-9.]*ms)$//' | sort -u)
	if [ $status = 1 ] && [ -n "$failed" ]; then
		echo "caught $s: $(wc -l <<<"$failed") tests failed"
		sed 's/^/    /' <<<"$failed"
	else
		echo "MISSED $s (exit $status)"
		missed=$((missed + 1))
	fi
done
[ $missed = 0 ]
