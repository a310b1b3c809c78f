'use strict';
// Per-client limits (pg_ot only), on a gateway of this file's own with small
// ones: --max-subscriptions (bf names no more documents either),
// --presence-rate (updates over it are merged, every one acknowledged, the
// latest delivered), --max-connections-per-ip (429 at the handshake; a
// handshake refused with 403 or 429 frees no slot), --max-pending-per-ip
// (connections counted from accept, closed at once past it),
// --handshake-timeout (4002 without hs; a connection that never finishes its
// HTTP request is cut too), --max-reads (a connection's reads in flight; its
// next message waits, others are served), presence without a grant (refused
// before anything is held, the refusal remembered), --max-presence and
// --max-presences, and the Origin check (403 for another site's page).  Each
// bound is driven to its limit and shown in /metrics.  Then TLS
// (--tls-cert/--tls-key) with --allowed-origins: the stock client edits over
// wss://, and plain ws:// to that port gets no session.

const { test, before, after } = require('node:test');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const WebSocket = require('ws');
const h = require('../lib/harness');
const { assert, ShareDB } = h;

const skip = h.SKIP_UNLESS_PG_OT;
const MAX_SUBS = 3;
const PRESENCE_RATE = 5;
const PER_IP = 4;
const HANDSHAKE_S = 2;
const MAX_READS = 2;
const MAX_PRESENCE = 256;
const MAX_PRESENCES = 4;
const MAX_REFUSALS = 5;
let gw;
let pg;

before(async () => {
	if (skip) return;
	gw = await h.startGateway(['--allow-anonymous', '--max-subscriptions', String(MAX_SUBS),
		'--presence-rate', String(PRESENCE_RATE), '--max-connections-per-ip', String(PER_IP),
		'--handshake-timeout', String(HANDSHAKE_S), '--max-reads', String(MAX_READS),
		'--max-presence', String(MAX_PRESENCE), '--max-presences', String(MAX_PRESENCES), '--max-refusals', String(MAX_REFUSALS),
		'--rate', '100000']);
	pg = await h.pgConnect();
});

after(async () => {
	await h.closeAll();
	await h.stopGateways();
});

// GET over http from another loopback address than the clients' (127.0.0.1).
function httpFrom(url, localAddress) {
	return new Promise((resolve) => {
		const req = http.get(url, { localAddress, agent: false }, (res) => {
			let body = '';
			res.on('data', (d) => { body += d; });
			res.on('end', () => resolve({ status: res.statusCode, body }));
		});
		req.on('error', () => resolve({ status: 0, body: '' }));
	});
}

async function metric(name, server = gw) {
	const r = await httpFrom(`${server.http}/metrics`, '127.0.0.2');
	const m = new RegExp(`^pg_ot_gateway_${name} (\\S+)$`, 'm').exec(r.body);
	assert.ok(m, `/metrics has ${name}`);
	return Number(m[1]);
}

// How often the database refused presence channel ch: the ERROR lines in its log (written as it answers).
function refusalsLogged(ch) {
	const log = fs.readFileSync(path.join(process.env.CLUSTER_DIR, 'server.log'), 'utf8');
	return log.split('\n').filter((l) => l.includes(`ERROR:  permission denied to presence channel "${ch}"`)).length;
}

// Resolves with the error code a callback-style call ends with (null: none).
const outcome = (fn) => new Promise((resolve) => fn((err) => resolve(err ? err.code : null)));

// Polls an async condition until it holds.
async function eventually(what, fn) {
	const deadline = Date.now() + h.WAIT_MS;
	while (!(await fn())) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 50));
	}
}

// Waits until the gateway has seen every connection of this file go.
const noSessions = () => eventually('the gateway to count no connection', async () => (await metric('connections')) === 0);

test('--max-subscriptions: one more document or presence channel is refused, re-subscribing is not', { skip, timeout: 60000 }, async () => {
	const before_ = await metric('subscriptions_refused_total');
	const c = await h.connect(gw.url);
	const ids = [0, 1, 2, 3, 4].map((i) => h.uid(`subs${i}`));
	const docs = ids.map((id) => h.getDoc(c, 'gw_text', id));
	for (const doc of docs.slice(0, MAX_SUBS)) await h.subscribe(doc);
	assert.equal(await outcome((cb) => docs[MAX_SUBS].subscribe(cb)), 'ERR_TOO_MANY_SUBSCRIPTIONS',
		`subscription ${MAX_SUBS + 1} is refused`);
	assert.equal(await outcome((cb) => docs[0].fetch(cb)), null, 'a fetch is no subscription');
	// Bulk: all or nothing.
	const bulkRefused = await outcome((cb) => {
		c.connection.startBulk();
		docs[MAX_SUBS].subscribe(cb);
		docs[MAX_SUBS + 1].subscribe();
		c.connection.endBulk();
	});
	assert.equal(bulkRefused, 'ERR_TOO_MANY_SUBSCRIPTIONS', 'a bulk subscribe past the limit is refused');
	// One less makes room for one more.
	await h.unsubscribe(docs[0]);
	assert.equal(await outcome((cb) => docs[MAX_SUBS + 1].subscribe(cb)), null, 'room again after an unsubscribe');
	// Presence channels count on their own, also when asked for all at once
	// (each is checked for access before it is made).
	const channels = ids.map((id) => c.connection.getDocPresence('gw_rich', id));
	const outcomes = await Promise.all(channels.map((p) => outcome((cb) => p.subscribe(cb))));
	assert.deepEqual(outcomes.filter((o) => o === null).length, MAX_SUBS, `${MAX_SUBS} presence channels`);
	assert.deepEqual(outcomes.filter((o) => o === 'ERR_TOO_MANY_SUBSCRIPTIONS').length, ids.length - MAX_SUBS,
		'the rest is refused');
	assert.equal(await metric('subscriptions_refused_total'), before_ + 2 + ids.length - MAX_SUBS, 'each refusal counted');
	h.close(c);
	await noSessions();
});

test('--presence-rate: a burst of presence updates is merged; every one is acknowledged and the last arrives', { skip, timeout: 60000 }, async () => {
	const merged0 = await metric('presence_merged_total');
	const id = h.uid('presence-rate');
	const A = await h.connect(gw.url);
	const B = await h.connect(gw.url);
	const docA = h.getDoc(A, 'gw_rich', id);
	await h.subscribe(docA);
	await h.create(docA, [{ insert: 'a line of text\n' }], 'rich-text');
	await h.subscribe(h.getDoc(B, 'gw_rich', id));
	const pA = A.connection.getDocPresence('gw_rich', id);
	const pB = B.connection.getDocPresence('gw_rich', id);
	const seen = [];
	pB.on('receive', (pid, value) => seen.push(value));
	await h.call('A subscribes to presence', (cb) => pA.subscribe(cb));
	await h.call('B subscribes to presence', (cb) => pB.subscribe(cb));
	const local = pA.create('cursor');
	const burst = 60;
	const acks = [];
	for (let i = 0; i < burst; i++) acks.push(outcome((cb) => local.submit({ index: i % 10, length: 0, n: i }, cb)));
	assert.deepEqual(await Promise.all(acks), Array(burst).fill(null), 'every update is acknowledged without error');
	const last = () => seen[seen.length - 1];
	await h.until(() => last() && last().n === burst - 1, 'B to see the last update', [[pB, 'receive']],
		() => JSON.stringify(last()));
	// What crossed B's socket (B's client merges too, so count frames).
	const ns = B.received.filter((m) => m.a === 'p' && m.id === 'cursor').map((m) => m.p.n);
	assert.deepEqual(ns, [...ns].sort((x, y) => x - y), 'B gets the updates in order');
	assert.ok(ns.length < burst, `B got fewer updates (${ns.length}) than were sent (${burst})`);
	assert.ok(ns.length >= 2 * PRESENCE_RATE, `the burst allowance went through (${ns.length})`);
	assert.equal(await metric('presence_merged_total'), merged0 + burst - ns.length, 'the merged ones are counted');
	h.close(A); h.close(B);
	await noSessions();
});

// Opens a WebSocket: the socket, or the HTTP status that refused it.
function attempt(url, options = {}) {
	return new Promise((resolve) => {
		const ws = new WebSocket(url, options);
		ws.on('open', () => resolve(ws));
		ws.on('unexpected-response', (req, res) => { resolve(res.statusCode); ws.terminate(); });
		ws.on('error', () => resolve('error'));
	});
}

test('--max-connections-per-ip: one connection too many gets 429; a closed one makes room', { skip, timeout: 60000 }, async () => {
	const refused0 = await metric('connections_refused_per_ip_total');
	const clients = [];
	for (let i = 0; i < PER_IP; i++) clients.push(await h.connect(gw.url));
	assert.equal(await attempt(gw.url), 429, `connection ${PER_IP + 1} from 127.0.0.1 is refused with 429`);
	assert.equal(await metric('connections_refused_per_ip_total'), refused0 + 1);
	h.close(clients.pop());
	await eventually('the gateway to see one go', async () => (await metric('connections')) === PER_IP - 1);
	const again = await h.connect(gw.url);
	const doc = h.getDoc(again, 'gw_text', h.uid('per-ip'));
	await h.subscribe(doc);
	await h.create(doc, 'room again', 'text-unicode');
	for (const c of [...clients, again]) h.close(c);
	await noSessions();
});

test('--handshake-timeout: no hs closes with 4002, slow HTTP is cut, a handshaken client stays', { skip, timeout: 60000 }, async () => {
	const closed0 = await metric('closed_no_handshake_total');
	const started = Date.now();
	const silent = await attempt(gw.url);
	const code = await new Promise((resolve) => silent.on('close', (c) => resolve(c)));
	assert.equal(code, 4002, 'a WebSocket that never says hs is closed with 4002');
	const after_ = (Date.now() - started) / 1000;
	assert.ok(after_ >= HANDSHAKE_S - 0.5, `not before the deadline (${after_} s)`);
	assert.equal(await metric('closed_no_handshake_total'), closed0 + 1);
	// Half an HTTP request, then nothing: cut as well.
	const sock = net.connect(Number(new URL(gw.url).port), '127.0.0.1');
	sock.on('connect', () => sock.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n'));
	sock.on('error', () => {});
	await new Promise((resolve) => sock.on('close', resolve));
	// A stock client handshakes at once and keeps its connection past the deadline.
	const c = await h.connect(gw.url);
	await new Promise((r) => setTimeout(r, (HANDSHAKE_S + 1) * 1000));
	assert.equal(c.connection.state, 'connected', 'a handshaken client is not cut');
	h.close(c);
	await noSessions();
});

test('Origin: a page of another origin is refused (403), the gateway\'s own and non-browser clients are not', { skip, timeout: 60000 }, async () => {
	const refused0 = await metric('connections_refused_origin_total');
	const own = `http://127.0.0.1:${new URL(gw.url).port}`;
	assert.equal(await attempt(gw.url, { origin: 'http://evil.example' }), 403, 'another site\'s page');
	assert.equal(await attempt(gw.url, { origin: `http://127.0.0.1:${Number(new URL(gw.url).port) + 1}` }), 403,
		'another port is another origin');
	const same = await attempt(gw.url, { origin: own });
	assert.ok(same instanceof WebSocket, `the gateway's own origin (${same})`);
	const none = await attempt(gw.url);
	assert.ok(none instanceof WebSocket, 'no Origin header: not a browser');
	same.close(); none.close();
	assert.equal(await metric('connections_refused_origin_total'), refused0 + 2);
	await noSessions();
});

// The gateway's resident memory (kB), to show in the log what a test cost.
function rssKb(pid) {
	const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
	return m ? Number(m[1]) : NaN;
}

test('--queue-max-bytes: a subscriber that stops reading is closed (4008) once 8 MiB wait for it; no more is held', { skip, timeout: 180000 }, async (t) => {
	const BOUND = 8 * 1024 * 1024;					// the default
	const lagging0 = await metric('closed_lagging_total');
	const rss0 = rssKb(gw.pid);
	const id = h.uid('queue-bytes');
	const good = await h.connect(gw.url);
	const docG = h.getDoc(good, 'gw_text', id);
	await h.subscribe(docG);
	await h.create(docG, '', 'text-unicode');
	const slow = new WebSocket(gw.url);
	await new Promise((r) => slow.on('open', r));
	slow.send(JSON.stringify({ a: 'hs', id: null, protocol: 1, protocolMinor: 2 }));
	slow.send(JSON.stringify({ a: 's', c: 'gw_text', d: id }));
	await new Promise((r) => slow.once('message', () => slow.once('message', r)));
	slow._socket.pause();							// reads nothing from now on
	const chunk = 'y'.repeat(256 * 1024);
	let k = 0;
	let most = 0;
	while ((await metric('closed_lagging_total')) === lagging0) {
		await h.submit(docG, [`${k++}${chunk}`]);
		most = Math.max(most, await metric('queued_bytes'));
		assert.ok(k < 200, 'closed before 200 ops of 256 kB (50 MB) were held for it');
	}
	t.diagnostic(`closed after ${k} ops of 256 kB; at most ${most} bytes queued; RSS ${rss0} -> ${rssKb(gw.pid)} kB`);
	assert.ok(most <= BOUND, `the queues never held more than the bound (${most} bytes)`);
	await h.submit(docG, [0, 'still here ']);		// the reader goes on
	slow.terminate();
	h.close(good);
	await noSessions();
	assert.equal(await metric('queued_bytes'), 0, 'nothing queued is left on the account');
});

test('--ops-waiting-max-bytes: ops that cannot reach the database yet hold at most 4 MiB per connection; more are refused, a client that leaves leaves none', { skip, timeout: 180000 }, async (t) => {
	const BOUND = 4 * 1024 * 1024;					// the default
	const refused0 = await metric('ops_refused_waiting_total');
	const abandoned0 = await metric('ops_abandoned_total');
	const rss0 = rssKb(gw.pid);
	const id = h.uid('waiting');
	const good = await h.connect(gw.url);
	const docG = h.getDoc(good, 'gw_text', id);
	await h.subscribe(docG);
	await h.create(docG, '', 'text-unicode');
	// The document's row is locked: its first op waits in the database, the rest in the gateway.
	const lock = await h.pgConnect();
	await lock.query('BEGIN');
	await lock.query('SELECT 1 FROM ot.documents WHERE collection = $1 AND name = $2 FOR UPDATE', ['gw_text', id]);
	const flood = async (n, size) => {
		const r = await h.Raw.open(gw.url);
		await r.handshake();
		for (let i = 1; i <= n; i++) r.send({ a: 'op', c: 'gw_text', d: id, v: 1, seq: i, op: [`${i}:${'z'.repeat(size)}`] });
		r.send({ a: 'pp' });						// answered after every op before it
		await r.expect((m) => m.a === 'pp', 'the pong after the flood');
		return r;
	};
	const N = 80;
	const R = await flood(N, 100000);
	const refused = R.all.filter((m) => m.a === 'op' && m.error);
	assert.ok(refused.length > 0, 'ops past the bound are refused');
	assert.ok(refused.every((m) => m.error.code === 'ERR_TOO_MANY_OPS_WAITING'), `with ERR_TOO_MANY_OPS_WAITING: ${JSON.stringify(refused[0] && refused[0].error)}`);
	assert.ok(refused.every((m) => !('op' in m)), 'the refusal names the op (a, c, d, v, seq) without echoing its body');
	const waiting = await metric('ops_waiting_bytes');
	assert.ok(waiting <= BOUND, `at most the bound waits (${waiting} bytes)`);
	assert.ok(waiting > BOUND - 2 * 100000 - 4096, `up to the bound (${waiting} bytes)`);
	assert.equal(await metric('ops_refused_waiting_total'), refused0 + refused.length, 'each refusal counted');
	const accepted = N - refused.length;
	// Another connection has a budget of its own; a client that leaves takes its waiting ops with it.
	const other = h.getDoc(good, 'gw_text', h.uid('waiting-other'));
	await h.create(other, 'free', 'text-unicode');
	const L = await flood(5, 1000);
	assert.deepEqual(L.all.filter((m) => m.a === 'op' && m.error), [], 'another connection\'s ops are taken');
	L.close();
	await eventually('the leaver\'s ops to be dropped', async () => (await metric('ops_abandoned_total')) === abandoned0 + 5);
	t.diagnostic(`${accepted} of ${N} ops of 100 kB taken, ${waiting} bytes waiting; RSS ${rss0} -> ${rssKb(gw.pid)} kB`);
	await lock.query('COMMIT');
	await lock.end();
	await eventually('every op taken to be acked', async () => R.all.filter((m) => m.a === 'op' && !m.error && !('op' in m)).length === accepted);
	const pg = await h.pgConnect();
	const final = await h.dbFetch(pg, 'gw_text', id);
	assert.equal(final.v, 1 + accepted, 'the ops taken are applied, the refused and the dropped ones not');
	await pg.end();
	R.close();
	h.close(good);
	await noSessions();
	assert.equal(await metric('ops_waiting_bytes'), 0, 'nothing waiting is left on the account');
});

test('Origin: scheme, host and port must be the gateway\'s own, whatever Host says (DNS rebinding)', { skip, timeout: 60000 }, async () => {
	const refused0 = await metric('connections_refused_origin_total');
	const port = new URL(gw.url).port;
	const refused = [
		// A page on the attacker's name, rebound to 127.0.0.1: its Host is its own name too.
		[`http://evil.example:${port}`, `evil.example:${port}`],
		[`http://rebind.localhost.example:${port}`, `rebind.localhost.example:${port}`],
		[`https://127.0.0.1:${port}`, `127.0.0.1:${port}`],		// another scheme
		['http://127.0.0.1', '127.0.0.1'],						// port 80
		['null', `127.0.0.1:${port}`],							// a sandboxed or file: page
		[`http://127.0.0.1:${port}/path`, `127.0.0.1:${port}`],
		[`http://127.0.0.1:${port}, http://evil.example`, `127.0.0.1:${port}`],
	];
	for (const [origin, host] of refused) {
		assert.equal(await attempt(gw.url, { origin, headers: { Host: host } }), 403, `Origin ${origin} with Host ${host}`);
	}
	for (const origin of [`http://localhost:${port}`, `http://LOCALHOST:${port}`, `http://127.0.0.1:${port}`, `http://[::1]:${port}`]) {
		const ws = await attempt(gw.url, { origin, headers: { Host: 'whatever.example' } });
		assert.ok(ws instanceof WebSocket, `the gateway's own origin ${origin}, whatever the Host (${ws})`);
		ws.close();
	}
	assert.equal(await metric('connections_refused_origin_total'), refused0 + refused.length, 'each refusal counted');
	// A list entry that is no origin stops the gateway at startup.
	const { spawnSync } = require('node:child_process');
	const bad = spawnSync(process.env.GATEWAY_BIN, ['--db', process.env.GATEWAY_DB, '--allow-anonymous',
		'--allowed-origins', 'https://app.example, app.example'], { encoding: 'utf8', timeout: h.WAIT_MS });
	assert.equal(bad.status, 2, `a bad --allowed-origins exits 2: ${bad.stderr}`);
	assert.match(bad.stderr, /"app.example" is no origin/);
	await noSessions();
});

// 565e652: a handshake refused with 403 or 429 ran the session's close path
// and gave back a slot it never took (limit 5, 40 tries: 22 sessions open).
test('--max-connections-per-ip holds: handshakes refused with 403 or 429 free no slot they never took', { skip, timeout: 60000 }, async () => {
	const clients = [];
	for (let i = 0; i < PER_IP - 1; i++) clients.push(await h.connect(gw.url));
	for (let i = 0; i < 20; i++) {
		assert.equal(await attempt(gw.url, { origin: 'http://evil.example' }), 403, `refused for its origin (${i})`);
	}
	clients.push(await h.connect(gw.url));
	const tries = [];
	for (let i = 0; i < 20; i++) tries.push(await attempt(gw.url));
	for (const t of tries) if (t instanceof WebSocket) t.terminate();
	assert.deepEqual(tries.map((t) => (t instanceof WebSocket ? 'open' : t)), Array(20).fill(429),
		`with ${PER_IP} sessions open every further handshake is refused`);
	assert.equal(await metric('connections'), PER_IP, `${PER_IP} sessions, no more`);
	for (const c of clients) h.close(c);
	await noSessions();
	const again = await h.connect(gw.url);
	h.close(again);
	await noSessions();
});

// 565e652: connections were counted only once they were sessions; 1,000 idle
// sockets from one address were all held until the handshake timeout.
test('--max-pending-per-ip: connections count from accept; past the limit they are closed at once, another address is served', { skip, timeout: 120000 }, async () => {
	const PENDING = 6;
	const own = await h.startGateway(['--allow-anonymous', '--max-pending-per-ip', String(PENDING),
		'--handshake-timeout', '600'], { slot: 1 });
	const port = Number(new URL(own.url).port);
	const socks = [];
	const closed = [];
	// From an address of their own (127.0.0.3): the harness's requests come from 127.0.0.1.
	for (let i = 0; i < PENDING + 10; i++) {
		const sock = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.3' });
		sock.on('error', () => {});
		sock.on('close', () => closed.push(i));
		socks.push(sock);
		await new Promise((resolve) => { sock.once('connect', resolve); sock.once('close', resolve); });
	}
	await h.until(() => closed.length >= 10, 'the 10 connections past the limit to be closed');
	assert.deepEqual([...closed].sort((a, b) => a - b), Array.from({ length: 10 }, (_, i) => PENDING + i),
		'the connections past the limit are closed, the first ones stay (idle, within --handshake-timeout)');
	// (The metrics request is a connection that is no session too.)
	await eventually(`${PENDING} idle connections counted`, async () =>
		(await metric('connections_pending', own)) === PENDING + 1);
	assert.equal(await metric('connections_refused_pending_total', own), 10);
	// A client from another address is served meanwhile; one from the same is not.
	const socket = new WebSocket(own.url, { localAddress: '127.0.0.4' });
	const connection = new ShareDB.Connection(socket);
	await h.until(() => connection.state === 'connected', 'the handshake from 127.0.0.4', [[connection, 'state']]);
	const doc = connection.get('gw_text', h.uid('pending'));
	await h.call('create from 127.0.0.4', (cb) => doc.create('served', h.TYPES['text-unicode'].uri, cb));
	const refused = await attempt(own.url, { localAddress: '127.0.0.3' });
	assert.ok(!(refused instanceof WebSocket), `from 127.0.0.3 no more connections (${refused})`);
	connection.close();
	// Gone, they make room.
	for (const sock of socks) sock.destroy();
	await eventually('the idle connections to be released', async () => (await metric('connections_pending', own)) === 1);
	const back = await attempt(own.url, { localAddress: '127.0.0.3' });
	assert.ok(back instanceof WebSocket, `room again (${back})`);
	back.terminate();
	own.kill('SIGTERM');
	assert.equal(await own.exited, 0, `the gateway exits 0:\n${own.log}`);
});

test('bf names no more documents than --max-subscriptions', { skip, timeout: 60000 }, async () => {
	const R = await h.Raw.open(gw.url);
	await R.handshake();
	const ids = Array.from({ length: MAX_SUBS + 1 }, (_, i) => h.uid(`bf${i}`));
	R.send({ a: 'bf', c: 'gw_text', b: ids });
	const over = await R.expect((m) => m.a === 'bf', 'the bf reply');
	assert.equal(over.error && over.error.code, 'ERR_TOO_MANY_SUBSCRIPTIONS', 'one document too many');
	assert.equal(over.data, undefined, 'nothing read');
	R.send({ a: 'bf', c: 'gw_text', b: Object.fromEntries(ids.map((id) => [id, null])) });
	const overObject = await R.expect((m) => m.a === 'bf', 'the bf reply (object form)');
	assert.equal(overObject.error && overObject.error.code, 'ERR_TOO_MANY_SUBSCRIPTIONS', 'the object form too');
	R.send({ a: 'bf', c: 'gw_text', b: ids.slice(0, MAX_SUBS) });
	const fits = await R.expect((m) => m.a === 'bf', 'the bf reply');
	assert.equal(fits.error, undefined);
	assert.deepEqual(Object.keys(fits.data).sort(), ids.slice(0, MAX_SUBS).sort(), 'as many as fit are read');
	R.close();
	await noSessions();
});

// 565e652: reads had no bound per connection; a bf of 100,000 ids made
// 100,000 queries ahead of everybody else's.
test('--max-reads: a connection has that many reads in flight, its next message waits; another connection is served', { skip, timeout: 60000 }, async () => {
	const id = h.uid('reads');
	await pg.query("SELECT ot.create('gw_misc', $1, 'text-unicode', '\"x\"')", [id]);
	const locker = await h.pgConnect();
	// Reads of an existing document need ot.snapshots: they wait for this lock.
	await locker.query('BEGIN');
	await locker.query('LOCK TABLE ot.snapshots IN ACCESS EXCLUSIVE MODE');
	const A = await h.Raw.open(gw.url);
	await A.handshake();
	for (let i = 0; i < 10; i++) A.send({ a: 'f', c: 'gw_misc', d: id });
	const blocked = async () => (await pg.query(`SELECT count(*)::int AS n FROM pg_stat_activity
		WHERE application_name = 'pg_ot_gateway query' AND wait_event_type = 'Lock'`)).rows[0].n;
	await eventually(`reads of A waiting for the lock`, async () => (await blocked()) >= MAX_READS);
	// B is not queued behind A: a read that needs no snapshot is answered now.
	const B = await h.Raw.open(gw.url);
	await B.handshake();
	B.send({ a: 'f', c: 'gw_misc', d: h.uid('missing') });
	const b = await B.expect((m) => m.a === 'f', 'B\'s fetch, while A\'s reads wait');
	assert.equal(b.error, undefined);
	assert.equal(b.data.v, 0);
	assert.equal(await blocked(), MAX_READS, `A has ${MAX_READS} reads in flight, no more`);
	assert.ok(!A.all.some((m) => m.a === 'f'), 'A has no reply yet');
	assert.equal(await metric('reads_in_flight'), MAX_READS);
	assert.ok((await metric('reads_waited_total')) >= 1, 'A\'s next message waits');
	await locker.query('COMMIT');
	await locker.end();
	for (let i = 0; i < 10; i++) {
		const a = await A.expect((m) => m.a === 'f', `A's fetch ${i + 1}`);
		assert.equal(a.error, undefined);
		assert.equal(a.data.data, 'x');
	}
	assert.equal(await metric('reads_in_flight'), 0);
	A.close(); B.close();
	await noSessions();
});

// 565e652: updates over --presence-rate were held per (channel, id) before
// access was checked, acknowledged when merged, with no cap (+380 MB in
// 15 s); every refused update asked the database again.
test('presence without a grant: refused before anything is held, every reply an error, the database asked only while nothing is known', { skip, timeout: 60000 }, async () => {
	const R = await h.Raw.open(gw.url);
	await R.handshake();
	const d = h.uid('nogrant');
	const ch = `${h.UNGRANTED}.${d}`;
	const n = 60;
	for (let i = 0; i < n; i++) {
		R.send({ a: 'p', ch, id: `cursor${i % 3}`, p: { index: i, length: 0 }, pv: i, c: h.UNGRANTED, d });
	}
	for (let i = 0; i < 20; i++) R.send({ a: 'ps', ch, seq: i + 1 });
	for (let i = 0; i < 20; i++) R.send({ a: 'pr', ch });
	const replies = [];
	for (let i = 0; i < n + 40; i++) replies.push(await R.expect((m) => ['p', 'ps', 'pr'].includes(m.a), `reply ${i + 1}`));
	assert.deepEqual(replies.filter((m) => !(m.error && m.error.code === 'ERR_SNAPSHOT_READS_REJECTED')), [],
		'every p, ps and pr is refused, none acknowledged');
	// Two questions (the document's presence, p; the channel itself, ps and pr), each
	// asked at most once per read slot: while the first answer is out.
	const asked = refusalsLogged(ch);
	assert.ok(asked >= 2 && asked <= 2 * MAX_READS, `the database refused the channel ${asked} times for ${n + 40} requests`);
	assert.equal(await metric('presences'), 0, 'no presence is kept');
	assert.equal(await metric('presence_bytes'), 0, 'no byte of it');
	assert.ok((await metric('refusals_cached_total')) >= n + 40 - 2 * MAX_READS,
		'the refusal is remembered: the rest are refused without the database');
	R.close();
	await noSessions();
});

test('--max-presence and --max-presences: a larger update and one presence too many are refused; a flood keeps the bound', { skip, timeout: 120000 }, async () => {
	const id = h.uid('presences');
	await pg.query("SELECT ot.create('gw_rich', $1, 'rich-text', '{\"ops\": [{\"insert\": \"text\\n\"}]}')", [id]);
	const ch = `gw_rich.${id}`;
	const R = await h.Raw.open(gw.url);
	await R.handshake();
	const p = (pid, value, pv) => ({ a: 'p', ch, id: pid, p: value, pv, c: 'gw_rich', d: id, v: 1, t: h.TYPES['rich-text'].uri });
	const replyTo = (pid, pv) => R.expect((m) => m.a === 'p' && m.id === pid && m.pv === pv, `the reply to ${pid} ${pv}`);
	R.send(p('big', { index: 0, length: 0, name: 'x'.repeat(MAX_PRESENCE) }, 0));
	assert.equal((await replyTo('big', 0)).error.code, 'ERR_PRESENCE_TOO_LARGE', `over ${MAX_PRESENCE} bytes`);
	for (let i = 0; i < MAX_PRESENCES; i++) {
		R.send(p(`c${i}`, { index: 0, length: 0 }, 0));
		assert.equal((await replyTo(`c${i}`, 0)).error, undefined, `presence ${i + 1}`);
	}
	R.send(p('one-more', { index: 1, length: 0 }, 0));
	assert.equal((await replyTo('one-more', 0)).error.code, 'ERR_TOO_MANY_PRESENCES', `presence ${MAX_PRESENCES + 1}`);
	R.send(p('c0', null, 1));
	assert.equal((await replyTo('c0', 1)).error, undefined, 'one ends');
	R.send(p('one-more', { index: 1, length: 0 }, 1));
	assert.equal((await replyTo('one-more', 1)).error, undefined, 'room for another');
	assert.equal(await metric('presence_refused_total'), 2, 'both counted');
	assert.equal(await metric('presences'), MAX_PRESENCES);
	// A flood over the rate: new ids are refused, the admitted ones merged.
	const flood = 3000;
	const value = { index: 0, length: 0, name: 'y'.repeat(MAX_PRESENCE - 100) };
	for (let i = 0; i < flood; i++) R.send(p(i % 2 ? `c${1 + (i % 3)}` : `new${i}`, value, 2 + i));
	let most = 0;
	for (let i = 0; i < flood; i++) {
		await R.expect((m) => m.a === 'p' && m.pv === 2 + i, `flood reply ${i}`);
		if (i % 500 === 0) most = Math.max(most, await metric('presence_bytes'));
	}
	// Each presence: its last record and one update waiting for the rate.
	const bound = MAX_PRESENCES * 2 * (MAX_PRESENCE + ch.length + 'gw_rich'.length + id.length + 200);
	assert.ok(most <= bound, `presence bytes kept (${most}) within ${bound}`);
	assert.equal(await metric('presences'), MAX_PRESENCES, 'no more presences than allowed');
	R.close();
	await noSessions();
	assert.equal(await metric('presences'), 0, 'gone with the connection');
	assert.equal(await metric('presence_bytes'), 0);
});

test('--max-refusals: each refused channel is asked once; past the limit no new channel is asked at all', { skip, timeout: 60000 }, async () => {
	const R = await h.Raw.open(gw.url);
	await R.handshake();
	const channels = Array.from({ length: MAX_REFUSALS + 3 }, () => `${h.UNGRANTED}.${h.uid('refusals')}`);
	for (const [i, ch] of channels.entries()) {
		for (let k = 0; k < 3; k++) {
			R.send({ a: 'ps', ch, seq: 3 * i + k });
			const reply = await R.expect((m) => m.a === 'ps' && m.seq === 3 * i + k, `ps ${3 * i + k}`);
			assert.equal(reply.error && reply.error.code, 'ERR_SNAPSHOT_READS_REJECTED');
		}
	}
	assert.deepEqual(channels.map(refusalsLogged), channels.map((_, i) => (i < MAX_REFUSALS ? 1 : 0)),
		`the first ${MAX_REFUSALS} channels asked once each, the rest not at all`);
	// Another connection has its own memory.
	const R2 = await h.Raw.open(gw.url);
	await R2.handshake();
	R2.send({ a: 'ps', ch: channels[MAX_REFUSALS], seq: 1 });
	assert.ok((await R2.expect((m) => m.a === 'ps', 'the ps reply')).error);
	assert.equal(refusalsLogged(channels[MAX_REFUSALS]), 1, 'asked for the other connection');
	R.close(); R2.close();
	await noSessions();
});

test('presence channels in use count against --max-subscriptions, sent on or subscribed; an unused one makes room', { skip, timeout: 60000 }, async () => {
	const ids = Array.from({ length: MAX_SUBS + 1 }, (_, i) => h.uid(`inuse${i}`));
	for (const id of ids) await pg.query("SELECT ot.create('gw_rich', $1, 'rich-text', '{\"ops\": [{\"insert\": \"t\\n\"}]}')", [id]);
	const R = await h.Raw.open(gw.url);
	await R.handshake();
	const send = async (id, pv, value = { index: 0, length: 0 }) => {
		R.send({ a: 'p', ch: `gw_rich.${id}`, id: 'cursor', p: value, pv, c: 'gw_rich', d: id, v: 1, t: h.TYPES['rich-text'].uri });
		return R.expect((m) => m.a === 'p' && m.d === id && m.pv === pv, `the reply on ${id}`);
	};
	for (const id of ids.slice(0, MAX_SUBS)) assert.equal((await send(id, 0)).error, undefined, `sends on ${id}`);
	assert.equal((await send(ids[MAX_SUBS], 0)).error.code, 'ERR_TOO_MANY_SUBSCRIPTIONS', 'one channel too many');
	R.send({ a: 'pu', ch: `gw_rich.${ids[0]}`, seq: 1 });
	await R.expect((m) => m.a === 'pu', 'the pu reply');
	assert.equal((await send(ids[MAX_SUBS], 1)).error, undefined, 'the channel left makes room');
	R.close();
	await noSessions();
});

test('TLS: the stock client edits over wss://; plain ws:// to that port gets no session', { skip, timeout: 60000 }, async () => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg_ot_tls_'));
	const cert = path.join(dir, 'cert.pem');
	const key = path.join(dir, 'key.pem');
	execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
		'-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
	const ca = fs.readFileSync(cert, 'utf8');
	const tls = await h.startGateway(['--allow-anonymous', '--tls-cert', cert, '--tls-key', key,
		'--allowed-origins', 'https://app.example, https://other.example'], { slot: 1, ca });
	assert.match(tls.log, /with TLS/, 'the gateway says it serves TLS');
	const socket = new WebSocket(tls.url, { ca });
	const connection = new ShareDB.Connection(socket);
	await h.until(() => connection.state === 'connected', 'the handshake over wss://', [[connection, 'state']]);
	const id = h.uid('tls');
	const doc = connection.get('gw_text', id);
	await h.call('create over TLS', (cb) => doc.create('secure', h.TYPES['text-unicode'].uri, cb));
	await h.call('an op over TLS', (cb) => doc.submitOp([6, ' line'], cb));
	const pg = await h.pgConnect();
	assert.deepEqual(await h.dbFetch(pg, 'gw_text', id), { v: 2, type: h.TYPES['text-unicode'].uri, data: 'secure line' });
	await pg.end();
	const listed = await attempt(tls.url, { ca, origin: 'https://other.example' });
	assert.ok(listed instanceof WebSocket, `an origin --allowed-origins lists (${listed})`);
	listed.close();
	const port443 = await attempt(tls.url, { ca, origin: 'https://app.example:443' });
	assert.ok(port443 instanceof WebSocket, `the same with its default port written out (${port443})`);
	port443.close();
	assert.equal(await attempt(tls.url, { ca, origin: 'http://other.example' }), 403, 'a listed host on another scheme');
	assert.equal(await attempt(tls.url, { ca, origin: `https://127.0.0.1:${new URL(tls.url).port}` }), 403,
		'with --allowed-origins, only those');
	const plain = await attempt(tls.url.replace('wss:', 'ws:'));
	assert.ok(!(plain instanceof WebSocket), `no WebSocket without TLS (${plain})`);
	connection.close();
	fs.rmSync(dir, { recursive: true, force: true });
});
