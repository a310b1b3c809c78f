#!/usr/bin/env node
'use strict';
/*
 * The reference server of the comparison benchmark (compare.sh): a stock
 * ShareDB 7 server (npm sharedb 7.0.0, presence on, ot-text-unicode 4.0.0
 * and rich-text 4.1.0 registered) over ws 8.18.3 with the stock
 * @teamwork/websocket-json-stream adapter, as in ShareDB's own examples.
 *
 *   node sharedb_server.js --port N [--db memory|postgres]
 *
 * --db memory (the default) is ShareDB's in-memory database (ShareDB.MemoryDB,
 * nothing durable).  --db postgres is sharedb-postgres 5.0.1 (its pg Pool,
 * default 10 connections) on the database the PG* variables name, whose tables
 * are sharedb-postgres's structure.sql; each commit is a PostgreSQL
 * transaction, durable when the cluster runs with synchronous_commit on.
 * sharedb-postgres 5.0.1 declares sharedb ^1 to ^5 as its peer; package.json
 * overrides that for sharedb 7 (the DB adapter interface it implements,
 * commit/getSnapshot/getOps, is unchanged in 6 and 7).
 *
 * Listens on 127.0.0.1 and prints "listening <port>" on stdout once it
 * accepts connections.  Stops on SIGTERM or SIGINT.
 */

const http = require('http');
const WebSocket = require('ws');
const ShareDB = require('sharedb');
const WebSocketJSONStream = require('@teamwork/websocket-json-stream');

ShareDB.types.register(require('ot-text-unicode').type);
ShareDB.types.register(require('rich-text').type);

let port = 0;
let dbKind = 'memory';
for (let i = 2; i < process.argv.length; i++) {
	if (process.argv[i] === '--port') port = Number(process.argv[++i]);
	else if (process.argv[i] === '--db') dbKind = process.argv[++i];
	else {
		console.error(`usage: ${process.argv[1]} --port N [--db memory|postgres]`);
		process.exit(2);
	}
}

let db;
if (dbKind === 'postgres') {
	// pg reads PGHOST (a socket directory), PGPORT, PGUSER and PGDATABASE.
	db = require('sharedb-postgres')({});
} else if (dbKind !== 'memory') {
	console.error(`sharedb_server.js: unknown --db ${dbKind}`);
	process.exit(2);
}

const backend = new ShareDB({ db, presence: true, doNotForwardSendPresenceErrorsToClient: true });
const server = http.createServer((req, res) => {
	res.writeHead(404, { 'Cache-Control': 'no-store' });
	res.end();
});
const wss = new WebSocket.Server({ server });
wss.on('connection', (ws) => {
	const stream = new WebSocketJSONStream(ws);
	stream.on('error', () => {});
	backend.listen(stream);
});
server.listen(port, '127.0.0.1', () => {
	console.log(`listening ${server.address().port}`);
});

function stop() {
	for (const ws of wss.clients) ws.terminate();
	wss.close();
	server.close(() => backend.close(() => process.exit(0)));
	setTimeout(() => process.exit(0), 3000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
