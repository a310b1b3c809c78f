#!/usr/bin/env bash
# What a subscribed query's notification design costs per op (README
# "Queries through the gateway"): while any query is subscribed, the gateway
# LISTENs on every document channel, so its listener backend forwards, and
# the gateway verifies, every op notification of the database.  The trigger
# is unchanged.  Runs db/batch.sql (50 ops per transaction) with pgbench for
# SECONDS, three times against one gateway: no query; a query subscribed on
# another collection (every notification heard, then dropped by collection);
# a filter-only query on the collection written (its re-checks too).
# Prints, per op: the CPU of the gateway's listener backend and of the
# gateway (from /proc), and pgbench's ops/s.  Reports; does not pass or fail.
#
#   test/bench/query_notify.sh CLUSTER_DIR PGPORT GATEWAY_PORT [SECONDS]
#   (a running cluster with pg_ot installed, e.g. from test/cluster.sh start)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dir=$1 pgport=$2 gwport=$3 secs=${4:-10}
export PGHOST=$dir PGPORT=$pgport PGUSER=postgres
db=qbench_$$
createdb "$db"
trap 'kill $gw 2>/dev/null; [ -n "${client:-}" ] && kill $client 2>/dev/null; sleep 0.5; dropdb --if-exists "$db"' EXIT
psql -Xq -d "$db" -f "$here/db/setup.sql" >/dev/null
psql -Xq -d "$db" -c "SELECT ot.grant('bench', NULL, 'anonymous', 'read'), ot.grant('other', NULL, 'anonymous', 'read')" >/dev/null
"$root/gateway/pg_ot_gateway" --db "host=$dir port=$pgport dbname=$db user=postgres" --listen 127.0.0.1 \
	--port "$gwport" --allow-anonymous >/tmp/query_notify_gw.$$ 2>&1 &
gw=$!
sleep 1
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
listener_pid() {
	psql -XAt -d "$db" -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'pg_ot_gateway listener'"
}
run() {
	local what=$1 lp l0 g0 l1 g1 tx
	lp=$(listener_pid)
	l0=$(cpu "$lp"); g0=$(cpu "$gw")
	tx=$(pgbench -n -d "$db" -f "$here/db/batch.sql" -T "$secs" -c 1 2>/dev/null |
		sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p')
	l1=$(cpu "$lp"); g1=$(cpu "$gw")
	awk -v w="$what" -v tx="$tx" -v l="$((l1 - l0))" -v g="$((g1 - g0))" -v hz="$ticks" -v s="$secs" 'BEGIN {
		ops = tx * 50;
		printf "%-44s %8.0f ops/s  listener backend %6.2f us/op  gateway %6.2f us/op\n",
			w, ops / s, l / hz * 1e6 / ops, g / hz * 1e6 / ops }'
}
subscribe() {	# subscribe COLLECTION QUERY: a stock client holding the query
	(cd "$root/test/gateway" && exec node -e "
		const WebSocket = require('ws'); const ShareDB = require('sharedb/lib/client');
		const c = new ShareDB.Connection(new WebSocket('ws://127.0.0.1:$gwport'));
		c.createSubscribeQuery('$1', $2, {}, (e) => { if (e) { console.error(e); process.exit(1); } console.log('subscribed'); });
		setInterval(() => {}, 1000);") &
	client=$!
	sleep 2
}
echo "# query notifications: db/batch.sql for ${secs} s per row, one pgbench client, one gateway"
run "no query subscribed"
subscribe other '{}'
run "a query on another collection (all heard)"
kill $client; client=
subscribe bench '{"missing": 1}'
run "a filter-only query on the written collection"
rm -f /tmp/query_notify_gw.$$
