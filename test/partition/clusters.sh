#!/usr/bin/env bash
# Partitions for the tests: N PostgreSQL instances with pg_ot and a router
# instance with PL/Proxy and pg_ot_router (README "Partitions").
#
#   eval "$(test/partition/clusters.sh start DIR N [BASEPORT])"
#        DIR/router (port BASEPORT) and DIR/p0 .. DIR/p(N-1) (ports
#        BASEPORT+1+i), each made by test/cluster.sh; database pg_ot with
#        pg_ot on each partition, the same ot.secrets on all (a gateway
#        reads its keys from one and verifies every partition's
#        notifications with them); database pg_ot_router with pg_ot_router
#        on the router, its cluster pg_ot the partitions.  N a power of two.
#        A DIR made before: started again as it was (N and BASEPORT ignored).
#        Prints the exports below.
#   test/partition/clusters.sh env DIR        the exports again
#   test/partition/clusters.sh stop DIR       stops every instance (the caller removes DIR)
#   test/partition/clusters.sh stop-partition DIR I [fast|immediate]
#   test/partition/clusters.sh start-partition DIR I
#   eval "$(test/partition/clusters.sh double DIR)"
#        N to 2N with the gateways drained: partition p+N becomes a copy of
#        p (each stopped, its data folder copied), each of the pair purges
#        the other's documents (ot.purge_foreign_documents), the router's
#        cluster gets the 2N conninfos.  Prints the new exports.
#
# Exports: PARTITIONS=N, PARTITION_CONNINFO_0 .. PARTITION_CONNINFO_(N-1),
# ROUTER_CONNINFO (conninfos as user postgres, a superuser), PARTITION_HOST_i
# and PARTITION_PORT_i (the socket folder and port of partition i),
# ROUTER_HOST, ROUTER_PORT, PARTITION_DATABASE=pg_ot, ROUTER_DATABASE=pg_ot_router.
# CLUSTER_TCP=1 (test/cluster.sh) makes the instances listen on TCP
# 127.0.0.1 too, on the same ports; the conninfos still name the Unix sockets.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$(pg_config --bindir):$PATH"

action=${1:-}
dir=$(realpath -m "${2:-}")
partdb=pg_ot
routerdb=pg_ot_router

die() { echo "clusters.sh: $*" >&2; exit 1; }
port_of() { cat "$dir/$1/port"; }
conninfo() { echo "host=$dir/$1 port=$(port_of "$1") dbname=$2"; }
psql_on() {								# psql_on INSTANCE DB ARGS...
	local inst=$1 db=$2; shift 2
	psql -X -q -v ON_ERROR_STOP=1 -h "$dir/$inst" -p "$(port_of "$inst")" -U postgres -d "$db" "$@"
}
partitions() { cat "$dir/partitions"; }
as_owner() {								# as test/cluster.sh runs PostgreSQL
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# test/cluster.sh start, keeping the port it chose.
start_instance() {							# start_instance NAME PORT
	local env
	env=$(test/cluster.sh start "$dir/$1" "$2") || exit 1
	sed -n 's/.*PGPORT=\([0-9]*\).*/\1/p' <<<"$env" >"$dir/$1/port"
}

# The router's cluster pg_ot: the partitions' conninfos without a user, so
# that PL/Proxy connects as each caller's role.
define_cluster() {
	local n=$1 list="" i
	for i in $(seq 0 $((n - 1))); do
		list+="${list:+,}'$(conninfo "p$i" "$partdb")'"
	done
	psql_on router "$routerdb" -c "SELECT ot.set_partitions(ARRAY[$list])" >/dev/null
}

print_env() {
	local n i
	n=$(partitions)
	echo "export PARTITIONS=$n PARTITION_DATABASE=$partdb ROUTER_DATABASE=$routerdb"
	for i in $(seq 0 $((n - 1))); do
		echo "export PARTITION_CONNINFO_$i='$(conninfo "p$i" "$partdb") user=postgres' PARTITION_HOST_$i=$dir/p$i PARTITION_PORT_$i=$(port_of "p$i")"
	done
	echo "export ROUTER_CONNINFO='$(conninfo router "$routerdb") user=postgres'"
	echo "export ROUTER_HOST=$dir/router ROUTER_PORT=$(port_of router)"
}

power_of_two() { [[ $1 =~ ^[0-9]+$ ]] && [ "$1" -ge 1 ] && [ $(($1 & ($1 - 1))) = 0 ]; }

case $action in
start)
	if [ -f "$dir/partitions" ]; then
		n=$(partitions)
		start_instance router "$(port_of router)"
		for i in $(seq 0 $((n - 1))); do start_instance "p$i" "$(port_of "p$i")"; done
		print_env
		exit 0
	fi
	n=${3:-}
	base=${4:-54330}
	power_of_two "$n" || die "N must be a power of two, not '$n'"
	mkdir -p "$dir"
	start_instance router "$base"
	for i in $(seq 0 $((n - 1))); do
		start_instance "p$i" $((base + 1 + i))
		psql_on "p$i" postgres -c "CREATE DATABASE $partdb"
		psql_on "p$i" "$partdb" -c "SET client_min_messages = warning" -c "CREATE EXTENSION pg_ot"
	done
	# Every partition has p0's keys.
	secrets=$(psql_on p0 "$partdb" -At -c \
		"SELECT string_agg(format('(%L, %L)', purpose, encode(secret, 'hex')), ',') FROM ot.secrets")
	for i in $(seq 1 $((n - 1))); do
		psql_on "p$i" "$partdb" -c "UPDATE ot.secrets s SET secret = decode(k.hex, 'hex')
			FROM (VALUES $secrets) AS k(purpose, hex) WHERE s.purpose = k.purpose"
	done
	psql_on router postgres -c "CREATE DATABASE $routerdb"
	psql_on router "$routerdb" -c "SET client_min_messages = warning" -c "CREATE EXTENSION pg_ot_router CASCADE"
	echo "$n" >"$dir/partitions"
	echo "$base" >"$dir/baseport"
	define_cluster "$n"
	print_env
	;;
env)
	print_env
	;;
stop)
	[ -f "$dir/partitions" ] || exit 0
	status=0
	for i in $(seq 0 $(($(partitions) - 1))); do
		test/cluster.sh stop "$dir/p$i" 2>/dev/null || status=1
	done
	test/cluster.sh stop "$dir/router" 2>/dev/null || status=1
	exit $status
	;;
stop-partition)
	as_owner pg_ctl -D "$dir/p$3/data" -m "${4:-fast}" -w stop >/dev/null
	;;
start-partition)
	start_instance "p$3" "$(port_of "p$3")"
	;;
double)
	n=$(partitions)
	base=$(cat "$dir/baseport")
	for p in $(seq 0 $((n - 1))); do
		q=$((p + n))
		[ ! -e "$dir/p$q" ] || die "$dir/p$q exists"
		# A clean shutdown, so the copy needs no recovery.
		test/cluster.sh stop "$dir/p$p"
		mkdir -p "$dir/p$q"
		cp -a "$dir/p$p/data" "$dir/p$q/data"
		rm -f "$dir/p$q/data/postmaster.pid" "$dir/p$q/data/postmaster.opts"
		start_instance "p$p" "$(port_of "p$p")"
		start_instance "p$q" $((base + 1 + q))
	done
	for p in $(seq 0 $((2 * n - 1))); do
		gone=$(psql_on "p$p" "$partdb" -At -c "SELECT ot.purge_foreign_documents($p, $((2 * n)))")
		echo "clusters.sh: partition $p of $((2 * n)): $gone documents purged (the other copy's)" >&2
	done
	echo $((2 * n)) >"$dir/partitions"
	define_cluster $((2 * n))
	print_env
	;;
*)
	echo "usage: $0 start DIR N [BASEPORT] | env DIR | stop DIR | stop-partition DIR I [MODE] | start-partition DIR I | double DIR" >&2
	exit 2
	;;
esac
