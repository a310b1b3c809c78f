'use strict';
/*
 * The failover test's conductor (run.sh and autofailover.sh prepare the
 * nodes and call it): two gateways with one multi-host conninfo, stock
 * ShareDB clients (test/soak/worker.js processes) editing through both,
 * FAILOVER_COUNT failovers spread over FAILOVER_SECONDS of load, each one
 * done by `FAILOVER_CTL failover DIR N` (the primary lost, another node
 * promoted).  Then the clients drain and it checks:
 *
 *   - every acknowledged op is in the new primary's op log, once, at the
 *     version its ack named, and the log holds nothing else (creates + acked);
 *   - every client converges to ot.fetch, and every op it got came at its
 *     version (none skipped, none twice);
 *   - no op was rejected, the stock client logged no warning, no gateway exited;
 *
 * and reports, per failover, the client-visible stall: the longest time an
 * op waited for its ack among the ops answered after the primary was lost
 * (and submitted before the next failover), and when each gateway's /healthz
 * went 503 and came back.
 * At each failover one more document goes quiet (no more edits): its last
 * ops reach the other gateway's clients only through the gap fill; and
 * FAILOVER_OUTAGE_OPS (3) ops written to it by SQL while the promoted node
 * still rejects the gateways (streaming.sh's FAILOVER_OUTAGE_SQL) reach
 * every client of it only through the gap fill after the reconnect.
 *
 * FAILOVER_LOSS_OK=1 (asynchronous replication): lost acknowledged ops and
 * diverged clients are counted and reported, not failures.
 *
 * Environment:
 *   FAILOVER_WORK, FAILOVER_CTL, FAILOVER_DIR   logs; the node script and its directory
 *   FAILOVER_GATEWAY_BIN, FAILOVER_GATEWAY_DB  the gateway and its --db (several hosts)
 *   FAILOVER_GATEWAY_PORTS                     "P1,P2": the two gateways on 127.0.0.1
 *   FAILOVER_SECONDS (30), FAILOVER_COUNT (1), FAILOVER_CLIENTS (12), FAILOVER_DOCS (4),
 *   FAILOVER_PROCS (2), FAILOVER_RATE (2 edits/s per client), FAILOVER_DISCONNECT_MEAN (0: none),
 *   FAILOVER_DRAIN (60 s), FAILOVER_SEED (1), FAILOVER_GATEWAY_ARGS
 *   PGUSER, PGDATABASE: for the checks (the host and port come from `FAILOVER_CTL primary`)
 * Exit status 0 PASS, 1 FAIL.
 */
const { fork, spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const http = require('node:http');

const env = process.env;
const num = (name, dflt) => (env[name] === undefined || env[name] === '' ? dflt : Number(env[name]));
const SECONDS = num('FAILOVER_SECONDS', 30);
const COUNT = num('FAILOVER_COUNT', 1);
const CLIENTS = num('FAILOVER_CLIENTS', 12);
const DOCS = num('FAILOVER_DOCS', 4);
const PROCS = Math.max(2, Math.min(num('FAILOVER_PROCS', 2), CLIENTS));
const RATE = num('FAILOVER_RATE', 2);
const DISCONNECT_MEAN = num('FAILOVER_DISCONNECT_MEAN', 0);
const DRAIN = num('FAILOVER_DRAIN', 60);
const SEED = num('FAILOVER_SEED', 1);
const LOSS_OK = env.FAILOVER_LOSS_OK === '1';
const WORK = env.FAILOVER_WORK;
const CTL = env.FAILOVER_CTL;
const DIR = env.FAILOVER_DIR;
const GATEWAY_BIN = env.FAILOVER_GATEWAY_BIN;
const PORTS = (env.FAILOVER_GATEWAY_PORTS || '').split(',').map(Number);
const GATEWAY_ARGS = (env.FAILOVER_GATEWAY_ARGS === undefined ? '--max-connections-per-ip 0' : env.FAILOVER_GATEWAY_ARGS)
	.split(/\s+/).filter(Boolean);
const COLLECTION = env.SOAK_COLLECTION || 'soak';
const OUTAGE_OPS = num('FAILOVER_OUTAGE_OPS', 3);
const OUTAGE_SRC = 'outage-writer';		// the src of the ops written by SQL during a failover
const TYPES = { 'text-unicode': 'http://sharejs.org/types/text-unicode', 'rich-text': 'http://sharejs.org/types/rich-text/v1' };
const WORKER = path.resolve(__dirname, '..', 'soak', 'worker.js');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let loadStart = null;
const since = (t = Date.now()) => (loadStart === null ? 0 : (t - loadStart) / 1000);
const log = (msg) => process.stderr.write(`failover [${since().toFixed(1).padStart(6)} s] ${msg}\n`);
const problems = [];
const notes = [];

for (const [k, v] of Object.entries({ FAILOVER_WORK: WORK, FAILOVER_CTL: CTL, FAILOVER_DIR: DIR,
	FAILOVER_GATEWAY_BIN: GATEWAY_BIN, FAILOVER_GATEWAY_DB: env.FAILOVER_GATEWAY_DB })) {
	if (!v) { console.error(`failover.js: ${k} is not set (run run.sh or autofailover.sh)`); process.exit(2); }
}
if (PORTS.length !== 2 || PORTS.some((p) => !p)) { console.error('failover.js: FAILOVER_GATEWAY_PORTS must be "P1,P2"'); process.exit(2); }

const ctl = (...args) => execFileSync(CTL, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
function ctlAsync(args, extraEnv = {}) {
	return new Promise((resolve) => {
		const p = spawn(CTL, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...extraEnv } });
		let out = '';
		let err = '';
		p.stdout.on('data', (d) => { out += d; });
		p.stderr.on('data', (d) => { err += d; });
		p.on('exit', (code) => resolve({ code, out: out.trim(), err: err.trim() }));
	});
}

/* ------------------------------------------------------------ gateways */

const gateways = [];
let expectedExit = false;
function get(port, what) {
	return new Promise((resolve) => {
		const req = http.get(`http://127.0.0.1:${port}/${what}`, (res) => {
			let body = '';
			res.on('data', (d) => { body += d; });
			res.on('end', () => resolve({ status: res.statusCode, body }));
		});
		req.setTimeout(3000, () => req.destroy());
		req.on('error', () => resolve({ status: 0, body: '' }));
	});
}
async function metricsOf(port) {
	const m = new Map();
	for (const line of (await get(port, 'metrics')).body.split('\n')) {
		const x = /^pg_ot_gateway_([a-zA-Z0-9_]+) (\S+)$/.exec(line);
		if (x) m.set(x[1], Number(x[2]));
	}
	return m;
}
async function startGateway(i) {
	const fd = fs.openSync(path.join(WORK, `gateway${i + 1}.log`), 'a');
	const proc = spawn(GATEWAY_BIN, ['--db', env.FAILOVER_GATEWAY_DB, '--listen', '127.0.0.1', '--port', String(PORTS[i]),
		'--allow-anonymous', ...GATEWAY_ARGS], { stdio: ['ignore', fd, fd] });
	fs.closeSync(fd);
	fs.writeFileSync(path.join(WORK, `gateway${i + 1}.pid`), `${proc.pid}\n`);
	const g = { proc, port: PORTS[i], i };
	g.exited = new Promise((resolve) => proc.once('exit', (code, signal) => {
		if (!expectedExit) problems.push(`gateway ${i + 1} exited by itself (code ${code}, signal ${signal}) at ${since().toFixed(0)} s`);
		resolve({ code, signal });
	}));
	gateways.push(g);
	const deadline = Date.now() + 60000;
	while ((await get(g.port, 'healthz')).status !== 200) {
		if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`gateway ${i + 1} did not become healthy`);
		await sleep(100);
	}
}

/* ------------------------------------------------------------ workers */

const workers = [];
const latest = new Map();
const waiters = [];
const total = (f) => [...latest.values()].reduce((a, s) => a + (s[f] || 0), 0);
const onStatus = (pred) => new Promise((resolve) => waiters.push({ pred, resolve }));
function startWorkers() {
	return Promise.all(Array.from({ length: PROCS }, (_, w) => new Promise((resolve, reject) => {
		const child = fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
		const wk = { child, w, replies: [] };
		child.on('message', (m) => {
			if (m.type === 'up') return resolve(wk);
			if (m.type === 'status') {
				latest.set(w, m);
				for (const x of [...waiters]) if (x.pred()) { waiters.splice(waiters.indexOf(x), 1); x.resolve(Date.now()); }
				return;
			}
			if (m.type === 'fail') problems.push(`client process ${w}: ${m.message}`);
			const r = wk.replies.shift();
			if (r) r(m);
		});
		child.on('exit', (code) => {
			if (code && !wk.closed) {
				problems.push(`client process ${w} exited with status ${code}`);
				for (const r of wk.replies.splice(0)) r({ type: 'fail' });
			}
		});
		child.on('error', reject);
		workers.push(wk);
	})));
}
const ask = (wk, msg) => new Promise((resolve) => { wk.replies.push(resolve); wk.child.send(msg); });
const askAll = (msgOf) => Promise.all(workers.map((wk) => ask(wk, msgOf(wk))));

/* ------------------------------------------------------------ database */

const { Client: PgClient } = require('pg');
async function pg(fn) {
	const c = new PgClient({ host: '127.0.0.1', port: Number(ctl('primary', DIR)) });
	await c.connect();
	try { return await fn(c); } finally { await c.end(); }
}
const docName = (i) => `doc-${String(i).padStart(2, '0')}`;
const docType = (i) => (i % 2 === 0 ? 'text-unicode' : 'rich-text');

/* ------------------------------------------------------------ a failover */

async function failover(n) {
	const ackedBefore = total('acked');
	const t = Date.now();
	log(`failover ${n}: ${CTL} failover`);
	const healthSeen = [0, 0];
	let done = false;
	const healthLoop = (async () => {
		// When each gateway said 503, and when it said 200 again.
		const first503 = [null, null];
		const back = [null, null];
		// At least 10 s: a gateway may notice a silent primary only after its deadlines.
		while (!done || Date.now() - t < 10000 || back.some((b, i) => b === null && first503[i] !== null)) {
			for (let i = 0; i < 2; i++) {
				const r = await get(PORTS[i], 'healthz');
				healthSeen[i] = r.status;
				if (r.status === 503 && first503[i] === null) first503[i] = Date.now();
				if (r.status === 200 && first503[i] !== null && back[i] === null) back[i] = Date.now();
			}
			if (Date.now() - t > 120000) break;
			await sleep(100);
		}
		return { first503, back };
	})();
	// One document goes quiet as the primary is lost: its last ops (in flight,
	// resent by their gateway) reach the other gateway's clients only if that
	// gateway fills its gaps from the op log; no later op would bring them.
	// And while no gateway can reach the new primary, a direct SQL writer
	// commits OUTAGE_OPS ops to that quiet document (FAILOVER_OUTAGE_SQL: the
	// node script runs it on the promoted node before it lets the gateways
	// in, where it can): no notification of them ever reaches a gateway, so
	// its clients, which submit nothing more, see them only by the gap fill
	// after the reconnect.
	const outage = {};
	if (n <= DOCS - 1) {
		const i = DOCS - n;
		await askAll(() => ({ cmd: 'quiet', docs: [docName(i)] }));
		const op = docType(i) === 'text-unicode' ? ['O'] : [{ insert: 'O' }];
		outage.FAILOVER_OUTAGE_SQL = Array.from({ length: OUTAGE_OPS }, (_, k) =>
			`SELECT ot.submit('${COLLECTION}', '${docName(i)}', NULL, '${JSON.stringify(op)}'::jsonb, '${OUTAGE_SRC}', ${n * 1000 + k + 1});`).join('\n');
	}
	const r = await ctlAsync(['failover', DIR, String(n)], outage);
	const ctlMs = Date.now() - t;
	if (r.code !== 0) throw new Error(`failover ${n} failed: ${r.err || r.out}`);
	let info = {};
	try { info = JSON.parse(r.out.split('\n').pop()); } catch (e) { info = { raw: r.out }; }
	const resumed = await Promise.race([onStatus(() => total('acked') > ackedBefore + 0), sleep(90000).then(() => null)]);
	done = true;
	const health = await healthLoop;
	const acksBack = resumed === null ? null : (resumed - t) / 1000;
	if (resumed === null) problems.push(`failover ${n}: no op was acknowledged within 90 s`);
	log(`failover ${n}: done by the script in ${(ctlMs / 1000).toFixed(1)} s ${JSON.stringify(info)}`);
	return { n, t, at: since(t), ctlMs, info, acksBack, health };
}

/* ------------------------------------------------------------ the run */

async function main() {
	log(`${CLIENTS} clients on ${DOCS} documents through 2 gateways (${PORTS.join(', ')}), ${SECONDS} s, ${COUNT} failover(s); --db '${env.FAILOVER_GATEWAY_DB}'`);
	await startGateway(0);
	await startGateway(1);
	await pg(async (c) => {
		for (let i = 0; i < DOCS; i++) {
			const data = docType(i) === 'text-unicode' ? 'Failover ☕ test\n' : [{ insert: 'Failover ' }, { insert: 'test', attributes: { bold: true } }, { insert: '\n' }];
			await c.query('SELECT ot.create($1, $2, $3, $4::jsonb)', [COLLECTION, docName(i), docType(i), JSON.stringify(data)]);
		}
	});
	await startWorkers();
	const specs = Array.from({ length: CLIENTS }, (_, i) => ({ index: i, doc: docName(i % DOCS), type: docType(i % DOCS) }));
	// Worker w talks to gateway w % 2; every document has clients on both.
	const ready = await askAll((wk) => ({ cmd: 'connect', url: `ws://127.0.0.1:${PORTS[wk.w % 2]}`, seed: SEED, rate: RATE,
		disconnectMean: DISCONNECT_MEAN, target: 400, clients: specs.filter((s) => s.index % PROCS === wk.w) }));
	if (ready.some((r) => r.type !== 'ready')) throw new Error('the clients did not connect');
	loadStart = Date.now();
	await askAll(() => ({ cmd: 'start' }));
	let last = 0;
	const progress = setInterval(() => {
		const a = total('acked');
		log(`acked ${a} (+${a - last}), connected ${total('connected')}/${CLIENTS}, with ops pending ${total('pending')}`);
		last = a;
	}, 5000);
	const events = [];
	for (let n = 1; n <= COUNT; n++) {
		await sleep(Math.max(0, loadStart + (n / (COUNT + 1)) * SECONDS * 1000 - Date.now()));
		events.push(await failover(n));
	}
	await sleep(Math.max(0, loadStart + SECONDS * 1000 - Date.now()));
	const loadEnd = since();
	clearInterval(progress);
	const metricsEnd = await Promise.all(PORTS.map(metricsOf));

	log('the load stops: every op must be acknowledged');
	const drained = await askAll(() => ({ cmd: 'stop', drainMs: DRAIN * 1000 }));
	const stuck = drained.flatMap((d) => d.stuck || []);
	if (stuck.length) {
		(LOSS_OK ? notes : problems).push(`${stuck.length} clients still had ops unacknowledged or were not connected ${DRAIN} s after the load stopped`);
		fs.writeFileSync(path.join(WORK, 'stuck.json'), JSON.stringify(stuck, null, 1));
	}
	const sum = (f) => drained.reduce((a, d) => a + ((d.status && d.status[f]) || 0), 0);

	// Convergence to ot.fetch on the new primary.
	const docs = await pg(async (c) => {
		const out = {};
		for (let i = 0; i < DOCS; i++) {
			const row = (await c.query('SELECT type, version, data FROM ot.fetch($1, $2)', [COLLECTION, docName(i)])).rows[0];
			let data = row.data;
			const type = TYPES[row.type] || row.type;
			if (type === TYPES['rich-text'] && Array.isArray(data)) data = { ops: data };
			out[docName(i)] = { v: Number(row.version), type, data };
		}
		return out;
	});
	const verified = await askAll(() => ({ cmd: 'verify', docs, waitMs: LOSS_OK ? 5000 : 30000 }));
	const mismatches = verified.flatMap((v) => v.mismatches || []);
	const versionGaps = verified.reduce((a, v) => a + (v.versionGaps || 0), 0);
	const versionDups = verified.reduce((a, v) => a + (v.versionDups || 0), 0);
	const versionSamples = verified.flatMap((v) => v.versionSamples || []);
	if (versionGaps) (LOSS_OK ? notes : problems).push(`${versionGaps} ops reached a client past a version it never received (first: ${versionSamples.slice(0, 3).join('; ')})`);
	if (versionDups) (LOSS_OK ? notes : problems).push(`${versionDups} ops reached a client at a version it already had`);
	if (mismatches.length) {
		(LOSS_OK ? notes : problems).push(`${mismatches.length} clients hold a document that differs from ot.fetch on the new primary`);
		fs.writeFileSync(path.join(WORK, 'mismatches.json'), JSON.stringify(mismatches, null, 1));
	}

	// Every acknowledged op in the op log, once, at its version.
	const rows = await pg(async (c) => (await c.query(`SELECT d.name, d.version AS doc_version, o.version, o.src, o.seq,
			o.create_data IS NOT NULL AS is_create
		FROM ot.operations o JOIN ot.documents d ON d.id = o.doc_id WHERE d.collection = $1 ORDER BY d.name, o.version`, [COLLECTION])).rows);
	const byDoc = new Map();
	let duplicatesInLog = 0;
	for (const r of rows) {
		let d = byDoc.get(r.name);
		if (!d) byDoc.set(r.name, d = { rows: 0, creates: 0, outage: 0, docVersion: Number(r.doc_version), versions: [], keys: new Map() });
		d.rows++;
		if (r.is_create) d.creates++;
		d.versions.push(Number(r.version));
		if (r.src === OUTAGE_SRC) d.outage++;
		else if (r.src !== null) {
			const k = `${r.src}\u0000${r.seq}`;
			if (d.keys.has(k)) duplicatesInLog++;
			d.keys.set(k, Number(r.version));
		}
	}
	let acked = 0;
	let missing = 0;
	let wrongVersion = 0;
	let duplicateAcks = 0;
	const lostAt = [];
	const acksByDoc = new Map();
	for (const d of drained) {
		for (const [name, list] of Object.entries(d.acks || {})) {
			const seen = acksByDoc.get(name) || new Set();
			acksByDoc.set(name, seen);
			const logged = byDoc.get(name);
			for (const [src, seq, v] of list) {
				acked++;
				const key = `${src}\u0000${seq}`;
				if (seen.has(key)) duplicateAcks++;
				seen.add(key);
				const at = logged && logged.keys.get(key);
				if (at === undefined) { missing++; lostAt.push({ doc: name, src, seq, v }); } else if (at !== v) { wrongVersion++; lostAt.push({ doc: name, src, seq, v, inLogAt: at }); }
			}
		}
	}
	let unacked = 0;
	let logOps = 0;
	let outageOps = 0;
	let gaps = 0;
	for (let i = 0; i < DOCS; i++) {
		const name = docName(i);
		const d = byDoc.get(name) || { rows: 0, creates: 0, outage: 0, docVersion: 0, versions: [] };
		logOps += d.rows;
		outageOps += d.outage;
		unacked += d.rows - d.creates - d.outage - (acksByDoc.get(name) || new Set()).size;
		if (d.versions.some((v, k) => v !== k) || d.rows !== d.docVersion || d.rows !== docs[name].v) gaps++;
	}
	if (lostAt.length) fs.writeFileSync(path.join(WORK, 'lost.json'), JSON.stringify(lostAt.slice(0, 200), null, 1));
	const judge = (cond, text) => { if (cond) (LOSS_OK ? notes : problems).push(text); };
	judge(missing, `${missing} acknowledged ops are not in the new primary's op log`);
	judge(wrongVersion, `${wrongVersion} acknowledged ops are in the op log at another version than acknowledged`);
	if (duplicateAcks) problems.push(`${duplicateAcks} ops were acknowledged twice`);
	if (duplicatesInLog) problems.push(`${duplicatesInLog} ops are in the op log twice (same src and seq)`);
	judge(unacked !== 0, `the op log holds ${unacked} edits more than were acknowledged (negative: fewer)`);
	judge(gaps, `${gaps} documents' op logs are not versions 0..v-1`);
	const callbackErrors = sum('callbackErrors');
	judge(callbackErrors, `${callbackErrors} submitted ops were rejected`);
	const warningCount = drained.reduce((a, d) => a + (d.warningCount || 0), 0);
	judge(warningCount, `the stock client logged ${warningCount} warnings`);
	const errorCodes = {};
	for (const d of drained) for (const [k, v] of Object.entries(d.errorCodes || {})) errorCodes[k] = (errorCodes[k] || 0) + v;

	// The stall of each failover: the longest wait for an ack among the ops
	// answered after it began and submitted before the next one.
	const waits = drained.flatMap((d) => d.longWaits || []);
	const longest = Math.max(0, ...drained.map((d) => d.longestWait || 0));
	for (let k = 0; k < events.length; k++) {
		const e = events[k];
		const next = k + 1 < events.length ? events[k + 1].t : Infinity;
		e.stall = waits.filter(([t0, ms]) => t0 + ms >= e.t && t0 < next).reduce((a, [, ms]) => Math.max(a, ms), 0) / 1000;
		const inWindow = waits.filter(([t0, ms]) => t0 + ms >= e.t && t0 < next && ms >= 1000).length;
		e.over1s = inWindow;
	}

	await askAll(() => ({ cmd: 'close' }));
	for (const wk of workers) wk.closed = true;
	expectedExit = true;
	for (const g of gateways) g.proc.kill('SIGTERM');
	const exits = await Promise.all(gateways.map((g) => Promise.race([g.exited, sleep(20000).then(() => { g.proc.kill('SIGKILL'); return { code: 'killed' }; })])));
	exits.forEach((x, i) => { if (x.code !== 0) problems.push(`gateway ${i + 1} exited with ${x.code} on SIGTERM`); });

	/* ------------------------------------------------------------ figures */
	const lines = ['', `== pg_ot failover: figures${LOSS_OK ? ' (asynchronous replication: losses counted, not judged)' : ''}`];
	const row = (k, v) => lines.push(`  ${k.padEnd(46)} ${v}`);
	row('clients / documents / gateways', `${CLIENTS} / ${DOCS} / 2 (--db '${env.FAILOVER_GATEWAY_DB}')`);
	row('seconds of load', loadEnd.toFixed(0));
	row('ops submitted / acknowledged', `${sum('submitted')} / ${acked}`);
	for (const e of events) {
		const h = e.health;
		const h503 = h.first503.map((x, i) => (x === null ? `gw${i + 1} never 503` : `gw${i + 1} 503→200 ${h.back[i] === null ? 'never' : `${((h.back[i] - e.t) / 1000).toFixed(1)} s`}`)).join(', ');
		row(`failover ${e.n} at ${e.at.toFixed(0)} s`, `script ${(e.ctlMs / 1000).toFixed(1)} s ${JSON.stringify(e.info)}; ` +
			`stall (longest wait for an ack) ${e.stall.toFixed(1)} s, ops that waited 1 s or more ${e.over1s}; /healthz ${h503}`);
	}
	row('longest wait for an ack in the whole run', `${(longest / 1000).toFixed(1)} s`);
	row('acknowledged ops lost (not in the op log)', `${missing + wrongVersion}${LOSS_OK ? '' : ' (must be 0)'}`);
	row('ops in the op log (creates + edits)', `${logOps} (${DOCS} + ${logOps - DOCS}, of which ${outageOps} written by SQL during a failover); never acknowledged ${unacked}${LOSS_OK ? '' : ' (must be 0)'}`);
	row('ops a client got out of order: gaps / repeats', `${versionGaps} / ${versionDups}${LOSS_OK ? '' : ' (must be 0)'}`);
	row('acked twice / in the log twice (must be 0)', `${duplicateAcks} / ${duplicatesInLog}`);
	row('clients that differ from ot.fetch', `${mismatches.length}${LOSS_OK ? '' : ' (must be 0)'}`);
	row('client errors / warnings', `${Object.entries(errorCodes).map(([k, v]) => `${k}: ${v}`).join(', ') || 'none'} / ${warningCount}`);
	metricsEnd.forEach((m, i) => row(`gateway ${i + 1} /metrics`, `db_unreachable_seconds_total ${m.get('db_unreachable_seconds_total')}, db_outages ${m.get('db_outages_total')}, ` +
		`server changes ${m.get('db_server_changes_total')}, listener reconnects ${m.get('listener_reconnects_total')}, ` +
		`pool reconnects ${m.get('pool_reconnects_total')}, read-only drops ${m.get('db_read_only_total')}, batches resent ${m.get('batches_resent_total')}, ` +
		`gap fills ${m.get('gap_fills_total')}, ops rejected ${m.get('ops_rejected_total')}`));
	row('logs', WORK);
	for (const [title, list] of [['problems', problems], ['noted (not judged)', notes]]) {
		if (!list.length) continue;
		lines.push('', `${title}:`);
		for (const p of list) lines.push(`  - ${p}`);
	}
	const samples = drained.flatMap((d) => [...(d.errorSamples || []), ...(d.warnings || [])]);
	if (problems.length && samples.length) { lines.push('', 'client errors (first ones):'); for (const x of samples.slice(0, 10)) lines.push(`  ${x}`); }
	lines.push('', problems.length ? 'FAIL' : 'PASS');
	console.log(lines.join('\n'));
	fs.writeFileSync(path.join(WORK, 'figures.txt'), `${lines.join('\n')}\n`);
	fs.writeFileSync(path.join(WORK, 'result.json'), JSON.stringify({ acked, lost: missing + wrongVersion, mismatches: mismatches.length,
		stalls: events.map((e) => e.stall), pass: !problems.length }));
	return problems.length ? 1 : 0;
}

main().then((code) => process.exit(code), (e) => {
	console.error(`failover: ${e.stack || e}`);
	for (const p of problems) console.error(`  - ${p}`);
	console.log('\nFAIL');
	for (const wk of workers) { try { wk.child.kill('SIGKILL'); } catch (x) { /* gone */ } }
	expectedExit = true;
	for (const g of gateways) if (g.proc.exitCode === null) g.proc.kill('SIGTERM');
	setTimeout(() => process.exit(1), 2000);
});
