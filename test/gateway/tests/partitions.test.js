'use strict';
// Documents on several partitions (run.sh with GATEWAY_PARTITIONS): a
// partition that goes down affects only its own documents, and a doubling
// of the partitions (test/partition/clusters.sh double) with the gateways
// drained loses nothing; clients come back and keep editing.

const { test, after } = require('node:test');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const h = require('../lib/harness');
const { assert } = h;

after(h.closeAll);

const ROOT = path.resolve(__dirname, '../../..');
const C = 'gw_text';

// test/partition/clusters.sh ARGS on the run's partitions: its stdout.
function clusters(...args) {
	const r = spawnSync(path.join(ROOT, 'test/partition/clusters.sh'), [args[0], process.env.PARTITION_DIR, ...args.slice(1)],
		{ encoding: 'utf8' });
	if (r.status !== 0) throw new Error(`clusters.sh ${args.join(' ')} failed (${r.status}):\n${r.stdout}${r.stderr}`);
	return r.stdout;
}
// The exports clusters.sh printed, as an object.
function exportsOf(text) {
	const env = {};
	for (const m of text.matchAll(/(\w+)='([^']*)'|(\w+)=(\S+)/g)) env[m[1] || m[3]] = m[2] !== undefined ? m[2] : m[4];
	return env;
}
const pause = (ms) => new Promise((r) => setTimeout(r, ms));
// fn's value once it is truthy (fn may be async); fails after WAIT_MS.
async function poll(fn, what) {
	const deadline = Date.now() + h.WAIT_MS;
	for (;;) {
		const v = await fn();
		if (v) return v;
		if (Date.now() > deadline) throw new Error(`waited ${h.WAIT_MS} ms for ${what}`);
		await pause(100);
	}
}

// An editor: one stock client on one document, submitting one insert after
// another, each after the previous one's ack; it keeps what was acked and
// the longest wait between two acks.
function startEditing(e, state) {
	e.acked = [];
	e.maxGap = 0;
	e.states = [];
	e.c.connection.on('state', (s) => e.states.push(s));
	let last = Date.now();
	e.done = (async () => {
		for (let n = 0; state.editing; n++) {
			const s = `${e.tag}.${n} `;
			await h.submit(e.d, [0, s]);
			const now = Date.now();
			e.maxGap = Math.max(e.maxGap, now - last);
			last = now;
			e.acked.push(s);
			await pause(20);
		}
	})();
}

// Every acked insert is in the document as its partition stores it, the
// op log has one row per version, and every editor holds that snapshot.
async function checkStored(editors, n, conninfoOf) {
	const ids = [...new Set(editors.map((e) => e.id))];
	for (const id of ids) {
		const mine = editors.filter((e) => e.id === id);
		const p = h.partitionOf(C, id, n);
		const pg = await conninfoOf(p);
		try {
			const db = await h.dbFetch(pg, C, id);
			const ops = await pg.query('SELECT count(*)::int AS n FROM ot.ops($1, $2, 0)', [C, id]);
			assert.equal(ops.rows[0].n, db.v, `${C}/${id}: one op per version in partition ${p}'s op log`);
			for (const e of mine) {
				await h.until(() => e.d.version === db.v, `${e.tag} at version ${db.v}`, [], () => `version ${e.d.version}`);
				assert.equal(e.d.data, db.data, `${e.tag} holds what partition ${p} stores`);
				for (const s of e.acked) assert.ok(db.data.includes(s), `${e.tag}'s acked "${s}" is stored on partition ${p}`);
			}
		} finally { await pg.end(); }
	}
}

test('a partition stopped (immediate) while clients edit on every partition: the others\' clients keep getting acks; ' +
	'after it restarts every client converges and every acked op is stored', { skip: h.PARTITIONS >= 2 ? false : 'GATEWAY_PARTITIONS=2 or more', timeout: 300000 }, async () => {
	const mark = h.clientWarnings.length;
	const DOWN = h.PARTITIONS - 1;
	// Two documents on each partition, each edited by a client on every gateway.
	const editors = [];
	for (let p = 0; p < h.PARTITIONS; p++) {
		for (let k = 0; k < 2; k++) {
			const id = h.uidOn(C, `stop-p${p}-${k}`, p);
			for (const [g, url] of h.URLS.entries()) {
				const c = await h.connect(url);
				const d = h.getDoc(c, C, id);
				await h.subscribe(d);
				if (!d.type) await h.create(d, '', 'text-unicode');
				editors.push({ c, d, id, p, tag: `p${p}d${k}g${g}` });
			}
		}
	}
	const survivors = editors.filter((e) => e.p !== DOWN);
	const stranded = editors.filter((e) => e.p === DOWN);
	const state = { editing: true };
	for (const e of editors) startEditing(e, state);
	await h.until(() => editors.every((e) => e.acked.length >= 3), 'three acks for every editor');

	// Down: the survivors keep getting acks, /healthz stays 200 and names it, /metrics says which.
	clusters('stop-partition', String(DOWN), 'immediate');
	const stopped = Date.now();
	const before = survivors.map((e) => e.acked.length);
	const degraded = new RegExp(`partition ${DOWN} does not answer`);
	for (const url of h.URLS) {
		const http = url.replace(/^ws/, 'http');
		const hz = await poll(async () => {
			const r = await h.httpGet(`${http}/healthz`);
			return degraded.test(r.body) && r;
		}, `${http}/healthz naming partition ${DOWN}`);
		assert.equal(hz.status, 200, `/healthz is 200 while another partition answers: ${hz.body}`);
		assert.match(hz.body, degraded);
		const m = await h.httpGet(`${http}/metrics`);
		assert.match(m.body, new RegExp(`^pg_ot_gateway_partition_up\\{partition="${DOWN}"\\} 0$`, 'm'), 'partition_up says which is down');
		assert.match(m.body, /^pg_ot_gateway_partition_up\{partition="0"\} 1$/m, 'and which are up');
	}
	await h.until(() => survivors.every((e, i) => e.acked.length >= before[i] + 5),
		'five more acks for every editor of the partitions that are up');
	await pause(3000);					// and a while longer down, as the others edit on
	const strandedDuring = stranded.map((e) => e.acked.length);
	clusters('start-partition', String(DOWN));
	const down = Date.now() - stopped;
	const after = stranded.map((e) => e.acked.length);
	await h.until(() => stranded.every((e, i) => e.acked.length >= after[i] + 3), 'three acks for every editor of the restarted partition');
	for (const url of h.URLS) {
		const http = url.replace(/^ws/, 'http');
		await poll(async () => {
			const r = await h.httpGet(`${http}/healthz`);
			return r.status === 200 && /^ok/.test(r.body);
		}, `${http}/healthz ok again`);
	}
	state.editing = false;
	await Promise.all(editors.map((e) => e.done));
	for (const e of editors) await h.nothingPending(e.d);

	const maxGap = Math.max(...survivors.map((e) => e.maxGap));
	console.log(`# partition ${DOWN} was down ~${(down / 1000).toFixed(1)} s; the ${survivors.length} clients of the other ` +
		`partitions: longest wait between two acks ${maxGap} ms, ${survivors.reduce((n, e) => n + e.acked.length, 0)} acks in all; ` +
		`the ${stranded.length} of partition ${DOWN}: ${strandedDuring.reduce((a, b) => a + b, 0)} acks before it stopped, ` +
		`${stranded.reduce((n, e) => n + e.acked.length, 0)} in all`);
	for (const e of survivors) {
		assert.deepEqual(e.c.errors, [], `${e.tag} (partition ${e.p}) saw no error`);
		assert.deepEqual(e.states, [], `${e.tag} (partition ${e.p}) stayed connected`);
	}
	await checkStored(editors, h.PARTITIONS, (p) => h.pgPartition(p));
	h.assertClean(editors.map((e) => e.c), mark);
	for (const e of editors) h.close(e.c);
});

test('past --db-grace, a down partition\'s sessions are closed (1013), the others\' stay; they come back when it does',
	{ skip: h.PARTITIONS >= 2 ? false : 'GATEWAY_PARTITIONS=2 or more', timeout: 300000 }, async () => {
	const mark = h.clientWarnings.length;
	const DOWN = h.PARTITIONS - 1;
	const gw = await h.startGateway(['--allow-anonymous', '--db-grace', '1']);
	const open = async (p, tag) => {
		const id = h.uidOn(C, `grace-${tag}`, p);
		const c = await h.connect(gw.url);
		const d = h.getDoc(c, C, id);
		await h.subscribe(d);
		if (!d.type) await h.create(d, '', 'text-unicode');
		c.closes = [];
		c.socket.ws.on('close', (code) => c.closes.push(code));
		return { c, d, tag };
	};
	const up = await open(0, 'up');
	const down = await open(DOWN, 'down');
	clusters('stop-partition', String(DOWN), 'immediate');
	await h.until(() => down.c.closes.length > 0, `the session on partition ${DOWN} closed past the grace`);
	assert.deepEqual(down.c.closes, [1013], 'closed with 1013 (try again later), as in a database outage');
	// One that comes to the down partition meanwhile is sent away too; the handshake is not refused.
	const late = await h.connect(gw.url);
	late.closes = [];
	late.socket.ws.on('close', (code) => late.closes.push(code));
	const lateDoc = h.getDoc(late, C, down.d.id);
	lateDoc.subscribe(() => {});
	await h.until(() => late.closes.length > 0, 'a session subscribing on the down partition closed');
	assert.deepEqual(late.closes, [1013]);
	await h.submit(up.d, [0, 'still ']);
	assert.deepEqual(up.c.closes, [], `the session on partition 0 stays`);
	clusters('start-partition', String(DOWN));
	await poll(async () => (await h.httpGet(`${gw.http}/healthz`)).body.startsWith('ok'), 'healthz ok again');
	await h.reconnect(down.c, gw.url);
	await h.submit(down.d, [0, 'back ']);
	assert.ok(down.d.data.startsWith('back '), 'the session of the restarted partition edits again');
	h.assertClean([up.c, down.c], mark);
	for (const c of [up.c, down.c, late]) h.close(c);
	await h.stopGateways();
});

test('startup checks every partition: one without pg_ot, or with other ot.secrets, is refused, naming it; bad partition lists exit 2',
	{ skip: h.PARTITIONS >= 2 ? false : 'GATEWAY_PARTITIONS=2 or more', timeout: 120000 }, async () => {
	const last = h.PARTITIONS - 1;
	const pg = await h.pgPartition(last);
	const other = `gw_other_${process.pid}`;
	const bare = `gw_bare_${process.pid}`;
	try {
		await pg.query(`CREATE DATABASE ${other}`);
		await pg.query(`CREATE DATABASE ${bare}`);
		const o = new (require('pg').Client)({ host: pg.host, port: pg.port, user: pg.user, database: other });
		await o.connect();
		await o.query('SET client_min_messages = warning');
		await o.query('CREATE EXTENSION pg_ot');		// its own keys, made at random
		await o.end();
		const conninfos = [];
		for (let i = 0; i < h.PARTITIONS; i++) conninfos.push(process.env[`PARTITION_CONNINFO_${i}`]);
		const run = (list, extra = []) => spawnSync(process.env.GATEWAY_BIN,
			[...list.flatMap((ci) => ['--partition', ci]), ...extra, '--listen', '127.0.0.1',
				'--port', process.env.GATEWAY_SPARE_PORT, '--allow-anonymous'],
			{ encoding: 'utf8', timeout: 60000, env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=0' } });
		const swap = (db) => conninfos.map((ci, i) => (i === last ? ci.replace(/dbname=\S+/, `dbname=${db}`) : ci));
		let r = run(swap(other));
		assert.equal(r.status, 1, `other keys: exit 1\n${r.stderr}`);
		assert.match(r.stderr, new RegExp(`ot\\.secrets \\(partition ${last}\\) differ from partition 0's`));
		r = run(swap(bare));
		assert.equal(r.status, 1, `no pg_ot: exit 1\n${r.stderr}`);
		assert.match(r.stderr, new RegExp(`\\(partition ${last}\\)`), 'the message names the partition');
		r = run([...conninfos, conninfos[0]]);
		assert.equal(r.status, 2, `${h.PARTITIONS + 1} partitions: exit 2\n${r.stderr}`);
		assert.match(r.stderr, /power of two/);
		r = run(conninfos, ['--db', conninfos[0]]);
		assert.equal(r.status, 2, `--db with --partition: exit 2\n${r.stderr}`);
		assert.match(r.stderr, /--db and --partition exclude each other/);
	} finally {
		await pg.query(`DROP DATABASE IF EXISTS ${other}`);
		await pg.query(`DROP DATABASE IF EXISTS ${bare}`);
		await pg.end();
	}
});

test('doubling 1 → 2 partitions with the gateways drained: clients come back and keep editing; nothing is lost',
	{ skip: h.PARTITIONS === 1 ? false : 'GATEWAY_PARTITIONS=1 only', timeout: 300000 }, async () => {
	const mark = h.clientWarnings.length;
	let gw = await h.startGateway(['--allow-anonymous']);
	// Documents that stay on partition 0 and documents that move to the new partition 1.
	const editors = [];
	for (let k = 0; k < 4; k++) {
		let id;
		do id = h.uid(`grow-${k}`); while (h.partitionOf(C, id, 2) !== k % 2);
		const c = await h.connect(gw.url);
		const d = h.getDoc(c, C, id);
		await h.subscribe(d);
		await h.create(d, '', 'text-unicode');
		editors.push({ c, d, id, tag: `grow${k}`, acked: [] });
	}
	const edit = async (e, n) => {
		for (let i = 0; i < n; i++) {
			const s = `${e.tag}.${e.acked.length} `;
			await h.submit(e.d, [0, s]);
			e.acked.push(s);
		}
	};
	await Promise.all(editors.map((e) => edit(e, 5)));
	const versions = editors.map((e) => e.d.version);

	// Drained: the gateway goes (its clients see the connection close), the partitions double.
	await h.stopGateways();
	await h.until(() => editors.every((e) => e.c.connection.state !== 'connected'), 'every client disconnected');
	const env = exportsOf(clusters('double'));
	assert.equal(env.PARTITIONS, '2', 'clusters.sh double makes 2 partitions');
	const conninfos = [env.PARTITION_CONNINFO_0, env.PARTITION_CONNINFO_1];
	gw = await h.startGateway(['--allow-anonymous'], { dbArgs: conninfos.flatMap((ci) => ['--partition', ci]) });
	for (const e of editors) await h.reconnect(e.c, gw.url);
	for (const [i, e] of editors.entries()) {
		await h.until(() => e.d.subscribed && e.d.version === versions[i], `${e.tag} subscribed again at version ${versions[i]}`,
			[], () => `version ${e.d.version}`);
	}
	await Promise.all(editors.map((e) => edit(e, 5)));
	for (const e of editors) await h.nothingPending(e.d);
	const moved = editors.filter((e) => h.partitionOf(C, e.id, 2) === 1).length;
	console.log(`# doubled 1 → 2: ${moved} of ${editors.length} documents moved to partition 1; every client edited on after it`);
	assert.ok(moved > 0 && moved < editors.length, 'documents on both partitions');
	const pgOf = async (p) => {
		const cfg = {};
		for (const kv of conninfos[p].split(/\s+/)) {
			const [k, v] = kv.split('=');
			cfg[{ dbname: 'database' }[k] || k] = v;
		}
		const pg = new (require('pg').Client)(cfg);
		await pg.connect();
		return pg;
	};
	await checkStored(editors, 2, pgOf);
	for (const e of editors) {
		// Not on the other partition.
		const other = await pgOf(1 - h.partitionOf(C, e.id, 2));
		try {
			const r = await other.query('SELECT count(*)::int AS n FROM ot.documents WHERE collection = $1 AND name = $2', [C, e.id]);
			assert.equal(r.rows[0].n, 0, `${e.tag}: not on the other partition`);
		} finally { await other.end(); }
	}
	h.assertClean(editors.map((e) => e.c), mark);
	for (const e of editors) h.close(e.c);
	await h.stopGateways();
});
