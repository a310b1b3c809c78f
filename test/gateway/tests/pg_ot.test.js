'use strict';
// What only pg_ot has: two gateways on one database, the LISTEN connection
// killed under a gateway while ops flow, ops written by SQL reaching
// gateway clients, grants.  Skipped for the reference target.

const { test, after } = require('node:test');
const h = require('../lib/harness');
const { converge } = require('../lib/converge');
const { assert } = h;

after(h.closeAll);

const skip = h.SKIP_UNLESS_PG_OT;

test('two gateways on one database: a client on each sees the other\'s ops', { skip, timeout: 120000 }, async () => {
	const mark = h.clientWarnings.length;
	assert.ok(h.URLS.length >= 2, 'run.sh starts two gateways (GATEWAY_URLS has two URLs)');
	const id = h.uid('two-gw');
	const A = await h.connect(h.URLS[0]);
	const B = await h.connect(h.URLS[1]);
	const docA = h.getDoc(A, 'gw_rich', id);
	const docB = h.getDoc(B, 'gw_rich', id);
	await h.subscribe(docA);
	await h.subscribe(docB);
	await h.create(docA, [{ insert: 'ab\n' }], 'rich-text');
	await h.waitVersion(docB, 1);
	await h.submit(docB, [{ retain: 1 }, { insert: 'B' }]);
	await h.waitVersion(docA, 2);
	await h.submit(docA, [{ retain: 3 }, { insert: 'A' }]);
	await h.waitVersion(docB, 3);
	const want = { ops: [{ insert: 'aBbA\n' }] };
	assert.deepEqual(h.dataOf(docA), want);
	assert.deepEqual(h.dataOf(docB), want);
	h.assertDelivered(A, 'gw_rich', id, 1, 2);
	h.assertDelivered(B, 'gw_rich', id, 0, 1);
	h.assertDelivered(B, 'gw_rich', id, 2, 3);
	h.assertClean([A, B], mark);
	h.close(A); h.close(B);
});

for (const typeName of ['text-unicode', 'rich-text']) {
	test(`two gateways: six clients split between them converge on ${typeName}, equal to ot.fetch`, { skip, timeout: 180000 }, (t) =>
		converge(t, {
			typeName, clients: 6, opsPerClient: 60, urls: h.URLS.slice(0, 2),
			collection: typeName === 'text-unicode' ? 'gw_text' : 'gw_rich', seed: h.SEED + 100,
		}));
}

async function untilAsync(fn, what) {
	const deadline = Date.now() + h.WAIT_MS * 2;
	for (;;) {
		const v = await fn();
		if (v) return v;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 50));
	}
}

// The gateways name their LISTEN connection (fallback_application_name).
const LISTENERS = `SELECT pid FROM pg_stat_activity
	WHERE application_name = 'pg_ot_gateway listener' AND pid <> pg_backend_pid()`;

// A stream of STREAM_OPS ops (by SQL writers and a gateway client) while the
// LISTEN backends of both gateways are killed twice; ops keep committing
// while no gateway listens, and every subscriber must still get every op,
// without fetching: the gateways fill the gap themselves.
const STREAM_OPS = { sqlT: 400, sqlU: 300, gateway: 300 };

test('the LISTEN connection killed (pg_terminate_backend) during a stream of 1,000 ops: no subscriber misses one', { skip: skip || h.SKIP_ON_PARTITIONS, timeout: 300000 }, async (t) => {
	const mark = h.clientWarnings.length;
	const C = 'gw_text';
	const pg = await h.pgConnect();		// the SQL writer
	const admin = await h.pgConnect();	// finds and kills the listeners
	const T = h.uid('listen-t');		// written by SQL and by a gateway client
	const U = h.uid('listen-u');		// written by SQL only
	for (const id of [T, U]) await pg.query(`SELECT ot.create($1, $2, 'text-unicode', '"start"')`, [C, id]);

	// A subscriber of both documents on every gateway; it never submits.
	const subs = [];
	for (const url of h.URLS) {
		const c = await h.connect(url);
		const dT = h.getDoc(c, C, T);
		const dU = h.getDoc(c, C, U);
		await h.subscribe(dT);
		await h.subscribe(dU);
		subs.push({ c, dT, dU, fromT: dT.version, fromU: dU.version });
	}
	// A gateway client that submits to T throughout.
	const G = await h.connect(h.URLS[0]);
	const dG = h.getDoc(G, C, T);
	await h.subscribe(dG);

	let committed = 0;
	let seq = 0;
	const sql = async (id, s) => {
		await pg.query('SELECT version FROM ot.submit($1, $2, NULL, $3::jsonb, $4, $5)',
			[C, id, JSON.stringify([s]), 'sql-writer', ++seq]);
		committed++;
	};
	const viaSql = async (n, tag) => {
		for (let i = 0; i < n; i++) await sql(i % 2 ? U : T, `${tag}${i} `);
	};
	const viaGateway = async (n, tag) => {
		for (let i = 0; i < n; i++) { await h.submit(dG, [`${tag}${i} `]); committed++; }
	};
	const total = STREAM_OPS.sqlT + STREAM_OPS.sqlU + STREAM_OPS.gateway;
	let streaming = true;
	const stream = Promise.all([viaSql(STREAM_OPS.sqlT + STREAM_OPS.sqlU, 's'),
		viaGateway(STREAM_OPS.gateway, 'g')]).finally(() => { streaming = false; });

	// Kill the listeners at a third and at two thirds of the stream.
	let unheard = 0;
	for (const share of [1 / 3, 2 / 3]) {
		await untilAsync(async () => committed >= total * share || !streaming, `${Math.round(share * 100)} % of the stream`);
		const killed = (await admin.query(LISTENERS)).rows.map((r) => r.pid);
		assert.ok(killed.length >= 1, 'a gateway backend whose last query was LISTEN');
		const at = committed;
		const r = await admin.query('SELECT bool_and(pg_terminate_backend(pid)) AS ok FROM unnest($1::int[]) pid', [killed]);
		assert.equal(r.rows[0].ok, true, 'terminated');
		await untilAsync(async () => {
			const now = (await admin.query(LISTENERS)).rows.map((x) => x.pid);
			return now.filter((p) => !killed.includes(p)).length >= killed.length;
		}, 'the gateways to LISTEN again on new connections');
		unheard += committed - at;
		t.diagnostic(`killed LISTEN backends ${killed.join(', ')} at op ${at}; ${committed - at} ops committed before both listened again`);
	}
	await stream;
	assert.ok(unheard > 0, 'ops were committed while a gateway did not listen (else the test proves nothing)');

	const finalT = await h.dbFetch(pg, C, T);
	const finalU = await h.dbFetch(pg, C, U);
	t.diagnostic(`${total} ops: T at ${finalT.v}, U at ${finalU.v}`);
	assert.equal((finalT.v - 1) + (finalU.v - 1), total, 'every op of the stream is in the database');
	for (const s of subs) {
		await h.waitVersion(s.dT, finalT.v);
		await h.waitVersion(s.dU, finalU.v);
		assert.equal(s.dT.data, finalT.data, `subscriber on ${s.c.url}: T equals ot.fetch`);
		assert.equal(s.dU.data, finalU.data, `subscriber on ${s.c.url}: U equals ot.fetch`);
		h.assertDelivered(s.c, C, T, s.fromT, finalT.v);
		h.assertDelivered(s.c, C, U, s.fromU, finalU.v);
		assert.deepEqual(s.c.sent.filter((m) => m.a === 'f'), [], 'the client never had to fetch to fill a gap');
	}
	await h.nothingPending(dG);
	await h.waitVersion(dG, finalT.v);
	assert.equal(dG.data, finalT.data, 'the submitting client too');
	h.assertClean([G, ...subs.map((s) => s.c)], mark);
	await pg.end();
	await admin.end();
	for (const c of [G, ...subs.map((s) => s.c)]) h.close(c);
});

test('ops written with SQL reach gateway subscribers, as the ShareDB messages', { skip, timeout: 120000 }, async () => {
	const mark = h.clientWarnings.length;
	const pg = await h.pgConnect();
	const id = h.uid('sql');
	const S = await h.connect();
	const d = h.getDoc(S, 'gw_rich', id);
	await h.subscribe(d);
	await pg.query(`SELECT ot.create('gw_rich', $1, 'rich-text', '[{"insert": "sql\\n"}]', 'sql-src', 1)`, [id]);
	await pg.query(`SELECT * FROM ot.submit('gw_rich', $1, 1, '[{"retain": 3}, {"insert": "!"}]', 'sql-src', 2)`, [id]);
	await h.waitVersion(d, 2);
	assert.deepEqual(h.dataOf(d), { ops: [{ insert: 'sql!\n' }] });
	const ops = h.opStream(S, 'gw_rich', id);
	assert.equal(ops[0].create.type, h.TYPES['rich-text'].uri);
	assert.deepEqual([ops[0].src, ops[0].seq, ops[1].src, ops[1].seq, ops[1].v], ['sql-src', 1, 'sql-src', 2, 1]);
	h.assertClean([S], mark);
	await pg.end();
	h.close(S);
});

test('a collection without a grant: reads and writes are refused, nothing is created', { skip, timeout: 120000 }, async () => {
	const id = h.uid('nogrant');
	const R = await h.Raw.open();
	await R.handshake();
	R.send({ a: 's', c: h.UNGRANTED, d: id });
	const s = await R.expect((m) => m.a === 's' && m.d === id, 'the s reply');
	assert.equal(s.error && s.error.code, 'ERR_SNAPSHOT_READS_REJECTED', 'subscribe refused');
	R.send({ a: 'f', c: h.UNGRANTED, d: id });
	const f = await R.expect((m) => m.a === 'f' && m.d === id, 'the f reply');
	assert.equal(f.error && f.error.code, 'ERR_SNAPSHOT_READS_REJECTED', 'fetch refused');
	R.send({ a: 'op', c: h.UNGRANTED, d: id, v: 0, seq: 1, create: { type: 'text-unicode', data: 'x' } });
	const op = await R.expect((m) => m.a === 'op' && m.d === id, 'the op reply');
	assert.equal(op.error && op.error.code, 'ERR_OP_SUBMIT_REJECTED', 'create refused');
	const pg = await h.pgConnect();
	try {
		const db = await h.dbFetch(pg, h.UNGRANTED, id);
		assert.deepEqual(db, { v: 0, type: null, data: undefined }, 'nothing created');
	} finally { await pg.end(); }
	// The connection stays usable for granted collections.
	R.send({ a: 'f', c: 'gw_misc', d: id });
	const ok = await R.expect((m) => m.a === 'f' && m.c === 'gw_misc' && m.d === id, 'a granted fetch');
	assert.equal(ok.error, undefined);
	R.close();
});
