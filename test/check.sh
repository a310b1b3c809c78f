#!/usr/bin/env bash
# Runs every test suite against a throwaway cluster (make check calls this
# after building and installing) and ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$(pg_config --bindir):$PATH"

passed=0
failed=0
record() {						# record NAME STATUS
	if [ "$2" = 0 ]; then
		passed=$((passed + 1)); echo "ok - $1"
	else
		failed=$((failed + 1)); echo "not ok - $1"
	fi
}

work=$(mktemp -d /tmp/pg_ot_check.XXXXXX)
chmod 755 "$work"
cleanup() {
	test/cluster.sh stop "$work/pg" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

if ! cluster_env=$(test/cluster.sh start "$work/pg"); then
	record "throwaway cluster starts" 1
	echo "$passed passed, $failed failed"
	exit 1
fi
eval "$cluster_env"

# The version lives in the control file; META.json and the install script follow it.
version=$(sed -n "s/^default_version = '\(.*\)'/\1/p" extension/pg_ot.control)
[ -f "extension/pg_ot--$version.sql" ] &&
	node -e 'const m=require("./META.json"); process.exit(m.version===process.argv[1] && m.provides.pg_ot.version===process.argv[1] ? 0 : 1)' "$version"
record "version $version agrees in control file, install script and META.json" $?
echo "# dist"
test/dist/run.sh
record "dist: the PGXN archive of HEAD, META.json valid against the PGXN Meta Spec 1.0.0 and its tree, builds alone" $?

# pg_regress and pg_isolation_regress: one result per test file.  They run
# apart so that a failing regression test does not hide the isolation tests.
for suite in regress isolation; do
	echo "# pg_$suite"
	if [ $suite = regress ]; then
		make -s installcheck ISOLATION= >"$work/$suite.log" 2>&1
	else
		make -s installcheck REGRESS= >"$work/$suite.log" 2>&1
	fi
	status=$?
	grep -E '\.\.\. +(ok|FAILED|failed)' "$work/$suite.log" >"$work/$suite.tests"
	while read -r line; do
		name=$(sed -E 's/^(test )? *([^ ]+) +\.\.\..*/\2/' <<<"$line")
		grep -qE '\.\.\. +ok' <<<"$line"; record "pg_$suite $name" $?
	done <"$work/$suite.tests"
	[ -s "$work/$suite.tests" ] || record "pg_$suite ran" 1
	[ $status = 0 ] || cat "$work/$suite.log" regression.diffs output_iso/regression.diffs 2>/dev/null | head -100
done

echo "# crash"
test/crash/run.sh
record "crash: acknowledged ops (submit, batch, live client) survive kill -9" $?

echo "# upgrade"
test/upgrade/run.sh
record "upgrade: 0.1.0's documents edited and read after ALTER EXTENSION pg_ot UPDATE; its schema is a fresh install's (pg_dump)" $?
echo "# pg_upgrade"
test/pg_upgrade/run.sh
record "pg_upgrade: a cluster with documents (both types, a retention cut) upgraded into a new one reads and edits the same" $?
echo "# retention with pg_cron"
test/retention/cron.sh
record "retention: pg_cron runs ot.apply_retention() on its schedule and the cut moves" $?

echo "# partitions"
PARTITION_PORT=54370 test/partition/router.sh
record "partitions: through pg_ot_router on two partition instances, every type on both, each document on the partition ot.partition_of names only; reads, grants, errors' SQLSTATEs as on one database; SQL and C hashes agree" $?
PARTITION_GROW_PORT=54380 test/partition/grow.sh
record "partitions: doubling 1 -> 2 -> 4 (copies, then ot.purge_foreign_documents): every document's fetch at every version, fetch_at, ops and messages read the same through the router, each on its partition only, grants moved; submits continue" $?

echo "# pgTAP"
test/pgtap/run.sh
record "pgTAP: schema contract and permission matrix" $?

echo "# differential"
psql -Xq -c "CREATE DATABASE differential" &&
	psql -Xq -d differential -c "CREATE EXTENSION pg_ot"
record "CREATE EXTENSION pg_ot" $?
for harness in test/differential/*.js; do
	name=$(basename "$harness" .js)
	(cd test/differential && PGDATABASE=differential node "$name.js")
	record "differential $name against its npm reference" $?
done

echo "# convergence"
(cd test/convergence && PGDATABASE=differential node convergence.js)
record "convergence: simulated ShareDB clients converge with the server (text-unicode, rich-text)" $?

echo "# gateway layers"
test/layers.sh
record "gateway layers: every #include reaches only its own folder or one before it (base < db < client < docs < actions < edge < main.c)" $?
echo "# gateway unit"
test/gateway/unit/table_seed.sh
record "gateway: two processes hash the same table keys differently (SipHash keyed per process)" $?
test/gateway/unit/query_diff.sh
record "gateway: subscribed queries' diffs equal npm arraydiff's (ShareDB's) on 20,000 random id lists" $?
PARTITION_HASH_PORT=54457 test/gateway/unit/partition_hash.sh
record "gateway: its partition of a document (C) and SQL ot.partition_of agree on random names, non-ASCII ones too" $?

echo "# gateway version"
test/gateway/version.sh
record "gateway version: --version is the control file's; refuses pg_ot 0.1.0 and a database without pg_ot, naming both; refuses a reconnect to one and keeps running" $?

echo "# gateway e2e"
# The tests themselves, against a real ShareDB server: what they demand is ShareDB's behaviour.
TARGET=reference test/gateway/run.sh
record "gateway e2e tests pass against the reference ShareDB server" $?
# Two gateways built with ASan and UBSan on one throwaway cluster; any sanitizer report fails.
# Every scenario twice: its clients on one gateway, the gateways on the cluster's Unix socket;
# then spread over both, the gateways on TCP (with the black-hole proxy test).
if make -s gateway/pg_ot_gateway-asan WERROR=-Werror >"$work/gateway-asan.log" 2>&1; then
	GATEWAY_BIN="$PWD/gateway/pg_ot_gateway-asan" TARGET=pg_ot test/gateway/run.sh
	record "gateway e2e: the stock sharedb client against pg_ot_gateway, PostgreSQL over its Unix socket (ASan/UBSan)" $?
	GATEWAY_SPREAD=1 GATEWAY_DB_VIA=tcp GATEWAY_BIN="$PWD/gateway/pg_ot_gateway-asan" TARGET=pg_ot test/gateway/run.sh
	record "gateway e2e: the same with clients spread over two gateways, PostgreSQL over TCP (ASan/UBSan)" $?
	# Two partition instances and the router (test/partition/clusters.sh): the scenarios of a
	# document's life with clients spread over two gateways, documents on both partitions, SQL
	# through the router; queries read on every partition and merged; a partition stopped while
	# clients edit on both; the grace on one partition.
	GATEWAY_PARTITIONS=2 GATEWAY_SPREAD=1 PARTITION_BASEPORT=54460 GATEWAY_BIN="$PWD/gateway/pg_ot_gateway-asan" \
		TARGET=pg_ot test/gateway/run.sh
	record "gateway e2e on 2 partitions + router: edits, convergence, reconnects, bulk subscribes across both, presence, revocation, SQL writes, queries read on both and merged; a partition stopped: the other's clients keep editing, all converge (ASan/UBSan)" $?
	GATEWAY_PARTITIONS=1 PARTITION_BASEPORT=54465 GATEWAY_BIN="$PWD/gateway/pg_ot_gateway-asan" \
		TARGET=pg_ot test/gateway/run.sh tests/partitions.test.js
	record "gateway e2e: doubling 1 -> 2 partitions with the gateways drained; clients reconnect to a gateway with both and keep editing (ASan/UBSan)" $?
else
	cat "$work/gateway-asan.log"
	record "gateway e2e: the ASan build of pg_ot_gateway" 1
fi
# The plain build, PostgreSQL over TLS (sslmode=verify-full, a certificate the cluster makes).
# The tests of connections: protocol basics, large ops, reconnects, PostgreSQL restarted, listeners killed.
GATEWAY_DB_VIA=tls TARGET=pg_ot test/gateway/run.sh tests/basic.test.js tests/network.test.js \
	tests/reconnect.test.js tests/operations.test.js tests/pg_ot.test.js
record "gateway e2e: basic, network, reconnect, operations and pg_ot tests, PostgreSQL over TLS (verify-full)" $?
echo "# failover"
# Two clusters, a synchronous standby, two gateways on one multi-host conninfo;
# the primary stopped with -m immediate, the standby promoted (FAILOVER_PORTS moves the ports).
FAILOVER_MODES=sync test/failover/run.sh
record "failover: primary lost (immediate stop), synchronous standby promoted: every acknowledged op once in the op log, clients converge" $?
FAILOVER_MODES=partition test/failover/run.sh
record "failover: primary frozen (SIGSTOP, a partition), synchronous standby promoted: the gateways leave the silent host, nothing acknowledged lost" $?
# The same with an asynchronous standby 200 ms behind: the acknowledged ops lost are counted, not judged.
FAILOVER_MODES=async-lag FAILOVER_DRAIN=20 test/failover/run.sh
record "failover: the same with an asynchronous standby 200 ms behind runs (acknowledged ops lost: counted above)" $?
echo "# browser"
test/browser/run.sh tests/demo.test.js
record "browser: the demo page in chromium (Quill and plain text converge, cursors, gateway restart, the live document list, history and restore, screenshot)" $?
test/browser/run.sh tests/examples.test.js
record "browser: ShareDB's textarea (sharedb-string-binding, json0 si/sd) and counter (na) examples, unchanged, against pg_ot_gateway and against ShareDB 7" $?
test/browser/run.sh tests/leaderboard.test.js
record "browser: ShareDB's leaderboard example (npm sharedb@1.8.1's examples/leaderboard, unchanged: React, a subscribed \$sort query, na) against pg_ot_gateway --www and against its own server/index.js" $?
echo "# delivery gate"
test/gate/run.sh
record "delivery gate: every version once, in order, the session's own ops only as their acks (property test, ASan/UBSan)" $?
echo "# docs"
test/docs/run.sh
record "docs: gateway/docs/ under fakes of the database, listener and sockets: every subscriber gets every version once, in order, its own ops as acks in their place (property test, ASan/UBSan)" $?
echo "# fuzz (smoke)"
FUZZ_SMOKE=1 FUZZ_SECONDS=${FUZZ_SECONDS:-15} test/fuzz/run.sh
record "fuzz smoke: OT core and gateway input under ASan/UBSan" $?
echo "# debian packages"
if [ "$(id -u)" = 0 ]; then
	test/deb/run.sh
	record "debian packages: built with pg_buildext, lintian without errors, installed with apt-get, extension and gateway (the unit's command line) run, purged" $?
else
	echo "# the package test installs with apt-get: it needs root"
	record "debian packages (not run: needs root)" 1
fi

echo "$passed passed, $failed failed"
[ $failed = 0 ]
