#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suites.
#
#   eval "$(test/cluster.sh start DIR [PORT])"   initdb + start; prints PG* exports
#                                                 (a DIR with a cluster: start it again,
#                                                 on the same PORT, with the same settings)
#   test/cluster.sh stop DIR                      stop it (the caller removes DIR)
#
# fsync is off unless FSYNC=on (durable commits, for benchmarks).
#
# The cluster listens on a Unix socket inside DIR, so it never clashes with
# another server.  When it is made:
#   CLUSTER_TCP=1  it also listens on TCP 127.0.0.1; if PORT is taken there,
#                  on the first free one of the next 9 (PGPORT says which), and
#                  CLUSTER_TCP_HOST=127.0.0.1 is printed too
#   CLUSTER_SSL=1  the same with ssl=on: a certificate for 127.0.0.1 and
#                  localhost (subjectAltName) signed by a CA made here, whose
#                  certificate CLUSTER_SSL_ROOTCERT names (for sslrootcert= and
#                  sslmode=verify-full)
# PostgreSQL refuses to run as root; as root the cluster belongs to the
# "postgres" system user.
set -euo pipefail

action=$1
dir=$(realpath -m "$2")
port=${3:-54329}
fsync=${FSYNC:-off}
bindir=$(pg_config --bindir)
tcp=${CLUSTER_TCP:-0}
ssl=${CLUSTER_SSL:-0}
[ "$ssl" = 1 ] && tcp=1

as_owner() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A CA and a server certificate it signed, in DIR/tls (the key readable by the owner only).
make_certificates() {
	local t=$dir/tls
	mkdir -p "$t"
	{
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 7 \
			-subj "/CN=pg_ot test CA" -keyout "$t/root.key" -out "$t/root.crt" \
			-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-subj "/CN=127.0.0.1" -keyout "$t/server.key" -out "$t/server.csr" &&
		printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$t/ext" &&
		openssl x509 -req -in "$t/server.csr" -CA "$t/root.crt" -CAkey "$t/root.key" -CAcreateserial \
			-days 7 -extfile "$t/ext" -out "$t/server.crt"
	} >"$t/openssl.log" 2>&1 || { cat "$t/openssl.log" >&2; exit 1; }
	chmod 600 "$t/server.key" "$t/root.key"
	chmod 644 "$t/root.crt" "$t/server.crt"
	[ "$(id -u)" = 0 ] && chown -R postgres: "$t"
	return 0
}

case $action in
start)
	mkdir -p "$dir"
	[ "$(id -u)" = 0 ] && chown postgres: "$dir"
	if [ ! -d "$dir/data" ]; then
		as_owner "$bindir/initdb" -D "$dir/data" -U postgres -A trust \
			--encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
			{ cat "$dir/initdb.log" >&2; exit 1; }
		# What the cluster is made with stays in its configuration, for restarts.
		if [ "$tcp" = 1 ]; then
			echo "listen_addresses = '127.0.0.1'" >>"$dir/data/postgresql.conf"
			for p in $(seq "$port" $((port + 9))); do
				if port_free "$p"; then port=$p; break; fi
			done
			port_free "$port" || { echo "cluster.sh: no free TCP port in $port..$((port + 9))" >&2; exit 1; }
		else
			echo "listen_addresses = ''" >>"$dir/data/postgresql.conf"
		fi
		if [ "$ssl" = 1 ]; then
			make_certificates
			printf "ssl = on\nssl_cert_file = '%s'\nssl_key_file = '%s'\n" \
				"$dir/tls/server.crt" "$dir/tls/server.key" >>"$dir/data/postgresql.conf"
		fi
	fi
	as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
		-o "-p $port -k $dir -c fsync=$fsync" start >/dev/null ||
		{ cat "$dir/server.log" >&2; exit 1; }
	echo "export PGHOST=$dir PGPORT=$port PGUSER=postgres PGDATABASE=postgres"
	grep -q "^listen_addresses = '127.0.0.1'" "$dir/data/postgresql.conf" &&
		echo "export CLUSTER_TCP_HOST=127.0.0.1"
	[ -f "$dir/tls/root.crt" ] && echo "export CLUSTER_SSL_ROOTCERT=$dir/tls/root.crt"
	exit 0
	;;
stop)
	as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
	;;
*)
	echo "usage: $0 start|stop DIR [PORT]" >&2
	exit 2
	;;
esac
