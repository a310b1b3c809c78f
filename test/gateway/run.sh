#!/usr/bin/env bash
# End-to-end tests of the gateway with the stock sharedb client over ws
# (node:test files in tests/), against one of two targets:
#
#   TARGET=reference test/gateway/run.sh   a real ShareDB server (npm sharedb,
#                                          reference-server.js): checks the tests
#   TARGET=pg_ot test/gateway/run.sh       a throwaway cluster with pg_ot and two
#                                          gateway/pg_ot_gateway on it
#
#   test/gateway/run.sh [node --test options] [tests/FILE.test.js ...]
#     e.g. --test-name-pattern=presence
#
# Environment: TARGET (default reference); GATEWAY_PARTITIONS (pg_ot: N, a
# power of two, puts the documents on N partitions, separate PostgreSQL
# instances made by test/partition/clusters.sh, plus its router: the
# gateways get --partition for each, the tests' SQL goes through the
# router, and the files run by default are those of PARTITION_FILES below;
# cluster ports from PARTITION_BASEPORT, default 54460, the router first);
# GATEWAY_DB_VIA (pg_ot: how the
# gateways reach PostgreSQL: socket, the cluster's Unix socket (default); tcp,
# 127.0.0.1 with sslmode=disable; tls, 127.0.0.1 with sslmode=verify-full
# against a certificate the cluster made); GATEWAY_BIN (default
# gateway/pg_ot_gateway; gateway/pg_ot_gateway-asan runs it under ASan and
# UBSan, and any sanitizer report fails the run); SEED (random edits, default 1); WAIT_MS (how long a
# wait for the server may take, default 30000); SABOTAGE (reference only: a
# way to break the reference server on purpose, see reference-server.js; the
# run must then fail).
#
# pg_ot needs the extension installed (make install) and the gateway built.
# Ports: cluster 54480-54489 (a Unix socket inside its own directory, and
# 127.0.0.1 for tcp and tls), gateways and the reference server 28490-28499
# (below the kernel's ephemeral range, 32768-60999 on Linux: a spare port
# a test binds later is never taken meanwhile by an outgoing connection)
# on 127.0.0.1.
#
# Exit status: 0 all passed, 1 a test failed or a server died, 2 the tests
# could not run (no gateway binary, no cluster, no extension, no npm packages).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$here"
target=${TARGET:-reference}
export PATH="$(pg_config --bindir 2>/dev/null || echo /usr/bin):$PATH"

die() { echo "gateway e2e: $*" >&2; exit 2; }

case $target in
reference | pg_ot) ;;
*) die "TARGET must be reference or pg_ot, not '$target'" ;;
esac
db_via=${GATEWAY_DB_VIA:-socket}
case $db_via in
socket | tcp | tls) ;;
*) die "GATEWAY_DB_VIA must be socket, tcp or tls, not '$db_via'" ;;
esac

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
	npm ci --no-audit --no-fund --loglevel=error >/dev/null || die "npm ci failed in $here"
	touch node_modules
fi

gateway_bin=${GATEWAY_BIN:-$root/gateway/pg_ot_gateway}
if [ "$target" = pg_ot ] && [ ! -x "$gateway_bin" ]; then
	die "no gateway binary at $gateway_bin: build it first (make), or set GATEWAY_BIN"
fi
partitions=${GATEWAY_PARTITIONS:-}
if [ -n "$partitions" ]; then
	[ "$target" = pg_ot ] || die "GATEWAY_PARTITIONS needs TARGET=pg_ot"
	[ "$db_via" = socket ] || die "GATEWAY_PARTITIONS runs with GATEWAY_DB_VIA=socket only"
	[[ $partitions =~ ^[0-9]+$ ]] && [ "$partitions" -ge 1 ] && [ $((partitions & (partitions - 1))) = 0 ] ||
		die "GATEWAY_PARTITIONS must be a power of two, not '$partitions'"
fi
# On partitions: the scenarios of one document's life, over the gateways and
# the partitions (edits and convergence, reconnects and resends, bulk
# subscribes, presence, revocation, SQL writes, queries read on every
# partition and merged) and a partition's outage.  The others test one
# database's details (forged notifications on it, its LISTEN backends, its
# restarts, its TLS); leaderboard.test.js needs $sort and $limit, which the
# gateway refuses on partitions.
PARTITION_FILES=(tests/basic.test.js tests/convergence.test.js tests/reconnect.test.js tests/bulk.test.js
	tests/presence.test.js tests/pg_ot.test.js tests/auth.test.js tests/query.test.js tests/partitions.test.js)

work=$(mktemp -d /tmp/pg_ot_gateway_e2e.XXXXXX)
chmod 755 "$work"
pids=()
names=()
cluster=
partition_dir=
cleanup() {
	for pid in "${pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
	done
	[ -n "$cluster" ] && "$root/test/cluster.sh" stop "$cluster" 2>/dev/null
	[ -n "$partition_dir" ] && "$root/test/partition/clusters.sh" stop "$partition_dir" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# E2E_PORTS=LO-HI moves the gateways' range (concurrent runs on one machine).
ports=${E2E_PORTS:-28490-28499}
port_lo=${ports%-*}
port_hi=${ports#*-}
free_port() {					# free_port FROM TO: the first port nobody listens on
	local p
	for p in $(seq "$1" "$2"); do
		if port_free "$p" && ! [[ " ${used_ports:-} " == *" $p "* ]]; then
			used_ports="${used_ports:-} $p"
			echo "$p"
			return 0
		fi
	done
	return 1
}
# wait_listening NAME PID PORT: until PORT accepts connections, or PID exits.
wait_listening() {
	local i
	for i in $(seq 300); do
		if ! kill -0 "$2" 2>/dev/null; then
			echo "gateway e2e: $1 exited during startup:" >&2
			tail -n 40 "$work/$1.log" >&2
			return 1
		fi
		port_free "$3" || return 0
		sleep 0.1
	done
	echo "gateway e2e: $1 did not accept connections on port $3 within 30 s" >&2
	tail -n 40 "$work/$1.log" >&2
	return 1
}

# healthy PORT: /healthz on PORT answers 200 (the gateway reaches PostgreSQL).
healthy() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'GET /healthz HTTP/1.0\r\n\r\n' >&3 &&
		head -n 1 <&3 | grep -q '^HTTP/1\.[01] 200') 2>/dev/null
}
# wait_healthy NAME PID PORT: until PORT's /healthz says 200, or PID exits.
wait_healthy() {
	local i
	for i in $(seq 300); do
		healthy "$3" && return 0
		if ! kill -0 "$2" 2>/dev/null; then
			echo "gateway e2e: $1 exited during startup:" >&2
			tail -n 40 "$work/$1.log" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "gateway e2e: $1 did not reach PostgreSQL ($db_via) within 30 s (/healthz is not 200)" >&2
	tail -n 40 "$work/$1.log" >&2
	return 1
}

# Concurrent runs choose their ports one at a time.
exec 9>/tmp/pg_ot_gateway_e2e.ports.lock
flock -w 120 9 || die "could not lock /tmp/pg_ot_gateway_e2e.ports.lock"

urls=()
if [ "$target" = reference ]; then
	port=$(free_port $port_lo $port_hi) || die "no free port in $port_lo-$port_hi"
	SABOTAGE=${SABOTAGE:-} node reference-server.js --port "$port" >"$work/reference.log" 2>&1 &
	pids+=($!); names+=(reference)
	wait_listening reference "$!" "$port" || exit 2
	urls+=("ws://127.0.0.1:$port")
	echo "# target: reference ShareDB server (sharedb $(node -p 'require("sharedb/package.json").version')) on port $port${SABOTAGE:+, sabotaged: $SABOTAGE}"
elif [ -n "$partitions" ]; then
	partition_dir="$work/partitions"
	env_out=$("$root/test/partition/clusters.sh" start "$partition_dir" "$partitions" "${PARTITION_BASEPORT:-54460}") ||
		die "the partition clusters did not start (make install puts pg_ot and pg_ot_router into pg_config's PostgreSQL)"
	eval "$env_out"
	# The tests' SQL goes through the router, as a SQL caller's does.
	export PGHOST="$ROUTER_HOST" PGPORT="$ROUTER_PORT" PGDATABASE="$ROUTER_DATABASE" PGUSER=postgres
	for c in $(node -p 'require("./lib/collections").COLLECTIONS.join(" ")'); do
		psql -Xq -v ON_ERROR_STOP=1 -c "SELECT ot.grant('$c', NULL, 'anonymous', 'write')" >>"$work/psql.log" 2>&1 ||
			{ cat "$work/psql.log" >&2; die "ot.grant on $c (through the router) failed"; }
	done
	db_args=()
	for i in $(seq 0 $((partitions - 1))); do
		v=PARTITION_CONNINFO_$i
		db_args+=(--partition "${!v}")
	done
	export ASAN_OPTIONS="log_path=$work/sanitizer:detect_leaks=1:abort_on_error=0"
	export UBSAN_OPTIONS="log_path=$work/sanitizer:print_stacktrace=1:halt_on_error=1"
	# The first gateway is given the partitions (--partition each), the second reads them
	# from the router's PL/Proxy cluster (--router; the partitions' conninfos there name no
	# user: PGUSER gives it).
	for i in 1 2; do
		port=$(free_port $port_lo $port_hi) || die "no free port in $port_lo-$port_hi"
		if [ $i = 1 ]; then gw_db=("${db_args[@]}"); else gw_db=(--router "$ROUTER_CONNINFO"); fi
		"$gateway_bin" "${gw_db[@]}" --listen 127.0.0.1 --port "$port" --allow-anonymous \
			>"$work/gateway$i.log" 2>&1 &
		pids+=($!); names+=("gateway$i")
		wait_listening "gateway$i" "$!" "$port" || exit 1
		urls+=("ws://127.0.0.1:$port")
	done
	for i in 1 2; do
		port=${urls[$((i - 1))]##*:}
		wait_healthy "gateway$i" "${pids[$((i - 1))]}" "$port" || exit 1
	done
	grep -q "router .*: $partitions partitions" "$work/gateway2.log" ||
		{ cat "$work/gateway2.log" >&2; echo "gateway e2e: gateway2 did not read $partitions partitions from the router" >&2; exit 1; }
	# For tests that run a gateway of their own (GATEWAY_DB_ARGS: its database flags, as JSON), or stop a partition.
	GATEWAY_DB_ARGS=$(node -e 'console.log(JSON.stringify(process.argv.slice(1)))' -- "${db_args[@]}")
	export GATEWAY_BIN="$gateway_bin" GATEWAY_DB_ARGS GATEWAY_PARTITIONS="$partitions" PARTITION_DIR="$partition_dir" GATEWAY_DB_VIA="$db_via"
	GATEWAY_SPARE_PORT=$(free_port $port_lo $port_hi) || die "no free port in $port_lo-$port_hi"
	GATEWAY_SPARE_PORT2=$(free_port $((GATEWAY_SPARE_PORT + 1)) $port_hi) || die "no free port in $port_lo-$port_hi"
	export GATEWAY_SPARE_PORT GATEWAY_SPARE_PORT2
	echo "# target: pg_ot on $partitions partitions (router port $ROUTER_PORT), $gateway_bin on ports ${urls[*]##*:} (the first with --partition, the second with --router)${GATEWAY_SPREAD:+, clients spread over the gateways}"
else
	cluster="$work/pg"
	env_out=$(CLUSTER_TCP=$([ "$db_via" = socket ] && echo 0 || echo 1) CLUSTER_SSL=$([ "$db_via" = tls ] && echo 1 || echo 0) \
		"$root/test/cluster.sh" start "$cluster" "${E2E_CLUSTER_PORT:-54480}") || { cluster=; die "the throwaway cluster did not start"; }
	eval "$env_out"
	pgport=$PGPORT
	psql -Xq -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION pg_ot' >"$work/psql.log" 2>&1 ||
		{ cat "$work/psql.log" >&2; die "CREATE EXTENSION pg_ot failed (is it installed? make install)"; }
	for c in $(node -p 'require("./lib/collections").COLLECTIONS.join(" ")'); do
		psql -Xq -v ON_ERROR_STOP=1 -c "SELECT ot.grant('$c', NULL, 'anonymous', 'write')" >>"$work/psql.log" 2>&1 ||
			{ cat "$work/psql.log" >&2; die "ot.grant on $c failed"; }
	done
	case $db_via in
	socket) conninfo="host=$cluster port=$pgport dbname=postgres user=postgres" ;;
	tcp) conninfo="host=127.0.0.1 port=$pgport dbname=postgres user=postgres sslmode=disable" ;;
	tls) conninfo="host=127.0.0.1 port=$pgport dbname=postgres user=postgres sslmode=verify-full sslrootcert=$CLUSTER_SSL_ROOTCERT" ;;
	esac
	# A sanitizer build (gateway/pg_ot_gateway-asan) reports into these files;
	# any report fails the run.  Harmless for the plain build.
	export ASAN_OPTIONS="log_path=$work/sanitizer:detect_leaks=1:abort_on_error=0"
	export UBSAN_OPTIONS="log_path=$work/sanitizer:print_stacktrace=1:halt_on_error=1"
	for i in 1 2; do
		port=$(free_port $port_lo $port_hi) || die "no free port in $port_lo-$port_hi"
		"$gateway_bin" --db "$conninfo" --listen 127.0.0.1 --port "$port" --allow-anonymous \
			>"$work/gateway$i.log" 2>&1 &
		pids+=($!); names+=("gateway$i")
		wait_listening "gateway$i" "$!" "$port" || exit 1
		urls+=("ws://127.0.0.1:$port")
	done
	for i in 1 2; do
		port=${urls[$((i - 1))]##*:}
		wait_healthy "gateway$i" "${pids[$((i - 1))]}" "$port" || exit 1
	done
	# For tests that run a gateway of their own, or stop the cluster.
	export GATEWAY_BIN="$gateway_bin" GATEWAY_DB="$conninfo" CLUSTER_DIR="$cluster" CLUSTER_PORT="$pgport" GATEWAY_DB_VIA="$db_via"
	GATEWAY_SPARE_PORT=$(free_port $port_lo $port_hi) || die "no free port in $port_lo-$port_hi"
	GATEWAY_SPARE_PORT2=$(free_port $((GATEWAY_SPARE_PORT + 1)) $port_hi) || die "no free port in $port_lo-$port_hi"
	export GATEWAY_SPARE_PORT GATEWAY_SPARE_PORT2
	echo "# target: pg_ot, $gateway_bin on ports ${urls[*]##*:}, cluster $cluster port $pgport, gateways reach it by $db_via${GATEWAY_SPREAD:+, clients spread over the gateways}"
fi

flock -u 9
exec 9>&-

export TARGET="$target"
export GATEWAY_URLS=$(IFS=,; echo "${urls[*]}")

args=()
files=()
for a in "$@"; do
	case $a in
	-*) args+=("$a") ;;
	*) files+=("$a") ;;
	esac
done
if [ ${#files[@]} = 0 ] && [ -n "$partitions" ]; then
	files=("${PARTITION_FILES[@]}")
fi
[ ${#files[@]} -gt 0 ] || files=(tests/*.test.js)

[ -n "$partitions" ] && export PARTITION_TALLY="$work/partition_tally"
node --test --test-concurrency=1 --test-force-exit --test-reporter=spec "${args[@]}" "${files[@]}"
status=$?
# On partitions: each file said how many of its documents were on each; the run's must be on every one.
if [ -n "$partitions" ] && [ -s "$work/partition_tally" ]; then
	tally=$(awk '{ for (i = 1; i <= NF; i++) n[i - 1] += $i } END { for (i = 0; i < '"$partitions"'; i++) printf "%d ", n[i] + 0 }' "$work/partition_tally")
	echo "# documents on partitions 0..$((partitions - 1)): $tally"
	for n in $tally; do
		[ "$n" -gt 0 ] || { echo "gateway e2e: a partition holds none of the run's documents ($tally)" >&2; status=1; }
	done
fi

# The servers must have survived everything the tests sent them, and stop
# cleanly when asked (SIGTERM), which is when a sanitizer build checks leaks.
for i in "${!pids[@]}"; do
	if ! kill -0 "${pids[$i]}" 2>/dev/null; then
		wait "${pids[$i]}"
		echo "gateway e2e: ${names[$i]} died during the tests (exit status $?):" >&2
		tail -n 40 "$work/${names[$i]}.log" >&2
		status=1
		continue
	fi
	kill -TERM "${pids[$i]}"
	for _ in $(seq 100); do kill -0 "${pids[$i]}" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "${pids[$i]}" 2>/dev/null; then
		echo "gateway e2e: ${names[$i]} did not stop within 10 s of SIGTERM" >&2
		status=1
	elif ! wait "${pids[$i]}"; then
		echo "gateway e2e: ${names[$i]} exited with status $? after SIGTERM" >&2
		status=1
	fi
done
if compgen -G "$work/sanitizer*" >/dev/null; then
	echo "gateway e2e: sanitizer reports:" >&2
	cat "$work"/sanitizer* >&2
	status=1
fi
if [ $status != 0 ]; then
	for n in "${names[@]}"; do
		echo "# last lines of the $n log:"
		tail -n 20 "$work/$n.log" | sed 's/^/#   /'
	done
fi
exit $status
