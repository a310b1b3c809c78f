'use strict';
/*
 * What the gateway tests share: the target, stock ShareDB client connections
 * (over a socket the test can make lose messages), a raw ws client for the
 * messages the stock client never sends, waits driven by protocol events,
 * and, for the pg_ot target, a PostgreSQL connection.
 *
 * Environment (run.sh sets it):
 *   TARGET        reference | pg_ot
 *   GATEWAY_URLS  comma-separated ws:// URLs, the first is the main server;
 *                 pg_ot runs start two gateways on one database
 *   GATEWAY_SPREAD 1: every new connection (and reconnection) goes to the
 *                 next URL in turn, so each scenario runs with its clients
 *                 on different gateways; otherwise they all use the first
 *   PG*           the database of the pg_ot target (on partitions: the router)
 *   GATEWAY_PARTITIONS N: the documents live on N partitions
 *                 (PARTITION_CONNINFO_0, ...); each test file checks at its
 *                 end that the documents it used are each on the partition
 *                 ot.partition_of names, and on no other
 *   WAIT_MS       how long a wait may take before it fails (default 30000);
 *                 it only bounds how long a broken server is waited for,
 *                 no assertion depends on it
 *   SEED          PRNG seed of the random edits (default 1)
 */

const assert = require('node:assert/strict');
const { afterEach, after } = require('node:test');
const WebSocket = require('ws');
const ShareDB = require('sharedb/lib/client');
const textUnicode = require('ot-text-unicode').type;
const richText = require('rich-text');

ShareDB.types.register(textUnicode);
ShareDB.types.register(richText.type);
// json0 documents embed both, as subtypes (reference-server.js registers them too)
ShareDB.types.defaultType.registerSubtype(textUnicode);
ShareDB.types.defaultType.registerSubtype(richText.type);

const TARGET = process.env.TARGET || 'reference';
const URLS = (process.env.GATEWAY_URLS || '').split(',').filter(Boolean);
const WAIT_MS = Number(process.env.WAIT_MS || 30000);
const SEED = Number(process.env.SEED || 1);
const PG_OT = TARGET === 'pg_ot';
const SKIP_UNLESS_PG_OT = PG_OT ? false : 'pg_ot target only';
const PARTITIONS = PG_OT ? Number(process.env.GATEWAY_PARTITIONS || 0) : 0;
// What a test that needs one database's details skips on partitions.
const SKIP_ON_PARTITIONS = PARTITIONS ? 'one database only (GATEWAY_PARTITIONS)' : false;

if (URLS.length === 0) throw new Error('GATEWAY_URLS is not set (run the suite with run.sh)');

const SPREAD = process.env.GATEWAY_SPREAD === '1' && URLS.length > 1;
// The servers scenarios use: one, or all of them in turn (GATEWAY_SPREAD).
const CLIENT_URLS = SPREAD ? URLS : [URLS[0]];
let turn = 0;
function nextUrl() {
	return CLIENT_URLS[turn++ % CLIENT_URLS.length];
}

const { COLLECTIONS, UNGRANTED } = require('./collections');

const TYPES = {
	'text-unicode': { name: 'text-unicode', uri: textUnicode.uri, type: textUnicode },
	'rich-text': { name: 'rich-text', uri: richText.type.uri, type: richText.type },
	// ShareDB's default type, registered by the client itself
	json0: { name: 'json0', uri: ShareDB.types.defaultType.uri, type: ShareDB.types.defaultType },
};
function typeUri(t) {
	for (const k in TYPES) if (TYPES[k].name === t || TYPES[k].uri === t) return TYPES[k].uri;
	return t;
}

/* ---------- what the stock client complains about ---------- */

// The stock client logs a warning, and repairs things silently, when a
// server breaks the protocol (an ack at the wrong version, a message it
// cannot parse): every such warning fails the test that caused it.
const clientWarnings = [];
ShareDB.logger.setMethods({
	info() {},
	warn(...args) { clientWarnings.push(args.map(fmt).join(' ')); },
	error(...args) { clientWarnings.push(args.map(fmt).join(' ')); },
});
function fmt(x) {
	if (typeof x === 'string') return x;
	try { return JSON.stringify(x); } catch (e) { return String(x); }
}

/* ---------- unique names ---------- */

const RUN = `${Date.now().toString(36)}${process.pid.toString(36)}`;
let counter = 0;
function uid(prefix) {
	return `${prefix}-${RUN}-${++counter}`;
}

/* ---------- waits ---------- */

// Resolves once pred() is true.  pred is re-checked whenever one of the
// given [emitter, event] pairs fires (and, as a safety net, every 50 ms);
// fails after WAIT_MS with `what` and describe() in the message.
function until(pred, what, sources = [], describe) {
	return new Promise((resolve, reject) => {
		let done = false;
		const check = () => {
			if (done) return;
			let ok;
			try { ok = pred(); } catch (e) { finish(e); return; }
			if (ok) finish(null, ok);
		};
		const offs = [];
		for (const [em, ev] of sources) {
			const h = () => setImmediate(check);
			em.on(ev, h);
			offs.push(() => em.removeListener(ev, h));
		}
		const poll = setInterval(check, 50);
		const timer = setTimeout(() => {
			finish(new Error(`timed out after ${WAIT_MS} ms waiting for ${what}` +
				(describe ? `: ${describe()}` : '')));
		}, WAIT_MS);
		function finish(err, value) {
			if (done) return;
			done = true;
			clearInterval(poll);
			clearTimeout(timer);
			for (const off of offs) off();
			if (err) reject(err); else resolve(value);
		}
		check();
	});
}

// A node-style call as a promise that fails after WAIT_MS.
function call(what, fn) {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`timed out after ${WAIT_MS} ms: ${what}`)), WAIT_MS);
		fn((err, value) => {
			clearTimeout(timer);
			if (err) {
				const e = new Error(`${what}: ${err.code || ''} ${err.message}`);
				e.code = err.code;
				reject(e);
			} else resolve(value);
		});
	});
}

function clone(x) { return x === undefined ? undefined : JSON.parse(JSON.stringify(x)); }

// The src others see of a client's id (what broadcasts, presence and the op
// log carry): pg_ot keeps the whole id "<public>.<mac>" between the client
// and the gateway and shows only its public part; ShareDB shows the id.
function publicSrc(id) {
	return PG_OT && typeof id === 'string' ? id.split('.')[0] : id;
}

/* ---------- stock client over a socket that can lose messages ---------- */

// A WebSocket as the stock client wants it (readyState, send, close, on*),
// over ws.  dropOut(msg) / dropIn(msg) returning true lose that message, as
// a network that fails at that moment would.
class LossySocket {
	constructor(url) {
		this.url = url;
		this.dropOut = null;
		this.dropIn = null;
		this.onopen = this.onclose = this.onmessage = this.onerror = null;
		this.ws = new WebSocket(url);
		this.ws.onopen = (ev) => { if (this.onopen) this.onopen(ev); };
		this.ws.onerror = (ev) => { if (this.onerror) this.onerror(ev); };
		this.ws.onclose = (ev) => { if (this.onclose) this.onclose(ev); };
		this.ws.onmessage = (ev) => {
			if (this.dropIn) {
				let msg;
				try { msg = JSON.parse(ev.data); } catch (e) { msg = undefined; }
				if (msg && this.dropIn(msg)) return;
			}
			if (this.onmessage) this.onmessage({ data: typeof ev.data === 'string' ? ev.data : ev.data.toString() });
		};
	}
	get readyState() { return this.ws.readyState; }
	send(data) {
		if (this.dropOut && this.dropOut(JSON.parse(data))) return;
		this.ws.send(data);
	}
	close() { this.ws.close(); }
	terminate() { this.ws.terminate(); }
}

const open = new Set();

/* ---------- each op once, and never its own ---------- */

// Every op message (broadcast or ack) a stock client receives is counted
// per (collection, id, version), over all its sockets: the server must
// deliver each version once.  Every op the client sends (first send and
// resends after a reconnect, with the src it carries or, on a first send,
// the connection's id) is remembered by (collection, id, src, seq): an op
// message with a body that carries one of those is its own op echoed, which
// must only ever reach it as its ack.  Every test fails (afterEach below)
// if one of its clients saw either.
//
// The reference server breaks this in two ways of its own, by design
// (sharedb 7 lib/agent.js): a submit's reply sends "any operations that the
// client is missing" (those its op was transformed against) right before
// the ack, although the subscription stream delivers them too; and a
// subscribe (or fetch) from a version sends the ops since it, the client's
// own included, right before its reply, while "ops may already be queued on
// the stream by pubsub ... Clients should ignore any duplicate ops".  So,
// for TARGET=reference only, a copy that came in such a reply run (see
// replyRuns) may repeat one that came another way, and may be the client's
// own op.
// pg_ot is allowed neither.
const watched = [];
const sep = '\u0000';

function watchDeliveries(client) {
	const w = { client, submitted: new Set(), sentAt: new Map(), copies: [], reported: new Set() };
	const { connection } = client;
	connection.on('send', (m) => {
		if (m.a !== 'op') return;
		const k = [m.c, m.d, m.src == null ? connection.id : m.src, m.seq].join(sep);
		w.submitted.add(k);
		w.sentAt.set(k, m.v);
	});
	// After the listener that fills client.received: at is this message's index there.
	connection.on('receive', (req) => {
		const m = req.data;
		if (!m || m.a !== 'op' || m.error || typeof m.v !== 'number') return;
		const body = 'op' in m || Boolean(m.create) || Boolean(m.del);
		w.copies.push({
			m, at: client.received.length - 1, body,
			own: body && w.submitted.has([m.c, m.d, m.src, m.seq].join(sep)),
		});
	});
	watched.push(w);
}

// Indexes (into client.received) of the op messages the reference sent in
// a reply run: just before an ack, the ops from the version the op was
// sent at up to the ack's; just before an s, f, bs or bf reply, the ops
// (of each document concerned) since the version asked.  Walks back from
// the reply over the op messages right before it, taking consecutive
// versions of the document downwards.
function replyRuns(w) {
	const received = w.client.received;
	const inRun = new Set();
	const isOp = (m) => m && m.a === 'op' && !m.error && ('op' in m || m.create || m.del);
	const takeBack = (at, c, d, top, bottom) => {
		let want = top;
		for (let i = at - 1; i >= 0 && isOp(received[i]) && want >= bottom; i--) {
			const x = received[i];
			if (x.c !== c || x.d !== d) continue;
			if (want === null) want = x.v;
			if (x.v !== want) break;
			inRun.add(i);
			want--;
		}
	};
	received.forEach((m, at) => {
		if (!m || m.error || isOp(m)) return;
		if (m.a === 'op' && typeof m.v === 'number') {
			const sentAt = w.sentAt.get([m.c, m.d, m.src, m.seq].join(sep));
			if (typeof sentAt === 'number') takeBack(at, m.c, m.d, m.v - 1, sentAt);
		} else if (m.a === 's' || m.a === 'f') {
			takeBack(at, m.c, m.d, null, -Infinity);
		} else if (m.a === 'bs' || m.a === 'bf') {
			const docs = new Set();
			for (let i = at - 1; i >= 0 && isOp(received[i]); i--) {
				if (received[i].c === m.c) docs.add(received[i].d);
			}
			for (const d of docs) takeBack(at, m.c, d, null, -Infinity);
		}
	});
	return inRun;
}

function deliveryFaults(w) {
	const faults = [];
	const tolerated = PG_OT ? new Set() : replyRuns(w);
	const byVersion = new Map();
	for (const x of w.copies) {
		const k = [x.m.c, x.m.d, x.m.v].join(sep);
		if (!byVersion.has(k)) byVersion.set(k, []);
		byVersion.get(k).push(x);
		if (x.own && !tolerated.has(x.at)) {
			faults.push(`${x.m.c}/${x.m.d} version ${x.m.v}: a client of ${w.client.url} received its own op ` +
				`(${x.m.src}, ${x.m.seq}) as an op message, not only as its ack`);
		}
	}
	// ShareDB's agent sends a document that is both subscribed and in a
	// subscribed query's results each op twice (once per stream; the client
	// drops the second): on the reference, a client that does both
	// (client.queryAndSubscribe) may get two copies.  pg_ot sends one.
	const copies = !PG_OT && w.client.queryAndSubscribe ? 2 : 1;
	for (const xs of byVersion.values()) {
		const replies = xs.filter((x) => tolerated.has(x.at)).length;
		if (xs.length - replies > copies || replies > 1) {
			faults.push(`${xs[0].m.c}/${xs[0].m.d} version ${xs[0].m.v} reached a client of ${w.client.url} ` +
				`${xs.length} times: ${xs.map((x) => (x.body ? (x.own ? 'its own op' : 'op') : 'ack')).join(', ')}`);
		}
	}
	return faults;
}

// Fails with every fault found since the last call.
function assertDeliveredOnce() {
	const faults = [];
	for (const w of watched) {
		for (const f of deliveryFaults(w)) {
			if (!w.reported.has(f)) faults.push(f);
			w.reported.add(f);
		}
	}
	// (a short list: assert's diff of a long one takes minutes)
	assert.deepEqual(faults.slice(0, 20), [], `each version reaches a client once, and its own ops only as ` +
		`their acks (${faults.length} faults${faults.length > 20 ? ', the first 20 shown' : ''})`);
}
afterEach(assertDeliveredOnce);
after(assertDeliveredOnce);

// A stock client: { connection, socket, url, received, sent, errors }.
// received / sent are every message in either direction (copies), in order;
// errors collects 'error' events of the connection and its docs.
async function connect(url = nextUrl()) {
	const socket = new LossySocket(url);
	const connection = new ShareDB.Connection(socket);
	const client = { connection, socket, url, received: [], sent: [], errors: [] };
	connection.on('receive', (req) => client.received.push(clone(req.data)));
	connection.on('send', (msg) => client.sent.push(clone(msg)));
	watchDeliveries(client);
	connection.on('error', (err) => client.errors.push(`connection: ${err.code || ''} ${err.message}`));
	open.add(client);
	await until(() => connection.state === 'connected', `the handshake with ${url}`,
		[[connection, 'state']], () => `state ${connection.state}`);
	return client;
}

// Rebinds a client whose socket was lost to a new one, as
// reconnecting-websocket does, and waits for the handshake.  Spread, it
// comes back through the other gateway.
async function reconnect(client, url = SPREAD ? URLS[(URLS.indexOf(client.url) + 1) % URLS.length] : client.url) {
	const socket = new LossySocket(url);
	client.socket = socket;
	client.url = url;
	client.connection.bindToSocket(socket);
	await until(() => client.connection.state === 'connected', `the handshake again with ${url}`,
		[[client.connection, 'state']], () => `state ${client.connection.state}`);
}

function getDoc(client, collection, id) {
	usedDocs.set(`${collection}\0${id}`, [collection, id]);
	const doc = client.connection.get(collection, id);
	if (!doc.__watched) {
		doc.__watched = true;
		doc.on('error', (err) => client.errors.push(`doc ${collection}/${id}: ${err.code || ''} ${err.message}`));
	}
	return doc;
}

const subscribe = (doc) => call(`subscribe ${doc.collection}/${doc.id}`, (cb) => doc.subscribe(cb));
const unsubscribe = (doc) => call(`unsubscribe ${doc.collection}/${doc.id}`, (cb) => doc.unsubscribe(cb));
const fetch = (doc) => call(`fetch ${doc.collection}/${doc.id}`, (cb) => doc.fetch(cb));
const create = (doc, data, type) => call(`create ${doc.collection}/${doc.id}`, (cb) => doc.create(data, type, cb));
const submit = (doc, op) => call(`submitOp on ${doc.collection}/${doc.id}`, (cb) => doc.submitOp(op, cb));
const del = (doc) => call(`delete ${doc.collection}/${doc.id}`, (cb) => doc.del(cb));
const nothingPending = (doc) => call(`nothing pending on ${doc.id}`, (cb) => doc.whenNothingPending(() => cb()));

function waitVersion(doc, v) {
	return until(() => doc.version === v, `${doc.collection}/${doc.id} at version ${v}`,
		[[doc, 'op'], [doc, 'load'], [doc, 'create'], [doc, 'del']], () => `at ${doc.version}`);
}

// The document's data as JSON (a rich-text Delta becomes {ops: [...]}).
function dataOf(doc) { return clone(doc.data); }
function normalData(type, data) {
	if (data === undefined || data === null) return data;
	if (typeUri(type) === TYPES['rich-text'].uri && Array.isArray(data)) return { ops: data };
	return clone(data);
}

// The fields of a snapshot in a reply the client reads (others are ignored).
function snapshotOf(d) {
	return d && { v: d.v, data: d.data, type: d.type };
}

// What a fresh client fetches: { v, type (URI or null), data }.
async function fetchFresh(collection, id, url = nextUrl()) {
	const c = await connect(url);
	try {
		const doc = getDoc(c, collection, id);
		await fetch(doc);
		return { v: doc.version, type: doc.type ? doc.type.uri : null, data: dataOf(doc) };
	} finally {
		close(c);
	}
}

// Messages of one document's op stream as `client` received them: ops,
// creates and deletes broadcast to it (acks excluded).
function opStream(client, collection, id) {
	return client.received.filter((m) => m && m.a === 'op' && m.c === collection && m.d === id &&
		!m.error && ('op' in m || m.create || m.del));
}
// Acks `client` received for its ops on one document.
function acks(client, collection, id) {
	return client.received.filter((m) => m && m.a === 'op' && m.c === collection && m.d === id &&
		!m.error && !('op' in m) && !m.create && !m.del);
}

// The delivery invariant for a client that only listens: from version
// `from` on, every op reached it once, in version order, with no gap, up to
// `to` (exclusive).  Ops outside [from, to) are not looked at: older ones
// (sent while it subscribed) are ignored by the client, later ones are
// another call's.
function assertDelivered(client, collection, id, from, to) {
	const vs = opStream(client, collection, id).map((m) => m.v).filter((v) => v >= from && v < to);
	const want = [];
	for (let v = from; v < to; v++) want.push(v);
	assert.deepEqual(vs, want, `${collection}/${id}: versions of the ops delivered, in order`);
}

function close(client) {
	if (!open.has(client)) return;
	open.delete(client);
	try { client.connection.close(); } catch (e) { /* already closed */ }
	try { client.socket.terminate(); } catch (e) { /* already closed */ }
}
async function closeAll() {
	for (const c of [...open]) close(c);
	for (const r of [...rawOpen]) r.close();
	await Promise.all([...pgOpen].map((c) => c.end().catch(() => {})));
}

// No client saw an error event, and the stock client logged no protocol
// warning, since `mark` (the clientWarnings length at the start of a test).
function assertClean(clients, mark = 0) {
	for (const c of clients) assert.deepEqual(c.errors, [], `errors on a client of ${c.url}`);
	assert.deepEqual(clientWarnings.slice(mark), [], 'warnings of the stock client (protocol violations)');
}

/* ---------- raw ws client ---------- */

const rawOpen = new Set();

// A ShareDB connection without the stock client: send any frame, expect
// replies by predicate.  options go to ws (headers, localAddress, ...).
class Raw {
	static async open(url = nextUrl(), options = {}) {
		const r = new Raw(url, options);
		await new Promise((resolve, reject) => {
			r.ws.once('open', resolve);
			r.ws.once('error', reject);
		});
		return r;
	}
	constructor(url, options = {}) {
		this.url = url;
		this.inbox = [];
		this.all = [];
		this.waiters = [];
		this.closeInfo = null;
		this.ws = new WebSocket(url, options);
		this.ws.on('error', () => {});
		this.ws.on('message', (data, isBinary) => {
			let msg;
			try { msg = JSON.parse(data.toString()); } catch (e) { msg = { unparsable: data.toString(), isBinary }; }
			this.all.push(msg);
			this.inbox.push(msg);
			this._wake();
		});
		this.ws.on('close', (code, reason) => {
			this.closeInfo = { code, reason: reason.toString() };
			this._wake();
		});
		rawOpen.add(this);
	}
	_wake() { for (const w of [...this.waiters]) w(); }
	send(msg) { this.ws.send(JSON.stringify(msg)); }
	sendText(text) { this.ws.send(text); }
	// The first message not yet taken that satisfies pred; takes it.
	expect(pred, what) {
		return new Promise((resolve, reject) => {
			const check = () => {
				const i = this.inbox.findIndex((m) => { try { return pred(m); } catch (e) { return false; } });
				if (i >= 0) {
					const [m] = this.inbox.splice(i, 1);
					finish(null, m);
				} else if (this.closeInfo) {
					finish(new Error(`connection closed (${this.closeInfo.code} ${this.closeInfo.reason}) ` +
						`while waiting for ${what}; received ${JSON.stringify(this.all).slice(0, 2000)}`));
				}
			};
			const timer = setTimeout(() => finish(new Error(`timed out after ${WAIT_MS} ms waiting for ${what}; ` +
				`received ${JSON.stringify(this.all).slice(0, 2000)}`)), WAIT_MS);
			const finish = (err, m) => {
				clearTimeout(timer);
				this.waiters = this.waiters.filter((w) => w !== check);
				if (err) reject(err); else resolve(m);
			};
			this.waiters.push(check);
			check();
		});
	}
	// Waits for the server to close the connection; { code, reason }.
	closed(what) {
		return new Promise((resolve, reject) => {
			const check = () => {
				if (this.closeInfo) { finish(null, this.closeInfo); }
			};
			const timer = setTimeout(() => finish(new Error(`timed out after ${WAIT_MS} ms waiting for ${what}; ` +
				`received ${JSON.stringify(this.all).slice(0, 2000)}`)), WAIT_MS);
			const finish = (err, m) => {
				clearTimeout(timer);
				this.waiters = this.waiters.filter((w) => w !== check);
				if (err) reject(err); else resolve(m);
			};
			this.waiters.push(check);
			check();
		});
	}
	get isOpen() { return this.ws.readyState === WebSocket.OPEN; }
	async handshake() {
		this.send({ a: 'hs', id: null, protocol: 1, protocolMinor: 2 });
		const hs = await this.expect((m) => m.a === 'hs', 'the hs reply');
		assert.equal(typeof hs.id, 'string', 'hs reply id');
		this.id = hs.id;
		return hs;
	}
	close() {
		rawOpen.delete(this);
		try { this.ws.terminate(); } catch (e) { /* closed */ }
	}
}

/* ---------- partitions (GATEWAY_PARTITIONS) ---------- */

// The partition of (collection, id) among n: FNV-1a 64 over the
// collection's UTF-8 bytes, a zero byte and the id's (ot.partition_of).
function partitionOf(collection, id, n = PARTITIONS) {
	if (!n || n === 1) return 0;
	let h = 0xcbf29ce484222325n;
	const bytes = Buffer.concat([Buffer.from(collection, 'utf8'), Buffer.from([0]), Buffer.from(id, 'utf8')]);
	for (const b of bytes) {
		h ^= BigInt(b);
		h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
	}
	return Number(h % BigInt(n));
}
// A unique id whose document (in collection) is on partition (mod the partitions), to spread a scenario's documents.
function uidOn(collection, prefix, partition) {
	for (;;) {
		const id = uid(prefix);
		if (!PARTITIONS || partitionOf(collection, id) === partition % PARTITIONS) return id;
	}
}
// A connection straight to partition i (a libpq conninfo of key=value words, as clusters.sh prints).
async function pgPartition(i) {
	if (!pgModule) pgModule = require('pg');
	const cfg = {};
	for (const kv of process.env[`PARTITION_CONNINFO_${i}`].split(/\s+/).filter(Boolean)) {
		const [k, v] = kv.split('=');
		cfg[{ host: 'host', port: 'port', dbname: 'database', user: 'user' }[k] || k] = v;
	}
	const c = new pgModule.Client(cfg);
	await c.connect();
	pgOpen.add(c);
	const end = c.end.bind(c);
	c.end = () => { pgOpen.delete(c); return end(); };
	return c;
}

// Every (collection, id) a test of this file opened.
const usedDocs = new Map();
// At the end of a file on partitions: each document it made is on exactly
// the partition ot.partition_of (and partitionOf) names; prints how many on each.
async function checkPartitions() {
	if (!PARTITIONS || usedDocs.size === 0) return;
	const cs = [...usedDocs.values()].map(([c]) => c);
	const ids = [...usedDocs.values()].map(([, d]) => d);
	const where = new Map();
	const counts = [];
	for (let i = 0; i < PARTITIONS; i++) {
		const pg = await pgPartition(i);
		try {
			const r = await pg.query(`SELECT d.collection, d.name, ot.partition_of(d.collection, d.name, $3) AS p
				FROM ot.documents d JOIN unnest($1::text[], $2::text[]) AS u(c, i) ON d.collection = u.c AND d.name = u.i`,
			[cs, ids, PARTITIONS]);
			counts.push(r.rows.length);
			for (const row of r.rows) {
				const key = `${row.collection}/${row.name}`;
				assert.equal(row.p, i, `${key} is stored on partition ${i}: ot.partition_of must name it`);
				assert.equal(partitionOf(row.collection, row.name), i, `${key}: the tests' hash agrees`);
				assert.ok(!where.has(key), `${key} is on partitions ${where.get(key)} and ${i}`);
				where.set(key, i);
			}
		} finally { await pg.end(); }
	}
	console.log(`# partitions: of the ${usedDocs.size} documents this file used, ${counts.map((n, i) => `${n} on ${i}`).join(', ')}`);
	// run.sh adds them up: the run's documents must be on every partition.
	if (process.env.PARTITION_TALLY) require('node:fs').appendFileSync(process.env.PARTITION_TALLY, `${counts.join(' ')}\n`);
}
after(checkPartitions);

/* ---------- PostgreSQL (pg_ot target) ---------- */

let pgModule = null;
const pgOpen = new Set();
async function pgConnect() {
	if (!pgModule) pgModule = require('pg');
	const c = new pgModule.Client();
	await c.connect();
	pgOpen.add(c);
	const end = c.end.bind(c);
	c.end = () => { pgOpen.delete(c); return end(); };
	return c;
}
// ot.fetch as { v, type (URI or null), data }.
async function dbFetch(pg, collection, id) {
	const r = await pg.query('SELECT type, version, data FROM ot.fetch($1, $2)', [collection, id]);
	assert.equal(r.rows.length, 1, `ot.fetch(${collection}, ${id}) returns one row`);
	const row = r.rows[0];
	return {
		v: Number(row.version),
		type: row.type === null ? null : typeUri(row.type),
		data: row.type === null ? undefined : normalData(row.type, row.data),
	};
}

// A gateway of a test file's own, on spare port SLOT (0 or 1), with ARGS
// after --db, --listen and --port; resolves once its /healthz answers 200.
// With CA (a PEM string) it serves TLS, and gw.url is wss://.  gw.log
// collects its output, gw.exited resolves to its exit code.
const ownGateways = [];
// A test that failed before stopping its gateway must not leave it running.
process.on('exit', () => { for (const gw of ownGateways) gw.kill('SIGKILL'); });
// DB_ARGS: its database flags (default: the run's, --db or the --partition list).
async function startGateway(args, { slot = 0, ca = null, dbArgs = null } = {}) {
	const { spawn } = require('node:child_process');
	const port = [process.env.GATEWAY_SPARE_PORT, process.env.GATEWAY_SPARE_PORT2][slot];
	dbArgs = dbArgs || (process.env.GATEWAY_DB_ARGS ? JSON.parse(process.env.GATEWAY_DB_ARGS) : ['--db', process.env.GATEWAY_DB]);
	const gw = spawn(process.env.GATEWAY_BIN, [...dbArgs, '--listen', '127.0.0.1',
		'--port', String(port), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
	gw.log = '';
	gw.stdout.on('data', (d) => { gw.log += d; });
	gw.stderr.on('data', (d) => { gw.log += d; });
	gw.exited = new Promise((resolve) => gw.once('exit', (code) => resolve(code)));
	gw.url = `${ca ? 'wss' : 'ws'}://127.0.0.1:${port}`;
	gw.http = `${ca ? 'https' : 'http'}://127.0.0.1:${port}`;
	ownGateways.push(gw);
	const deadline = Date.now() + WAIT_MS;
	for (;;) {
		// Its own "listening" line: another server on the port (a concurrent run) must not pass for it.
		if (/listening on \S+ port \d+/.test(gw.log) && gw.exitCode === null &&
			(await httpGet(`${gw.http}/healthz`, { ca })).status === 200) return gw;
		if (gw.exitCode !== null || Date.now() > deadline) throw new Error(`gateway did not start:\n${gw.log}`);
		await new Promise((r) => setTimeout(r, 100));
	}
}

// SIGTERM to every gateway startGateway started; each must exit 0.
async function stopGateways() {
	while (ownGateways.length) {
		const gw = ownGateways.shift();
		gw.kill('SIGTERM');
		assert.equal(await gw.exited, 0, `a test's own gateway exits 0 on SIGTERM:\n${gw.log}`);
	}
}

// GET over http or https (trusting CA): { status, headers, body }, status 0 if it failed.
function httpGet(url, { ca = null } = {}) {
	const lib = url.startsWith('https:') ? require('node:https') : require('node:http');
	return new Promise((resolve) => {
		const req = lib.get(url, { agent: false, ...(ca ? { ca } : {}) }, (res) => {
			let body = '';
			res.on('data', (d) => { body += d; });
			res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
		});
		req.on('error', () => resolve({ status: 0, headers: {}, body: '' }));
	});
}

module.exports = {
	assert, ShareDB, TYPES, typeUri, TARGET, PG_OT, SKIP_UNLESS_PG_OT, PARTITIONS, SKIP_ON_PARTITIONS,
	partitionOf, uidOn, pgPartition, URLS, CLIENT_URLS, SPREAD, WAIT_MS, SEED,
	COLLECTIONS, UNGRANTED, clientWarnings, uid, until, call, clone, publicSrc,
	LossySocket, connect, reconnect, getDoc, subscribe, unsubscribe, fetch, create, submit, del,
	nothingPending, waitVersion, dataOf, normalData, snapshotOf, fetchFresh, opStream, acks, assertDelivered,
	close, closeAll, assertClean, assertDeliveredOnce, Raw, pgConnect, dbFetch, startGateway, stopGateways, httpGet,
};
