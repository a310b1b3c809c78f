'use strict';
/*
 * The soak's conductor (soak.sh prepares the cluster and calls it): starts
 * the gateway, forks the client processes (worker.js), runs the load for
 * SOAK_SECONDS with one gateway restart and one PostgreSQL restart in the
 * middle, samples the gateway's RSS, then drains, checks and prints the
 * figures.  Exit status 0 PASS, 1 FAIL.
 *
 * Environment (soak.sh sets the first group):
 *   SOAK_WORK            directory for the logs (gateway.log, rss.tsv, ...)
 *   SOAK_GATEWAY_BIN     the gateway binary
 *   SOAK_GATEWAY_DB      its --db conninfo (a role in ot_gateway)
 *   SOAK_PORT            its port on 127.0.0.1
 *   CLUSTER_DIR, CLUSTER_PORT   the cluster, for test/cluster.sh stop/start
 *   PGHOST, PGPORT, PGUSER, PGDATABASE   the database, for the checks
 *
 *   SOAK_SECONDS (600)   how long the load runs
 *   SOAK_CLIENTS (200), SOAK_DOCS (20), SOAK_PROCS (4 client processes)
 *   SOAK_RATE (1)        edits per second per client, on average
 *   SOAK_DISCONNECT_MEAN (60)  seconds between a client's random drops, on average
 *   SOAK_GATEWAY_RESTART_AT (0.4), SOAK_PG_RESTART_AT (0.7)
 *                        when the restarts happen, as fractions of SOAK_SECONDS
 *   SOAK_PG_DOWN (3)     seconds PostgreSQL stays stopped
 *   SOAK_WARMUP          seconds after a gateway starts before its RSS is the
 *                        baseline (default 15% of SOAK_SECONDS, at least 10)
 *   SOAK_RSS_MAX_PCT (10), SOAK_RSS_MAX_MB (4)
 *                        the RSS may grow from its baseline to the end of the
 *                        same gateway process by at most the larger of the two
 *   SOAK_RSS_CHECK       0: show the RSS, do not judge it (the default for a
 *                        binary named *asan*: ASan's quarantine keeps freed memory)
 *   SOAK_DRAIN (120)     seconds the clients have at the end to reconnect and
 *                        have every op acknowledged
 *   SOAK_SEED (1), SOAK_TARGET_LENGTH (1000: edits keep documents near it)
 *   SOAK_GATEWAY_ARGS    extra gateway options (default --max-connections-per-ip 0:
 *                        every client comes from 127.0.0.1)
 */

const { fork, spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const http = require('node:http');

const env = process.env;
const num = (name, dflt) => (env[name] === undefined || env[name] === '' ? dflt : Number(env[name]));
const SECONDS = num('SOAK_SECONDS', 600);
const CLIENTS = num('SOAK_CLIENTS', 200);
const DOCS = num('SOAK_DOCS', 20);
const PROCS = Math.max(1, Math.min(num('SOAK_PROCS', 4), CLIENTS));
const RATE = num('SOAK_RATE', 1);
const DISCONNECT_MEAN = num('SOAK_DISCONNECT_MEAN', 60);
const GW_RESTART_AT = num('SOAK_GATEWAY_RESTART_AT', 0.4);
const PG_RESTART_AT = num('SOAK_PG_RESTART_AT', 0.7);
const PG_DOWN = num('SOAK_PG_DOWN', 3);
const WARMUP = num('SOAK_WARMUP', Math.max(10, Math.round(SECONDS * 0.15)));
const RSS_MAX_PCT = num('SOAK_RSS_MAX_PCT', 10);
const RSS_MAX_MB = num('SOAK_RSS_MAX_MB', 4);
const DRAIN = num('SOAK_DRAIN', 120);
const SEED = num('SOAK_SEED', 1);
const TARGET_LENGTH = num('SOAK_TARGET_LENGTH', 1000);
const RSS_EVERY_MS = 2000;
const COLLECTION = env.SOAK_COLLECTION || 'soak';
const WORK = env.SOAK_WORK;
const PORT = Number(env.SOAK_PORT);
const URL = `ws://127.0.0.1:${PORT}`;
const GATEWAY_BIN = env.SOAK_GATEWAY_BIN;
// A sanitizer build's RSS is its quarantine of freed memory: shown, not judged.
const RSS_JUDGED = env.SOAK_RSS_CHECK ? env.SOAK_RSS_CHECK !== '0' : !/asan/.test(path.basename(GATEWAY_BIN || ''));
const GATEWAY_ARGS = (env.SOAK_GATEWAY_ARGS === undefined ? '--max-connections-per-ip 0' : env.SOAK_GATEWAY_ARGS)
	.split(/\s+/).filter(Boolean);
const ROOT = path.resolve(__dirname, '..', '..');
const TYPES = { 'text-unicode': 'http://sharejs.org/types/text-unicode', 'rich-text': 'http://sharejs.org/types/rich-text/v1' };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const t0 = Date.now();
let loadStart = null;
const since = () => (loadStart === null ? 0 : (Date.now() - loadStart) / 1000);
const log = (msg) => process.stderr.write(`soak [${since().toFixed(1).padStart(6)} s] ${msg}\n`);
const problems = [];	// what makes the run FAIL
const mb = (kb) => (kb / 1024).toFixed(1);

for (const [k, v] of Object.entries({ SOAK_WORK: WORK, SOAK_PORT: env.SOAK_PORT, SOAK_GATEWAY_BIN: GATEWAY_BIN,
	SOAK_GATEWAY_DB: env.SOAK_GATEWAY_DB, CLUSTER_DIR: env.CLUSTER_DIR })) {
	if (!v) { console.error(`soak.js: ${k} is not set (run soak.sh)`); process.exit(2); }
}

/* ------------------------------------------------------------ the gateway */

const gatewayLog = path.join(WORK, 'gateway.log');
let gateway = null;		// { proc, pid, epoch, started, exited: Promise<{code, signal}> }
let epoch = 0;
let expectedExit = false;
let idleMetrics = new Map();
const unexpectedExits = [];

function healthz() {
	return new Promise((resolve) => {
		const req = http.get(`http://127.0.0.1:${PORT}/healthz`, (res) => {
			res.resume();
			res.on('end', () => resolve(res.statusCode));
		});
		req.setTimeout(2000, () => req.destroy());
		req.on('error', () => resolve(0));
	});
}
// /metrics as name{labels} -> value; also saved as WORK/metrics-LABEL.txt.
function scrape(label) {
	return new Promise((resolve) => {
		const req = http.get(`http://127.0.0.1:${PORT}/metrics`, (res) => {
			let body = '';
			res.on('data', (d) => { body += d; });
			res.on('end', () => {
				if (label) fs.writeFileSync(path.join(WORK, `metrics-${label}.txt`), body);
				const m = new Map();
				for (const line of body.split('\n')) {
					const x = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
					if (x) m.set(x[1].replace(/^pg_ot_gateway_/, ''), Number(x[2]));
				}
				resolve(m);
			});
		});
		req.setTimeout(5000, () => req.destroy());
		req.on('error', () => resolve(new Map()));
	});
}
async function untilHealthy(what, ms = 60000) {
	const deadline = Date.now() + ms;
	for (;;) {
		if ((await healthz()) === 200) return;
		if (gateway && gateway.proc.exitCode !== null) throw new Error(`the gateway exited while ${what}`);
		if (Date.now() > deadline) throw new Error(`/healthz was not 200 within ${ms / 1000} s of ${what}`);
		await sleep(100);
	}
}

async function startGateway() {
	epoch++;
	const fd = fs.openSync(gatewayLog, 'a');
	fs.writeSync(fd, `==== soak: gateway start ${epoch} at ${new Date().toISOString()}\n`);
	const proc = spawn(GATEWAY_BIN, ['--db', env.SOAK_GATEWAY_DB, '--listen', '127.0.0.1', '--port', String(PORT),
		'--allow-anonymous', ...GATEWAY_ARGS], { stdio: ['ignore', fd, fd] });
	fs.closeSync(fd);
	const g = { proc, pid: proc.pid, epoch, started: Date.now() };
	g.exited = new Promise((resolve) => proc.once('exit', (code, signal) => {
		if (!expectedExit) {
			unexpectedExits.push({ epoch: g.epoch, code, signal, at: since() });
			log(`THE GATEWAY EXITED (code ${code}, signal ${signal})`);
		}
		resolve({ code, signal });
	}));
	fs.writeFileSync(path.join(WORK, 'gateway.pid'), `${proc.pid}\n`);
	gateway = g;
	await untilHealthy(`gateway start ${epoch}`);
	g.ready = Date.now();
	// What it holds before any client came (its own channels, e.g. the
	// grants'): what a gateway must come back to once the clients have gone.
	// (A restarted one has clients at once.)
	if (epoch === 1) idleMetrics = await scrape('idle');
	return g;
}

async function stopGateway(what) {
	const g = gateway;
	expectedExit = true;
	const t = Date.now();
	const logFrom = fs.statSync(gatewayLog).size;
	g.proc.kill('SIGTERM');
	const timer = setTimeout(() => { log(`the gateway did not exit within 30 s of SIGTERM (${what}): SIGKILL`); g.proc.kill('SIGKILL'); }, 30000);
	const { code, signal } = await g.exited;
	clearTimeout(timer);
	expectedExit = false;
	const ms = Date.now() - t;
	const said = fs.readFileSync(gatewayLog).subarray(logFrom).toString().split('\n').filter((l) => /stopping|shutdown|stopped/.test(l));
	for (const l of said) log(`gateway: ${l.replace(/^\[[^\]]*\] /, '')}`);
	if (code !== 0) problems.push(`the gateway exited with ${code === null ? `signal ${signal}` : `status ${code}`} on SIGTERM (${what})`);
	return { code, signal, ms };
}

/* --------------------------------------------------------------- RSS */

const rss = [];		// { t (s since load start), epoch, kb }
function rssNow() {
	try {
		const s = fs.readFileSync(`/proc/${gateway.pid}/status`, 'utf8');
		const m = /^VmRSS:\s+(\d+) kB/m.exec(s);
		return m ? Number(m[1]) : null;
	} catch (e) {
		return null;
	}
}
const rssFile = path.join(WORK, 'rss.tsv');
fs.writeFileSync(rssFile, 'seconds\tgateway\trss_kb\n');
function sampleRss() {
	if (!gateway || gateway.proc.exitCode !== null || loadStart === null) return;
	const kb = rssNow();
	if (kb === null) return;
	const s = { t: since(), epoch: gateway.epoch, kb };
	rss.push(s);
	fs.appendFileSync(rssFile, `${s.t.toFixed(1)}\t${s.epoch}\t${kb}\n`);
}

/* --------------------------------------------------------------- workers */

const workers = [];
const latest = new Map();	// worker -> last status
const waiters = [];		// { pred, resolve }

function total(field) {
	let n = 0;
	for (const s of latest.values()) n += s[field] || 0;
	return n;
}
// Resolves when pred() holds after a status update; checked on every status.
function onStatus(pred) {
	return new Promise((resolve) => waiters.push({ pred, resolve }));
}

function startWorkers() {
	return Promise.all(Array.from({ length: PROCS }, (_, w) => new Promise((resolve, reject) => {
		const child = fork(path.join(__dirname, 'worker.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
		const wk = { child, w, replies: [] };
		child.on('message', (m) => {
			if (m.type === 'up') return resolve(wk);
			if (m.type === 'status') {
				latest.set(w, m);
				for (const x of [...waiters]) {
					if (x.pred()) { waiters.splice(waiters.indexOf(x), 1); x.resolve(Date.now()); }
				}
				return;
			}
			if (m.type === 'fail') {
				problems.push(`client process ${w}: ${m.message}`);
				log(`client process ${w} failed: ${m.message}`);
			}
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
function ask(wk, msg) {
	return new Promise((resolve) => {
		wk.replies.push(resolve);
		wk.child.send(msg);
	});
}
const askAll = (msgOf) => Promise.all(workers.map((wk) => ask(wk, msgOf(wk))));

/* --------------------------------------------------------------- database */

const { Client: PgClient } = require('pg');
async function pg(fn) {
	const c = new PgClient();
	await c.connect();
	try { return await fn(c); } finally { await c.end(); }
}
const docName = (i) => `doc-${String(i).padStart(2, '0')}`;
const docType = (i) => (i % 2 === 0 ? 'text-unicode' : 'rich-text');
const typeUri = (t) => TYPES[t] || t;

async function createDocs() {
	await pg(async (c) => {
		for (let i = 0; i < DOCS; i++) {
			const data = docType(i) === 'text-unicode' ? 'Soak ☕ test\n' : [{ insert: 'Soak ' }, { insert: 'test', attributes: { bold: true } }, { insert: '\n' }];
			await c.query('SELECT ot.create($1, $2, $3, $4::jsonb)', [COLLECTION, docName(i), docType(i), JSON.stringify(data)]);
		}
	});
}

async function dbDocs() {
	return pg(async (c) => {
		const docs = {};
		for (let i = 0; i < DOCS; i++) {
			const r = await c.query('SELECT type, version, data FROM ot.fetch($1, $2)', [COLLECTION, docName(i)]);
			const row = r.rows[0];
			let data = row.data;
			if (typeUri(row.type) === TYPES['rich-text'] && Array.isArray(data)) data = { ops: data };
			docs[docName(i)] = { v: Number(row.version), type: typeUri(row.type), data };
		}
		return docs;
	});
}

async function opLog() {
	return pg(async (c) => {
		const r = await c.query(`SELECT d.name, d.version AS doc_version, o.version, o.src, o.seq,
				o.create_data IS NOT NULL AS is_create, o.del
			FROM ot.operations o JOIN ot.documents d ON d.id = o.doc_id
			WHERE d.collection = $1 ORDER BY d.name, o.version`, [COLLECTION]);
		return r.rows;
	});
}

/* --------------------------------------------------------------- the run */

async function restartGateway() {
	const at = since();
	log('gateway restart: SIGTERM');
	const t = Date.now();
	const stop = await stopGateway('restart');
	const g = await startGateway();
	const down = (Date.now() - t) / 1000;
	log(`gateway restart: exited ${stop.code} after ${stop.ms} ms, answering again after ${down.toFixed(1)} s (pid ${g.pid})`);
	const back = await Promise.race([onStatus(() => total('connected') >= 0.95 * CLIENTS), sleep(60000).then(() => null)]);
	const clientsBack = back === null ? null : (back - t) / 1000;
	log(`gateway restart: ${clientsBack === null ? 'the clients did not come back within 60 s' : `95% of the clients connected again ${clientsBack.toFixed(1)} s after the SIGTERM`}`);
	return { at, exitCode: stop.code, exitMs: stop.ms, down, clientsBack };
}

async function restartPostgres() {
	const at = since();
	const cluster = (...args) => execFileSync(path.join(ROOT, 'test', 'cluster.sh'), args, { stdio: 'pipe' });
	log('PostgreSQL restart: stop (fast)');
	const ackedBefore = total('acked');
	const t = Date.now();
	cluster('stop', env.CLUSTER_DIR);
	const stopMs = Date.now() - t;
	const healthDown = await healthz();
	await sleep(PG_DOWN * 1000);
	const ackedWhileDown = total('acked') - ackedBefore;
	const t1 = Date.now();
	cluster('start', env.CLUSTER_DIR, env.CLUSTER_PORT);
	const startMs = Date.now() - t1;
	await untilHealthy('the PostgreSQL restart');
	const healthy = (Date.now() - t) / 1000;
	const ackedAtStart = total('acked');
	const resumed = await Promise.race([onStatus(() => total('acked') > ackedAtStart), sleep(60000).then(() => null)]);
	const acksBack = resumed === null ? null : (resumed - t) / 1000;
	log(`PostgreSQL restart: stopped in ${stopMs} ms (/healthz then ${healthDown}), down ${PG_DOWN} s, started in ${startMs} ms, ` +
		`/healthz 200 ${healthy.toFixed(1)} s after the stop, acks again after ${acksBack === null ? 'never (60 s)' : `${acksBack.toFixed(1)} s`}`);
	if (acksBack === null) problems.push('no op was acknowledged within 60 s of the PostgreSQL restart');
	return { at, stopMs, startMs, healthDown, healthy, acksBack, ackedWhileDown };
}

function rssVerdict(ep, from, to, label) {
	const samples = rss.filter((s) => s.epoch === ep);
	const base = samples.find((s) => s.t >= from);
	const end = samples.filter((s) => s.t <= to).pop();
	if (!base || !end || end.t - base.t < 5) {
		problems.push(`${label}: too short to measure RSS growth after a ${WARMUP} s warm-up (make SOAK_SECONDS longer or SOAK_WARMUP shorter)`);
		return { label, base: null, end: null };
	}
	const after = samples.filter((s) => s.t >= base.t && s.t <= end.t);
	const peak = Math.max(...after.map((s) => s.kb));
	const growth = end.kb - base.kb;
	const allowed = Math.max(base.kb * RSS_MAX_PCT / 100, RSS_MAX_MB * 1024);
	// Least-squares slope over the samples after warm-up, in KB per minute.
	const n = after.length;
	const mt = after.reduce((a, s) => a + s.t, 0) / n;
	const mk = after.reduce((a, s) => a + s.kb, 0) / n;
	const cov = after.reduce((a, s) => a + (s.t - mt) * (s.kb - mk), 0);
	const vt = after.reduce((a, s) => a + (s.t - mt) ** 2, 0);
	const slope = vt > 0 ? cov / vt * 60 : 0;
	const ok = growth <= allowed;
	if (!ok && RSS_JUDGED) problems.push(`${label}: RSS grew by ${mb(growth)} MB (${(growth / base.kb * 100).toFixed(1)}%) from ${mb(base.kb)} MB after warm-up to ${mb(end.kb)} MB, more than the ${mb(allowed)} MB allowed`);
	return { label, base, end, peak, growth, allowed, slope, ok };
}

async function main() {
	log(`${CLIENTS} clients on ${DOCS} documents in ${PROCS} processes, ${SECONDS} s, ${RATE} edit/s per client, a random drop every ${DISCONNECT_MEAN} s per client; gateway ${GATEWAY_BIN} on ${URL}`);
	await startGateway();
	await createDocs();
	await startWorkers();
	const specs = Array.from({ length: CLIENTS }, (_, i) => ({ index: i, doc: docName(i % DOCS), type: docType(i % DOCS) }));
	const ready = await askAll((wk) => ({ cmd: 'connect', url: URL, seed: SEED, rate: RATE, disconnectMean: DISCONNECT_MEAN,
		target: TARGET_LENGTH, clients: specs.filter((s) => s.index % PROCS === wk.w) }));
	if (ready.some((r) => r.type !== 'ready')) throw new Error('the clients did not connect');
	log(`${CLIENTS} clients connected and subscribed; the load starts`);

	loadStart = Date.now();
	await askAll(() => ({ cmd: 'start' }));
	const rssTimer = setInterval(sampleRss, RSS_EVERY_MS);
	sampleRss();
	let lastAcked = 0;
	let lastT = 0;
	const progress = setInterval(() => {
		const acked = total('acked');
		const t = since();
		const g = gateway && rss.filter((s) => s.epoch === gateway.epoch).pop();
		log(`acked ${acked} (${((acked - lastAcked) / (t - lastT)).toFixed(0)}/s), connected ${total('connected')}/${CLIENTS}, ` +
			`with ops pending ${total('pending')}, drops ${total('disconnects')}, reconnections ${total('reconnections')}, ` +
			`gateway RSS ${g ? `${mb(g.kb)} MB` : '?'}`);
		lastAcked = acked;
		lastT = t;
	}, 10000);

	const at = (frac) => sleep(Math.max(0, loadStart + frac * SECONDS * 1000 - Date.now()));
	const events = [[GW_RESTART_AT, 'gateway'], [PG_RESTART_AT, 'postgres']].sort((a, b) => a[0] - b[0]);
	let gwRestart = null;
	let pgRestart = null;
	let gwEpochStart = 0;	// when the current gateway started, s since load start
	const epochs = [];
	for (const [frac, what] of events) {
		await at(frac);
		if (what === 'gateway') {
			const epochEnd = since();
			gwRestart = await restartGateway();
			epochs.push({ epoch: epoch - 1, start: gwEpochStart, end: epochEnd });
			gwEpochStart = (gateway.ready - loadStart) / 1000;
		} else {
			pgRestart = await restartPostgres();
		}
	}
	await at(1);
	const loadEnd = since();
	sampleRss();
	epochs.push({ epoch, start: gwEpochStart, end: loadEnd });
	clearInterval(progress);
	clearInterval(rssTimer);

	log('the load stops: waiting for every client to reconnect and every op to be acknowledged');
	const drainStart = Date.now();
	const drained = await askAll(() => ({ cmd: 'stop', drainMs: DRAIN * 1000 }));
	const drainSeconds = (Date.now() - drainStart) / 1000;
	const stuck = drained.flatMap((d) => d.stuck || []);
	if (drained.some((d) => d.type !== 'drained')) problems.push('a client process did not report after the load');
	if (stuck.length) {
		problems.push(`${stuck.length} clients still had ops unacknowledged or were not connected ${DRAIN} s after the load stopped`);
		fs.writeFileSync(path.join(WORK, 'stuck.json'), JSON.stringify(stuck, null, 1));
	}
	const sum = (f) => drained.reduce((a, d) => a + ((d.status && d.status[f]) || 0), 0);

	// Every client against the database.
	const docs = await dbDocs();
	const verified = await askAll(() => ({ cmd: 'verify', docs, waitMs: 30000 }));
	const mismatches = verified.flatMap((v) => v.mismatches || []);
	const compared = verified.reduce((a, v) => a + (v.compared || 0), 0);
	if (mismatches.length) {
		problems.push(`${mismatches.length} clients hold a document that differs from the database's`);
		fs.writeFileSync(path.join(WORK, 'mismatches.json'), JSON.stringify(mismatches, null, 1));
	}
	if (compared !== CLIENTS) problems.push(`only ${compared} of ${CLIENTS} clients were compared with the database`);

	// Every acknowledged op against the op log.
	const rows = await opLog();
	const byDoc = new Map();
	for (const r of rows) {
		let d = byDoc.get(r.name);
		if (!d) byDoc.set(r.name, d = { rows: 0, creates: 0, docVersion: Number(r.doc_version), versions: [], keys: new Map() });
		d.rows++;
		if (r.is_create) d.creates++;
		d.versions.push(Number(r.version));
		if (r.src !== null) d.keys.set(`${r.src}\u0000${r.seq}`, Number(r.version));
	}
	let acked = 0;
	let missing = 0;
	let wrongVersion = 0;
	let duplicateAcks = 0;
	const missingSamples = [];
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
				if (at === undefined) {
					missing++;
					if (missingSamples.length < 20) missingSamples.push({ doc: name, src, seq, v });
				} else if (at !== v) {
					wrongVersion++;
					if (missingSamples.length < 20) missingSamples.push({ doc: name, src, seq, v, inLogAt: at });
				}
			}
		}
	}
	let unacked = 0;	// ops in the log that no client was told about
	let logOps = 0;
	let gaps = 0;
	for (let i = 0; i < DOCS; i++) {
		const name = docName(i);
		const d = byDoc.get(name) || { rows: 0, creates: 0, docVersion: 0, versions: [] };
		logOps += d.rows;
		const acks = (acksByDoc.get(name) || new Set()).size;
		unacked += d.rows - d.creates - acks;
		if (d.versions.some((v, k) => v !== k) || d.rows !== d.docVersion || d.rows !== docs[name].v) gaps++;
	}
	if (missing) problems.push(`${missing} acknowledged ops are not in the op log`);
	if (wrongVersion) problems.push(`${wrongVersion} acknowledged ops are in the op log at another version than acknowledged`);
	if (duplicateAcks) problems.push(`${duplicateAcks} ops were acknowledged twice`);
	if (unacked !== 0) {
		const distinct = [...acksByDoc.values()].reduce((a, x) => a + x.size, 0);
		problems.push(`the op log holds ${distinct + unacked} edits of the documents, and ${distinct} distinct ops were acknowledged`);
	}
	if (gaps) problems.push(`${gaps} documents' op logs are not versions 0..v-1 of the document`);
	if (missingSamples.length) fs.writeFileSync(path.join(WORK, 'missing.json'), JSON.stringify(missingSamples, null, 1));

	const warningCount = drained.reduce((a, d) => a + (d.warningCount || 0), 0);
	const errorCodes = {};
	for (const d of drained) for (const [k, v] of Object.entries(d.errorCodes || {})) errorCodes[k] = (errorCodes[k] || 0) + v;
	const callbackErrors = sum('callbackErrors');
	if (callbackErrors) problems.push(`${callbackErrors} submitted ops were rejected (rolled back)`);
	if (warningCount) problems.push(`the stock client logged ${warningCount} warnings`);
	const samples = drained.flatMap((d) => [...(d.errorSamples || []), ...(d.warnings || [])]);

	// RSS: from the end of each gateway process's warm-up to its end.
	const verdicts = epochs.map((e) => rssVerdict(e.epoch, e.start + WARMUP, e.end,
		`gateway process ${e.epoch} (${e.start.toFixed(0)}-${e.end.toFixed(0)} s)`));
	const rssAfterDrain = rssNow();
	const metricsEnd = await scrape('end');

	// Once every client has gone, the gateway holds no session, no document
	// and no op.
	await askAll(() => ({ cmd: 'close' }));
	for (const wk of workers) wk.closed = true;
	const idle = ['connections', 'documents', 'ops_in_flight'].map((k) => idleMetrics.get(k));
	let left = [];
	for (let i = 0; i < 100; i++) {
		const m = await scrape(null);
		left = ['connections', 'documents', 'ops_in_flight'].map((k) => m.get(k));
		if (left.every((x, k) => x === idle[k])) break;
		await sleep(100);
	}
	await scrape('gone');
	if (left.some((x, k) => x !== idle[k])) {
		problems.push(`10 s after every client closed, the gateway still counts ${left[0]} connections, ${left[1]} documents ` +
			`and ${left[2]} ops in flight (${idle.join(', ')} when it started)`);
	}
	const finalStop = await stopGateway('the end');
	for (const u of unexpectedExits) problems.push(`the gateway (process ${u.epoch}) exited by itself at ${u.at.toFixed(0)} s: code ${u.code}, signal ${u.signal}`);
	const sanitizer = fs.readdirSync(WORK).filter((f) => f.startsWith('sanitizer'));
	if (sanitizer.length) problems.push(`sanitizer reports: ${sanitizer.map((f) => path.join(WORK, f)).join(' ')}`);

	/* ---------------------------------------------------- the figures */
	const submitted = sum('submitted');
	const lines = [];
	const row = (k, v) => lines.push(`  ${k.padEnd(44)} ${v}`);
	const s = (x, d = 1) => (x === null || x === undefined ? 'n/a' : `${x.toFixed(d)} s`);
	lines.push('', '== pg_ot soak: figures');
	row('gateway', `${path.relative(ROOT, GATEWAY_BIN)} ${GATEWAY_ARGS.join(' ')}`.trim());
	row('clients / documents / client processes', `${CLIENTS} / ${DOCS} (${Math.ceil(DOCS / 2)} text-unicode, ${Math.floor(DOCS / 2)} rich-text) / ${PROCS}`);
	row('seconds of load (+ drain)', `${loadEnd.toFixed(0)} (+ ${drainSeconds.toFixed(1)})`);
	row('ops submitted (submitOp calls)', submitted);
	row('ops acknowledged (acks; the client composes)', acked);
	row('acknowledged ops per second', (acked / loadEnd).toFixed(1));
	row('submitOp callbacks: ok / error', `${sum('callbacksOk')} / ${callbackErrors}`);
	row('random disconnects (close / terminate)', sum('disconnects'));
	row('sockets closed by the gateway', sum('closesByServer'));
	row('reconnect attempts refused / reconnections', `${sum('failedAttempts')} / ${sum('reconnections')}`);
	const closeCodes = {};
	for (const d of drained) for (const [k, v] of Object.entries(d.closeCodes || {})) closeCodes[k] = (closeCodes[k] || 0) + v;
	row('close codes the clients saw', Object.entries(closeCodes).sort().map(([k, v]) => `${k}: ${v}`).join(', ') || 'none');
	if (gwRestart) {
		row('gateway restart at', `${gwRestart.at.toFixed(0)} s: exit ${gwRestart.exitCode} ${gwRestart.exitMs} ms after SIGTERM, ` +
			`answering ${s(gwRestart.down)} after it, 95% of clients back ${s(gwRestart.clientsBack)} after it`);
	}
	if (pgRestart) {
		row('PostgreSQL restart at', `${pgRestart.at.toFixed(0)} s: stop ${pgRestart.stopMs} ms, down ${PG_DOWN} s, start ${pgRestart.startMs} ms, ` +
			`/healthz ${pgRestart.healthDown} while down, 200 ${s(pgRestart.healthy)} and acks ${s(pgRestart.acksBack)} after the stop`);
	}
	row('clients compared with the database', compared);
	row('mismatched documents / clients (must be 0)', `${new Set(mismatches.map((x) => x.doc)).size} / ${mismatches.length}`);
	row('ops in the op log (creates + edits)', `${logOps} (${DOCS} + ${logOps - DOCS})`);
	row('missing acknowledged ops (must be 0)', missing + wrongVersion);
	row('ops in the log never acknowledged (must be 0)', unacked);
	row('client errors / warnings', `${Object.entries(errorCodes).map(([k, v]) => `${k}: ${v}`).join(', ') || 'none'} / ${warningCount}`);
	for (const v of verdicts) {
		if (!v.base) { row(`RSS, ${v.label}`, 'n/a'); continue; }
		row(`RSS, ${v.label}`, `after warm-up (${v.base.t.toFixed(0)} s) ${mb(v.base.kb)} MB, at the end (${v.end.t.toFixed(0)} s) ${mb(v.end.kb)} MB, ` +
			`growth ${v.growth >= 0 ? '+' : ''}${mb(v.growth)} MB (${(v.growth / v.base.kb * 100).toFixed(1)}%; at most ${mb(v.allowed)} MB), ` +
			`peak ${mb(v.peak)} MB, trend ${v.slope >= 0 ? '+' : ''}${v.slope.toFixed(0)} KB/min${RSS_JUDGED ? '' : ' (not judged: a sanitizer build)'}`);
	}
	row('gateway /metrics at the end: ops rejected', `${metricsEnd.get('ops_rejected_total')}, gap fills ${metricsEnd.get('gap_fills_total')}, ` +
		`listener reconnects ${metricsEnd.get('listener_reconnects_total')}, lagging closed ${metricsEnd.get('closed_lagging_total')}, ` +
		`rate limited ${metricsEnd.get('rate_limited_total')} (the restarted process's counters)`);
	row('after the clients left: connections/docs/ops', `${left.join(' / ')} (must be as at its start: ${idle.join(' / ')})`);
	row('RSS after the drain', rssAfterDrain === null ? 'n/a' : `${mb(rssAfterDrain)} MB`);
	row('gateway exit on the final SIGTERM', `${finalStop.code === null ? `signal ${finalStop.signal}` : finalStop.code} after ${finalStop.ms} ms`);
	row('logs', problems.length || env.SOAK_KEEP === '1' ? WORK : `${WORK} (removed after a PASS; SOAK_KEEP=1 keeps them)`);
	if (problems.length) {
		lines.push('', 'problems:');
		for (const p of problems) lines.push(`  - ${p}`);
		if (samples.length) {
			lines.push('', 'client errors (first ones):');
			for (const x of samples.slice(0, 10)) lines.push(`  ${x}`);
		}
	}
	lines.push('', problems.length ? 'FAIL' : 'PASS');
	console.log(lines.join('\n'));
	fs.writeFileSync(path.join(WORK, 'figures.txt'), `${lines.join('\n')}\n`);
	return problems.length ? 1 : 0;
}

main().then((code) => process.exit(code), (e) => {
	console.error(`soak: ${e.stack || e}`);
	for (const p of problems) console.error(`  - ${p}`);
	console.log('\nFAIL');
	for (const wk of workers) { try { wk.child.kill('SIGKILL'); } catch (x) { /* gone */ } }
	if (gateway && gateway.proc.exitCode === null) { expectedExit = true; gateway.proc.kill('SIGTERM'); }
	setTimeout(() => process.exit(1), 2000);
});
