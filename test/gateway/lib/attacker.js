'use strict';
/*
 * The attacker of tests/attacker.test.js, in a process of its own so that
 * its work does not slow the well-behaved client's event loop (only the
 * gateway and the database are shared, as in real life).
 *
 *   node lib/attacker.js MODE URL COLLECTION DOC SECONDS
 *
 * MODE role: a PostgreSQL role with nothing but LOGIN (PGUSER=it) forges
 *   notifications, ten rounds a second, on the channels of the victim's
 *   document, its presence and the grants, and a few others (fake ops at the
 *   next version and at absurd versions, fake presence, fake revocations),
 *   LISTENs to them and replays every authentic payload it captures.
 * MODE anonymous: anonymous WebSocket clients with no grant on COLLECTION
 *   flood the gateway, five rounds a second: a bf of 100,000 ids every 20
 *   rounds, presence on channels of 2,049 dots,
 *   presence updates and requests on the victim's channel, subscribes,
 *   fetches and ops on the victim's document, idle sockets that never finish
 *   their handshake.
 *
 * Every loop is bounded in count and in time (SECONDS); traffic goes only to
 * URL (127.0.0.1) and the PG* database.  Prints one JSON line of counts.
 */
const net = require('node:net');
const WebSocket = require('ws');

const [mode, url, collection, doc, secondsText] = process.argv.slice(2);
const deadline = Date.now() + Number(secondsText || 10) * 1000;
const counts = {};
const count = (k, n = 1) => { counts[k] = (counts[k] || 0) + n; };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const timeLeft = () => Date.now() < deadline;

async function roleAttack() {
	const { Client } = require('pg');
	const pg = new Client();
	await pg.connect();
	const listener = new Client();
	await listener.connect();
	// The channels the gateway LISTENs to for the victim (ot.channel is
	// PUBLIC), and a few others: a notification on a channel nobody LISTENs
	// to reaches no gateway.
	const channelOf = async (c, d) => (await pg.query('SELECT ot.channel($1, $2) AS ch', [c, d])).rows[0].ch;
	const channels = [await channelOf(collection, doc),
		await channelOf('$presence', `${Buffer.byteLength(collection)}:${collection}.${doc}`),
		await channelOf('$grants', '')];
	for (let n = 0; n < 4; n++) channels.push(`pg_ot_${n}`);
	const captured = [];
	listener.on('notification', (msg) => {
		if (captured.length < 1000) captured.push([msg.channel, msg.payload]);
		count('captured');
	});
	for (const ch of channels) await listener.query(`LISTEN "${ch}"`);
	const notify = async (ch, payload) => {
		try {
			await pg.query('SELECT pg_notify($1, $2)', [ch, payload]);
			count('notified');
		} catch (e) {
			count(`notify_error ${e.code}`);
		}
	};
	const forged = (v, extra = {}) => JSON.stringify({
		a: 'op', c: collection, d: doc, v, src: 'forger', seq: 1,
		op: [0, 'FORGED '], ...extra,
	});
	let round = 0;
	while (timeLeft() && round < 200) {
		round++;
		for (const ch of channels) {
			// Raw JSON: a huge or out-of-range v, as text so it stays exact.
			const raws = [
				forged(round),
				forged(round + 1),
				forged(2 ** 62).replace(/"v":\d+(\.\d+)?(e\+\d+)?/, '"v":4611686018427387904'),
				forged(0).replace('"v":0', '"v":9223372036854775807'),
				forged(-1),
				forged('x'),
				forged(0).replace('"v":0', '"v":1e300'),
				JSON.stringify({ a: 'op', c: collection, d: doc, v: round, ref: true }),
				JSON.stringify({ a: 'p', ch: `${collection}.${doc}`, id: `forged-${round}`, src: 'forger',
					p: { index: 0, length: 5 }, pv: round, v: 1, gw: 'forger' }),
				JSON.stringify({ a: 'pr', ch: `${collection}.${doc}`, gw: 'forger' }),
				JSON.stringify({ a: 'revoke', c: collection, d: null, u: 'victim' }),
				JSON.stringify({ a: 'revoke', c: collection, d: doc, u: 'victim' }),
				'0'.repeat(64) + ' ' + forged(round + 1),
				'{"a":"op"',
				'',
			];
			for (const p of raws) await notify(ch, p);
		}
		// Replays of what the extension itself wrote.
		for (const [ch, payload] of captured.splice(0, captured.length)) {
			await notify(ch, payload);
			count('replayed');
		}
		await sleep(100);
	}
	await pg.end();
	await listener.end();
}

function openWs() {
	return new Promise((resolve) => {
		const ws = new WebSocket(url);
		ws.on('error', () => { count('ws_error'); resolve(null); });
		ws.on('open', () => resolve(ws));
		ws.on('message', () => count('received'));
		ws.on('close', (code) => count(`closed ${code}`));
	});
}

async function anonymousAttack() {
	// Sockets that never send a byte (bounded: 40).
	const idle = [];
	for (let i = 0; i < 40; i++) {
		const s = net.connect(Number(new URL(url).port), '127.0.0.1');
		s.on('error', () => count('idle_error'));
		idle.push(s);
	}
	const clients = [];
	for (let i = 0; i < 4; i++) {
		const ws = await openWs();
		if (!ws) continue;
		ws.send(JSON.stringify({ a: 'hs', id: null, protocol: 1, protocolMinor: 2 }));
		clients.push(ws);
	}
	const send = (ws, m) => {
		if (ws.readyState !== WebSocket.OPEN) return;
		ws.send(typeof m === 'string' ? m : JSON.stringify(m));
		count('sent');
	};
	const ids = [];
	for (let i = 0; i < 100000; i++) ids.push(`x${i}`);
	const bigBf = JSON.stringify({ a: 'bf', c: collection, b: ids });
	const dots = `${collection}.${'.'.repeat(2049)}`;
	let round = 0;
	while (timeLeft() && round < 100) {
		round++;
		for (const [k, ws] of clients.entries()) {
			if (k === 0 && round % 20 === 1) send(ws, bigBf);
			for (let i = 0; i < 20; i++) send(ws, { a: 'ps', ch: `${dots}${round}-${i}`, seq: round * 100 + i });
			for (let i = 0; i < 50; i++) {
				send(ws, { a: 'p', ch: `${collection}.${doc}`, id: `anon-${k}-${round}-${i}`, p: { index: 0, length: 3 },
					c: collection, d: doc, v: 1, seq: round * 100 + i, r: false });
			}
			send(ws, { a: 'pr', ch: `${collection}.${doc}` });
			send(ws, { a: 's', c: collection, d: doc });
			send(ws, { a: 'f', c: collection, d: doc });
			send(ws, { a: 'op', c: collection, d: doc, v: 1, src: 'anon', seq: round, op: [0, 'ANON '] });
		}
		await sleep(200);
	}
	for (const ws of clients) ws.terminate();
	for (const s of idle) s.destroy();
}

(mode === 'role' ? roleAttack() : anonymousAttack()).then(() => {
	console.log(JSON.stringify(counts));
	process.exit(0);
}, (e) => {
	console.error(e);
	process.exit(1);
});
