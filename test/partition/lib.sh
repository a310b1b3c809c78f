# Sourced by the partition tests (router.sh, grow.sh): a throwaway set of
# partition instances and a router (clusters.sh), the checks, and psql on
# any of them.
#
#   partition_test_start NAME N PORT   N partitions + the router from PORT on;
#                                      c is their folder, tmp a scratch one
#   q WHERE USER SQL                   WHERE is router, p0, p1, ...; errors on stderr
#   check NAME WANT GOT, ok NAME, fail NAME; failed is 1 after a failure
#   partition_test_end NAME            its summary line; exits 0 or 1
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export PATH="$(pg_config --bindir):$PATH"

failed=0
ok() { echo "  ok - $1"; }
fail() { echo "  not ok - $1" >&2; failed=1; }
check() {									# check NAME WANT GOT
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: wanted '$2', got '$3'"; fi
}

partition_test_start() {
	local env
	tmp=$(mktemp -d "/tmp/pg_ot_$1.XXXXXX")
	chmod 755 "$tmp"
	trap 'test/partition/clusters.sh stop "$tmp/c" 2>/dev/null; rm -rf "$tmp"' EXIT
	env=$(test/partition/clusters.sh start "$tmp/c" "$2" "$3") ||
		{ echo "$1: FAILED: clusters did not start" >&2; exit 1; }
	eval "$env"
	c=$tmp/c
}

q() {
	local db=$PARTITION_DATABASE
	[ "$1" = router ] && db=$ROUTER_DATABASE
	PGOPTIONS="-c client_min_messages=warning" psql -XAtq -v ON_ERROR_STOP=1 -h "$c/$1" -p "$(cat "$c/$1/port")" \
		-U "$2" -d "$db" -c "$3"
}

partition_test_end() {
	if [ $failed = 0 ]; then echo "partition $1: all passed"; else echo "partition $1: FAILED" >&2; fi
	exit $failed
}
