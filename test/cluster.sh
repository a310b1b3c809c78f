#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suites.
#
#   eval "$(test/cluster.sh start DIR [PORT])"   initdb + start; prints PG* exports
#                                                 (a DIR with a cluster: start it again)
#   test/cluster.sh stop DIR                      stop it (the caller removes DIR)
#
# fsync is off unless FSYNC=on (durable commits, for benchmarks).
#
# The cluster listens only on a Unix socket inside DIR, so it never clashes
# with another server.  PostgreSQL refuses to run as root; as root the
# cluster belongs to the "postgres" system user.
set -euo pipefail

action=$1
dir=$(realpath -m "$2")
port=${3:-54329}
fsync=${FSYNC:-off}
bindir=$(pg_config --bindir)

as_owner() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

case $action in
start)
	mkdir -p "$dir"
	[ "$(id -u)" = 0 ] && chown postgres: "$dir"
	[ -d "$dir/data" ] ||
		as_owner "$bindir/initdb" -D "$dir/data" -U postgres -A trust \
			--encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; exit 1; }
	as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
		-o "-p $port -k $dir -c listen_addresses='' -c fsync=$fsync" start >/dev/null ||
		{ cat "$dir/server.log" >&2; exit 1; }
	echo "export PGHOST=$dir PGPORT=$port PGUSER=postgres PGDATABASE=postgres"
	;;
stop)
	as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
	;;
*)
	echo "usage: $0 start|stop DIR [PORT]" >&2
	exit 2
	;;
esac
