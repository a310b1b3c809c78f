#!/usr/bin/env node
'use strict';
/*
 * The reference the gateway suite is checked against: a stock ShareDB server
 * (npm sharedb on sharedb-mingo-memory, the in-memory database that answers
 * queries in MongoDB's language, presence on, text-unicode and rich-text
 * registered) over ws with the stock @teamwork/websocket-json-stream adapter,
 * as in ShareDB's own examples.
 *
 *   node reference-server.js [--port N]     (default 0: any free port)
 *
 * Listens on 127.0.0.1 and prints "listening <port>" on stdout once it
 * accepts connections.  Stops on SIGTERM or SIGINT.  SABOTAGE=... breaks it
 * on purpose (sabotage.js), to show that the suite can fail.
 */

const http = require('http');
const WebSocket = require('ws');
const ShareDB = require('sharedb');
const WebSocketJSONStream = require('@teamwork/websocket-json-stream');
const ShareDBMingo = require('sharedb-mingo-memory');

ShareDB.types.register(require('ot-text-unicode').type);
ShareDB.types.register(require('rich-text').type);
// json0's subtypes, as ShareDB applications register them (json0 keys them by name)
ShareDB.types.defaultType.registerSubtype(require('ot-text-unicode').type);
ShareDB.types.defaultType.registerSubtype(require('rich-text').type);

let port = 0;
for (let i = 2; i < process.argv.length; i++) {
	if (process.argv[i] === '--port') port = Number(process.argv[++i]);
	else {
		console.error(`usage: ${process.argv[1]} [--port N]`);
		process.exit(2);
	}
}

const backend = new ShareDB({ db: new ShareDBMingo(), presence: true, doNotForwardSendPresenceErrorsToClient: true });
// Only to show that the suite fails against a broken server (sabotage.js).
const sabotage = process.env.SABOTAGE
	? require('./sabotage').install(backend, process.env.SABOTAGE,
		[require('ot-text-unicode').type, require('rich-text').type])
	: (stream) => stream;
const server = http.createServer((req, res) => {
	res.writeHead(404, { 'Cache-Control': 'no-store' });
	res.end();
});
const wss = new WebSocket.Server({ server });
wss.on('connection', (ws) => {
	const stream = new WebSocketJSONStream(ws);
	// The adapter destroys the stream with an error on a frame that is not
	// JSON (and closes the socket with 1011); that is ShareDB's behaviour
	// and must not take the server down.
	stream.on('error', () => {});
	backend.listen(sabotage(stream));
});
server.listen(port, '127.0.0.1', () => {
	console.log(`listening ${server.address().port}`);
});

function stop() {
	for (const ws of wss.clients) ws.terminate();
	wss.close();
	server.close(() => backend.close(() => process.exit(0)));
	setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
