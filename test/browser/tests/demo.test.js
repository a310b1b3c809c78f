'use strict';
// The demo page in Debian's chromium: two pages edit one document in Quill
// and in the textarea and end equal to the database; a remote cursor shows;
// the gateway restarts while a page keeps typing and nothing is lost; a
// screenshot of two pages side by side is kept in artifacts/.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { chromium } = require('playwright-core');
const { Client } = require('pg');

const WAIT_MS = Number(process.env.WAIT_MS || 30000);
const PORT = Number(process.env.GATEWAY_PORT);
const ARTIFACTS = path.join(__dirname, '..', 'artifacts');

let gateway = null;
let browser = null;
let pg = null;

function portOpen() {
	return new Promise((resolve) => {
		const s = net.connect(PORT, '127.0.0.1', () => { s.destroy(); resolve(true); });
		s.on('error', () => resolve(false));
	});
}

async function until(what, fn) {
	const deadline = Date.now() + WAIT_MS;
	for (;;) {
		const v = await fn();
		if (v) return v;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 50));
	}
}

async function startGateway() {
	const log = fs.openSync(process.env.GATEWAY_LOG, 'a');
	gateway = spawn(process.env.GATEWAY_BIN, ['--db', process.env.GATEWAY_DB, '--listen', '127.0.0.1',
		'--port', String(PORT), '--www', process.env.WWW, '--allow-anonymous'], { stdio: ['ignore', log, log] });
	const exited = new Promise((resolve) => gateway.once('exit', resolve));
	gateway.exited = exited;
	await until('the gateway to listen', async () => {
		if (gateway.exitCode !== null) throw new Error(`the gateway exited (${gateway.exitCode}); see its log`);
		return portOpen();
	});
}

async function stopGateway() {
	gateway.kill('SIGTERM');
	const code = await gateway.exited;
	assert.equal(code, 0, 'the gateway exits cleanly on SIGTERM');
	gateway = null;
}

before(async () => {
	await startGateway();
	browser = await chromium.launch({ executablePath: process.env.CHROMIUM, headless: true, args: ['--no-sandbox'] });
	pg = new Client();
	await pg.connect();
});

after(async () => {
	if (browser) await browser.close();
	if (pg) await pg.end();
	if (gateway) await stopGateway();
});

let unique = 0;
const docName = (what) => `${what}-${process.pid}-${++unique}`;

// A page of the demo on document doc, ready to edit; console errors and CSP
// violations are collected and checked by clean().
async function openPage(doc, name) {
	const context = await browser.newContext({ viewport: { width: 960, height: 640 } });
	const page = await context.newPage();
	page.problems = [];
	page.on('console', (m) => {
		if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) page.problems.push(m.text());
	});
	page.on('response', (r) => { if (r.status() >= 400) page.problems.push(`${r.status()} ${r.url()}`); });
	page.on('pageerror', (e) => page.problems.push(String(e)));
	await page.goto(`http://127.0.0.1:${PORT}/?doc=${encodeURIComponent(doc)}&name=${encodeURIComponent(name)}`);
	await page.waitForFunction(() => window.pgOt && pgOt.ready.rich && pgOt.ready.plain, null, { timeout: WAIT_MS });
	return page;
}

function clean(page) {
	assert.deepEqual(page.problems, [], 'no errors in the page console (including CSP violations)');
}

async function dbData(id) {
	const r = await pg.query('SELECT version, data FROM ot.fetch($1, $2)', ['demo', id]);
	return { v: Number(r.rows[0].version), data: r.rows[0].data };
}

// Both pages have nothing pending, are at the database's version, and
// returns what each shows.
async function settled(pages, id, docKey, read) {
	return until(`${id} to settle on every page`, async () => {
		const db = await dbData(id);
		const states = await Promise.all(pages.map((p) => p.evaluate(([key, fn]) => {
			const doc = pgOt[key];
			// eslint-disable-next-line no-new-func
			return { pending: doc.hasPending(), v: doc.version, shown: new Function('return ' + fn)()() };
		}, [docKey, read])));
		if (states.some((s) => s.pending || s.v !== db.v)) return null;
		return { db, shown: states.map((s) => s.shown) };
	});
}

const quillContents = '() => pgOt.quill.getContents().ops';
const plainValue = '() => document.getElementById("plain").value';

// Types at the start or the end of the text.  (Two people typing at one
// place interleave their keystrokes, as they would in any editor.)
async function typeInQuill(page, chunks, where = 'End') {
	await page.click('#rich .ql-editor');
	await page.keyboard.press(`Control+${where}`);
	for (const chunk of chunks) {
		if (chunk === 'BOLD') await page.keyboard.press('Control+b');
		else await page.keyboard.type(chunk, { delay: 15 });
	}
}

test('two pages type concurrently into Quill (emoji, bold) and end equal to the database', { timeout: 180000 }, async () => {
	const doc = docName('rich');
	const A = await openPage(doc, 'Alice');
	const B = await openPage(doc, 'Bob');
	await Promise.all([
		typeInQuill(A, ['Alice types 😀 ', 'BOLD', 'bold', 'BOLD', ' and plain. '], 'Home'),
		typeInQuill(B, ['Bob writes 🎉 too, ', 'BOLD', 'strong', 'BOLD', '. ']),
	]);
	const { db, shown } = await settled([A, B], doc, 'richDoc', quillContents);
	assert.deepEqual(shown[0], shown[1], 'both pages show the same contents');
	assert.deepEqual(shown[0], db.data.ops, 'equal to the database snapshot');
	const text = db.data.ops.map((o) => (typeof o.insert === 'string' ? o.insert : '')).join('');
	for (const piece of ['Alice types 😀 ', 'bold', ' and plain. ', 'Bob writes 🎉 too, ', 'strong']) {
		assert.ok(text.includes(piece), `the database has "${piece}"`);
	}
	assert.ok(db.data.ops.some((o) => o.insert === 'bold' && o.attributes && o.attributes.bold), 'bold is stored as bold');
	assert.ok(db.data.ops.some((o) => o.insert === 'strong' && o.attributes && o.attributes.bold));
	clean(A); clean(B);
	await A.context().close(); await B.context().close();
});

test('two pages type concurrently into the plain-text editor and end equal to the database', { timeout: 180000 }, async () => {
	const doc = docName('plain');
	const A = await openPage(doc, 'Alice');
	const B = await openPage(doc, 'Bob');
	const typePlain = async (page, text, where) => {
		await page.click('#plain');
		await page.keyboard.press(`Control+${where}`);
		await page.keyboard.type(text, { delay: 15 });
	};
	await Promise.all([typePlain(A, 'Alice 😀 was here. ', 'Home'), typePlain(B, 'Bob 🎉 too. ', 'End')]);
	// An edit in the middle, with a deletion.
	await A.keyboard.press('Backspace');
	await A.keyboard.press('Backspace');
	const { db, shown } = await settled([A, B], `${doc}-text`, 'plainDoc', plainValue);
	assert.equal(shown[0], shown[1], 'both pages show the same text');
	assert.equal(shown[0], db.data, 'equal to the database snapshot');
	assert.ok(db.data.includes('Alice 😀 was here'), 'Alice\'s text');
	assert.ok(db.data.includes('Bob 🎉 too. '), 'Bob\'s text');
	clean(A); clean(B);
	await A.context().close(); await B.context().close();
});

test('the remote cursor of page A is visible in page B, with A\'s name', { timeout: 120000 }, async () => {
	const doc = docName('cursor');
	const A = await openPage(doc, 'Alice');
	const B = await openPage(doc, 'Bob');
	await A.click('#rich .ql-editor');
	await A.keyboard.press('Control+Home');
	await A.keyboard.press('Shift+ArrowRight');
	await A.keyboard.press('Shift+ArrowRight');
	const flag = B.locator('#rich .ql-cursor .ql-cursor-name', { hasText: 'Alice' });
	await flag.waitFor({ state: 'attached', timeout: WAIT_MS });
	assert.ok(await B.locator('#rich .ql-cursor .ql-cursor-selection-block').count() > 0, 'A\'s selection is drawn');
	await A.click('#plain');
	await A.keyboard.press('Control+Home');
	await A.keyboard.press('ArrowRight');
	const plain = B.locator('#plain-cursors li[data-name="Alice"]');
	await plain.waitFor({ timeout: WAIT_MS });
	assert.equal(await plain.getAttribute('data-index'), '1', 'A\'s plain-text cursor, after one character');
	clean(A); clean(B);
	await A.context().close(); await B.context().close();
});

test('the gateway restarts while page A keeps typing: both pages converge, nothing typed is lost', { timeout: 180000 }, async () => {
	const doc = docName('restart');
	const A = await openPage(doc, 'Alice');
	const B = await openPage(doc, 'Bob');
	await typeInQuill(A, ['before. ']);
	await settled([A, B], doc, 'richDoc', quillContents);

	await stopGateway();
	await A.waitForFunction(() => document.getElementById('status').dataset.state !== 'connected', null, { timeout: WAIT_MS });
	await typeInQuill(A, ['typed while the gateway was down. ']);
	await A.click('#plain');
	await A.keyboard.type('plain, offline too. ', { delay: 15 });
	const pending = Number(await A.getAttribute('[data-testid=status]', 'data-pending'));
	assert.ok(pending > 0, `page A shows its pending ops (${pending})`);
	assert.notEqual(await A.getAttribute('[data-testid=status]', 'data-state'), 'connected', 'and that it is not connected');

	await startGateway();
	await A.waitForFunction(() => document.getElementById('status').dataset.state === 'connected', null, { timeout: WAIT_MS });
	await typeInQuill(B, ['Bob, after. ']);
	const rich = await settled([A, B], doc, 'richDoc', quillContents);
	assert.deepEqual(rich.shown[0], rich.shown[1]);
	assert.deepEqual(rich.shown[0], rich.db.data.ops);
	const text = rich.db.data.ops.map((o) => o.insert).join('');
	for (const piece of ['before. ', 'typed while the gateway was down. ', 'Bob, after. ']) {
		assert.ok(text.includes(piece), `the database has "${piece}"`);
	}
	const plain = await settled([A, B], `${doc}-text`, 'plainDoc', plainValue);
	assert.equal(plain.shown[0], plain.shown[1]);
	assert.equal(plain.shown[0], plain.db.data);
	assert.ok(plain.db.data.includes('plain, offline too. '), 'the plain text typed offline is in the database');
	// WebSocket errors while the gateway was down are expected in the console.
	await A.context().close(); await B.context().close();
});

test('a screenshot of two pages side by side', { timeout: 120000 }, async () => {
	const doc = docName('screenshot');
	const A = await openPage(doc, 'Alice');
	const B = await openPage(doc, 'Bob');
	await typeInQuill(A, ['\nAlice is typing here 😀 ']);
	await settled([A, B], doc, 'richDoc', quillContents);
	await typeInQuill(B, ['\n', 'BOLD', 'Bob', 'BOLD', ' adds a line in his own tab.']);
	await A.click('#plain');
	await A.keyboard.press('Control+End');
	await A.keyboard.type('Alice was here. ', { delay: 15 });
	await settled([A, B], doc, 'richDoc', quillContents);
	await settled([A, B], `${doc}-text`, 'plainDoc', plainValue);
	await A.click('#rich .ql-editor');
	await A.keyboard.press('Control+End');
	await A.keyboard.press('Shift+ArrowLeft');
	await B.locator('#rich .ql-cursor .ql-cursor-name', { hasText: 'Alice' }).waitFor({ state: 'attached', timeout: WAIT_MS });
	for (const page of [A, B]) {
		await page.waitForFunction(() => document.getElementById('status').dataset.pending === '0', null, { timeout: WAIT_MS });
	}
	const shots = [await A.screenshot(), await B.screenshot()];
	const composer = await browser.newPage({ viewport: { width: 1940, height: 640 } });
	await composer.setContent(`<body style="margin:0;background:#888;display:flex;gap:20px">${
		shots.map((s) => `<img src="data:image/png;base64,${s.toString('base64')}" width="960" height="640">`).join('')}</body>`);
	fs.mkdirSync(ARTIFACTS, { recursive: true });
	const file = path.join(ARTIFACTS, 'two-pages.png');
	await composer.screenshot({ path: file });
	assert.ok(fs.statSync(file).size > 10000, `${file} written`);
	clean(A); clean(B);
	await composer.close();
	await A.context().close(); await B.context().close();
});
