'use strict';
// Tokens (pg_ot only): a gateway of its own with --jwt-secret-file (HS256)
// and one with --jwt-public-key-file (RS256), neither allowing anonymous
// clients.  Refused at the handshake: no token, a bad signature, an
// expired token, the wrong algorithm (including an HS256 token signed with
// the RS256 public key), alg none.  A valid token works from the header,
// the cookie and (only where enabled) the query; its sub is the principal
// the database sees; a token that expires closes the connection with 4001.
// Grants by user: what is granted to alice is refused to bob, presence too.

const { test, before, after } = require('node:test');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const WebSocket = require('ws');
const h = require('../lib/harness');
const { assert, ShareDB } = h;

const skip = h.SKIP_UNLESS_PG_OT;
const b64url = (buf) => Buffer.from(buf).toString('base64url');
const SECRET = crypto.randomBytes(48).toString('hex');
const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const PUBLIC_PEM = publicKey.export({ type: 'spki', format: 'pem' });

function jwt(claims, { alg = 'HS256', key = SECRET } = {}) {
	const head = b64url(JSON.stringify({ alg, typ: 'JWT' }));
	const body = b64url(JSON.stringify(claims));
	const input = `${head}.${body}`;
	if (alg === 'none') return `${input}.`;
	const sig = alg === 'HS256' ? crypto.createHmac('sha256', key).update(input).digest()
		: crypto.sign('sha256', Buffer.from(input), key);
	return `${input}.${b64url(sig)}`;
}
const now = () => Math.floor(Date.now() / 1000);
const valid = (sub, seconds = 600) => ({ sub, exp: now() + seconds });

let dir;
let hs;
let rs;
before(async () => {
	if (skip) return;
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg_ot_auth_'));
	fs.writeFileSync(path.join(dir, 'secret'), `${SECRET}\n`);
	fs.writeFileSync(path.join(dir, 'public.pem'), PUBLIC_PEM);
	hs = await h.startGateway(['--jwt-secret-file', path.join(dir, 'secret'), '--token-query-param', 'token']);
	rs = await h.startGateway(['--jwt-public-key-file', path.join(dir, 'public.pem')], { slot: 1 });
	const pg = await h.pgConnect();
	await pg.query("SELECT ot.grant('gw_auth', 'alices', 'alice', 'write')");
	await pg.end();
});

after(async () => {
	await h.closeAll();
	await h.stopGateways();
	if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

// Opens a WebSocket: 'open' or the HTTP status that refused it.
function attempt(url, headers = {}) {
	return new Promise((resolve) => {
		const ws = new WebSocket(url, { headers });
		ws.on('open', () => { ws.close(); resolve('open'); });
		ws.on('unexpected-response', (req, res) => { resolve(res.statusCode); ws.terminate(); });
		ws.on('error', () => resolve('error'));
	});
}

// A stock client whose socket carries headers; resolves once connected.
async function client(url, headers) {
	const ws = new WebSocket(url, { headers });
	const connection = new ShareDB.Connection(ws);
	await new Promise((resolve, reject) => {
		const t = setTimeout(() => reject(new Error(`no handshake with ${url}`)), h.WAIT_MS);
		connection.on('state', (s) => { if (s === 'connected') { clearTimeout(t); resolve(); } });
	});
	return { ws, connection };
}
const call = (what, fn) => h.call(what, fn);

test('refused at the handshake: no token, bad signature, expired, wrong algorithm, alg none', { skip, timeout: 60000 }, async () => {
	const bearer = (t) => ({ Authorization: `Bearer ${t}` });
	assert.equal(await attempt(hs.url), 403, 'no token (and no --allow-anonymous)');
	assert.notEqual(await attempt(hs.url, bearer(jwt(valid('alice'), { key: 'another secret of 32 bytes or more!!' }))), 'open', 'bad signature');
	assert.notEqual(await attempt(hs.url, bearer(jwt({ sub: 'alice', exp: now() - 5 }))), 'open', 'expired');
	assert.notEqual(await attempt(hs.url, bearer(jwt({ sub: 'alice' }))), 'open', 'no exp');
	assert.notEqual(await attempt(hs.url, bearer(jwt(valid('alice'), { alg: 'none' }))), 'open', 'alg none');
	assert.notEqual(await attempt(hs.url, bearer(jwt(valid('anonymous')))), 'open', 'sub anonymous is reserved');
	assert.notEqual(await attempt(rs.url, bearer(jwt(valid('alice'), { alg: 'HS256', key: PUBLIC_PEM }))), 'open',
		'an HS256 token signed with the RS256 public key');
	assert.notEqual(await attempt(rs.url, bearer(jwt(valid('alice')))), 'open', 'HS256 where RS256 is configured');
	assert.equal(await attempt(`${rs.url}/?token=${jwt(valid('alice'), { alg: 'RS256', key: privateKey })}`), 403,
		'the query is not a place for tokens unless --token-query-param');
	assert.equal(await attempt(hs.url, bearer(jwt(valid('alice')))), 'open', 'a valid HS256 token');
	assert.equal(await attempt(rs.url, bearer(jwt(valid('alice'), { alg: 'RS256', key: privateKey }))), 'open', 'a valid RS256 token');
	assert.equal(await attempt(hs.url, { Cookie: `other=1; pg_ot_token=${jwt(valid('alice'))}` }), 'open', 'from the cookie');
	assert.equal(await attempt(`${hs.url}/?token=${jwt(valid('alice'))}`), 'open', 'from the query, where enabled');
	assert.equal(hs.exitCode, null, 'the gateway is up');
});

test('the token\'s sub is the principal: alice edits her document, bob is refused everything, presence too', { skip, timeout: 60000 }, async () => {
	const alice = await client(hs.url, { Authorization: `Bearer ${jwt(valid('alice'))}` });
	const bob = await client(hs.url, { Authorization: `Bearer ${jwt(valid('bob'))}` });
	const docA = alice.connection.get('gw_auth', 'alices');
	await call('alice subscribes', (cb) => docA.subscribe(cb));
	if (!docA.type) await call('alice creates', (cb) => docA.create([{ insert: 'mine\n' }], 'rich-text', cb));
	await call('alice submits', (cb) => docA.submitOp([{ insert: '!' }], cb));
	const pg = await h.pgConnect();
	const r = await pg.query("SELECT DISTINCT user_id FROM ot.ops('gw_auth', 'alices', 0)");
	assert.deepEqual(r.rows.map((x) => x.user_id), ['alice'], 'the database recorded alice as the author');

	const docB = bob.connection.get('gw_auth', 'alices');
	await assert.rejects(call('bob fetches', (cb) => docB.fetch(cb)), (e) => e.code === 'ERR_SNAPSHOT_READS_REJECTED');
	await assert.rejects(call('bob subscribes', (cb) => docB.subscribe(cb)), (e) => e.code === 'ERR_SNAPSHOT_READS_REJECTED');
	// Bulk subscribe: each refused id says so, nothing of it is sent.
	const raw = new WebSocket(hs.url, { headers: { Authorization: `Bearer ${jwt(valid('bob'))}` } });
	const received = [];
	raw.on('message', (d) => received.push(JSON.parse(d.toString())));
	await new Promise((resolve) => raw.on('open', resolve));
	raw.send(JSON.stringify({ a: 'hs', id: null, protocol: 1, protocolMinor: 2 }));
	raw.send(JSON.stringify({ a: 'bs', c: 'gw_auth', b: ['alices', 'nothing-here'] }));
	raw.send(JSON.stringify({ a: 'ps', ch: 'gw_auth.alices', seq: 1 }));
	raw.send(JSON.stringify({ a: 'op', c: 'gw_auth', d: 'bobs-attempt', v: 0, seq: 1, create: { type: 'text-unicode', data: 'x' } }));
	raw.send(JSON.stringify({ a: 'op', c: 'gw_auth', d: 'alices', v: 1, seq: 2, op: [{ insert: 'bob' }] }));
	const deadline = Date.now() + h.WAIT_MS;
	while (!(received.some((m) => m.a === 'bs') && received.some((m) => m.a === 'ps') &&
		received.filter((m) => m.a === 'op' && m.error).length === 2) && Date.now() < deadline) {
		await new Promise((r2) => setTimeout(r2, 50));
	}
	const refused = received.filter((m) => m.a === 'op' && m.error).map((m) => [m.d, m.error.code]).sort();
	assert.deepEqual(refused, [['alices', 'ERR_OP_SUBMIT_REJECTED'], ['bobs-attempt', 'ERR_OP_SUBMIT_REJECTED']],
		'bob can neither create a document nor edit alice\'s');
	const bs = received.find((m) => m.a === 'bs');
	assert.equal(bs.data.alices.error.code, 'ERR_SNAPSHOT_READS_REJECTED', 'bulk: refused per id');
	assert.equal(bs.data.alices.data, undefined, 'bulk: no data of it');
	const ps = received.find((m) => m.a === 'ps');
	assert.equal(ps.error && ps.error.code, 'ERR_SNAPSHOT_READS_REJECTED', 'presence on alice\'s document is refused to bob');
	// Alice's cursor never reaches bob.
	const presence = alice.connection.getDocPresence('gw_auth', 'alices');
	await call('alice presence subscribe', (cb) => presence.subscribe(cb));
	await call('alice presence', (cb) => presence.create('alice-cursor').submit({ index: 1, length: 0 }, cb));
	await new Promise((r2) => setTimeout(r2, 300));
	assert.ok(!received.some((m) => m.a === 'p'), 'no presence of alice\'s document reached bob');
	raw.close();
	await pg.end();
	alice.connection.close(); bob.connection.close();
});

test('a token that expires during the session closes it with 4001', { skip, timeout: 60000 }, async () => {
	const c = await client(hs.url, { Authorization: `Bearer ${jwt(valid('alice', 2))}` });
	const code = await new Promise((resolve) => c.ws.on('close', (code2) => resolve(code2)));
	assert.equal(code, 4001, 'closed with 4001 when exp passed');
});

test('a revoked grant ends the sessions that relied on it (4003); resubscribing is refused', { skip, timeout: 60000 }, async () => {
	const pg = await h.pgConnect();
	await pg.query("SELECT ot.grant('gw_auth', 'revocable', 'alice', 'write')");
	const auth = { Authorization: `Bearer ${jwt(valid('alice'))}` };
	const holder = await client(hs.url, auth);
	const doc = holder.connection.get('gw_auth', 'revocable');
	await call('alice subscribes', (cb) => doc.subscribe(cb));
	if (!doc.type) await call('alice creates', (cb) => doc.create('mine', 'text-unicode', cb));
	const bystander = await client(hs.url, auth);	// alice too, holding nothing of it
	await call('the bystander subscribes elsewhere', (cb) => bystander.connection.get('gw_auth', 'alices').subscribe(cb));
	const closed = new Promise((resolve) => holder.ws.on('close', (code) => resolve(code)));
	await pg.query("SELECT ot.revoke('gw_auth', 'revocable', 'alice')");
	assert.equal(await closed, 4003, 'the session holding the document is closed with 4003');
	await new Promise((r) => setTimeout(r, 200));
	assert.equal(bystander.connection.state, 'connected', 'a session of alice holding nothing of it stays');
	const again = await client(hs.url, auth);
	await assert.rejects(call('alice subscribes again', (cb) => again.connection.get('gw_auth', 'revocable').subscribe(cb)),
		(e) => e.code === 'ERR_SNAPSHOT_READS_REJECTED', 'and cannot subscribe again');
	const m = /^pg_ot_gateway_closed_revoked_total (\d+)$/m.exec((await h.httpGet(`${hs.http}/metrics`)).body);
	assert.ok(m && Number(m[1]) >= 1, 'counted in /metrics');
	bystander.connection.close(); again.connection.close();
	await pg.end();
});

test('a client id belongs to its user: bob cannot take alice\'s, alice keeps hers', { skip, timeout: 60000 }, async () => {
	const open = async (token, id) => {
		const ws = new WebSocket(hs.url, { headers: { Authorization: `Bearer ${token}` } });
		const inbox = [];
		ws.on('message', (d) => inbox.push(JSON.parse(d.toString())));
		await new Promise((resolve) => ws.on('open', resolve));
		ws.send(JSON.stringify({ a: 'hs', id, protocol: 1, protocolMinor: 2 }));
		const deadline = Date.now() + h.WAIT_MS;
		while (!inbox.some((m) => m.a === 'hs') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
		return { ws, inbox, id: inbox.find((m) => m.a === 'hs').id };
	};
	const alice = await open(jwt(valid('alice')), null);
	const again = await open(jwt(valid('alice')), alice.id);
	assert.equal(again.id, alice.id, 'alice comes back with her id');
	const bob = await open(jwt(valid('bob')), alice.id);
	assert.notEqual(bob.id, alice.id, 'bob gets an id of his own');
	bob.ws.send(JSON.stringify({ a: 'op', c: 'gw_auth', d: 'alices', v: 1, src: alice.id, seq: 99, op: [{ insert: 'b' }] }));
	const deadline = Date.now() + h.WAIT_MS;
	while (!bob.inbox.some((m) => m.a === 'op' && m.seq === 99) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
	const refused = bob.inbox.find((m) => m.a === 'op' && m.seq === 99);
	assert.equal(refused && refused.error && refused.error.code, 'ERR_OP_SUBMIT_REJECTED', 'an op of bob naming alice\'s id is refused');
	assert.match(refused.error.message, /not a client id a gateway issued to this user/);
	for (const c of [alice, again, bob]) c.ws.close();
});

test('a token whose exp is far away (beyond what microseconds hold) opens a session that stays', { skip, timeout: 60000 }, async () => {
	for (const exp of [1e13, 9.2e15, 9e18]) {
		const c = await client(hs.url, { Authorization: `Bearer ${jwt({ sub: 'alice', exp })}` });
		const doc = c.connection.get('gw_auth', 'alices');
		await call(`a fetch with exp ${exp}`, (cb) => doc.fetch(cb));
		assert.equal(c.connection.state, 'connected', `exp ${exp}: connected`);
		c.connection.close();
	}
	await new Promise((r) => setTimeout(r, 200));
	assert.equal(hs.exitCode, null, 'the gateway is up');
});

test('a token that is there but invalid is refused, never taken for none: short cookies, other schemes, no key', { skip, timeout: 60000 }, async () => {
	// A gateway that lets clients without a token in, and checks the tokens it gets.
	rs.kill('SIGTERM');
	assert.equal(await rs.exited, 0, 'the RS256 gateway stops');
	const mixed = await h.startGateway(['--jwt-secret-file', path.join(dir, 'secret'), '--allow-anonymous',
		'--token-query-param', 'token'], { slot: 1 });
	const good = jwt(valid('alice'));
	assert.equal(await attempt(mixed.url), 'open', 'no token: anonymous');
	assert.equal(await attempt(mixed.url, { Cookie: 'pg_ot_token=' }), 'open', 'an empty (cleared) cookie is no token');
	assert.equal(await attempt(mixed.url, { Cookie: 'other=1; xpg_ot_token=abc' }), 'open', 'another cookie is no token');
	for (const [what, headers] of [
		['a cookie of 3 characters', { Cookie: 'pg_ot_token=abc' }],
		['a cookie of 10 characters', { Cookie: 'a=1; pg_ot_token=0123456789' }],
		['a quoted short cookie', { Cookie: 'pg_ot_token="x"' }],
		['a cookie that is no JWT', { Cookie: `pg_ot_token=${'q'.repeat(40)}` }],
		['an expired token in the cookie', { Cookie: `pg_ot_token=${jwt({ sub: 'alice', exp: now() - 5 })}` }],
		['Authorization: Basic', { Authorization: 'Basic YWxpY2U6c2VjcmV0' }],
		['Authorization: Bearer with nothing', { Authorization: 'Bearer ' }],
		['Authorization of another scheme with a valid token', { Authorization: `Token ${good}` }],
		['a bad Authorization header beside a valid cookie', { Authorization: 'Basic x', Cookie: `pg_ot_token=${good}` }],
	]) {
		assert.equal(await attempt(mixed.url, headers), 403, what);
	}
	assert.equal(await attempt(`${mixed.url}/?token=abc`), 403, 'a short token in the query');
	assert.equal(await attempt(mixed.url, { Cookie: `a=1; pg_ot_token=${good}` }), 'open', 'a valid cookie');
	assert.equal(await attempt(mixed.url, { Authorization: `bearer ${good}` }), 'open', 'the scheme is case-insensitive');
	// A gateway with no key at all (run.sh's) cannot check a token: refused, not anonymous.
	assert.equal(await attempt(h.URLS[0]), 'open', 'no token on an anonymous-only gateway');
	assert.equal(await attempt(h.URLS[0], { Authorization: `Bearer ${good}` }), 403, 'a token where no key checks it');
	assert.equal(await attempt(h.URLS[0], { Cookie: 'pg_ot_token=abc' }), 403, 'a token cookie where no key checks it');
	const m = /^pg_ot_gateway_connections_refused_auth_total (\d+)$/m.exec((await h.httpGet(`${mixed.http}/metrics`)).body);
	assert.equal(Number(m && m[1]), 10, 'each refusal counted');
});
