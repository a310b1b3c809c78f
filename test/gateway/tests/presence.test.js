'use strict';
// Presence on a rich-text document (reference §1.9): two stock clients see
// each other's cursor; a presence sent at an old version is transformed by
// the server to the current one; a client that disconnects is removed
// (p: null) from the others.  Then who may see and send it (pg_ot only, a
// gateway of this file's own with tokens): a channel names exactly one
// document, so read access to collection X shows and reaches nothing of
// document c of collection X.b (whose channel is also "X.b.c"); pr needs
// access; a revoked grant ends a session that only sends presence.

const { test, after } = require('node:test');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const WebSocket = require('ws');
const h = require('../lib/harness');
const { assert, ShareDB } = h;

after(h.closeAll);

const C = 'gw_rich';
const URI = h.TYPES['rich-text'].uri;

// Remote presences a DocPresence received: id -> list of values, in order.
function watch(presence) {
	const seen = new Map();
	presence.on('receive', (id, value) => {
		if (!seen.has(id)) seen.set(id, []);
		seen.get(id).push(h.clone(value));
	});
	return seen;
}
const last = (seen, id) => (seen.has(id) ? seen.get(id)[seen.get(id).length - 1] : undefined);

test('presence between two clients on a rich-text document, removed on disconnect', { timeout: 120000 }, async () => {
	const mark = h.clientWarnings.length;
	const id = h.uid('presence');
	const A = await h.connect();
	const B = await h.connect();
	const docA = h.getDoc(A, C, id);
	await h.subscribe(docA);
	await h.create(docA, [{ insert: 'Hello world\n' }], 'rich-text');
	const docB = h.getDoc(B, C, id);
	await h.subscribe(docB);

	const pA = A.connection.getDocPresence(C, id);
	const pB = B.connection.getDocPresence(C, id);
	const seenA = watch(pA);
	const seenB = watch(pB);
	await h.call('presence subscribe A', (cb) => pA.subscribe(cb));
	await h.call('presence subscribe B', (cb) => pB.subscribe(cb));
	assert.ok(A.received.some((m) => m.a === 'ps' && m.ch === `${C}.${id}` && !m.error), 'ps reply to A');

	const alice = pA.create('alice');
	const bob = pB.create('bob');
	await h.call('alice submits', (cb) => alice.submit({ index: 2, length: 3, name: 'Alice' }, cb));
	await h.until(() => last(seenB, 'alice'), 'B receives alice', [[pB, 'receive']]);
	assert.deepEqual(last(seenB, 'alice'), { index: 2, length: 3, name: 'Alice' }, 'B sees alice\'s range, extra keys kept');
	const pmsg = B.received.find((m) => m.a === 'p' && m.id === 'alice');
	assert.equal(pmsg.ch, `${C}.${id}`, 'channel');
	assert.equal(pmsg.src, h.publicSrc(A.connection.id), 'the presence carries the sender\'s src');
	assert.equal(pmsg.c, C);
	assert.equal(pmsg.d, id);
	assert.equal(pmsg.v, docA.version);
	assert.equal(pmsg.t, URI);
	assert.ok(A.received.some((m) => m.a === 'p' && m.id === 'alice' && !m.error), 'the sender gets its presence back as the reply');

	await h.call('bob submits', (cb) => bob.submit({ index: 0, length: 0 }, cb));
	await h.until(() => last(seenA, 'bob'), 'A receives bob', [[pA, 'receive']]);
	assert.deepEqual(last(seenA, 'bob'), { index: 0, length: 0 });

	// An op before alice's cursor: both sides move it.
	await h.submit(docB, [{ insert: '>> ' }]);
	await h.waitVersion(docA, 2);
	await h.call('alice submits again', (cb) => alice.submit({ index: 8, length: 0 }, cb));
	await h.until(() => last(seenB, 'alice') && last(seenB, 'alice').index === 8, 'B receives alice at 8',
		[[pB, 'receive']], () => JSON.stringify(last(seenB, 'alice')));

	// A disconnects without a word: B must see alice go.
	A.socket.terminate();
	await h.until(() => seenB.get('alice').length && last(seenB, 'alice') === null, 'alice removed on B',
		[[pB, 'receive']], () => JSON.stringify(seenB.get('alice')));
	const gone = B.received.filter((m) => m.a === 'p' && m.id === 'alice').pop();
	assert.equal(gone.p, null, 'the removal is a p message with p: null');
	assert.equal(gone.ch, `${C}.${id}`);
	assert.ok(!('alice' in pB.remotePresences), 'no remote presence alice left on B');
	assert.deepEqual(B.errors, []);
	assert.deepEqual(h.clientWarnings.slice(mark), [], 'warnings of the stock client');
	h.close(A); h.close(B);
});

// A presence made at version v, sent after an op moved the text: the server
// transforms it to the latest version before it fans it out (§1.9 step 2).
test('a presence sent at an old version is transformed by the server', { timeout: 120000 }, async () => {
	const mark = h.clientWarnings.length;
	const id = h.uid('presence-old');
	const B = await h.connect();
	const docB = h.getDoc(B, C, id);
	await h.subscribe(docB);
	await h.create(docB, [{ insert: 'abcdef\n' }], 'rich-text');
	const pB = B.connection.getDocPresence(C, id);
	const seenB = watch(pB);
	await h.call('presence subscribe B', (cb) => pB.subscribe(cb));

	const R = await h.Raw.open();
	await R.handshake();
	const ch = `${C}.${id}`;
	R.send({ a: 'ps', ch, seq: 1 });
	const ps = await R.expect((m) => m.a === 'ps' && m.ch === ch, 'the ps reply');
	assert.equal(ps.error, undefined);
	assert.equal(ps.seq, 1, 'the ps reply echoes seq');
	R.send({ a: 's', c: C, d: id });
	const s = await R.expect((m) => m.a === 's' && m.d === id, 'the s reply');
	const v1 = s.data.v;
	assert.equal(v1, 1);

	// B inserts 3 characters at 0 (emoji: 2 UTF-16 units + 1).
	await h.submit(docB, [{ insert: '😀!' }]);
	await R.expect((m) => m.a === 'op' && m.d === id && m.v === v1, 'B\'s op on the raw connection');

	// The raw client's cursor at index 2, made at version 1, sent now.
	R.send({ a: 'p', ch, id: 'raw', p: { index: 2, length: 2 }, pv: 0, c: C, d: id, v: v1, t: URI });
	const reply = await R.expect((m) => m.a === 'p' && m.id === 'raw', 'the p reply');
	assert.equal(reply.error, undefined, 'the p reply is not an error');
	await h.until(() => B.received.some((m) => m.a === 'p' && m.id === 'raw'), 'B receives the raw presence');
	const got = B.received.find((m) => m.a === 'p' && m.id === 'raw');
	assert.equal(got.v, v1 + 1, 'fanned out at the latest version');
	assert.deepEqual(got.p, { index: 5, length: 2 }, 'moved past the 3 units inserted before it');
	assert.equal(got.src, h.publicSrc(R.id), 'with the sender\'s src');
	await h.until(() => last(seenB, 'raw'), 'B\'s presence sees raw', [[pB, 'receive']]);
	assert.deepEqual(last(seenB, 'raw'), { index: 5, length: 2 });

	// Unsubscribing from presence (pu) also removes it.
	R.send({ a: 'pu', ch, seq: 2 });
	const pu = await R.expect((m) => m.a === 'pu' && m.ch === ch, 'the pu reply');
	assert.equal(pu.error, undefined);
	assert.equal(pu.seq, 2);
	await h.until(() => last(seenB, 'raw') === null, 'raw removed on B after pu', [[pB, 'receive']],
		() => JSON.stringify(seenB.get('raw')));
	assert.deepEqual(B.errors, []);
	assert.deepEqual(h.clientWarnings.slice(mark), []);
	h.close(B); R.close();
});

/* ---------- who may see and send presence (pg_ot only) ---------- */

// A gateway of this file's own that knows users (HS256 tokens) and anonymous clients.
const SECRET = crypto.randomBytes(48).toString('hex');
function token(sub) {
	const b64 = (x) => Buffer.from(x).toString('base64url');
	const input = `${b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64(JSON.stringify({ sub, exp: Math.floor(Date.now() / 1000) + 600 }))}`;
	return `${input}.${b64(crypto.createHmac('sha256', SECRET).update(input).digest())}`;
}
let own;
let dir;
async function ownGateway() {
	if (!own) {
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg_ot_presence_'));
		fs.writeFileSync(path.join(dir, 'secret'), SECRET);
		own = await h.startGateway(['--allow-anonymous', '--jwt-secret-file', path.join(dir, 'secret')]);
	}
	return own;
}
after(async () => {
	await h.stopGateways();
	if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

// A stock client acting as user (null: anonymous), recording what it receives.
async function userClient(url, user) {
	const socket = new WebSocket(url, user ? { headers: { Authorization: `Bearer ${token(user)}` } } : {});
	const connection = new ShareDB.Connection(socket);
	const c = { connection, socket, received: [], errors: [] };
	connection.on('receive', (req) => c.received.push(h.clone(req.data)));
	connection.on('error', (err) => c.errors.push(err.code));
	await h.until(() => connection.state === 'connected', `${user || 'anonymous'} connects`, [[connection, 'state']]);
	return c;
}
async function rawClient(url, user) {
	const r = await h.Raw.open(url, user ? { headers: { Authorization: `Bearer ${token(user)}` } } : {});
	await r.handshake();
	return r;
}
const subscribePresence = (p) => h.call('presence subscribe', (cb) => p.subscribe(cb));
const submitPresence = (local, value) => h.call('presence submit', (cb) => local.submit(value, cb));
const ping = async (r) => { r.send({ a: 'pp' }); await r.expect((m) => m.a === 'pp', 'pp'); };
const presencesOf = (c, id) => c.received.filter((m) => m.a === 'p' && m.id === id);

// 565e652: read access on collection a let a user see and inject cursors on
// channel "a.b.c", which is also document c of collection a.b.
test('a channel names one document: read on collection X gives no presence of document c of collection X.b', { skip: h.SKIP_UNLESS_PG_OT, timeout: 60000 }, async () => {
	const gw = await ownGateway();
	const X = h.uid('px');
	const pg = await h.pgConnect();
	await pg.query("SELECT ot.grant($1, NULL, 'anonymous', 'read')", [X]);
	await pg.query("SELECT ot.create($1, 'c', 'rich-text', '{\"ops\": [{\"insert\": \"victim\\n\"}]}')", [`${X}.b`]);
	await pg.query("SELECT ot.grant($1, 'c', 'victim', 'write')", [`${X}.b`]);
	await pg.end();
	const ch = `${X}.b.c`;
	// The victim, twice: her cursor, and a second connection that sees it.
	const V = await userClient(gw.url, 'victim');
	const V2 = await userClient(gw.url, 'victim');
	for (const c of [V, V2]) await h.call('subscribe', (cb) => c.connection.get(`${X}.b`, 'c').subscribe(cb));
	const pV = V.connection.getDocPresence(`${X}.b`, 'c');
	const pV2 = V2.connection.getDocPresence(`${X}.b`, 'c');
	await subscribePresence(pV);
	await subscribePresence(pV2);
	assert.equal(V.received.find((m) => m.a === 'ps').ch, ch, 'the stock client\'s channel is collection.id');
	// The attacker reads collection X: the channel is allowed to it, as document b.c of X.
	const A = await rawClient(gw.url, null);
	A.send({ a: 'ps', ch, seq: 1 });
	assert.equal((await A.expect((m) => m.a === 'ps', 'the ps reply')).error, undefined, 'allowed: it names b.c of X');
	await submitPresence(pV.create('victim-cursor'), { index: 2, length: 1 });
	await h.until(() => presencesOf(V2, 'victim-cursor').length === 1, 'V2 sees the victim\'s cursor');
	await ping(A);
	assert.deepEqual(A.all.filter((m) => m.a === 'p'), [], 'the attacker sees no presence of X.b/c');
	// Nor can it send one there: not as the channel, nor as the document.
	A.send({ a: 'p', ch, id: 'evil', p: { index: 0, length: 6 }, pv: 0 });
	assert.equal((await A.expect((m) => m.a === 'p' && m.pv === 0, 'the reply')).error, undefined, 'relayed, on b.c of X');
	A.send({ a: 'p', ch, id: 'evil', p: { index: 0, length: 6 }, pv: 1, c: `${X}.b`, d: 'c', v: 1, t: h.TYPES['rich-text'].uri });
	assert.ok((await A.expect((m) => m.a === 'p' && m.pv === 1, 'the reply')).error, 'as document c of X.b: refused');
	const A2 = await rawClient(gw.url, null);
	A2.send({ a: 'p', ch, id: 'evil2', p: { index: 0, length: 6 }, pv: 0, c: `${X}.b`, d: 'c', v: 1, t: h.TYPES['rich-text'].uri });
	assert.ok((await A2.expect((m) => m.a === 'p', 'the reply')).error, 'sent first as the document: refused');
	await submitPresence(pV2.create('v2-cursor'), { index: 0, length: 0 });
	await h.until(() => presencesOf(V, 'v2-cursor').length === 1, 'V sees V2\'s cursor');
	assert.deepEqual(V.received.filter((m) => m.a === 'p' && m.id !== 'v2-cursor' && m.id !== 'victim-cursor'), [],
		'nothing of the attacker reached the victim');
	assert.deepEqual(V.errors, []);
	A.close(); A2.close();
	V.connection.close(); V2.connection.close();
});

// 565e652: pr was relayed (and NOTIFYed) without any access check: anyone
// could make every subscriber of a channel send its presence again.
test('pr needs access to the channel', { skip: h.SKIP_UNLESS_PG_OT, timeout: 60000 }, async () => {
	const gw = await ownGateway();
	const Y = h.uid('py');
	const pg = await h.pgConnect();
	await pg.query("SELECT ot.create($1, 'd', 'rich-text', '{\"ops\": [{\"insert\": \"private\\n\"}]}')", [Y]);
	await pg.query("SELECT ot.grant($1, 'd', 'owner', 'write')", [Y]);
	await pg.end();
	const O = await userClient(gw.url, 'owner');
	await h.call('subscribe', (cb) => O.connection.get(Y, 'd').subscribe(cb));
	await subscribePresence(O.connection.getDocPresence(Y, 'd'));
	const A = await rawClient(gw.url, null);
	A.send({ a: 'pr', ch: `${Y}.d` });
	const refused = await A.expect((m) => m.a === 'pr', 'the pr reply');
	assert.equal(refused.error && refused.error.code, 'ERR_SNAPSHOT_READS_REJECTED', 'refused');
	const O2 = await rawClient(gw.url, 'owner');
	O2.send({ a: 'pr', ch: `${Y}.d` });
	assert.equal((await O2.expect((m) => m.a === 'pr', 'the pr reply')).error, undefined, 'the owner may');
	await h.until(() => O.received.some((m) => m.a === 'pr'), 'the owner\'s pr reaches O');
	assert.equal(O.received.filter((m) => m.a === 'pr').length, 1, 'only the owner\'s');
	A.close(); O2.close();
	O.connection.close();
});

// 565e652: revocation closed the sessions whose subscriptions or presence
// subscriptions a grant covered; one that only sent presence kept sending.
test('a revoked grant also ends a session that only sends presence (4003)', { skip: h.SKIP_UNLESS_PG_OT, timeout: 60000 }, async () => {
	const Z = h.uid('pz');
	const pg = await h.pgConnect();
	await pg.query("SELECT ot.create($1, 'doc', 'rich-text', '{\"ops\": [{\"insert\": \"text\\n\"}]}')", [Z]);
	await pg.query("SELECT ot.grant($1, NULL, 'anonymous', 'read')", [Z]);
	const sender = await h.Raw.open();
	await sender.handshake();
	sender.send({ a: 'p', ch: `${Z}.doc`, id: 'cursor', p: { index: 0, length: 0 }, pv: 0, c: Z, d: 'doc', v: 1, t: URI });
	assert.equal((await sender.expect((m) => m.a === 'p', 'the p reply')).error, undefined, 'it may send');
	const bystander = await h.Raw.open();
	await bystander.handshake();
	await pg.query("SELECT ot.revoke($1, NULL, 'anonymous')", [Z]);
	const closed = await sender.closed('the sender to be closed');
	assert.equal(closed.code, 4003, 'closed: its grant was revoked');
	await ping(bystander);
	assert.ok(bystander.isOpen, 'a session that used nothing of it stays');
	bystander.close();
	await pg.end();
});
