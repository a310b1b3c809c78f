'use strict';
// Poison ops (issue 15, pg_ot only), on a gateway of this file's own:
//  - the two ops that once made a document unreadable through every gateway
//    (an attribute of 1e19, an embed nested 2,044 deep), and numbers that
//    print far longer than they are written, are refused at submit, by SQL
//    and through the gateway, and the document stays readable and live;
//  - such rows already in the database (written before the limits) reach
//    clients as PostgreSQL prints them: fetched, subscribed from an old
//    version, caught up after a notification, returned by a submit, with no
//    version skipped and no subscriber stalled;
//  - a row the gateway truly cannot deliver (a version missing from the op
//    log) stops the subscriptions that need it loudly: an error the stock
//    client emits on the document, a log line, metrics; nothing later is
//    delivered to them, and the gateway serves the document to newcomers.

const { test, before, after } = require('node:test');
const h = require('../lib/harness');
const { assert } = h;

const skip = h.SKIP_UNLESS_PG_OT;
const C = 'gw_rich';
let gw;
let pg;

before(async () => {
	if (skip) return;
	gw = await h.startGateway(['--allow-anonymous']);
	pg = await h.pgConnect();
});

after(async () => {
	await h.closeAll();
	await h.stopGateways();
});

// A metric's value; absent: undefined, or a failure unless optional.
async function metric(name, { optional = false } = {}) {
	const r = await h.httpGet(`${gw.http}/metrics`);
	const m = new RegExp(`^pg_ot_gateway_${name} (\\S+)$`, 'm').exec(r.body);
	if (!m && optional) return undefined;
	assert.ok(m, `/metrics has ${name}`);
	return Number(m[1]);
}

// An embed nested n objects deep, {"a": {"a": ... 1}}, as JSON text.  The
// stock client cannot carry one 2,044 deep (lodash's cloneDeep runs out of
// stack), so raw clients send and read them.
const deepText = (n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
const DEEP = 2044;
// Deeper than any message jansson reads (2,048 levels), as rows stored
// before the limits could be.
const DEEPER = 2100;

// The SQLSTATE an SQL call fails with (null: none).
async function sqlState(sql, params) {
	try {
		await pg.query(sql, params);
		return null;
	} catch (e) {
		return e.code;
	}
}

// Writes op as the op at the document's current version directly into the
// op log, as the submit path did before the limits (or a superuser could):
// the NOTIFY trigger fires as for any op.  grow: the length the op adds.
async function writeUnchecked(id, op, grow) {
	await pg.query('BEGIN');
	await pg.query(`INSERT INTO ot.operations (doc_id, version, op, user_id)
		SELECT d.id, d.version, $3::jsonb, 'before-the-limits' FROM ot.documents d
		WHERE d.collection = $1 AND d.name = $2`, [C, id, op]);
	await pg.query(`UPDATE ot.documents SET version = version + 1, length = length + $3
		WHERE collection = $1 AND name = $2`, [C, id, grow]);
	await pg.query('COMMIT');
}

test('the poison ops of issue 15 are refused by SQL and through the gateway; the document stays readable and live', { skip, timeout: 120000 }, async () => {
	const mark = h.clientWarnings.length;
	const id = h.uid('refused');
	await pg.query(`SELECT ot.create($1, $2, 'rich-text', '[{"insert": "ab\\n"}]')`, [C, id]);
	const A = await h.connect(gw.url);
	const B = await h.connect(gw.url);
	const docA = h.getDoc(A, C, id);
	const docB = h.getDoc(B, C, id);
	await h.subscribe(docA);
	await h.subscribe(docB);

	// By SQL: OT001.
	assert.equal(await sqlState(`SELECT ot.submit($1, $2, 1, '[{"retain": 1, "attributes": {"n": 1e19}}]')`,
		[C, id]), 'OT001', 'an attribute of 1e19, by SQL');
	assert.equal(await sqlState(`SELECT ot.submit($1, $2, 1, $3::jsonb)`,
		[C, id, `[{"insert": ${deepText(DEEP)}}]`]), 'OT001', `an embed ${DEEP} deep, by SQL`);
	assert.equal(await sqlState(`SELECT ot.submit($1, $2, 1, '[{"retain": 1, "attributes": {"n": 1e-16383}}]')`,
		[C, id]), 'OT001', '1e-16383 (16,385 characters once printed), by SQL');

	// Through the gateway, written as the issue did (raw text: JSON.stringify
	// would write 1e19 out in full, which jansson refuses to parse): each
	// answered ERR_OT_OP_BADLY_FORMED.  1e-300 reaches the database as jansson
	// writes it, 1.0000000000000001e-300, 317 characters once printed.
	const R = await h.Raw.open(gw.url);
	await R.handshake();
	const ops = ['[{"retain":1,"attributes":{"n":1e19}}]', '[{"retain":1,"attributes":{"n":1e308}}]',
		'[{"retain":1,"attributes":{"n":1e-300}}]', `[{"insert":${deepText(DEEP)}}]`];
	for (let seq = 1; seq <= ops.length; seq++) {
		R.sendText(`{"a":"op","c":"${C}","d":"${id}","v":1,"src":"${R.id}","seq":${seq},"op":${ops[seq - 1]}}`);
		const reply = await R.expect((m) => m.a === 'op' && m.seq === seq, `the reply to op ${seq}`);
		assert.equal(reply.error && reply.error.code, 'ERR_OT_OP_BADLY_FORMED', `${ops[seq - 1].slice(0, 40)} through the gateway`);
	}

	// The stock client writes 1e19 out in full, 10000000000000000000, which
	// jansson cannot hold: the gateway still reads the op (as JavaScript
	// would) and the client hears it refused, instead of waiting forever.
	for (const n of [1e19, 1e-300]) {
		await assert.rejects(h.submit(docA, [{ retain: 1, attributes: { n } }]),
			(e) => e.code === 'ERR_OT_OP_BADLY_FORMED', `an attribute of ${n} from the stock client`);
		await h.nothingPending(docA);
	}

	// Nothing was applied; everyone can still read, subscribe and edit.
	const start = { v: 1, type: h.typeUri('rich-text'), data: { ops: [{ insert: 'ab\n' }] } };
	assert.deepEqual(await h.dbFetch(pg, C, id), start);
	assert.deepEqual(await h.fetchFresh(C, id, gw.url), start);
	await h.submit(docB, [{ retain: 1 }, { insert: 'B' }]);
	await h.waitVersion(docA, 2);
	const F = await h.connect(gw.url);
	const docF = h.getDoc(F, C, id);
	await h.subscribe(docF);
	assert.equal(docF.version, 2);
	await h.submit(docA, [{ insert: 'A' }]);
	await h.waitVersion(docF, 3);
	await h.waitVersion(docB, 3);
	for (const d of [docA, docB, docF]) assert.deepEqual(h.dataOf(d), { ops: [{ insert: 'AaBb\n' }] });
	h.assertDelivered(B, C, id, 2, 3);
	h.assertDelivered(F, C, id, 2, 3);
	assert.equal(await metric('op_rows_unusable_total'), 0, 'no row the gateway could not deliver');
	h.assertClean([B, F], mark);
	h.close(A); h.close(B); h.close(F); R.close();
});

test('poison rows already in the database reach clients as stored: catch-up, fetch, subscribe from a version, snapshots, submit results; no gap, no stall', { skip, timeout: 120000 }, async () => {
	const mark = h.clientWarnings.length;

	// X: an attribute of 1e19 (PostgreSQL prints 10000000000000000000, which
	// jansson cannot read), written unchecked while a stock client listens.
	const X = h.uid('stored-1e19');
	await pg.query(`SELECT ot.create($1, $2, 'rich-text', '[{"insert": "ab\\n"}]')`, [C, X]);
	const S = await h.connect(gw.url);
	const docS = h.getDoc(S, C, X);
	await h.subscribe(docS);
	assert.equal(docS.version, 1);
	await writeUnchecked(X, '[{"retain": 1, "attributes": {"n": 1e19}}]', 0);
	// An ordinary op: with it, at the latest, the gateway reads version 1.
	await pg.query(`SELECT ot.submit($1, $2, 2, '[{"insert": "Z"}]')`, [C, X]);
	await h.waitVersion(docS, 3);
	h.assertDelivered(S, C, X, 1, 3);
	let want = await h.dbFetch(pg, C, X);
	assert.deepEqual(want.data, { ops: [{ insert: 'Z' }, { insert: 'a', attributes: { n: 1e19 } }, { insert: 'b\n' }] });
	assert.deepEqual(h.dataOf(docS), want.data, 'the subscriber equals ot.fetch');
	assert.deepEqual(await h.fetchFresh(C, X, gw.url), want);

	const R = await h.Raw.open(gw.url);
	await R.handshake();
	R.send({ a: 's', c: C, d: X, v: 1 });
	const first = await R.expect((m) => m.a === 'op' && m.v === 1, 'op v1 of the subscribe from 1');
	assert.equal(first.op[0].attributes.n, 1e19);
	await R.expect((m) => m.a === 'op' && m.v === 2, 'op v2 of the subscribe from 1');
	assert.equal((await R.expect((m) => m.a === 's', 'the subscribe reply')).error, undefined);
	R.send({ a: 'nf', id: 7, c: C, d: X, v: 2 });
	const nf = await R.expect((m) => m.a === 'nf' && m.id === 7, 'the snapshot at version 2');
	assert.deepEqual([nf.error, nf.v, nf.data], [undefined, 2, { ops: [{ insert: 'a', attributes: { n: 1e19 } }, { insert: 'b\n' }] }]);
	R.send({ a: 'bf', c: C, b: [X] });
	const bf = await R.expect((m) => m.a === 'bf', 'the bulk fetch');
	assert.deepEqual([bf.data[X].v, bf.data[X].data], [3, want.data]);
	// An op made at version 1 is transformed against the poison op: the
	// batch's result carries it, and the client gets it before its ack.
	R.send({ a: 'op', c: C, d: X, v: 1, src: R.id, seq: 1, op: [{ retain: 3 }, { insert: 'Q' }] });
	const ack = await R.expect((m) => m.a === 'op' && m.src === R.id && m.seq === 1 && !('op' in m), 'the ack of the op made at version 1');
	assert.deepEqual([ack.error, ack.v], [undefined, 3]);
	await h.waitVersion(docS, 4);
	want = await h.dbFetch(pg, C, X);
	assert.deepEqual(h.dataOf(docS), want.data);

	// Y: an embed nested deeper than any message jansson reads, written
	// unchecked while a raw client listens (its notification is too large
	// to carry the op), then read every way.
	const Y = h.uid('stored-deep');
	await pg.query(`SELECT ot.create($1, $2, 'rich-text', '[{"insert": "ab\\n"}]')`, [C, Y]);
	const L = await h.Raw.open(gw.url);
	await L.handshake();
	L.send({ a: 's', c: C, d: Y });
	assert.equal((await L.expect((m) => m.a === 's', 'the subscribe to Y')).data.v, 1);
	await writeUnchecked(Y, `[{"insert": ${deepText(DEEPER)}}]`, 1);
	await pg.query(`SELECT ot.submit($1, $2, 2, '[{"insert": "Z"}]')`, [C, Y]);
	const live = [await L.expect((m) => m.a === 'op' && m.d === Y && m.v === 1, 'Y v1, live'),
		await L.expect((m) => m.a === 'op' && m.d === Y && m.v === 2, 'Y v2, live')];
	const embed = JSON.stringify(JSON.parse(deepText(DEEPER)));
	assert.equal(JSON.stringify(live[0].op[0].insert), embed, 'the embed as stored');
	// (The subscribe first: once a client has a snapshot, the ops before it are never sent to it.)
	R.send({ a: 's', c: C, d: Y, v: 1 });
	const again = await R.expect((m) => m.a === 'op' && m.d === Y && m.v === 1, 'Y v1 of a subscribe from 1');
	assert.equal(JSON.stringify(again.op[0].insert), embed);
	await R.expect((m) => m.a === 'op' && m.d === Y && m.v === 2, 'Y v2 of a subscribe from 1');
	assert.equal((await R.expect((m) => m.a === 's' && m.d === Y, 'the subscribe reply')).error, undefined);
	R.send({ a: 'f', c: C, d: Y });
	const f = await R.expect((m) => m.a === 'f' && m.d === Y, 'a fetch of Y');
	assert.deepEqual([f.error, f.data.v], [undefined, 3]);
	assert.equal(JSON.stringify(f.data.data.ops[1].insert), embed);

	assert.equal(await metric('op_rows_unusable_total'), 0, 'every row was delivered');
	assert.equal(await metric('subscriptions_failed_total'), 0);
	h.assertClean([S], mark);
	h.close(S); R.close(); L.close();
});

test('a version missing from the op log stops its subscriptions loudly (error, log, metrics), nothing later reaches them, and the document is still served', { skip, timeout: 120000 }, async () => {
	const mark = h.clientWarnings.length;
	const id = h.uid('hole');
	const unusable = (await metric('op_rows_unusable_total', { optional: true })) || 0;
	const failed = (await metric('subscriptions_failed_total', { optional: true })) || 0;
	await pg.query(`SELECT ot.create($1, $2, 'rich-text', '[{"insert": "ab\\n"}]')`, [C, id]);
	const S = await h.connect(gw.url);
	const docS = h.getDoc(S, C, id);
	await h.subscribe(docS);
	assert.equal(docS.version, 1);

	// Version 1 never written, version 2 is: a hole no read can fill.
	await pg.query('BEGIN');
	await pg.query(`INSERT INTO ot.operations (doc_id, version, op, user_id)
		SELECT d.id, 2, '[{"insert": "x"}]', 'hole' FROM ot.documents d WHERE d.collection = $1 AND d.name = $2`, [C, id]);
	await pg.query(`UPDATE ot.documents SET version = 3, length = length + 1 WHERE collection = $1 AND name = $2`, [C, id]);
	await pg.query('COMMIT');

	await h.until(() => S.errors.length > 0, 'the subscriber to hear that its ops cannot be read', [], () => JSON.stringify(S.errors));
	assert.match(S.errors[0], /version 1 of the document cannot be read/, 'the error names the version');
	assert.ok(await metric('op_rows_unusable_total') > unusable, 'op_rows_unusable_total counts it');
	assert.equal(await metric('subscriptions_failed_total'), failed + 1, 'subscriptions_failed_total counts the subscription');
	assert.match(gw.log, new RegExp(`${id}: version 1 is missing from the op log`), 'logged');

	// A subscribe from before the hole is refused with the same error.
	const R = await h.Raw.open(gw.url);
	await R.handshake();
	R.send({ a: 's', c: C, d: id, v: 1 });
	const refused = await R.expect((m) => m.a === 's', 'the reply to a subscribe from version 1');
	assert.equal(refused.error && refused.error.code, 'ERR_UNKNOWN_ERROR');
	assert.match(refused.error.message, /version 1 of the document cannot be read/);

	// Newcomers read the document at its version and receive what follows;
	// the stopped subscriber receives nothing of it.
	const F = await h.connect(gw.url);
	const docF = h.getDoc(F, C, id);
	await h.subscribe(docF);
	assert.equal(docF.version, 3);
	await pg.query(`SELECT ot.submit($1, $2, 3, '[{"insert": "N"}]')`, [C, id]);
	await h.waitVersion(docF, 4);
	assert.deepEqual(h.dataOf(docF), (await h.dbFetch(pg, C, id)).data);
	assert.deepEqual(h.opStream(S, C, id).map((m) => m.v), [], 'nothing after the hole reached the stopped subscriber');
	assert.equal(docS.version, 1);
	h.assertClean([F], mark);
	h.close(S); h.close(F); R.close();
});

test('a presence with numbers PostgreSQL writes out in full is moved to the latest version and relayed', { skip, timeout: 120000 }, async () => {
	const id = h.uid('presence');
	await pg.query(`SELECT ot.create($1, $2, 'rich-text', '[{"insert": "abcdef\\n"}]')`, [C, id]);
	await pg.query(`SELECT ot.submit($1, $2, 1, '[{"insert": "XYZ"}]')`, [C, id]);
	const ch = `${C}.${id}`;
	const [L, R] = [await h.Raw.open(gw.url), await h.Raw.open(gw.url)];
	for (const x of [L, R]) await x.handshake();
	L.send({ a: 'ps', ch, seq: 1 });
	assert.equal((await L.expect((m) => m.a === 'ps', 'the ps reply')).error, undefined);
	// Made at version 1, before XYZ: the database moves it, and prints 1e300
	// as a 301-digit integer.
	const heard = await metric('notifications_total');
	R.sendText(`{"a":"p","ch":"${ch}","id":"big","pv":0,"c":"${C}","d":"${id}","v":1,` +
		`"t":"${h.typeUri('rich-text')}","p":{"index":2,"length":1,"x":1e300}}`);
	const reply = await R.expect((m) => m.a === 'p' && m.id === 'big', 'the p reply');
	assert.equal(reply.error, undefined, 'the p reply is not an error');
	const got = await L.expect((m) => m.a === 'p' && m.id === 'big', 'the relayed presence');
	assert.deepEqual([got.v, got.p], [2, { index: 5, length: 1, x: 1e300 }], 'moved past XYZ, its numbers kept');
	// Its NOTIFY to the other gateways comes back: nothing is left in flight.
	for (const deadline = Date.now() + h.WAIT_MS; await metric('notifications_total') <= heard;) {
		assert.ok(Date.now() < deadline, 'the presence NOTIFY comes back');
		await new Promise((r) => setTimeout(r, 50));
	}
	L.close(); R.close();
});
