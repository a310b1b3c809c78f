'use strict';
/*
 * One process of soak clients (soak.js forks several): stock sharedb 7.0.0
 * client connections over ws, each subscribed to one document, submitting
 * random edits on their own schedule and dropping their WebSocket at
 * random.  Everything is driven by messages from soak.js:
 *
 *   {cmd: 'connect', clients: [{index, doc, type}], url, seed, rate,
 *        disconnectMean, target}
 *        opens the connections (a few at a time), subscribes; replies 'ready'
 *   {cmd: 'start'}    starts the edits and the random disconnects
 *   {cmd: 'quiet', docs: [name]}   no more edits on those documents
 *   {cmd: 'stop'}     stops both; every client reconnects if it is not
 *                     connected, and waits (up to drainMs) for nothing pending;
 *                     replies 'drained' with the counters and every ack
 *   {cmd: 'verify', docs: {name: {v, type, data}}, waitMs}
 *                     waits for every client to reach the database's version,
 *                     compares its data; replies 'verified' (with the ops each
 *                     client got past a version it never received, or at one
 *                     it already had: versionGaps, versionDups)
 *   {cmd: 'close'}    closes every connection and exits
 *
 * and it sends {type: 'status', ...} every second.
 *
 * SOAK_SABOTAGE=ack (an ack the gateway never sent) or data (one client's
 * copy changed behind its back) breaks the run on purpose: it must FAIL.
 *
 * A client reconnects whenever its connection goes to 'disconnected' (its
 * own random drops, a gateway that went away, one that refuses while it
 * starts), after a delay that doubles from 100 ms up to 2 s on each failed
 * attempt, plus jitter; it binds a new socket to the same ShareDB
 * Connection (connection.bindToSocket), which resubscribes its document and
 * resends its op in flight with the same src and seq, as
 * reconnecting-websocket does for a browser.
 */

const WebSocket = require('ws');
const ShareDB = require('sharedb/lib/client');
const textUnicode = require('ot-text-unicode').type;
const richText = require('rich-text');
const { prng, randomEdit } = require('./edits');

ShareDB.types.register(textUnicode);
ShareDB.types.register(richText.type);

const warnings = [];
ShareDB.logger.setMethods({
	info() {},
	warn(...args) { warnings.push(args.map(fmt).join(' ')); },
	error(...args) { warnings.push(args.map(fmt).join(' ')); },
});
function fmt(x) {
	if (typeof x === 'string') return x;
	if (x instanceof Error) return `${x.code || ''} ${x.message}`;
	try { return JSON.stringify(x); } catch (e) { return String(x); }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const COLLECTION = process.env.SOAK_COLLECTION || 'soak';

// A WebSocket as the stock client wants it (readyState, send, close, on*), over ws.
class Socket {
	constructor(url) {
		this.onopen = this.onclose = this.onmessage = this.onerror = null;
		this.ws = new WebSocket(url, { handshakeTimeout: 5000 });
		this.ws.onopen = (ev) => { if (this.onopen) this.onopen(ev); };
		this.ws.onerror = (ev) => { if (this.onerror) this.onerror(ev); };
		this.ws.onclose = (ev) => { this.closeCode = ev.code; if (this.onclose) this.onclose(ev); };
		this.ws.onmessage = (ev) => {
			if (this.onmessage) this.onmessage({ data: typeof ev.data === 'string' ? ev.data : ev.data.toString() });
		};
	}
	get readyState() { return this.ws.readyState; }
	send(data) { this.ws.send(data); }
	close() { this.ws.close(); }
	terminate() { this.ws.terminate(); }
}

const counters = {
	submitted: 0,		// submitOp calls
	callbacksOk: 0,		// submitOp callbacks without an error
	callbackErrors: 0,	// ... with one (the op was rolled back)
	disconnects: 0,		// random drops this process made
	closesByServer: 0,	// connected sockets the gateway closed (or lost)
	failedAttempts: 0,	// sockets that closed before the handshake
	reconnections: 0,	// handshakes after the first one
	attempts: 0,		// sockets opened to reconnect
};
// How long each op waited for its ack (submitOp to its callback): the
// longest, and every wait of 100 ms or more as [submitted at (ms), waited (ms)].
let longestWait = 0;
const longWaits = [];
function noteWait(t, ms) {
	if (ms > longestWait) longestWait = ms;
	if (ms >= 100 && longWaits.length < 200000) longWaits.push([t, ms]);
}
const closeCodes = {};		// close codes of the sockets the client did not close, counted
const count = (o, k) => { o[k] = (o[k] || 0) + 1; };
const errorSamples = [];	// the first few client errors, as text
const errorCodes = {};		// every error, counted by code
function noteError(kind, err) {
	const code = (err && err.code) || 'none';
	errorCodes[`${kind} ${code}`] = (errorCodes[`${kind} ${code}`] || 0) + 1;
	if (errorSamples.length < 20) errorSamples.push(`${kind}: ${code} ${err && err.message}`);
}

let url = null;
const quietDocs = new Set();	// documents no client edits any more ({cmd: 'quiet'})
let running = false;		// edits and random drops on
let closing = false;		// close: no more reconnects
const clients = [];
const versionSamples = [];	// the first ops that came out of order

class Client {
	constructor(spec, opts) {
		this.index = spec.index;
		this.docName = spec.doc;
		this.typeName = spec.type;
		this.rand = prng(opts.seed * 100003 + spec.index);
		this.rate = opts.rate;
		this.disconnectMean = opts.disconnectMean;
		this.target = opts.target;
		this.acks = [];		// [src, seq, v]
		this.versionGaps = 0;	// ops that came past a version never received
		this.versionDups = 0;	// ops at a version already received
		this.backoffStep = 0;
		this.everConnected = false;
		this.reconnectTimer = null;
		this.socket = new Socket(url);
		this.connection = new ShareDB.Connection(this.socket);
		this.doc = this.connection.get(COLLECTION, this.docName);
		this.doc.on('error', (err) => noteError('doc', err));
		this.connection.on('error', (err) => noteError('connection', err));
		this.connection.on('receive', (req) => {
			const m = req.data;
			if (m && m.a === 'op' && !m.error && !('op' in m) && !m.create && !m.del && m.d === this.docName) {
				this.acks.push([String(m.src).split('.')[0], m.seq, m.v]);	// the op log keeps the public part
			}
			// Every version once and in order: an op (or an ack) of a
			// subscribed document comes at exactly the client's version.
			if (m && m.a === 'op' && !m.error && m.d === this.docName && typeof m.v === 'number' &&
				this.doc.subscribed && typeof this.doc.version === 'number') {
				if (m.v < this.doc.version) this.versionDups++;
				else if (m.v > this.doc.version) {
					this.versionGaps++;
					if (versionSamples.length < 10) versionSamples.push(`client ${this.index} (${this.docName}): op at v${m.v} while at v${this.doc.version}`);
				}
			}
		});
		this.lastState = this.connection.state;
		this.connection.on('state', (state) => this.onState(state));
	}

	onState(state) {
		const was = this.lastState;
		this.lastState = state;
		if (state === 'connected') {
			if (this.everConnected) counters.reconnections++;
			this.everConnected = true;
			this.backoffStep = 0;
		} else if (state === 'disconnected') {
			const code = this.socket.closeCode;
			if (this.dropping) this.dropping = false;
			else if (was === 'connected') { counters.closesByServer++; count(closeCodes, `connected ${code}`); }
			else { counters.failedAttempts++; count(closeCodes, `before the handshake ${code}`); }
			this.scheduleReconnect();
		}
	}

	scheduleReconnect() {
		if (closing || this.reconnectTimer) return;
		// The first attempt after a drop comes soon, later ones back off.
		const base = Math.min(2000, 100 * 2 ** this.backoffStep);
		const delay = base / 2 + this.rand() * base;
		this.backoffStep++;
		this.reconnectTimer = setTimeout(() => {
			this.reconnectTimer = null;
			if (closing || this.connection.state === 'connected' || this.connection.state === 'connecting') return;
			counters.attempts++;
			this.socket = new Socket(url);
			this.connection.bindToSocket(this.socket);
		}, delay);
	}

	// A random drop: a clean close, or the TCP connection cut (terminate).
	drop() {
		if (this.connection.state !== 'connected') return;
		counters.disconnects++;
		this.dropping = true;
		if (this.rand() < 0.5) this.socket.close();
		else this.socket.terminate();
	}

	edit() {
		const doc = this.doc;
		if (!doc.type || doc.data === undefined || quietDocs.has(this.docName)) return;
		const op = randomEdit(this.typeName, this.rand, doc.data, this.target);
		counters.submitted++;
		const t = Date.now();
		try {
			doc.submitOp(op, (err) => {
				if (err) { counters.callbackErrors++; noteError('submit', err); } else counters.callbacksOk++;
				noteWait(t, Date.now() - t);
			});
		} catch (e) {
			noteError('submitOp threw', e);
		}
	}

	// Exponential waits: RATE edits a second on average, one drop every
	// DISCONNECT_MEAN seconds on average.
	expo(mean) { return -Math.log(1 - this.rand()) * mean; }
	loopEdits() {
		if (!running) return;
		setTimeout(() => { if (running) { this.edit(); this.loopEdits(); } }, this.expo(1000 / this.rate));
	}
	loopDrops() {
		if (!running || !(this.disconnectMean > 0)) return;
		setTimeout(() => { if (running) { this.drop(); this.loopDrops(); } }, this.expo(this.disconnectMean * 1000));
	}

	subscribe() {
		return new Promise((resolve) => {
			const attempt = () => this.doc.subscribe((err) => {
				if (!err) return resolve();
				noteError('subscribe', err);
				setTimeout(attempt, 500);
			});
			attempt();
		});
	}

	hasPending() { return this.doc.hasPending(); }
}

function until(pred, ms, step = 50) {
	return new Promise((resolve) => {
		const deadline = Date.now() + ms;
		const check = () => {
			if (pred()) return resolve(true);
			if (Date.now() > deadline) return resolve(false);
			setTimeout(check, step);
		};
		check();
	});
}

function status() {
	let connected = 0;
	let pending = 0;
	let acked = 0;
	for (const c of clients) {
		if (c.connection.state === 'connected') connected++;
		if (c.hasPending()) pending++;
		acked += c.acks.length;
	}
	return { type: 'status', connected, pending, acked, ...counters };
}

// Plain JSON with object keys sorted: a rich-text Delta and its JSONB copy
// compare equal whatever order their attributes come in.
function canonical(x) {
	if (Array.isArray(x)) return `[${x.map(canonical).join(',')}]`;
	if (x && typeof x === 'object') {
		return `{${Object.keys(x).sort().filter((k) => x[k] !== undefined)
			.map((k) => `${JSON.stringify(k)}:${canonical(x[k])}`).join(',')}}`;
	}
	return JSON.stringify(x);
}
function normal(typeName, data) {
	const plain = data === undefined ? null : JSON.parse(JSON.stringify(data));
	if (typeName === 'rich-text' && Array.isArray(plain)) return { ops: plain };
	return plain;
}

const handlers = {
	async connect(m) {
		url = m.url;
		for (const spec of m.clients) clients.push(new Client(spec, m));
		// A few handshakes and subscribes at a time.
		for (let i = 0; i < clients.length; i += 10) {
			await Promise.all(clients.slice(i, i + 10).map((c) => c.subscribe()));
		}
		return { type: 'ready', clients: clients.length };
	},
	async start() {
		running = true;
		for (const c of clients) { c.loopEdits(); c.loopDrops(); }
		return { type: 'started' };
	},
	async quiet(m) {
		for (const d of m.docs) quietDocs.add(d);
		return { type: 'quiet' };
	},
	async stop(m) {
		running = false;
		for (const c of clients) {
			if (c.connection.state !== 'connected') c.scheduleReconnect();
		}
		const reconnected = await until(() => clients.every((c) => c.connection.state === 'connected'), m.drainMs);
		const drained = await until(() => clients.every((c) => !c.hasPending()), m.drainMs);
		const stuck = clients.filter((c) => c.hasPending() || c.connection.state !== 'connected')
			.map((c) => ({ index: c.index, doc: c.docName, state: c.connection.state, pending: c.hasPending(),
				inflight: !!c.doc.inflightOp, pendingOps: c.doc.pendingOps.length, version: c.doc.version }));
		// SOAK_SABOTAGE=ack: an ack no gateway sent, to see the check fail.
		const first = clients.find((c) => c.index === 0);
		if (process.env.SOAK_SABOTAGE === 'ack' && first) first.acks.push([first.connection.id.split('.')[0], 1e9, first.doc.version]);
		const acks = {};
		for (const c of clients) {
			(acks[c.docName] = acks[c.docName] || []).push(...c.acks);
		}
		return { type: 'drained', reconnected, drained, stuck, acks, status: status(), errorSamples, errorCodes, closeCodes,
			longestWait, longWaits,
			warnings: warnings.slice(0, 20), warningCount: warnings.length };
	},
	async verify(m) {
		const results = [];
		await until(() => clients.every((c) => c.doc.version >= m.docs[c.docName].v), m.waitMs);
		// SOAK_SABOTAGE=data: one client's copy changed behind its back.
		const first = clients.find((c) => c.index === 0);
		if (process.env.SOAK_SABOTAGE === 'data' && first) first.doc.data = typeof first.doc.data === 'string' ? `${first.doc.data}!` : null;
		for (const c of clients) {
			const want = m.docs[c.docName];
			const got = normal(c.typeName, c.doc.data);
			const same = c.doc.version === want.v && c.doc.type && c.doc.type.uri === want.type &&
				canonical(got) === canonical(want.data);
			if (!same) {
				results.push({ index: c.index, doc: c.docName, clientVersion: c.doc.version, dbVersion: want.v,
					clientType: c.doc.type && c.doc.type.uri, dbType: want.type,
					client: canonical(got).slice(0, 300), db: canonical(want.data).slice(0, 300) });
			}
		}
		return { type: 'verified', compared: clients.length, mismatches: results,
			versionGaps: clients.reduce((a, c) => a + c.versionGaps, 0),
			versionDups: clients.reduce((a, c) => a + c.versionDups, 0), versionSamples };
	},
	async close() {
		closing = true;
		running = false;
		for (const c of clients) {
			try { c.connection.close(); } catch (e) { /* closed */ }
			try { c.socket.terminate(); } catch (e) { /* closed */ }
		}
		return { type: 'closed' };
	},
};

process.on('message', async (m) => {
	try {
		const reply = await handlers[m.cmd](m);
		process.send(reply, () => { if (m.cmd === 'close') setTimeout(() => process.exit(0), 100); });
	} catch (e) {
		process.send({ type: 'fail', message: `${m.cmd}: ${e.stack || e}` });
	}
});
setInterval(() => { if (clients.length) process.send(status()); }, 1000).unref();
process.on('disconnect', () => process.exit(1));
process.send({ type: 'up' });
