'use strict';
// The attacker's view of notifications (pg_ot only).  Any role that can
// connect may LISTEN and NOTIFY on every channel; gateways act only on what
// the extension signed, and admit each signed presence or revoke once.  On a
// database of its own, with two gateways of its own: a role with nothing but
// CONNECT forges ops, presence and revocations, sends versions out of range
// (also signed with the real key, which only the extension and the gateways
// can read), and replays authentic payloads it captured.  Subscribers see
// nothing of it: the same content and versions, their sessions open, no
// presence they were not sent, and the gateways do a bounded amount of work
// (pg_ot_gateway_gap_fills_total).  TRUNCATE ot.grants closes the sessions
// that relied on a grant, as a DELETE does.

const { test, before, after } = require('node:test');
const crypto = require('node:crypto');
const { Client } = require('pg');
const h = require('../lib/harness');
const { assert } = h;

const skip = h.SKIP_UNLESS_PG_OT;
const RUN = `${process.pid}_${Date.now().toString(36)}`;
const DB = `notify_${RUN}`;
const FORGER = `forger_${RUN}`;
const C = 'gw_notify';

let admin;			// superuser, on the test's database
let forger;			// the role with only CONNECT, on the same database
let key;			// the 'notify' key, to sign payloads as the extension would
let gwA;
let gwB;
let grantsChannel;

before(async () => {
	if (skip) return;
	const root = new Client();
	await root.connect();
	await root.query(`CREATE DATABASE ${DB}`);
	await root.query(`CREATE ROLE ${FORGER} LOGIN`);	// nothing else: PUBLIC's CONNECT only
	await root.end();
	admin = new Client({ database: DB });
	await admin.connect();
	await admin.query('CREATE EXTENSION pg_ot');
	await admin.query(`SELECT ot.grant('${C}', NULL, 'anonymous', 'write')`);
	admin.on('error', () => {});
	// (Without ot.secrets, before signed notifications, a key of the test's
	// own: its signed payloads are then forgeries like the others.)
	key = await admin.query("SELECT secret FROM ot.secrets WHERE purpose = 'notify'")
		.then((r) => r.rows[0].secret, () => crypto.randomBytes(48));
	grantsChannel = await channel('$grants', '');
	forger = new Client({ database: DB, user: FORGER });
	forger.on('error', () => {});
	await forger.connect();
	const conninfo = process.env.GATEWAY_DB.replace(/dbname=\S+/, `dbname=${DB}`);
	gwA = await ours(await h.startGateway(['--db', conninfo, '--allow-anonymous'], { slot: 0 }));
	gwB = await ours(await h.startGateway(['--db', conninfo, '--allow-anonymous'], { slot: 1 }));
});

after(async () => {
	if (skip) return;
	await h.closeAll();
	await h.stopGateways();
	for (const c of [forger, admin]) if (c) await c.end().catch(() => {});
	const root = new Client();
	await root.connect();
	await root.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
	await root.query(`DROP ROLE IF EXISTS ${FORGER}`);
	await root.end();
});

// The gateway that answered /healthz is the one started (on this test's
// database), not another process on the same port.
async function ours(gw) {
	await h.until(() => /listening on 127\.0\.0\.1 port/.test(gw.log) || gw.exitCode !== null,
		'the gateway to listen', [], () => gw.log);
	assert.equal(gw.exitCode, null, `the test's gateway runs:\n${gw.log}`);
	assert.ok(gw.log.includes(`database "${DB}"`), `the test's gateway serves ${DB}:\n${gw.log}`);
	return gw;
}

async function channel(collection, id) {
	return (await admin.query('SELECT ot.channel($1, $2) AS ch', [collection, id])).rows[0].ch;
}
const notify = (ch, payload) => forger.query('SELECT pg_catalog.pg_notify($1, $2)', [ch, payload]);

// A payload as the extension writes it: "<mac> <meta>\n<body>", signed with
// k (the real key unless given).
function envelope(ch, meta, body, k = key) {
	const rest = `${typeof meta === 'string' ? meta : JSON.stringify(meta)}\n${body}`;
	const mac = crypto.createHmac('sha256', k).update(Buffer.concat([Buffer.from(ch), Buffer.from([0]),
		Buffer.from(rest)])).digest('hex');
	return `${mac} ${rest}`;
}

async function metrics(gw) {
	const body = (await h.httpGet(`${gw.http}/metrics`)).body;
	const get = (name) => {
		const m = new RegExp(`^pg_ot_gateway_${name} (\\S+)$`, 'm').exec(body);
		return m ? Number(m[1]) : NaN;
	};
	return {
		gapFills: get('gap_fills_total'), forged: get('notifications_forged_total'),
		invalid: get('notifications_invalid_total'), replayed: get('notifications_replayed_total'),
		revoked: get('closed_revoked_total'),
	};
}

// A rich-text document with a writer on gateway A and a subscriber on
// gateway B (both anonymous), each with the document's presence.  closes
// collects the close codes of the subscriber's socket.
async function scene(name) {
	const id = h.uid(name);
	const W = await h.connect(gwA.url);
	const S = await h.connect(gwB.url);
	const docW = h.getDoc(W, C, id);
	await h.subscribe(docW);
	await h.create(docW, [{ insert: 'hello\n' }], 'rich-text');
	const docS = h.getDoc(S, C, id);
	await h.subscribe(docS);
	const pW = W.connection.getDocPresence(C, id);
	const pS = S.connection.getDocPresence(C, id);
	await h.call('W presence subscribe', (cb) => pW.subscribe(cb));
	await h.call('S presence subscribe', (cb) => pS.subscribe(cb));
	const closes = [];
	S.socket.ws.on('close', (code) => closes.push(code));
	return { id, W, S, docW, docS, pW, pS, closes, channel: await channel(C, id),
		// The gateway keys a document's presence channel by its collection's length (presence.c).
		presenceChannel: await channel('$presence', `${Buffer.byteLength(C)}:${C}.${id}`) };
}

// Op messages S received for the document (broadcasts, not acks).
const opsSeen = (sc) => h.opStream(sc.S, C, sc.id).map((m) => m.v);
const presenceSeen = (sc) => sc.S.received.filter((m) => m && m.a === 'p' && m.ch === `${C}.${sc.id}`);

// An op by W that S must receive next: everything NOTIFYed before it has
// been through both gateways' listeners by then (one connection each,
// delivering in commit order).
async function barrier(sc, text = '.') {
	const v = sc.docW.version;
	await h.submit(sc.docW, [{ insert: text }]);
	await h.waitVersion(sc.docS, v + 1);
	return v;
}

// What S must still see: its data equals the database's, its session is open.
async function assertUntouched(sc) {
	const db = await admin.query('SELECT version, data FROM ot.fetch($1, $2)', [C, sc.id]);
	assert.equal(sc.docS.version, Number(db.rows[0].version), 'the subscriber is at the database\'s version');
	assert.deepEqual(h.dataOf(sc.docS), db.rows[0].data, 'the subscriber has the database\'s content');
	assert.deepEqual(sc.closes, [], 'the subscriber\'s session stayed open');
	assert.equal(sc.S.connection.state, 'connected');
	const vs = opsSeen(sc);
	assert.deepEqual(vs, [...new Set(vs)].sort((a, b) => a - b), 'each version reached the subscriber once, in order');
	assert.equal((await h.httpGet(`${gwA.http}/healthz`)).status, 200, 'gateway A is up');
	assert.equal((await h.httpGet(`${gwB.http}/healthz`)).status, 200, 'gateway B is up');
}

// An op written with SQL (as the superuser, at the current version), which
// every subscriber must receive next: a barrier that no session's closing
// can hold up.
// With closes, a session that is closed instead ends the wait too.
async function sqlBarrier(doc, text, closes = []) {
	const v = doc.version;
	await admin.query('SELECT ot.submit($1, $2, NULL, $3::jsonb)', [C, doc.id, JSON.stringify([{ insert: text }])]);
	await h.until(() => doc.version === v + 1 || closes.length > 0, `${doc.id} at version ${v + 1}`,
		[[doc, 'op']], () => `at ${doc.version}, closes ${JSON.stringify(closes)}`);
}

test('forged ops, presence and revocations from a role with only CONNECT change nothing a subscriber sees', { skip, timeout: 120000 }, async () => {
	const mark = h.clientWarnings.length;
	const sc = await scene('forged');
	const wCloses = [];
	sc.W.socket.ws.on('close', (code) => wCloses.push(code));
	const v = sc.docW.version;
	const before = await metrics(gwB);
	const op = { a: 'op', c: C, d: sc.id, v, src: 'evil', seq: 1, op: [{ insert: 'FORGED ' }] };
	const meta = { k: 'op', c: C, d: sc.id, v, src: 'evil', seq: 1 };
	const ops = [
		JSON.stringify(op),												// the ShareDB message alone
		`${'0'.repeat(64)} ${JSON.stringify(meta)}\n${JSON.stringify(op)}`,	// no signature
		envelope(sc.channel, meta, JSON.stringify(op), 'a key of its own, not the database\'s'),
		envelope(sc.presenceChannel, meta, JSON.stringify(op)),			// signed for another channel
	];
	for (const payload of ops) await notify(sc.channel, payload);
	const at = await barrier(sc, 'real ');
	assert.equal(at, v, 'the real op took the version the forgery claimed');
	assert.deepEqual(sc.docS.data.ops, [{ insert: 'real hello\n' }], 'S shows the real text, not the forged');
	assert.deepEqual(opsSeen(sc), [v], 'the subscriber received the real op only');
	assert.equal(h.opStream(sc.S, C, sc.id)[0].src, h.publicSrc(sc.W.connection.id), 'from the writer (its public part)');

	const presence = { a: 'p', ch: `${C}.${sc.id}`, src: 'evil', id: 'evil', p: { index: 0, length: 5 },
		c: C, d: sc.id, v: v + 1, t: h.TYPES['rich-text'].uri, gw: 'evil-gateway', pv: 1 };
	await notify(sc.presenceChannel, JSON.stringify(presence));
	await notify(sc.presenceChannel,
		`${'f'.repeat(64)} {"k":"p","t":${Date.now() * 1000},"n":1,"i":0}\n${JSON.stringify(presence)}`);
	const real = sc.pW.create('real');
	await h.call('a real presence', (cb) => real.submit({ index: 1, length: 0 }, cb));
	await h.until(() => presenceSeen(sc).some((m) => m.id === 'real'), 'the real presence reaches S', [[sc.pS, 'receive']]);
	assert.ok(!presenceSeen(sc).some((m) => m.src === 'evil' || m.id === 'evil'), 'no forged presence reached S');
	assert.ok(!('evil' in sc.pS.remotePresences), 'S shows no presence "evil"');

	const revokes = [
		JSON.stringify({ a: 'revoke', c: C, d: null, u: 'anonymous' }),
		JSON.stringify({ a: 'revoke', c: C, d: sc.id, u: 'anonymous' }),
		JSON.stringify({ a: 'revoke', all: true }),
		`${'0'.repeat(64)} {"k":"revoke","t":${Date.now() * 1000},"n":1,"i":0}\n{"a":"revoke","all":true}`,
	];
	for (const payload of revokes) await notify(grantsChannel, payload);
	await sqlBarrier(sc.docS, 'sql ', sc.closes);
	assert.deepEqual([sc.closes, wCloses], [[], []], 'no session was closed by a forged revocation');
	await assertUntouched(sc);
	const after = await metrics(gwB);
	const sent = ops.length + 2 + revokes.length;
	assert.ok(after.forged - before.forged >= sent, `every forgery counted (${after.forged - before.forged} of ${sent})`);
	assert.equal(after.revoked - before.revoked, 0, 'no session was closed');
	assert.ok(after.gapFills - before.gapFills <= 1, `no reads for forgeries (${after.gapFills - before.gapFills})`);
	h.assertClean([sc.W, sc.S], mark);
});

test('versions out of range, forged or signed with the key, cost bounded work and crash nothing', { skip, timeout: 120000 }, async () => {
	const mark = h.clientWarnings.length;
	const sc = await scene('range');
	const before = [await metrics(gwA), await metrics(gwB)];
	const bad = [2 ** 62, '9223372036854775807', '9223372036854775808', 2 ** 53, -1, -9223372036854775808n, 1.5,
		'"7"', '1e300', 'null'];
	let signed = 0;
	for (const x of bad) {
		const v = typeof x === 'number' || typeof x === 'bigint' ? String(x) : x;
		const meta = `{"k":"op","c":${JSON.stringify(C)},"d":${JSON.stringify(sc.id)},"v":${v}`;
		const body = `{"a":"op","c":${JSON.stringify(C)},"d":${JSON.stringify(sc.id)},"v":${v},"op":[{"insert":"X"}]}`;
		await notify(sc.channel, body);
		await notify(sc.channel, `{"a":"op","c":${JSON.stringify(C)},"d":${JSON.stringify(sc.id)},"v":${v},"ref":true}`);
		await notify(sc.channel, envelope(sc.channel, `${meta}}`, body));
		await notify(sc.channel, envelope(sc.channel, `${meta},"ref":true}`, ''));
		signed += 2;
	}
	// Ops keep coming meanwhile: an endless re-read would show here.
	for (let i = 0; i < 5; i++) await barrier(sc, `${i}`);
	await assertUntouched(sc);
	const after = [await metrics(gwA), await metrics(gwB)];
	for (const i of [0, 1]) {
		assert.ok(after[i].gapFills - before[i].gapFills <= 1,
			`gateway ${'AB'[i]}: op log reads stay bounded (${after[i].gapFills - before[i].gapFills})`);
		assert.ok(after[i].invalid - before[i].invalid >= signed, `gateway ${'AB'[i]}: signed but out of range, counted`);
	}
	assert.equal(h.dataOf(sc.docS).ops[0].insert.includes('X'), false, 'no forged text');
	h.assertClean([sc.W, sc.S], mark);
});

// The forger LISTENs, as any role may, and keeps what it hears.
async function eavesdrop(channels) {
	const heard = [];
	const listener = new Client({ database: DB, user: FORGER });
	listener.on('error', () => {});
	await listener.connect();
	listener.on('notification', (n) => heard.push({ ch: n.channel, payload: n.payload }));
	for (const ch of channels) await listener.query(`LISTEN ${ch}`);
	return {
		heard: (pred, what) => h.until(() => heard.find(pred), what).then((n) => n.payload),
		end: () => listener.end(),
	};
}

// A client subscribed to the document and its presence, on gateway gw.
async function subscriber(gw, id) {
	const c = await h.connect(gw.url);
	const doc = h.getDoc(c, C, id);
	await h.subscribe(doc);
	const presence = c.connection.getDocPresence(C, id);
	await h.call('presence subscribe', (cb) => presence.subscribe(cb));
	const closes = [];
	c.socket.ws.on('close', (code) => closes.push(code));
	return { c, doc, presence, closes };
}

test('a replayed authentic op changes nothing a subscriber sees', { skip, timeout: 120000 }, async () => {
	const mark = h.clientWarnings.length;
	const sc = await scene('replay-op');
	const spy = await eavesdrop([sc.channel]);
	const v = await barrier(sc, 'one ');
	const atV = new RegExp(`"v": ?${v}[,}]`);
	const payload = await spy.heard((n) => n.ch === sc.channel && atV.test(n.payload), 'the op heard');
	for (let i = 0; i < 10; i++) await notify(sc.channel, payload);
	// And on a gateway where the document's log has not begun: a newcomer.
	const late = await subscriber(gwB, sc.id);
	for (let i = 0; i < 10; i++) await notify(sc.channel, payload);
	const before = await metrics(gwB);
	const v2 = await barrier(sc, 'two ');
	await h.waitVersion(late.doc, v2 + 1);
	await assertUntouched(sc);
	assert.equal(opsSeen(sc).filter((x) => x === v).length, 1, 'the replayed op reached S once');
	assert.deepEqual(h.opStream(late.c, C, sc.id).map((m) => m.v), [v2], 'the newcomer received the new op only');
	assert.deepEqual(h.dataOf(late.doc), h.dataOf(sc.docS), 'the newcomer has the same content');
	assert.ok((await metrics(gwB)).gapFills - before.gapFills <= 1, 'at most one read for the newcomer');
	await spy.end();
	h.assertClean([sc.W, sc.S, late.c], mark);
});

test('replayed authentic presence changes nothing a subscriber sees: no cursor twice, none back from the dead', { skip, timeout: 120000 }, async () => {
	const mark = h.clientWarnings.length;
	const sc = await scene('replay-presence');
	const spy = await eavesdrop([sc.presenceChannel]);
	const cursor = sc.pW.create('w');
	const fromW = () => presenceSeen(sc).filter((m) => m.id === 'w').map((m) => m.p && m.p.index);
	// Gateway A publishes through several connections, so two presences sent
	// at once may cross, and gateway B then drops the older one as stale: the
	// second is sent only once S has the first.
	await h.call('W at 1', (cb) => cursor.submit({ index: 1, length: 0 }, cb));
	await h.until(() => fromW().length === 1, 'S receives W at 1', [[sc.pS, 'receive']]);
	await h.call('W at 3', (cb) => cursor.submit({ index: 3, length: 0 }, cb));
	await h.until(() => fromW().length === 2, 'S receives both of W\'s', [[sc.pS, 'receive']]);
	const first = await spy.heard((n) => n.ch === sc.presenceChannel && n.payload.includes('"index":1'), 'presence heard');
	for (let i = 0; i < 5; i++) await notify(sc.presenceChannel, first);
	await h.call('W removes its cursor', (cb) => cursor.submit(null, cb));
	await h.until(() => sc.pS.remotePresences.w === undefined, 'S sees W\'s cursor go', [[sc.pS, 'receive']]);
	await notify(sc.presenceChannel, first);
	const before = await metrics(gwB);
	for (let i = 0; i < 5; i++) await notify(sc.presenceChannel, first);
	const later = sc.pW.create('later');
	await h.call('W\'s other cursor', (cb) => later.submit({ index: 0, length: 0 }, cb));
	await h.until(() => sc.pS.remotePresences.later, 'S sees W\'s other cursor', [[sc.pS, 'receive']]);
	const seen = fromW();
	assert.deepEqual([seen.slice(0, 2).sort(), seen.slice(2)], [[1, 3], [null]],
		`S received each of W's presences once, none after it went: ${JSON.stringify(seen)}`);
	assert.equal(sc.pS.remotePresences.w, undefined, 'S shows no cursor of W');
	assert.ok((await metrics(gwB)).replayed - before.replayed >= 5, 'the replays were counted');
	await assertUntouched(sc);
	await spy.end();
	h.assertClean([sc.W, sc.S], mark);
});

test('replayed authentic revocations (a revoke, a TRUNCATE) close no session', { skip, timeout: 120000 }, async () => {
	const mark = h.clientWarnings.length;
	const sc = await scene('replay-revoke');
	const spy = await eavesdrop([grantsChannel]);
	// A real revoke of a grant the sessions relied on closes them (4003).
	const wCloses = [];
	sc.W.socket.ws.on('close', (code) => wCloses.push(code));
	await admin.query(`SELECT ot.grant('${C}', $1, 'anonymous', 'read')`, [sc.id]);
	await admin.query(`SELECT ot.revoke('${C}', $1, 'anonymous')`, [sc.id]);
	await h.until(() => sc.closes.length > 0 && wCloses.length > 0, 'the sessions closed by the real revoke');
	assert.deepEqual([sc.closes, wCloses], [[4003], [4003]]);
	const revoke = await spy.heard((n) => n.payload.includes(sc.id), 'the revoke heard');

	// Those that come after must survive the same revocation replayed.
	const S2 = await subscriber(gwB, sc.id);
	for (let i = 0; i < 5; i++) await notify(grantsChannel, revoke);
	await sqlBarrier(S2.doc, 'two ', S2.closes);
	assert.deepEqual(S2.closes, [], 'a later subscriber stays open through a replayed revoke');
	assert.equal(S2.c.connection.state, 'connected');

	// TRUNCATE ot.grants (every grant given back at once) closes them; its
	// replay closes none of those that come after.
	await admin.query(`BEGIN; TRUNCATE ot.grants; SELECT ot.grant('${C}', NULL, 'anonymous', 'write'); COMMIT`);
	await h.until(() => S2.closes.length > 0, 'TRUNCATE closes the subscriber');
	const truncate = await spy.heard((n) => n.payload.includes('"all": true'), 'TRUNCATE heard');
	const S3 = await subscriber(gwB, sc.id);
	const before = await metrics(gwB);
	for (let i = 0; i < 5; i++) {
		await notify(grantsChannel, truncate);
		await notify(grantsChannel, revoke);
	}
	await sqlBarrier(S3.doc, 'three ', S3.closes);
	const after = await metrics(gwB);
	assert.deepEqual(S3.closes, [], 'a later subscriber stays open through replayed revocations');
	assert.equal(S3.c.connection.state, 'connected');
	assert.equal(after.revoked - before.revoked, 0, 'no session closed');
	assert.ok(after.replayed - before.replayed >= 10, `the replays were counted (${after.replayed - before.replayed})`);
	const db = await admin.query('SELECT version, data FROM ot.fetch($1, $2)', [C, sc.id]);
	assert.deepEqual(h.dataOf(S3.doc), db.rows[0].data, 'S3 has the database\'s content');
	await spy.end();
	h.assertClean([S3.c], mark);
});

test('TRUNCATE ot.grants closes the sessions that relied on a grant, as DELETE does', { skip, timeout: 120000 }, async () => {
	const sc = await scene('truncate');
	const idle = await h.connect(gwA.url);		// holds nothing: stays
	const idleCloses = [];
	idle.socket.ws.on('close', (code) => idleCloses.push(code));
	const wCloses = [];
	sc.W.socket.ws.on('close', (code) => wCloses.push(code));
	await admin.query(`BEGIN; TRUNCATE ot.grants; SELECT ot.grant('${C}', NULL, 'anonymous', 'write'); COMMIT`);
	await h.until(() => sc.closes.length > 0 && wCloses.length > 0, 'both sessions holding the document closed');
	assert.deepEqual(sc.closes, [4003], 'the subscriber on gateway B: 4003');
	assert.deepEqual(wCloses, [4003], 'the writer on gateway A: 4003');
	// The grant made again in the same transaction lets a new client in.
	const again = await h.connect(gwA.url);
	const doc = h.getDoc(again, C, sc.id);
	await h.subscribe(doc);
	assert.deepEqual(idleCloses, [], 'a session that held nothing stays open');
	assert.equal(idle.connection.state, 'connected');
});
