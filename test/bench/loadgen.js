'use strict';
/*
 * The load generator of the comparison benchmark (compare.sh): stock sharedb
 * 7.0.0 client connections over ws 8.18.3 with ot-text-unicode 4.0.0
 * registered, spread over PROCS Node processes (child_process.fork of this
 * file) so that one event loop is not the bottleneck.  The same generator
 * drives pg_ot_gateway and the reference ShareDB server (sharedb_server.js);
 * it only knows a ws:// URL.  Every document is a text-unicode document in
 * COLLECTION.  Prints "key value" lines on stdout, progress on stderr.
 *
 *   node loadgen.js throughput URL COLLECTION PREFIX DOCS EDITORS WARMUP SECONDS PROCS
 *     DOCS documents PREFIX-0 ... (created first, holding ".", unless they exist),
 *     EDITORS editors on each, every editor its own connection, subscribed.
 *     Each editor inserts one 'x' at a random position and submits its next op
 *     from the previous op's callback (closed loop: the client has one op in
 *     flight per document and would compose any other).  Counts the acks that
 *     arrive in the SECONDS after WARMUP seconds.  Prints ops_per_s,
 *     acked_window, acked_total (every ack), created, ack_p50_ms, ack_p99_ms,
 *     server_cpu, db_cpu and gen_cpu (cores busy during the window: the
 *     server's process, from /proc/PID/stat when SERVER_PID is set; the
 *     cluster's processes, the postmaster DB_PID and its children, when DB_PID
 *     is set; the generator's processes).
 *
 *   node loadgen.js hot URL COLLECTION DOC EDITORS RATE WARMUP SECONDS PROCS
 *     EDITORS editors (each its own connection, subscribed) on one document;
 *     each appends "[T]" (T: its send time, in microseconds of the monotonic
 *     clock that every process shares) RATE times a second on its own fixed
 *     schedule (random phase), whether or not its previous op is acked: the
 *     stock client composes what waits behind the op in flight.  Ack latency:
 *     submitOp to its callback.  Delivery latency: submitOp to the 'op' event
 *     of each other editor.  Ops sent in the SECONDS after WARMUP count.
 *     Prints ops, ack_p50_ms, ack_p99_ms, del_p50_ms, del_p99_ms,
 *     deliveries, expected (ops × (EDITORS - 1)), server_cpu, db_cpu, gen_cpu.
 *
 *   node loadgen.js fanout URL COLLECTION DOC SUBSCRIBERS RATE SECONDS PROCS
 *     SUBSCRIBERS connections (hs + subscribe to DOC, nothing else) are opened
 *     and left idle; with SERVER_PID set, the server's VmRSS is read before
 *     they open and 3 s after the last subscribed (rss_before_kb,
 *     rss_after_kb, rss_per_conn_kb).  Then one writer, in a process of its
 *     own, appends "[T]" RATE times a second for SECONDS; latency is submitOp
 *     to each subscriber's 'op' event.  Prints ops, deliveries, expected,
 *     p50_ms, p99_ms, max_ms, server_cpu, db_cpu, gen_cpu.
 *
 * Fails (exit 1) on any client error or warning, on a socket the server
 * closes, on an op acked or delivered wrongly, and after STALL_MS (60 s,
 * BENCH_STALL_MS) without progress.  No timing is asserted.
 */

const { fork } = require('child_process');
const fs = require('fs');

const STALL_MS = Number(process.env.BENCH_STALL_MS || 60000);
const CONNECT_GROUP = 50; // handshakes in flight per process

const now = () => process.hrtime.bigint();
const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const sleep = (t) => new Promise((r) => setTimeout(r, t));
function log(msg) { process.stderr.write(`== ${msg}\n`); }

function percentile(sorted, p) {
	if (!sorted.length) return NaN;
	const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
	return sorted[i];
}

/* ------------------------------------------------------------------ worker */

function worker() {
	const WebSocket = require('ws');
	const ShareDB = require('sharedb/lib/client');
	const textUnicode = require('ot-text-unicode').type;
	ShareDB.types.register(textUnicode);

	const warnings = [];
	ShareDB.logger.setMethods({
		info() {},
		warn(...args) { warnings.push(args.map(String).join(' ')); },
		error(...args) { warnings.push(args.map(String).join(' ')); },
	});
	let closing = false;
	function fail(msg) {
		process.send({ type: 'fail', msg: `worker ${process.pid}: ${msg}` }, () => process.exit(1));
		setTimeout(() => process.exit(1), 1000);
	}
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
	const connections = [];
	async function connect(url, what) {
		const socket = new WebSocket(url);
		const connection = new ShareDB.Connection(socket);
		connection.on('error', (err) => fail(`${what}: connection error ${err.code || ''} ${err.message}`));
		socket.on('close', (code, reason) => {
			if (!closing && !connection.benchClosing) fail(`${what}: the server closed the socket (${code} ${reason})`);
		});
		socket.on('error', (err) => { if (!closing && !connection.benchClosing) fail(`${what}: socket error ${err.message}`); });
		await until(() => connection.state === 'connected', `${what}: the handshake with ${url}`);
		connections.push(connection);
		return connection;
	}
	// Runs fn over items, CONNECT_GROUP at a time.
	async function grouped(items, fn) {
		const out = [];
		for (let i = 0; i < items.length; i += CONNECT_GROUP) {
			out.push(...await Promise.all(items.slice(i, i + CONNECT_GROUP).map(fn)));
		}
		return out;
	}
	function subscribeDoc(connection, collection, id) {
		const doc = connection.get(collection, id);
		doc.on('error', (err) => fail(`${collection}/${id}: doc error ${err.code || ''} ${err.message}`));
		return cb(`subscribe ${collection}/${id}`, (k) => doc.subscribe(k)).then(() => {
			if (!doc.type) fail(`${collection}/${id} does not exist`);
			return doc;
		});
	}
	function checkWarnings() {
		if (warnings.length) fail(`the sharedb client warned:\n  ${warnings.slice(0, 10).join('\n  ')}`);
	}
	const marker = /\[(\d+)\]/g;

	let docs = [];
	let state = {};
	const handlers = {
		// Creates the documents that do not exist, over a few connections.
		async create({ url, collection, ids }) {
			const conns = await Promise.all([0, 1, 2, 3].map((i) => connect(url, `creator ${i}`)));
			let created = 0;
			await grouped(ids.map((id, i) => [id, conns[i % conns.length]]), async ([id, c]) => {
				const doc = c.get(collection, id);
				await cb(`fetch ${collection}/${id}`, (k) => doc.fetch(k));
				if (!doc.type) {
					// Not empty: sharedb-postgres 5.0.1 reads a snapshot whose data is
					// '' as a document without data (row.data || undefined).
					await cb(`create ${collection}/${id}`, (k) => doc.create('.', textUnicode.uri, k));
					created++;
				}
				doc.destroy();
			});
			for (const c of conns) { c.benchClosing = true; c.close(); }
			connections.length = 0;
			return { created };
		},
		// One connection per entry of ids, subscribed to that document.
		async open({ url, collection, ids }) {
			docs = await grouped(ids, async (id) => {
				const c = await connect(url, `client of ${id}`);
				return subscribeDoc(c, collection, id);
			});
			return { opened: docs.length };
		},
		async throughput({ t0, warmup, seconds }) {
			const w0 = BigInt(t0) + BigInt(Math.round(warmup * 1e9));
			const w1 = w0 + BigInt(Math.round(seconds * 1e9));
			let inWindow = 0, total = 0, inFlight = 0, stop = false, lastAck = Date.now();
			const lat = [];
			const cpu0 = process.cpuUsage();
			let cpuW0 = null, cpuW1 = null;
			function next(doc) {
				const pos = Math.floor(Math.random() * (doc.data.length + 1));
				inFlight++;
				const sent = now();
				doc.submitOp(pos ? [pos, 'x'] : ['x'], (err) => {
					inFlight--;
					if (err) fail(`submitOp on ${doc.collection}/${doc.id}: ${err.code || ''} ${err.message}`);
					const t = now();
					total++;
					lastAck = Date.now();
					if (t >= w0 && t < w1) {
						inWindow++;
						lat.push(Number(t - sent) / 1e6);
					}
					if (!stop) next(doc);
				});
			}
			const wait0 = Number(w0 - now()) / 1e6;
			for (const doc of docs) next(doc);
			const watchdog = setInterval(() => {
				if (Date.now() - lastAck > STALL_MS) fail(`no ack for ${STALL_MS} ms (${inFlight} ops in flight)`);
			}, 1000);
			await sleep(Math.max(0, wait0));
			cpuW0 = process.cpuUsage();
			await sleep(Math.max(0, Number(w1 - now()) / 1e6));
			cpuW1 = process.cpuUsage(cpuW0);
			stop = true;
			await until(() => inFlight === 0, 'the last acks');
			clearInterval(watchdog);
			checkWarnings();
			void cpu0;
			return { inWindow, total, lat, cpu_us: cpuW1.user + cpuW1.system };
		},
		// Every editor appends "[T]" rate times a second; all editors record
		// what reaches them from the others.
		async hot({ t0, warmup, seconds, rate }) {
			const w0 = Number(BigInt(t0) / 1000n) + warmup * 1e6;	// µs
			const w1 = w0 + seconds * 1e6;
			const end = w1;
			const period = 1e6 / rate;
			const ack = [], del = [];
			let sent = 0, acks = 0, inFlight = 0;
			let lastEvent = Date.now();
			for (const doc of docs) {
				doc.on('op', (op, source) => {
					if (source) return;
					const t = nowUs();
					lastEvent = Date.now();
					for (const c of op) {
						if (typeof c !== 'string') continue;
						for (const m of c.matchAll(marker)) {
							const s = Number(m[1]);
							if (s >= w0 && s < w1) del.push((t - s) / 1000);
						}
					}
				});
			}
			let cpuW0 = null, cpuW1 = null;
			setTimeout(() => { cpuW0 = process.cpuUsage(); }, Math.max(0, (w0 - nowUs()) / 1000));
			setTimeout(() => { cpuW1 = process.cpuUsage(cpuW0); }, Math.max(0, (w1 - nowUs()) / 1000));
			await Promise.all(docs.map((doc) => new Promise((resolve) => {
				let due = Number(BigInt(t0) / 1000n) + Math.random() * period;
				const tick = () => {
					const s = nowUs();
					if (s >= end) { resolve(); return; }
					const inWindow = s >= w0 && s < w1;
					if (inWindow) sent++;
					inFlight++;
					const len = doc.data.length;
					const text = `[${s}]`;
					doc.submitOp(len ? [len, text] : [text], (err) => {
						inFlight--;
						if (err) fail(`submitOp on ${doc.collection}/${doc.id}: ${err.code || ''} ${err.message}`);
						acks++;
						lastEvent = Date.now();
						if (inWindow) ack.push((nowUs() - s) / 1000);
					});
					due += period;
					setTimeout(tick, Math.max(0, (due - nowUs()) / 1000));
				};
				setTimeout(tick, Math.max(0, (due - nowUs()) / 1000));
			})));
			await until(() => inFlight === 0, 'the last acks');
			// The deliveries still on their way: quiet for 2 s.
			await until(() => Date.now() - lastEvent > 2000, 'the deliveries to stop');
			checkWarnings();
			return { sent, ack, del, cpu_us: cpuW1 ? cpuW1.user + cpuW1.system : 0 };
		},
		// Subscribers: record the "[T]" markers that reach them.
		async listen() {
			state.del = [];
			state.lastEvent = Date.now();
			state.cpu0 = process.cpuUsage();
			for (const doc of docs) {
				doc.on('op', (op, source) => {
					const t = nowUs();
					state.lastEvent = Date.now();
					if (source) return;
					for (const c of op) {
						if (typeof c !== 'string') continue;
						for (const m of c.matchAll(marker)) state.del.push((t - Number(m[1])) / 1000);
					}
				});
			}
			return {};
		},
		async collect({ expectedPerDoc }) {
			await until(() => Date.now() - state.lastEvent > 1000 &&
				state.del.length >= expectedPerDoc * docs.length || Date.now() - state.lastEvent > 10000,
			'the last deliveries');
			checkWarnings();
			const c = process.cpuUsage(state.cpu0);
			return { del: state.del, cpu_us: c.user + c.system };
		},
		// The fan-out writer: its own connection, appends "[T]" on a schedule.
		async write({ url, collection, id, rate, seconds }) {
			const c = await connect(url, 'writer');
			const doc = await subscribeDoc(c, collection, id);
			const ops = Math.round(rate * seconds);
			const period = 1e6 / rate;
			let acked = 0;
			const start = nowUs();
			for (let seq = 0; seq < ops; seq++) {
				const wait = (start + seq * period - nowUs()) / 1000;
				if (wait > 1) await sleep(wait);
				const s = nowUs();
				const len = doc.data.length;
				doc.submitOp(len ? [len, `[${s}]`] : [`[${s}]`], (err) => {
					if (err) fail(`writer submitOp: ${err.code || ''} ${err.message}`);
					acked++;
				});
			}
			await until(() => acked === ops, 'the writer\'s acks');
			checkWarnings();
			return { ops };
		},
		async close() {
			closing = true;
			for (const c of connections) c.close();
			return {};
		},
	};
	process.on('message', async ({ id, cmd, args }) => {
		try {
			const result = await handlers[cmd](args || {});
			process.send({ type: 'done', id, result });
		} catch (e) {
			fail(e && e.stack || String(e));
		}
	});
	process.send({ type: 'up' });
}

/* ------------------------------------------------------------------ master */

function masterFail(msg) {
	process.stderr.write(`loadgen.js: ${msg}\n`);
	for (const w of workers) { try { w.kill('SIGKILL'); } catch (e) { /* gone */ } }
	process.exit(1);
}

const workers = [];
let nextId = 0;
function spawn(n) {
	return Promise.all(Array.from({ length: n }, () => new Promise((resolve) => {
		const w = fork(__filename, ['--worker'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
		w.pending = new Map();
		w.on('message', (m) => {
			if (m.type === 'up') resolve(w);
			else if (m.type === 'fail') masterFail(m.msg);
			else if (m.type === 'done') { w.pending.get(m.id)(m.result); w.pending.delete(m.id); }
		});
		w.on('exit', (code) => { if (!w.exiting) masterFail(`a worker exited (status ${code})`); });
		workers.push(w);
	})));
}
function call(w, cmd, args) {
	return new Promise((resolve) => {
		const id = nextId++;
		w.pending.set(id, resolve);
		w.send({ id, cmd, args });
	});
}
// Splits items over n lists, round robin.
function split(items, n) {
	const out = Array.from({ length: n }, () => []);
	items.forEach((x, i) => out[i % n].push(x));
	return out;
}
function out(key, value) { process.stdout.write(`${key} ${value}\n`); }

// CPU seconds (user + system) of a process, from /proc/PID/stat.
function procCpu(pid) {
	if (!pid) return 0;
	const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
	const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return (Number(f[11]) + Number(f[12])) / 100;	// utime, stime in clock ticks (100/s)
}
function procRssKb(pid) {
	const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
	return m ? Number(m[1]) : NaN;
}
const serverPid = Number(process.env.SERVER_PID || 0);
// The cluster's postmaster (DB_PID): the CPU of it and its children (the
// backends, the WAL writer, ...) is the database's.
const dbPid = Number(process.env.DB_PID || 0);
function dbCpu() {
	if (!dbPid) return 0;
	let total = 0;
	for (const name of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(name)) continue;
		let stat;
		try { stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8'); } catch (e) { continue; }
		const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		if (Number(name) === dbPid || Number(f[1]) === dbPid) total += (Number(f[11]) + Number(f[12])) / 100;
	}
	return total;
}

// Samples the server's and the database's CPU over [w0, w1] (ns of the
// shared clock); prints server_cpu and db_cpu (cores busy) when called back.
function sampleServerCpu(w0, w1) {
	let c0 = 0, c1 = 0, d0 = 0, d1 = 0;
	setTimeout(() => { c0 = procCpu(serverPid); d0 = dbCpu(); }, Math.max(0, Number(w0 - now()) / 1e6));
	setTimeout(() => { c1 = procCpu(serverPid); d1 = dbCpu(); }, Math.max(0, Number(w1 - now()) / 1e6));
	return () => {
		const s = Number(w1 - w0) / 1e9;
		out('server_cpu', ((c1 - c0) / s).toFixed(2));
		out('db_cpu', ((d1 - d0) / s).toFixed(2));
	};
}

async function throughputMain(url, collection, prefix, ndocs, editors, warmup, seconds, procs) {
	log(`throughput: ${ndocs} docs × ${editors} editors on ${url}, ${procs} processes, ${warmup} s warm-up, ${seconds} s`);
	await spawn(procs);
	const ids = Array.from({ length: ndocs }, (_, i) => `${prefix}-${i}`);
	const created = (await Promise.all(split(ids, procs).map((part, i) =>
		call(workers[i], 'create', { url, collection, ids: part })))).reduce((a, r) => a + r.created, 0);
	// Editor e of doc i goes to process (i + e) % procs: the two editors of a
	// document are in different processes.
	const all = [];
	for (let e = 0; e < editors; e++) for (let i = 0; i < ndocs; i++) all.push([(i + e) % procs, ids[i]]);
	const parts = Array.from({ length: procs }, () => []);
	for (const [p, id] of all) parts[p].push(id);
	const t = Date.now();
	await Promise.all(parts.map((part, i) => call(workers[i], 'open', { url, collection, ids: part })));
	log(`throughput: ${all.length} connections open and subscribed in ${((Date.now() - t) / 1000).toFixed(1)} s`);
	const t0 = now() + 200000000n;
	const w0 = t0 + BigInt(Math.round(warmup * 1e9)), w1 = w0 + BigInt(Math.round(seconds * 1e9));
	const serverCpu = sampleServerCpu(w0, w1);
	const results = await Promise.all(workers.map((w) => call(w, 'throughput', { t0: String(t0), warmup, seconds })));
	const inWindow = results.reduce((a, r) => a + r.inWindow, 0);
	const lat = results.flatMap((r) => r.lat).sort((a, b) => a - b);
	out('ops_per_s', (inWindow / seconds).toFixed(0));
	out('acked_window', inWindow);
	out('acked_total', results.reduce((a, r) => a + r.total, 0));
	out('created', created);
	out('ack_p50_ms', percentile(lat, 50).toFixed(2));
	out('ack_p99_ms', percentile(lat, 99).toFixed(2));
	serverCpu();
	out('gen_cpu', (results.reduce((a, r) => a + r.cpu_us, 0) / 1e6 / seconds).toFixed(2));
}

async function hotMain(url, collection, id, editors, rate, warmup, seconds, procs) {
	log(`hot document: ${editors} editors × ${rate} ops/s on ${url}, ${procs} processes, ${warmup} s warm-up, ${seconds} s`);
	await spawn(procs);
	await call(workers[0], 'create', { url, collection, ids: [id] });
	const parts = split(Array.from({ length: editors }, () => id), procs);
	await Promise.all(parts.map((part, i) => call(workers[i], 'open', { url, collection, ids: part })));
	const t0 = now() + 200000000n;
	const w0 = t0 + BigInt(Math.round(warmup * 1e9)), w1 = w0 + BigInt(Math.round(seconds * 1e9));
	const serverCpu = sampleServerCpu(w0, w1);
	const results = await Promise.all(workers.map((w) => call(w, 'hot', { t0: String(t0), warmup, seconds, rate })));
	const sent = results.reduce((a, r) => a + r.sent, 0);
	const ack = results.flatMap((r) => r.ack).sort((a, b) => a - b);
	const del = results.flatMap((r) => r.del).sort((a, b) => a - b);
	if (ack.length !== sent) masterFail(`hot: ${sent} ops sent in the window, ${ack.length} acked`);
	const expected = sent * (editors - 1);
	if (del.length !== expected) masterFail(`hot: ${del.length} deliveries of ${expected} expected (${sent} ops × ${editors - 1} other editors)`);
	out('ops', sent);
	out('ack_p50_ms', percentile(ack, 50).toFixed(2));
	out('ack_p99_ms', percentile(ack, 99).toFixed(2));
	out('del_p50_ms', percentile(del, 50).toFixed(2));
	out('del_p99_ms', percentile(del, 99).toFixed(2));
	out('deliveries', del.length);
	out('expected', expected);
	serverCpu();
	out('gen_cpu', (results.reduce((a, r) => a + r.cpu_us, 0) / 1e6 / seconds).toFixed(2));
}

async function fanoutMain(url, collection, id, subscribers, rate, seconds, procs) {
	log(`fan-out: ${subscribers} subscribers on ${url}, ${procs} processes and a writer, ${rate} ops/s for ${seconds} s`);
	await spawn(procs + 1);
	const writer = workers[procs];
	await call(writer, 'create', { url, collection, ids: [id] });
	await sleep(1000);
	const rss0 = serverPid ? procRssKb(serverPid) : NaN;
	const t = Date.now();
	const parts = split(Array.from({ length: subscribers }, () => id), procs);
	await Promise.all(parts.map((part, i) => call(workers[i], 'open', { url, collection, ids: part })));
	log(`fan-out: ${subscribers} connections open and subscribed in ${((Date.now() - t) / 1000).toFixed(1)} s`);
	await sleep(3000);
	const rss1 = serverPid ? procRssKb(serverPid) : NaN;
	out('rss_before_kb', rss0);
	out('rss_after_kb', rss1);
	out('rss_per_conn_kb', ((rss1 - rss0) / subscribers).toFixed(1));
	await Promise.all(workers.slice(0, procs).map((w) => call(w, 'listen')));
	const c0 = procCpu(serverPid), d0 = dbCpu();
	const t0 = Date.now();
	const { ops } = await call(writer, 'write', { url, collection, id, rate, seconds });
	const results = await Promise.all(workers.slice(0, procs).map((w) => call(w, 'collect', { expectedPerDoc: ops })));
	const elapsed = (Date.now() - t0) / 1000;
	const c1 = procCpu(serverPid), d1 = dbCpu();
	const del = results.flatMap((r) => r.del).sort((a, b) => a - b);
	const expected = ops * subscribers;
	if (del.length !== expected) masterFail(`fan-out: ${del.length} deliveries of ${expected} expected (${ops} ops × ${subscribers} subscribers)`);
	out('ops', ops);
	out('deliveries', del.length);
	out('expected', expected);
	out('p50_ms', percentile(del, 50).toFixed(2));
	out('p99_ms', percentile(del, 99).toFixed(2));
	out('max_ms', del[del.length - 1].toFixed(2));
	out('server_cpu', ((c1 - c0) / elapsed).toFixed(2));
	out('db_cpu', ((d1 - d0) / elapsed).toFixed(2));
	out('gen_cpu', (results.reduce((a, r) => a + r.cpu_us, 0) / 1e6 / elapsed).toFixed(2));
}

async function main() {
	const [mode, ...a] = process.argv.slice(2);
	const n = (x) => Number(x);
	if (mode === 'throughput' && a.length === 8) await throughputMain(a[0], a[1], a[2], n(a[3]), n(a[4]), n(a[5]), n(a[6]), n(a[7]) || 4);
	else if (mode === 'hot' && a.length === 8) await hotMain(a[0], a[1], a[2], n(a[3]), n(a[4]), n(a[5]), n(a[6]), n(a[7]) || 4);
	else if (mode === 'fanout' && a.length === 7) await fanoutMain(a[0], a[1], a[2], n(a[3]), n(a[4]), n(a[5]), n(a[6]));
	else {
		masterFail('usage: loadgen.js throughput URL COLLECTION PREFIX DOCS EDITORS WARMUP SECONDS PROCS\n' +
			'       loadgen.js hot URL COLLECTION DOC EDITORS RATE WARMUP SECONDS PROCS\n' +
			'       loadgen.js fanout URL COLLECTION DOC SUBSCRIBERS RATE SECONDS PROCS');
	}
	for (const w of workers) { w.exiting = true; w.kill('SIGKILL'); }
	process.exit(0);
}

if (process.argv[2] === '--worker') worker();
else main().catch((e) => masterFail(e && e.stack || String(e)));
