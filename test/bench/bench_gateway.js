'use strict';
/*
 * Gateway benchmark client: stock sharedb 7.0.0 client connections over ws
 * 8.18.3, all in this Node process, against a running pg_ot_gateway.
 * gateway.sh runs it; it prints "key value" lines on stdout and its progress
 * on stderr.
 *
 *   node bench_gateway.js throughput URL COLLECTION PREFIX CLIENTS WARMUP SECONDS
 *     CLIENTS connections, each editing its own text-unicode document PREFIX-i
 *     (created if it does not exist): each inserts one character at a random
 *     position, and submits the next op in the callback of the previous one,
 *     so exactly one op is in flight per document and each op is its own
 *     message.  Acks are counted after WARMUP seconds, for SECONDS.  Prints
 *       acked_window N     ops acknowledged in the window
 *       window_s S         the window's length, measured
 *       ops_per_s X        acked_window / window_s
 *       acked_total N      every op acknowledged, warm-up and tail included
 *       created N          documents it created
 *
 *   node bench_gateway.js fanout URL COLLECTION DOC SUBSCRIBERS RATE SECONDS
 *     SUBSCRIBERS connections subscribe to the text-unicode document DOC; one
 *     more connection, the writer, appends "[seq]" to it RATE times a second
 *     for SECONDS (on a fixed schedule; an op submitted while the previous one
 *     is in flight is composed with it by the client, as always).  Each
 *     subscriber notes when each seq reaches it (doc 'op' events, every
 *     "[seq]" in the inserted text).  Latency is the time from the writer's
 *     submitOp call to that event, process.hrtime.bigint() on both sides.
 *     Fails unless every subscriber got every seq exactly once, in order, and
 *     ends with the writer's text.  Prints
 *       ops N              seqs written
 *       subscribers N
 *       deliveries N       (subscriber, seq) pairs received = ops × subscribers
 *       p50_ms, p99_ms, max_ms, mean_ms   over all deliveries
 *       first_p50_ms, last_p50_ms   the median over ops of the latency to
 *                          the first and to the last subscriber it reached
 *
 * Nothing here is a timing assertion: the only limit, STALL_MS (default
 * 60000, env BENCH_GATEWAY_STALL_MS), is how long it waits for a gateway that
 * stopped answering before it gives up and says so.
 */

const WebSocket = require('ws');
const ShareDB = require('sharedb/lib/client');
const textUnicode = require('ot-text-unicode').type;

ShareDB.types.register(textUnicode);

const STALL_MS = Number(process.env.BENCH_GATEWAY_STALL_MS || 60000);

// The stock client warns when a server breaks the protocol (an ack at the
// wrong version, a message it cannot parse) and repairs it silently: here
// any warning fails the run.
const warnings = [];
ShareDB.logger.setMethods({
	info() {},
	warn(...args) { warnings.push(args.map(String).join(' ')); },
	error(...args) { warnings.push(args.map(String).join(' ')); },
});

function fail(msg) {
	process.stderr.write(`bench_gateway.js: ${msg}\n`);
	process.exit(1);
}
function log(msg) { process.stderr.write(`== ${msg}\n`); }
function out(key, value) { process.stdout.write(`${key} ${value}\n`); }

const now = () => process.hrtime.bigint();
const ms = (ns) => Number(ns) / 1e6;
const sleep = (t) => new Promise((r) => setTimeout(r, t));

// Resolves when pred() holds, checked every 5 ms; fails after STALL_MS.
async function until(pred, what) {
	const start = Date.now();
	while (!pred()) {
		if (Date.now() - start > STALL_MS) fail(`no progress for ${STALL_MS} ms waiting for ${what}`);
		await sleep(5);
	}
}

function cb(what, fn) {
	return new Promise((resolve) => {
		fn((err, value) => {
			if (err) fail(`${what}: ${err.code || ''} ${err.message}`);
			resolve(value);
		});
	});
}

async function connect(url, what) {
	const socket = new WebSocket(url);
	const connection = new ShareDB.Connection(socket);
	connection.on('error', (err) => fail(`${what}: connection error ${err.code || ''} ${err.message}`));
	socket.on('close', (code, reason) => {
		if (!connection.benchClosing) fail(`${what}: the gateway closed the socket (${code} ${reason})`);
	});
	await until(() => connection.state === 'connected', `${what}: the handshake with ${url}`);
	return connection;
}

function close(connections) {
	for (const c of connections) {
		c.benchClosing = true;
		c.close();
	}
}

// A text-unicode document, created empty unless it exists.
let created = 0;
async function openDoc(connection, collection, id, subscribe) {
	const doc = connection.get(collection, id);
	doc.on('error', (err) => fail(`${collection}/${id}: doc error ${err.code || ''} ${err.message}`));
	await cb(`${subscribe ? 'subscribe' : 'fetch'} ${collection}/${id}`,
		(k) => (subscribe ? doc.subscribe(k) : doc.fetch(k)));
	if (!doc.type) {
		await cb(`create ${collection}/${id}`, (k) => doc.create('', textUnicode.uri, k));
		created++;
	}
	return doc;
}

function checkWarnings() {
	if (warnings.length) fail(`the sharedb client warned:\n  ${warnings.slice(0, 10).join('\n  ')}`);
}

async function throughput(url, collection, prefix, clients, warmup, seconds) {
	log(`throughput: ${clients} clients on ${url}, ${warmup} s warm-up, ${seconds} s`);
	const connections = await Promise.all(Array.from({ length: clients }, (_, i) => connect(url, `client ${i}`)));
	const docs = await Promise.all(connections.map((c, i) => openDoc(c, collection, `${prefix}-${i}`, false)));

	let phase = 'warmup';
	let inWindow = 0;
	let total = 0;
	let inFlight = 0;
	let lastAck = Date.now();
	function next(doc) {
		// The text is all 'x': its UTF-16 length is its length in code points.
		const pos = Math.floor(Math.random() * (doc.data.length + 1));
		inFlight++;
		doc.submitOp(pos ? [pos, 'x'] : ['x'], (err) => {
			inFlight--;
			if (err) fail(`submitOp on ${doc.collection}/${doc.id}: ${err.code || ''} ${err.message}`);
			total++;
			lastAck = Date.now();
			if (phase === 'window') inWindow++;
			if (phase !== 'stop') next(doc);
		});
	}
	for (const doc of docs) next(doc);
	const watchdog = setInterval(() => {
		if (Date.now() - lastAck > STALL_MS) fail(`no ack for ${STALL_MS} ms (${inFlight} ops in flight)`);
	}, 1000);

	await sleep(warmup * 1000);
	const w0 = now();
	phase = 'window';
	await sleep(seconds * 1000);
	phase = 'stop';
	const w1 = now();
	const counted = inWindow;
	await until(() => inFlight === 0, 'the last acks');
	clearInterval(watchdog);
	checkWarnings();
	const windowS = ms(w1 - w0) / 1000;
	out('acked_window', counted);
	out('window_s', windowS.toFixed(3));
	out('ops_per_s', (counted / windowS).toFixed(1));
	out('acked_total', total);
	out('created', created);
	close(connections);
}

function percentile(sorted, p) {
	// Nearest rank.
	const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
	return sorted[i];
}

async function fanout(url, collection, id, subscribers, rate, seconds) {
	const ops = Math.round(rate * seconds);
	log(`fan-out: ${subscribers} subscribers and 1 writer on ${url}, ${ops} ops at ${rate}/s`);
	const writerConn = await connect(url, 'writer');
	const writer = await openDoc(writerConn, collection, id, true);
	const subConns = [];
	for (let i = 0; i < subscribers; i += 20) {	// in groups, not 100 handshakes at once
		const n = Math.min(20, subscribers - i);
		subConns.push(...await Promise.all(Array.from({ length: n }, (_, j) => connect(url, `subscriber ${i + j}`))));
	}
	const subs = await Promise.all(subConns.map((c) => openDoc(c, collection, id, true)));
	await until(() => subs.every((d) => d.version === writer.version), 'the subscribers to catch up');
	const base = writer.version;

	const sent = new Array(ops).fill(0n);		// seq -> submitOp time
	const got = subs.map(() => []);				// per subscriber: [seq, latency ns]
	const errors = [];
	subs.forEach((doc, i) => {
		doc.on('op', (op, source) => {
			const t = now();
			if (source) { errors.push(`subscriber ${i} got an op as its own`); return; }
			for (const c of op) {
				if (typeof c !== 'string') continue;
				for (const m of c.matchAll(/\[(\d+)\]/g)) {
					const seq = Number(m[1]);
					if (!(seq < ops) || sent[seq] === 0n) {
						errors.push(`subscriber ${i} got seq ${m[1]}, not sent yet`);
						continue;
					}
					got[i].push([seq, t - sent[seq]]);
				}
			}
		});
	});

	let acked = 0;
	const start = now();
	const period = 1e9 / rate;
	for (let seq = 0; seq < ops; seq++) {
		const due = start + BigInt(Math.round(seq * period));
		const wait = ms(due - now());
		if (wait > 1) await sleep(wait);
		else await new Promise(setImmediate);
		sent[seq] = now();
		writer.submitOp([writer.data.length, `[${seq}]`], (err) => {
			if (err) fail(`writer submitOp seq ${seq}: ${err.code || ''} ${err.message}`);
			acked++;
		});
	}
	const expected = ops * subscribers;
	const received = () => got.reduce((a, g) => a + g.length, 0);
	const start2 = Date.now();
	while (acked < ops || received() < expected) {
		if (errors.length) break;
		if (Date.now() - start2 > STALL_MS) break;
		await sleep(5);
	}
	checkWarnings();
	if (errors.length) fail(`wrong deliveries:\n  ${errors.slice(0, 10).join('\n  ')}`);
	if (acked < ops) fail(`the writer got ${acked} acks of ${ops} ops within ${STALL_MS} ms`);
	const problems = [];
	got.forEach((g, i) => {
		const seqs = g.map(([s]) => s);
		const missing = [];
		const seen = new Set(seqs);
		for (let s = 0; s < ops; s++) if (!seen.has(s)) missing.push(s);
		if (missing.length) problems.push(`subscriber ${i} is missing ${missing.length} seqs (first ${missing.slice(0, 5).join(', ')}), at version ${subs[i].version}`);
		if (seen.size !== seqs.length) problems.push(`subscriber ${i} got ${seqs.length - seen.size} seqs twice`);
		if (seqs.some((s, k) => k > 0 && s < seqs[k - 1])) problems.push(`subscriber ${i} got seqs out of order`);
		if (!missing.length && subs[i].data !== writer.data) problems.push(`subscriber ${i} ends with a text other than the writer's`);
	});
	if (received() !== expected || problems.length) {
		fail(`FAN-OUT DELIVERIES MISSING OR WRONG: ${received()} deliveries of ${expected} expected ` +
			`(${ops} ops × ${subscribers} subscribers, writer at version ${writer.version}, started at ${base}):\n  ` +
			problems.slice(0, 20).join('\n  '));
	}
	const lat = got.flatMap((g) => g.map(([, l]) => ms(l))).sort((a, b) => a - b);
	// Per op, the latency of the first and of the last subscriber it reached.
	const first = new Array(ops).fill(Infinity);
	const last = new Array(ops).fill(0);
	for (const g of got) {
		for (const [seq, l] of g) {
			first[seq] = Math.min(first[seq], ms(l));
			last[seq] = Math.max(last[seq], ms(l));
		}
	}
	first.sort((a, b) => a - b);
	last.sort((a, b) => a - b);
	out('ops', ops);
	out('subscribers', subscribers);
	out('deliveries', lat.length);
	out('p50_ms', percentile(lat, 50).toFixed(2));
	out('p99_ms', percentile(lat, 99).toFixed(2));
	out('max_ms', lat[lat.length - 1].toFixed(2));
	out('mean_ms', (lat.reduce((a, b) => a + b, 0) / lat.length).toFixed(2));
	out('first_p50_ms', percentile(first, 50).toFixed(2));
	out('last_p50_ms', percentile(last, 50).toFixed(2));
	close([writerConn, ...subConns]);
}

async function main() {
	const [mode, url, collection, ...rest] = process.argv.slice(2);
	if (mode === 'throughput' && rest.length === 4) {
		const [prefix, clients, warmup, seconds] = rest;
		await throughput(url, collection, prefix, Number(clients), Number(warmup), Number(seconds));
	} else if (mode === 'fanout' && rest.length === 4) {
		const [id, subscribers, rate, seconds] = rest;
		await fanout(url, collection, id, Number(subscribers), Number(rate), Number(seconds));
	} else {
		fail('usage: bench_gateway.js throughput URL COLLECTION PREFIX CLIENTS WARMUP SECONDS\n' +
			'       bench_gateway.js fanout URL COLLECTION DOC SUBSCRIBERS RATE SECONDS');
	}
	process.exit(0);
}

main().catch((e) => fail(e && e.stack || String(e)));
