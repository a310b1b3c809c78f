'use strict';
// The gateway on a real network (pg_ot only).  run.sh runs the suite with
// the gateways reaching PostgreSQL over its Unix socket, over TCP and over
// TLS (GATEWAY_DB_VIA); these tests use whichever it is:
//  - ops of 1 byte, and the largest op --max-message lets in (a message of
//    exactly that many bytes), are acknowledged, stored and delivered
//    through another gateway, with a proxy on the writer's link that
//    forwards 64 kB at a time (the query is sent, and results read, in many
//    partial writes and reads);
//  - over TCP, a proxy between a gateway and PostgreSQL that stops
//    forwarding without closing (a partition, a frozen primary): /healthz
//    turns 503, the gateway drops its connections and makes new ones, clients
//    are closed with 1013 past the grace and handshakes refused with 503,
//    the batch in flight is sent again once the database answers, and every
//    acknowledged op is in ot.ops once.

const { test, after } = require('node:test');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const WebSocket = require('ws');
const h = require('../lib/harness');
const { assert } = h;

after(async () => {
	await h.closeAll();
	await h.stopGateways();
});

const skip = h.SKIP_UNLESS_PG_OT;
const VIA = process.env.GATEWAY_DB_VIA || 'socket';
const root = path.resolve(__dirname, '..', '..', '..');

// What --help says each flag defaults to: { 'max-message': '1048576', ... }.
function helpDefaults() {
	const help = execFileSync(process.env.GATEWAY_BIN, ['--help'], { encoding: 'utf8' });
	const defaults = {};
	// A flag's entry runs from "  --name" to the next flag; its "(default N)" may wrap.
	for (const entry of help.split(/\n(?=  --)/)) {
		const m = /^\s*--([a-z-]+)[\s\S]*?default (\d+)\)/.exec(entry);
		if (m) defaults[m[1]] = m[2];
	}
	return { help, defaults };
}

// The README's flag table: { 'db-timeout': '5', ... } (its default column).
function readmeDefaults() {
	const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
	const defaults = {};
	for (const line of readme.split('\n')) {
		const m = /^\| `--([a-z-]+)[^`]*` \| [^|]* \| ([^|]+) \|/.exec(line);
		if (m) defaults[m[1]] = m[2].trim();
	}
	return { readme, defaults };
}

// Printable ASCII without '"' or '\\' (one byte each in JSON), not one letter repeated.
function text(n, seed) {
	const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:-_+*#=<>()[]{}!?';
	let x = seed >>> 0;
	let s = '';
	for (let i = 0; i < n; i++) {
		x = (Math.imul(x, 1103515245) + 12345) >>> 0;
		s += alphabet[(x >>> 16) % alphabet.length];
	}
	return s;
}

/*
 * A proxy between a gateway and PostgreSQL, on the transport the suite uses
 * (the cluster's Unix socket, or TCP; TLS passes through it).  trickle: it
 * forwards at most 64 kB at a time with a pause after each, so a large
 * query or result takes many partial writes and reads.  hold(): it stops
 * forwarding without closing, reading nothing from either side (the peers'
 * kernel buffers fill and their writes stall, as in a partition) and
 * connecting nothing new; release(): everything sent meanwhile, closes
 * included, goes through.
 */
class Proxy {
	constructor({ trickle = false } = {}) {
		this.trickle = trickle;
		this.holding = false;
		this.pairs = new Set();
		this.server = net.createServer({ allowHalfOpen: true }, (c) => this.accept(c));
		this.unix = VIA === 'socket';
	}
	// Listens, and returns the conninfo that reaches PostgreSQL through it.
	async listen() {
		const db = process.env.GATEWAY_DB;
		if (this.unix) {
			this.dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'pg_ot_proxy_'));
			await new Promise((resolve) => this.server.listen(path.join(this.dir, `.s.PGSQL.${process.env.CLUSTER_PORT}`), resolve));
			this.target = { path: path.join(process.env.CLUSTER_DIR, `.s.PGSQL.${process.env.CLUSTER_PORT}`) };
			return db.replace(/host=\S+/, `host=${this.dir}`);
		}
		await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
		this.target = { port: Number(process.env.CLUSTER_PORT), host: '127.0.0.1' };
		return db.replace(/port=\d+/, `port=${this.server.address().port}`);
	}
	accept(client) {
		const pair = { client, upstream: null };
		this.pairs.add(pair);
		client.on('error', () => {});
		client.on('close', () => this.pairs.delete(pair));
		if (this.holding) client.pause();
		else this.connect(pair);
	}
	connect(pair) {
		const up = net.connect({ ...this.target, allowHalfOpen: true });
		pair.upstream = up;
		up.on('error', () => {});
		const link = (a, b) => {
			a.on('data', (d) => {
				if (!b.write(d)) a.pause();		// until b drains
				else if (this.trickle) {
					a.pause();
					setTimeout(() => { if (!this.holding) a.resume(); }, 5);
				}
			});
			b.on('drain', () => { if (!this.holding) a.resume(); });
			a.on('end', () => b.end());
			a.on('close', (hadError) => { if (hadError) b.destroy(); });
		};
		link(pair.client, up);
		link(up, pair.client);
	}
	// The local ports of its connections to PostgreSQL (pg_stat_activity.client_port).
	upstreamPorts() {
		return [...this.pairs].filter((p) => p.upstream && p.upstream.localPort).map((p) => p.upstream.localPort);
	}
	hold() {
		this.holding = true;
		for (const p of this.pairs) {
			p.client.pause();
			if (p.upstream) p.upstream.pause();
		}
	}
	release() {
		this.holding = false;
		for (const p of [...this.pairs]) {
			if (!p.upstream) this.connect(p);
			p.client.resume();
			p.upstream.resume();
		}
	}
	close() {
		for (const p of this.pairs) {
			p.client.destroy();
			if (p.upstream) p.upstream.destroy();
		}
		this.server.close();
		if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
	}
}

test(`ops of 1 byte and the largest message --max-message allows are acknowledged over ${VIA}`, { skip, timeout: 240000 }, async (t) => {
	const mark = h.clientWarnings.length;
	const max = Number(helpDefaults().defaults['max-message']);
	assert.equal(max, 1048576, '--max-message defaults to 1 MiB');
	// The gateways reach PostgreSQL the way the suite says.
	const pg = await h.pgConnect();
	const seen = (await pg.query("SELECT a.client_addr IS NULL AS unix, s.ssl FROM pg_stat_activity a " +
		"JOIN pg_stat_ssl s USING (pid) WHERE a.application_name LIKE 'pg_ot_gateway%'")).rows;
	assert.ok(seen.length >= 10, 'the two gateways\' connections are in pg_stat_activity');
	const want = { socket: { unix: true, ssl: false }, tcp: { unix: false, ssl: false }, tls: { unix: false, ssl: true } }[VIA];
	for (const row of seen) assert.deepEqual(row, want, `a gateway connection over ${VIA}`);

	// The writer's gateway reaches PostgreSQL through a proxy that forwards 64 kB at a time.
	const proxy = new Proxy({ trickle: true });
	const gw = await h.startGateway(['--db', await proxy.listen(), '--allow-anonymous']);
	const id = h.uid('large');
	const A = await h.connect(gw.url);
	const docA = h.getDoc(A, 'gw_text', id);
	await h.subscribe(docA);
	await h.create(docA, '', 'text-unicode');
	const B = await h.connect(h.URLS[1]);			// another gateway: by notification and op log read
	const docB = h.getDoc(B, 'gw_text', id);
	await h.subscribe(docB);
	const from = docB.version;

	for (const ch of ['a', 'Z', ' ']) await h.submit(docA, [docA.data.length, ch]);
	assert.equal(docA.data, 'aZ ');

	// The stock client's next op message, byte for byte (the first send of an op has no src).
	const frame = (body) => JSON.stringify({
		a: 'op', c: 'gw_text', d: id, v: docA.version, seq: A.connection.seq, x: {}, op: [docA.data.length, body],
	});
	const big = text(max - frame('').length, 7);
	assert.equal(Buffer.byteLength(frame(big)), max);
	let sentBytes = 0;
	A.socket.dropOut = (m) => {
		if (m.a === 'op' && m.d === id) sentBytes = Buffer.byteLength(JSON.stringify(m));
		return false;
	};
	const v = docA.version;
	await h.submit(docA, [docA.data.length, big]);
	assert.equal(sentBytes, max, `the op's message was exactly --max-message (${max}) bytes`);
	A.socket.dropOut = null;
	await h.submit(docA, [0, '1']);
	await h.waitVersion(docB, v + 2);
	t.diagnostic(`a ${sentBytes}-byte op message acknowledged at version ${v}`);

	const final = await h.dbFetch(pg, 'gw_text', id);
	assert.equal(final.data, `1aZ ${big}`, 'ot.fetch has every op');
	assert.equal(docA.data, final.data);
	assert.equal(docB.data, final.data, 'the other gateway delivered it');
	const stored = await pg.query('SELECT op FROM ot.ops($1, $2, $3, $4)', ['gw_text', id, v, v + 1]);
	assert.deepEqual(stored.rows[0].op, [3, big], 'ot.ops stores the large op as sent');
	h.assertDelivered(B, 'gw_text', id, from, final.v);
	// A fresh client reads the 1 MB snapshot through the slow link.
	assert.equal((await h.fetchFresh('gw_text', id, gw.url)).data, final.data, 'a fetch through the proxy');
	await pg.end();

	// One byte more is refused (1009), so the op above was the largest.
	const r = await h.Raw.open(gw.url);
	r.sendText(JSON.stringify({ a: 'f', c: 'gw_text', d: id, pad: 'x'.repeat(max) }).slice(0, max + 1));
	assert.equal((await r.closed('the close of a message over --max-message')).code, 1009);
	r.close();
	h.assertClean([A, B], mark);
	h.close(A);
	h.close(B);
	await h.stopGateways();
	proxy.close();
});

async function scrape(url) {
	const r = await h.httpGet(`${url}/metrics`);
	const m = new Map();
	for (const line of r.body.split('\n')) {
		const s = /^([a-z_]+) (\S+)$/.exec(line);
		if (s) m.set(s[1], Number(s[2]));
	}
	return m;
}

// Resolves once the async pred is true (polled), fails after WAIT_MS.
async function waitFor(what, pred) {
	const deadline = Date.now() + h.WAIT_MS;
	for (;;) {
		if (await pred()) return;
		if (Date.now() > deadline) throw new Error(`timed out after ${h.WAIT_MS} ms waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 100));
	}
}

// The backends of the gateway behind the proxy, by the proxy's ports.
async function backends(pg, ports) {
	const r = await pg.query("SELECT pid, client_port, application_name FROM pg_stat_activity " +
		"WHERE application_name LIKE 'pg_ot_gateway%' AND client_port = ANY($1::int[])", [ports]);
	return r.rows;
}

const tcpOnly = skip || (VIA === 'tcp' ? false : 'the black-hole proxy runs when the suite reaches PostgreSQL over TCP');

test('a database that goes silent: /healthz 503, connections dropped and made again, clients closed with 1013, batches resent, nothing acknowledged lost', { skip: tcpOnly, timeout: 300000 }, async (t) => {
	// The defaults the README states, and the bound they give.
	const { help, defaults } = helpDefaults();
	const readme = readmeDefaults();
	for (const [flag, value] of [['db-timeout', '5'], ['db-query-timeout', '30'], ['db-grace', '15']]) {
		assert.equal(defaults[flag], value, `--help: --${flag} defaults to ${value}`);
		assert.equal(readme.defaults[flag], value, `README: --${flag} defaults to ${value}`);
	}
	assert.match(help, /heartbeat \(sent every 2 s\)/, '--help: the heartbeat interval');
	assert.match(readme.readme, /a `SELECT 1` every 2 s/, 'README: the heartbeat interval');
	assert.match(readme.readme, /\/healthz` turns 503 within 7 s/, 'README: the bound');
	assert.ok(2 + Number(defaults['db-timeout']) <= 7, 'heartbeat interval + --db-timeout is the stated bound');

	// A gateway whose every connection to PostgreSQL goes through the proxy, with short deadlines.
	const proxy = new Proxy();
	const db = await proxy.listen();
	const gw = await h.startGateway(['--db', db, '--allow-anonymous', '--db-timeout', '1', '--db-query-timeout', '3',
		'--db-grace', '4']);
	const pg = await h.pgConnect();
	const id = h.uid('blackhole');
	const typists = [];
	for (let i = 0; i < 3; i++) {
		const c = await h.connect(gw.url);
		const doc = h.getDoc(c, 'gw_text', id);
		await h.subscribe(doc);
		typists.push({ c, doc, acked: [], closed: null });
	}
	await h.create(typists[0].doc, '', 'text-unicode');
	await h.until(() => typists.every((x) => x.doc.type), 'every typist to have the document');
	const O = await h.connect(h.URLS[0]);					// an observer on a gateway that is not cut off
	const docO = h.getDoc(O, 'gw_text', id);
	await h.subscribe(docO);
	const from = docO.version;

	let typing = true;
	const typed = typists.map((x, i) => (async () => {
		for (let k = 0; typing; k++) {
			const token = `<${i}.${k}>`;
			await new Promise((resolve) => {
				x.doc.submitOp([token], (err) => { if (!err) x.acked.push(token); resolve(); });
			});
		}
	})());
	await h.until(() => typists.every((x) => x.acked.length >= 5), 'some ops acknowledged');
	await waitFor('the listener and pool seen', async () => (await backends(pg, proxy.upstreamPorts())).length >= 5);
	const before = await backends(pg, proxy.upstreamPorts());
	const m0 = await scrape(gw.http);

	// The partition.  An op sent now goes out on an idle query connection and is stuck in flight.
	const D = await h.connect(gw.url);
	const docD = h.getDoc(D, 'gw_text', h.uid('blackhole-inflight'));
	await h.subscribe(docD);
	proxy.hold();
	const t0 = Date.now();
	let dAcked = false;
	docD.create('x', 'text-unicode', (err) => { if (!err) dAcked = true; });
	await waitFor('/healthz to turn 503', async () => (await h.httpGet(`${gw.http}/healthz`)).status === 503);
	const noticed = (Date.now() - t0) / 1000;
	t.diagnostic(`/healthz 503 after ${noticed.toFixed(1)} s (--db-timeout 1)`);
	assert.ok(noticed < 10, `a silent database shows on /healthz well within the default bound (${noticed} s)`);
	const m1 = await scrape(gw.http);
	assert.ok(m1.get('pg_ot_gateway_db_timeouts_total') > m0.get('pg_ot_gateway_db_timeouts_total'), 'a deadline passed');
	assert.ok(m1.get('pg_ot_gateway_db_silent_total') >= 1, 'the listener found the database silent');
	assert.equal(m1.get('pg_ot_gateway_listener_up'), 0);
	await waitFor('the query connections to be dropped too',
		async () => (await scrape(gw.http)).get('pg_ot_gateway_pool_connections_up') === 0);
	assert.match(gw.log, /did not answer within 1 s/, 'the log says why');

	// Past the grace: every session is closed with 1013, and a new one is refused with 503.
	const closes = await Promise.all([...typists, { c: D }].map((x) => new Promise((resolve) => {
		if (x.c.socket.readyState === WebSocket.CLOSED) resolve(null);
		else x.c.socket.ws.addEventListener('close', (e) => resolve(e.code));
	})));
	t.diagnostic(`sessions closed with ${closes.join(', ')} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
	assert.deepEqual(closes, [1013, 1013, 1013, 1013], 'each session was closed with 1013 (try again later)');
	const refused = await new Promise((resolve) => {
		const ws = new WebSocket(gw.url);
		ws.on('unexpected-response', (req, res) => { resolve(res.statusCode); ws.terminate(); });
		ws.on('open', () => { resolve('open'); ws.terminate(); });
		ws.on('error', () => {});
	});
	assert.equal(refused, 503, 'a handshake during the outage gets 503');
	assert.ok((await scrape(gw.http)).get('pg_ot_gateway_connections_refused_db_total') >= 1, 'and it is counted');
	assert.ok(typists.some((x) => x.doc.inflightOp || x.doc.pendingOps.length), 'the clients keep ops pending');
	assert.equal(dAcked, false, 'the op sent into the partition is not acknowledged');

	// The link comes back: new connections, the stuck batch sent again, the clients come back and resend.
	proxy.release();
	await waitFor('/healthz to turn 200 again', async () => (await h.httpGet(`${gw.http}/healthz`)).status === 200);
	for (const x of [...typists, { c: D }]) await h.reconnect(x.c, gw.url);
	await h.until(() => dAcked, 'the op sent into the partition to be acknowledged');
	await h.until(() => typists.every((x) => x.acked.length >= 10), 'typing to go on');
	typing = false;
	await Promise.all(typed);
	for (const x of typists) await h.nothingPending(x.doc);
	const m2 = await scrape(gw.http);
	assert.ok(m2.get('pg_ot_gateway_batches_resent_total') > m0.get('pg_ot_gateway_batches_resent_total'),
		'the batch in flight was sent again');
	const old = new Set(before.map((b) => b.pid));
	await waitFor('every connection to be up again', async () => {
		const m = await scrape(gw.http);
		return m.get('pg_ot_gateway_listener_up') === 1 && m.get('pg_ot_gateway_pool_connections_up') === 4;
	});
	await waitFor('the old backends to end once the link is back', async () => {
		const r = await pg.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = ANY($1::int[])', [[...old]]);
		return r.rows[0].n === 0;
	});
	const now = await backends(pg, proxy.upstreamPorts());
	assert.ok(now.length >= 5 && now.every((b) => !old.has(b.pid)),
		`the gateway is on new connections: ${JSON.stringify(now)} (old ${[...old]})`);

	// Nothing acknowledged is lost, nothing is applied twice.
	const final = await h.dbFetch(pg, 'gw_text', id);
	const ops = (await pg.query('SELECT version, src, seq FROM ot.ops($1, $2, 0)', ['gw_text', id])).rows;
	assert.equal(ops.length, final.v, 'one op per version');
	let total = 0;
	for (const x of typists) {
		await h.waitVersion(x.doc, final.v);
		assert.equal(x.doc.data, final.data, 'the typist converged to ot.fetch');
		for (const token of x.acked) assert.ok(final.data.includes(token), `acknowledged ${token} is stored`);
		for (const ack of h.acks(x.c, 'gw_text', id)) {
			const row = ops.find((r) => Number(r.version) === ack.v);
			assert.ok(row && row.src === h.publicSrc(ack.src) && Number(row.seq) === ack.seq,
				`the ack of (${ack.src}, ${ack.seq}) at v${ack.v} is that op in ot.ops`);
		}
		total += x.acked.length;
	}
	t.diagnostic(`${total} ops acknowledged, document at version ${final.v}`);
	assert.equal(final.v, 1 + total, 'one version per acknowledged op');
	const pairs = new Set(ops.filter((r) => r.src).map((r) => `${r.src}/${r.seq}`));
	assert.equal(pairs.size, ops.filter((r) => r.src).length, 'no (src, seq) stored twice');
	await h.waitVersion(docO, final.v);
	assert.equal(docO.data, final.data, 'the observer on the other gateway converged');
	h.assertDelivered(O, 'gw_text', id, from, final.v);

	await pg.end();
	for (const x of [...typists, { c: D }, { c: O }]) h.close(x.c);
	await h.stopGateways();
	proxy.close();
});
