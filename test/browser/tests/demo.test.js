'use strict';
// The demo page in Debian's chromium: two pages edit one document in Quill
// and in the textarea and end equal to the database; remote cursors show and
// follow the text; the gateway restarts while a page keeps typing and
// nothing is lost; the default document and the picker; the live document
// list across two pages; the history view and "restore this version"; a
// screenshot of two pages side by side is kept in artifacts/.  No assertion depends on time:
// every wait is for a condition, bounded by WAIT_MS only to fail a broken run.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const path = require('node:path');
const { chromium } = require('playwright-core');
const { Client } = require('pg');

const { WAIT_MS, until, portOpen } = require('../lib/wait');
const PORT = Number(process.env.GATEWAY_PORT);
const ORIGIN = `http://127.0.0.1:${PORT}`;
const ARTIFACTS = path.join(__dirname, '..', 'artifacts');

let gateway = null;
let browser = null;
let pg = null;

async function startGateway() {
	const log = fs.openSync(process.env.GATEWAY_LOG, 'a');
	gateway = spawn(process.env.GATEWAY_BIN, ['--db', process.env.GATEWAY_DB, '--listen', '127.0.0.1',
		'--port', String(PORT), '--www', process.env.WWW, '--allow-anonymous',
		// The page is also served through cspProxy, an origin of its own.
		'--allowed-origins', `${ORIGIN},http://127.0.0.1:${process.env.PROXY_PORT}`], { stdio: ['ignore', log, log] });
	fs.closeSync(log);
	if (process.env.GATEWAY_PIDFILE) fs.writeFileSync(process.env.GATEWAY_PIDFILE, `${gateway.pid}\n`);
	gateway.exited = new Promise((resolve) => gateway.once('exit', resolve));
	const g = gateway;
	await until('the gateway to listen', async () => {
		if (g.exitCode !== null) throw new Error(`the gateway exited (${g.exitCode}); see its log`);
		return portOpen(PORT);
	});
}

async function stopGateway() {
	const g = gateway;
	gateway = null;
	g.kill('SIGTERM');
	const code = await g.exited;
	assert.equal(code, 0, 'the gateway exits cleanly on SIGTERM');
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

// A test whose pages are closed at the end and, when it fails, photographed
// into artifacts/ first.
function scenario(name, fn) {
	test(name, { timeout: 180000 }, async () => {
		const pages = [];
		try {
			await fn(pages);
		} catch (err) {
			fs.mkdirSync(ARTIFACTS, { recursive: true });
			const slug = name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').slice(0, 60);
			for (const page of pages) {
				await page.screenshot({ path: path.join(ARTIFACTS, `failed-${slug}-${page.who}.png`) }).catch(() => {});
			}
			throw err;
		} finally {
			for (const page of pages) await page.context().close().catch(() => {});
			if (pages.cleanup) await pages.cleanup();
		}
	});
}

// A page of the demo (query: the page's URL parameters), ready to edit;
// errors in its console, CSP violations and HTTP errors are collected and
// checked by clean().
// origin: where the page is loaded from (default the gateway).
async function openPage(pages, query, who = new URLSearchParams(query).get('name') || 'anon', { origin = ORIGIN } = {}) {
	const context = await browser.newContext({ viewport: { width: 960, height: 640 } });
	const page = await context.newPage();
	page.who = who;
	pages.push(page);
	page.problems = [];
	page.on('console', (m) => {
		if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) page.problems.push(m.text());
	});
	page.on('response', (r) => { if (r.status() >= 400) page.problems.push(`${r.status()} ${r.url()}`); });
	page.on('pageerror', (e) => page.problems.push(String(e)));
	// Injected by the browser itself, so the page's CSP does not apply to it.
	await page.addInitScript(() => {
		window.__csp = [];
		document.addEventListener('securitypolicyviolation', (e) => {
			window.__csp.push(`CSP ${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
		});
	});
	const response = await page.goto(`${origin}/${query ? `?${query}` : ''}`);
	page.csp = response.headers()['content-security-policy'];
	try {
		await page.waitForFunction(() => window.pgOt && pgOt.ready.rich && pgOt.ready.plain, null, { timeout: WAIT_MS });
	} catch (err) {
		const csp = await page.evaluate(() => window.__csp).catch(() => []);
		err.message += `\n${who}'s page never became ready; its console: ${JSON.stringify([...csp, ...page.problems], null, 1)}`;
		throw err;
	}
	return page;
}
const open = (pages, doc, name, options) =>
	openPage(pages, `doc=${encodeURIComponent(doc)}&name=${encodeURIComponent(name)}`, name, options);

// No console error, CSP violation or failed request on the page; ignore:
// console messages that are expected (e.g. while the gateway is away).
async function clean(page, ignore = null) {
	const csp = await page.evaluate(() => window.__csp);
	assert.deepEqual(csp, [], `no CSP violation on ${page.who}'s page`);
	const problems = page.problems.filter((p) => !(ignore && ignore.test(p)));
	assert.deepEqual(problems, [], `no errors in the console of ${page.who}'s page`);
}

// ot.fetch names a type by its URI.
const TYPE_NAMES = {
	'http://sharejs.org/types/rich-text/v1': 'rich-text',
	'http://sharejs.org/types/text-unicode': 'text-unicode',
};
async function dbData(id) {
	const r = await pg.query('SELECT type, version, data FROM ot.fetch($1, $2)', ['demo', id]);
	const type = r.rows[0].type;
	return { type: TYPE_NAMES[type] || type, v: Number(r.rows[0].version), data: r.rows[0].data };
}

// Waits until every page has nothing pending and is at the database's
// version; returns the database's document and what each page shows.
async function settled(pages, id, docKey, read) {
	let last = null;
	return until(`${id} to settle on every page`, async () => {
		const db = await dbData(id);
		const states = await Promise.all(pages.map((p) => p.evaluate(([key, fn]) => {
			const doc = pgOt[key];
			// eslint-disable-next-line no-new-func
			return { pending: doc.hasPending(), v: doc.version, state: pgOt.connection.state, shown: new Function(`return ${fn}`)()() };
		}, [docKey, read])));
		last = { db: db.v, pages: states.map((s) => ({ pending: s.pending, v: s.v, state: s.state })) };
		if (states.some((s) => s.pending || s.v !== db.v)) return null;
		return { db, shown: states.map((s) => s.shown) };
	}, () => JSON.stringify(last));
}

const quillContents = '() => pgOt.quill.getContents().ops';
const plainValue = '() => document.getElementById("plain").value';
const textOf = (ops) => ops.map((o) => (typeof o.insert === 'string' ? o.insert : '')).join('');

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
async function typePlain(page, text, where = 'End') {
	await page.click('#plain');
	await page.keyboard.press(`Control+${where}`);
	await page.keyboard.type(text, { delay: 15 });
}
const status = (page) => page.evaluate(() => {
	const el = document.querySelector('[data-testid=status]');
	return { state: el.dataset.state, pending: Number(el.dataset.pending), text: el.textContent };
});

scenario('two pages type concurrently into Quill (emoji, bold) and end equal to the database', async (pages) => {
	const doc = docName('rich');
	const A = await open(pages, doc, 'Alice');
	const B = await open(pages, doc, 'Bob');
	assert.ok(A.csp, 'the gateway sends a Content-Security-Policy with the page');
	await Promise.all([
		typeInQuill(A, ['Alice types 😀 ', 'BOLD', 'bold', 'BOLD', ' and plain. '], 'Home'),
		typeInQuill(B, ['Bob writes 🎉 too, ', 'BOLD', 'strong', 'BOLD', '. ']),
	]);
	const { db, shown } = await settled([A, B], doc, 'richDoc', quillContents);
	assert.equal(db.type, 'rich-text');
	assert.deepEqual(shown[0], shown[1], 'both pages show the same contents');
	assert.deepEqual(shown[0], db.data.ops, 'equal to the database snapshot');
	const text = textOf(db.data.ops);
	for (const piece of ['Alice types 😀 ', 'bold', ' and plain. ', 'Bob writes 🎉 too, ', 'strong']) {
		assert.ok(text.includes(piece), `the database has "${piece}"`);
	}
	assert.ok(db.data.ops.some((o) => o.insert === 'bold' && o.attributes && o.attributes.bold), 'bold is stored as bold');
	assert.ok(db.data.ops.some((o) => o.insert === 'strong' && o.attributes && o.attributes.bold));
	await clean(A); await clean(B);
});

scenario('two pages type concurrently into the plain-text editor and end equal to the database', async (pages) => {
	const doc = docName('plain');
	const A = await open(pages, doc, 'Alice');
	const B = await open(pages, doc, 'Bob');
	await Promise.all([typePlain(A, 'Alice 😀 was here. ', 'Home'), typePlain(B, 'Bob 🎉 too. ', 'End')]);
	// A deletion in the middle: the space after "here." and the "." (no
	// surrogate half may be left behind by the diff).
	await A.keyboard.press('Backspace');
	await A.keyboard.press('Backspace');
	const { db, shown } = await settled([A, B], `${doc}-text`, 'plainDoc', plainValue);
	assert.equal(db.type, 'text-unicode');
	assert.equal(shown[0], shown[1], 'both pages show the same text');
	assert.equal(shown[0], db.data, 'equal to the database snapshot');
	assert.ok(db.data.startsWith('Alice 😀 was herePlain text'), `Alice's text, less two characters: ${JSON.stringify(db.data)}`);
	assert.ok(db.data.endsWith('Bob 🎉 too. '), 'Bob\'s text');
	await clean(A); await clean(B);
});

scenario('page A\'s cursors are visible in page B, with A\'s name, and follow the text', async (pages) => {
	const doc = docName('cursor');
	const A = await open(pages, doc, 'Alice');
	const B = await open(pages, doc, 'Bob');

	// Quill: A selects two characters; B draws the selection and the flag.
	await A.click('#rich .ql-editor');
	await A.keyboard.press('Control+Home');
	await A.keyboard.press('Shift+ArrowRight');
	await A.keyboard.press('Shift+ArrowRight');
	const flag = B.locator('#rich .ql-cursor .ql-cursor-flag', { hasText: 'Alice' });
	await flag.waitFor({ state: 'visible', timeout: WAIT_MS });
	assert.equal(await flag.evaluate((el) => getComputedStyle(el).opacity), '1', 'the name flag is shown');
	const block = B.locator('#rich .ql-cursor .ql-cursor-selection-block').first();
	await block.waitFor({ state: 'visible', timeout: WAIT_MS });
	const blockBox = await until('the selection\'s box', () => block.boundingBox());	// quill-cursors redraws it at will
	assert.ok(blockBox.width > 0, 'A\'s selection is drawn');

	// The textarea: A's caret after the first character, drawn over B's
	// textarea and listed below it.
	await A.click('#plain');
	await A.keyboard.press('Control+Home');
	await A.keyboard.press('ArrowRight');
	const caret = B.locator('[data-testid=plain-caret][data-name="Alice"]');
	await B.locator('[data-testid=plain-caret][data-name="Alice"][data-index="1"]').waitFor({ state: 'visible', timeout: WAIT_MS });
	// (Measured again if the overlay was redrawn in between.)
	const box = await until('the caret\'s box', () => caret.boundingBox());
	const area = await B.locator('#plain').boundingBox();
	assert.ok(box.x > area.x + 5 && box.x < area.x + 60 && box.y > area.y && box.y < area.y + 40,
		`the caret is drawn after the first character of the textarea (${JSON.stringify(box)} in ${JSON.stringify(area)})`);
	await B.locator('[data-testid=plain-caret][data-name="Alice"] .plain-flag', { hasText: 'Alice' })
		.waitFor({ state: 'visible', timeout: WAIT_MS });	// with A's name
	await B.locator('#plain-cursors li[data-name="Alice"][data-index="1"]').waitFor({ timeout: WAIT_MS });

	// B inserts before A's cursor: B moves it (A sends nothing new).
	await typePlain(B, 'XYZ', 'Home');
	await B.locator('[data-testid=plain-caret][data-name="Alice"][data-index="4"]').waitFor({ timeout: WAIT_MS });
	// A types at its cursor: A's own insert pushes its cursor on B's page too.
	await A.keyboard.type('ab', { delay: 15 });
	await B.locator('[data-testid=plain-caret][data-name="Alice"][data-index="6"]').waitFor({ timeout: WAIT_MS });
	const { shown } = await settled([A, B], `${doc}-text`, 'plainDoc', plainValue);
	assert.ok(shown[0].startsWith('XYZPabla'), JSON.stringify(shown[0]));
	// And A's caret on A's own page is where the text says.
	assert.equal(await A.evaluate(() => document.getElementById('plain').selectionStart), 6);

	// A leaves: its cursors go from B's page.
	await clean(A);
	await A.context().close();
	await B.locator('[data-testid=plain-caret]').waitFor({ state: 'detached', timeout: WAIT_MS });
	await B.locator('#rich .ql-cursor').waitFor({ state: 'detached', timeout: WAIT_MS });
	await clean(B);
});

scenario('the gateway restarts while page A keeps typing: both pages converge, nothing typed is lost', async (pages) => {
	const doc = docName('restart');
	const A = await open(pages, doc, 'Alice');
	const B = await open(pages, doc, 'Bob');
	await typeInQuill(A, ['before. ']);
	await settled([A, B], doc, 'richDoc', quillContents);

	// A types all along (one keyboard: the words into Quill, and once, when
	// asked, a sentence into the textarea): before the SIGTERM, while the
	// gateway drains and is away, and after it is back.
	let typing = true;
	let plainWanted = false;
	let plainTyped = false;
	const typed = [];
	const typer = (async () => {
		for (let i = 0; typing; i++) {
			const word = `w${i}😀 `;
			await typeInQuill(A, [word]);
			typed.push(word);
			if (plainWanted && !plainTyped) {
				await typePlain(A, 'plain, offline too. ');
				plainTyped = true;
			}
		}
	})();
	typer.catch(() => {});
	await until('A to type a few words', () => typed.length >= 2);
	await stopGateway();
	await A.waitForFunction(() => ['reconnecting', 'offline'].includes(document.getElementById('status').dataset.state),
		null, { timeout: WAIT_MS });
	const down = typed.length;
	plainWanted = true;
	await until('A to type into both editors while the gateway is away', () => plainTyped && typed.length >= down + 3);
	const away = await status(A);
	assert.ok(['reconnecting', 'offline'].includes(away.state), `page A says it is not connected (${away.state})`);
	assert.ok(away.pending > 0 && away.text.includes(`${away.pending} pending`), `and shows its pending ops (${away.text})`);

	await startGateway();
	await A.waitForFunction(() => document.getElementById('status').dataset.state === 'connected', null, { timeout: WAIT_MS });
	const up = typed.length;
	await until('A to type after the restart', () => typed.length >= up + 2);
	typing = false;
	await typer;
	await typeInQuill(B, ['Bob, after. '], 'Home');

	const rich = await settled([A, B], doc, 'richDoc', quillContents);
	assert.deepEqual(rich.shown[0], rich.shown[1], 'both pages show the same rich text');
	assert.deepEqual(rich.shown[0], rich.db.data.ops, 'equal to the database');
	const text = textOf(rich.db.data.ops);
	assert.ok(text.includes(`before. ${typed.join('')}`), `the database has every word A typed, in order: ${JSON.stringify(text)}`);
	assert.ok(text.startsWith('Bob, after. '));
	const plain = await settled([A, B], `${doc}-text`, 'plainDoc', plainValue);
	assert.equal(plain.shown[0], plain.shown[1], 'both pages show the same plain text');
	assert.equal(plain.shown[0], plain.db.data, 'equal to the database');
	assert.ok(plain.db.data.endsWith('plain, offline too. '), 'the plain text typed offline is in the database');
	for (const page of [A, B]) {
		await page.waitForFunction(() => {
			const el = document.querySelector('[data-testid=status]');
			return el.dataset.state === 'connected' && el.dataset.pending === '0' && el.textContent === 'connected';
		}, null, { timeout: WAIT_MS });
	}
	// The browser logs the failed WebSocket connections while the gateway is away.
	const wsError = /WebSocket connection to .* failed/;
	await clean(A, wsError); await clean(B, wsError);
});

scenario('the default document is welcome, the picker opens another, names are made up per tab', async (pages) => {
	const A = await openPage(pages, '', 'first');
	assert.equal(await A.inputValue('#doc-name'), 'welcome');
	assert.ok((await A.evaluate(() => pgOt.quill.getText())).includes('Welcome to pg_ot'));
	assert.equal(await A.evaluate(() => [pgOt.richDoc.collection, pgOt.richDoc.id, pgOt.plainDoc.id].join(' ')),
		'demo welcome welcome-text');
	const me = await A.evaluate(() => pgOt.me);
	assert.ok(me.name && /^#[0-9a-f]{6}$/i.test(me.color), `a name and a colour: ${JSON.stringify(me)}`);
	assert.ok((await A.textContent('[data-testid=me]')).includes(me.name), 'shown in the header');

	const picked = docName('picked');
	await A.fill('#doc-name', picked);
	await Promise.all([A.waitForURL((u) => u.searchParams.get('doc') === picked), A.click('#picker button')]);
	await A.waitForFunction(() => window.pgOt && pgOt.ready.rich && pgOt.ready.plain, null, { timeout: WAIT_MS });
	assert.equal(await A.evaluate(() => pgOt.richDoc.id), picked);
	const rich = await dbData(picked);
	const plain = await dbData(`${picked}-text`);
	assert.deepEqual([rich.type, plain.type], ['rich-text', 'text-unicode'], 'the page created both documents');
	assert.equal(await A.evaluate(() => pgOt.quill.getText()), textOf(rich.data.ops));
	assert.equal(await A.inputValue('#plain'), plain.data);
	await clean(A);
});

// A reverse proxy on PROXY_PORT in front of the gateway that serves every
// response with another Content-Security-Policy, and passes WebSocket
// upgrades through untouched.  (Rewriting the header inside the browser,
// with route.fulfill, would make chromium treat the page as not loopback and
// refuse its WebSocket to 127.0.0.1.)
async function cspProxy(csp) {
	const server = http.createServer((req, res) => {
		const up = http.request({ host: '127.0.0.1', port: PORT, path: req.url, method: req.method, headers: req.headers }, (r) => {
			res.writeHead(r.statusCode, { ...r.headers, 'content-security-policy': csp });
			r.pipe(res);
		});
		up.on('error', (e) => { res.writeHead(502); res.end(String(e)); });
		req.pipe(up);
	});
	const sockets = new Set();
	server.on('upgrade', (req, socket, head) => {
		const up = net.connect(PORT, '127.0.0.1', () => {
			let raw = `${req.method} ${req.url} HTTP/1.1\r\n`;
			for (let i = 0; i < req.rawHeaders.length; i += 2) raw += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
			up.write(`${raw}\r\n`);
			if (head.length) up.write(head);
			socket.pipe(up).pipe(socket);
		});
		for (const s of [socket, up]) { sockets.add(s); s.on('error', () => {}); }
		up.on('close', () => socket.destroy());
		socket.on('close', () => up.destroy());
	});
	await new Promise((resolve, reject) => server.listen(Number(process.env.PROXY_PORT), '127.0.0.1', resolve).once('error', reject));
	return {
		origin: `http://127.0.0.1:${process.env.PROXY_PORT}`,
		close: () => {
			for (const s of sockets) s.destroy();
			return new Promise((resolve) => server.close(resolve));
		},
	};
}

// What the gateway would send without style-src 'unsafe-inline'.
const STRICT_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self' ws: wss:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

scenario('the page works under a strict CSP (no inline scripts or styles at all)', async (pages) => {
	const doc = docName('csp');
	const proxy = await cspProxy(STRICT_CSP);
	pages.cleanup = () => proxy.close();
	const A = await open(pages, doc, 'Alice', { origin: proxy.origin });
	const B = await open(pages, doc, 'Bob', { origin: proxy.origin });
	assert.equal(A.csp, STRICT_CSP, 'served with the strict policy');
	await typeInQuill(A, ['strict ', 'BOLD', 'policy', 'BOLD', ' 😀'], 'Home');
	await A.click('.ql-toolbar .ql-italic');		// the toolbar too
	await A.keyboard.type('italic', { delay: 15 });
	await typePlain(B, 'plain 🎉');
	await A.locator('[data-testid=plain-caret][data-name="Bob"]').waitFor({ state: 'visible', timeout: WAIT_MS });
	await B.locator('#rich .ql-cursor .ql-cursor-flag', { hasText: 'Alice' }).waitFor({ state: 'visible', timeout: WAIT_MS });
	const rich = await settled([A, B], doc, 'richDoc', quillContents);
	assert.deepEqual(rich.shown[0], rich.db.data.ops);
	assert.ok(rich.db.data.ops.some((o) => o.insert === 'policy' && o.attributes && o.attributes.bold));
	assert.ok(rich.db.data.ops.some((o) => o.insert === 'italic' && o.attributes && o.attributes.italic));
	const plain = await settled([A, B], `${doc}-text`, 'plainDoc', plainValue);
	assert.equal(plain.shown[0], plain.db.data);
	// The stylesheet applied: Quill's snow theme and ours.
	assert.equal(await A.locator('.ql-toolbar').evaluate((el) => getComputedStyle(el).boxSizing), 'border-box');
	assert.equal(await A.locator('header').evaluate((el) => getComputedStyle(el).display), 'flex');
	await clean(A); await clean(B);
});

scenario('a screenshot of two pages side by side', async (pages) => {
	const doc = docName('screenshot');
	const A = await open(pages, doc, 'Alice');
	const B = await open(pages, doc, 'Bob');
	await typeInQuill(A, ['\nAlice is typing here 😀 ']);
	await settled([A, B], doc, 'richDoc', quillContents);
	await typeInQuill(B, ['\n', 'BOLD', 'Bob', 'BOLD', ' adds a line in his own tab.']);
	await typePlain(B, 'Bob 😀 writes here. ');
	await typePlain(A, 'Alice was here. ');
	await settled([A, B], doc, 'richDoc', quillContents);
	await settled([A, B], `${doc}-text`, 'plainDoc', plainValue);
	// Each page shows the other's cursors: Bob's in the textarea, Alice's
	// selection in Quill.
	await A.locator('[data-testid=plain-caret][data-name="Bob"]').waitFor({ state: 'visible', timeout: WAIT_MS });
	await B.locator('[data-testid=plain-caret][data-name="Alice"]').waitFor({ state: 'visible', timeout: WAIT_MS });
	await A.click('#rich .ql-editor');
	await A.keyboard.press('Control+End');
	for (let i = 0; i < 6; i++) await A.keyboard.press('Shift+ArrowLeft');
	await B.locator('#rich .ql-cursor .ql-cursor-flag', { hasText: 'Alice' }).waitFor({ state: 'visible', timeout: WAIT_MS });
	for (const page of [A, B]) {
		await page.waitForFunction(() => document.getElementById('status').dataset.pending === '0', null, { timeout: WAIT_MS });
	}
	const shots = [await A.screenshot(), await B.screenshot()];
	const composer = await browser.newPage({ viewport: { width: 1940, height: 640 } });
	try {
		await composer.setContent(`<body style="margin:0;background:#888;display:flex;gap:20px">${
			shots.map((s) => `<img src="data:image/png;base64,${s.toString('base64')}" width="960" height="640">`).join('')}</body>`);
		fs.mkdirSync(ARTIFACTS, { recursive: true });
		const file = path.join(ARTIFACTS, 'two-pages.png');
		await composer.screenshot({ path: file });
		assert.ok(fs.statSync(file).size > 10000, `${file} written`);
	} finally {
		await composer.close();
	}
	await clean(A); await clean(B);
});

/* ---------- the document list and the history view ---------- */

// What each editor is, for the tests of both.
const KINDS = [
	{ kind: 'rich', type: 'rich-text', docKey: 'richDoc', read: quillContents, type_: (p, t) => typeInQuill(p, [t]) },
	{ kind: 'plain', type: 'text-unicode', docKey: 'plainDoc', read: plainValue, type_: (p, t) => typePlain(p, t) },
];
// A document at a version, from the database.
async function dbDataAt(id, v) {
	const r = await pg.query('SELECT data FROM ot.fetch($1, $2, $3)', ['demo', id, v]);
	return r.rows[0].data;
}
const listItem = (page, id) => page.locator(`[data-testid=doc-item][data-id="${id}"]`);
// Waits until the page's editor of kind shows the document id, bound.
const showing = (page, kind, docKey, id) => page.waitForFunction(([k, key, d]) =>
	pgOt.ready[k] && pgOt[key].id === d && pgOt[key].subscribed, [kind, docKey, id], { timeout: WAIT_MS });

for (const { kind, type, docKey, read, type_ } of KINDS) {
	scenario(`the document list updates live across two pages, and opens a document (${type})`, async (pages) => {
		const doc = docName(`list-${kind}`);
		const A = await open(pages, doc, 'Alice');
		const B = await open(pages, doc, 'Bob');
		const first = kind === 'rich' ? doc : `${doc}-text`;
		await listItem(A, first).waitFor({ timeout: WAIT_MS });	// the documents the page made
		await A.evaluate(() => { window.__notReloaded = true; });

		// B makes a new document: it opens in B's editor.
		const name = docName(`new-${kind}`);
		await B.fill('#new-doc-name', name);
		await B.selectOption('#new-doc-type', type);
		await B.click('#new-doc button[type=submit]');
		await showing(B, kind, docKey, name);
		assert.equal(await B.textContent('[data-testid=new-doc-message]'), `"${name}" created`);
		assert.equal((await dbData(name)).type, type, 'in the database, of the type chosen');
		assert.equal(new URL(B.url()).searchParams.get(kind), name, 'the URL names it');

		// A's list shows it, without a reload.
		await listItem(A, name).waitFor({ timeout: WAIT_MS });
		assert.equal(await listItem(A, name).getAttribute('data-type'), type);
		assert.equal(await A.evaluate(() => window.__notReloaded), true, 'page A was not reloaded');

		// A opens it from the list: the editor switches, the old document is
		// unsubscribed and destroyed.
		await A.evaluate((key) => { window.__old = pgOt[key]; }, docKey);
		await listItem(A, name).locator('button').click();
		await showing(A, kind, docKey, name);
		await A.waitForFunction(([id]) => !__old.subscribed && !__old.wantSubscribe &&
			pgOt.connection.getExisting('demo', id) !== __old, [first], { timeout: WAIT_MS });
		await A.locator(`[data-testid=doc-item][data-id="${name}"].open`).waitFor({ timeout: WAIT_MS });

		// And both edit it together.
		await type_(B, ' Bob was here.');
		await type_(A, ' Alice too.');
		const { db, shown } = await settled([A, B], name, docKey, read);
		assert.deepEqual(shown[0], shown[1], 'both pages show the same document');
		const text = kind === 'rich' ? textOf(db.data.ops) : db.data;
		assert.ok(text.includes(' Bob was here.') && text.includes(' Alice too.'), JSON.stringify(text));
		await clean(A); await clean(B);
	});

	scenario(`the history slider shows a past version, and restoring it brings it back on both pages (${type})`, async (pages) => {
		const doc = docName(`history-${kind}`);
		const A = await open(pages, doc, 'Alice');
		const B = await open(pages, doc, 'Bob');
		const id = kind === 'rich' ? doc : `${doc}-text`;
		await type_(A, ' first.');
		const past = await settled([A, B], id, docKey, read);
		await type_(A, ' second.');
		await settled([A, B], id, docKey, read);
		await type_(B, ' third.');
		const now = await settled([A, B], id, docKey, read);
		assert.ok(now.db.v > past.db.v + 1, `versions ${past.db.v} and ${now.db.v}`);

		// The history view follows the latest version; the slider shows another.
		await A.click(`[data-testid=${kind}-history-toggle]`);
		const label = A.locator(`[data-testid=${kind}-history-label]`);
		await A.locator(`[data-testid=${kind}-history-label][data-v="${now.db.v}"]`).waitFor({ timeout: WAIT_MS });
		assert.equal(await label.getAttribute('data-latest'), String(now.db.v));
		await A.locator(`[data-testid=${kind}-history-slider]`).evaluate((el, v) => {
			el.value = String(v);
			el.dispatchEvent(new Event('input', { bubbles: true }));
		}, past.db.v);
		await A.locator(`[data-testid=${kind}-history-view][data-v="${past.db.v}"]`).waitFor({ timeout: WAIT_MS });
		assert.equal(await label.textContent(), `version ${past.db.v} of ${now.db.v}`);
		const atPast = await dbDataAt(id, past.db.v);
		assert.deepEqual(atPast, past.db.data, 'ot.fetch at that version is what the document was');
		const viewed = await A.evaluate((k) => pgOt.history[k].contents(), kind);
		assert.deepEqual(viewed, kind === 'rich' ? atPast.ops : atPast, 'the view shows that version');
		const readOnly = kind === 'rich'
			? await A.locator('#rich-history-view .ql-editor').getAttribute('contenteditable') === 'false'
			: await A.locator('#plain-history-view textarea').evaluate((el) => el.readOnly);
		assert.ok(readOnly, 'read-only');

		// Restore: one op, after which both pages and the database are that version again.
		await A.click(`[data-testid=${kind}-history-restore]`);
		await A.locator(`[data-testid=${kind}-history-message]`, { hasText: `version ${past.db.v} restored as version ${now.db.v + 1}` })
			.waitFor({ timeout: WAIT_MS });
		const restored = await settled([A, B], id, docKey, read);
		assert.equal(restored.db.v, now.db.v + 1, 'one version more');
		assert.deepEqual(restored.db.data, atPast, 'the database holds the past version again');
		assert.deepEqual(restored.shown[0], restored.shown[1], 'both pages show the same');
		assert.deepEqual(restored.shown[0], kind === 'rich' ? atPast.ops : atPast, 'and it is the past version');

		// An ordinary op, transformed against concurrent edits: B types at
		// the end while its socket is closed (its ops pending), A restores
		// version 1 (the text as created: ' first.' goes), B's socket comes
		// back and B's ops are transformed against the restore: version 1's
		// text with B's ' fourth.' at its end.
		await A.locator(`[data-testid=${kind}-history-slider]`).evaluate((el, v) => {
			el.value = String(v);
			el.dispatchEvent(new Event('input', { bubbles: true }));
		}, 1);
		await A.locator(`[data-testid=${kind}-history-view][data-v="1"]`).waitFor({ timeout: WAIT_MS });
		await B.evaluate(() => pgOt.connection.socket.close());
		await B.waitForFunction(() => pgOt.connection.state !== 'connected', null, { timeout: WAIT_MS });
		await type_(B, ' fourth.');
		assert.ok(await B.evaluate((key) => pgOt[key].hasPending(), docKey), 'B\'s ops are pending');
		await A.click(`[data-testid=${kind}-history-restore]`);
		const created = await dbDataAt(id, 1);
		await until('the restore to be stored', async () => (await dbData(id)).v === restored.db.v + 1);
		await B.evaluate(() => pgOt.connection.socket.reconnect());
		const after = await settled([A, B], id, docKey, read);
		assert.deepEqual(after.shown[0], after.shown[1], 'both pages show the same');
		const text = (d) => (kind === 'rich' ? textOf(d.ops) : d);
		const expected = kind === 'rich' ? `${text(created).slice(0, -1)} fourth.\n` : `${created} fourth.`;
		assert.equal(text(after.db.data), expected, 'the restored version with B\'s concurrent edit');

		// A moment (nt): one in the future is the latest version, one before the document none.
		await A.fill(`[data-testid=${kind}-history-time]`, '2999-01-01T00:00:00');
		await A.click(`[data-testid=${kind}-history-time-form] button`);
		await A.locator(`[data-testid=${kind}-history-view][data-v="${after.db.v}"]`).waitFor({ timeout: WAIT_MS });
		await A.fill(`[data-testid=${kind}-history-time]`, '2000-01-01T00:00:00');
		await A.click(`[data-testid=${kind}-history-time-form] button`);
		await A.locator(`[data-testid=${kind}-history-message]`, { hasText: 'did not exist yet' }).waitFor({ timeout: WAIT_MS });
		await clean(A); await clean(B);
	});
}

scenario('the list shows only the documents the user may read, live from SQL too; one it cannot read does not open', async (pages) => {
	const doc = docName('acl');
	const secret = docName('secret');
	const shared = docName('shared');
	await pg.query(`SELECT ot.create('demo', $1, 'rich-text', '[{"insert": "secret\\n"}]')`, [secret]);
	// Only this test's documents are anonymous's now (the others' grant is
	// the collection's, given back at the end).
	pages.cleanup = () => pg.query("SELECT ot.grant('demo', NULL, 'anonymous', 'write')");
	await pg.query("SELECT ot.revoke('demo', NULL, 'anonymous')");
	for (const id of [doc, `${doc}-text`, shared]) await pg.query("SELECT ot.grant('demo', $1, 'anonymous', 'write')", [id]);
	const A = await open(pages, doc, 'Alice');
	await listItem(A, doc).waitFor({ timeout: WAIT_MS });
	await listItem(A, `${doc}-text`).waitFor({ timeout: WAIT_MS });
	// A document made by SQL, which anonymous may read: it appears.
	await pg.query(`SELECT ot.create('demo', $1, 'text-unicode', '"made by SQL\\n"')`, [shared]);
	await listItem(A, shared).waitFor({ timeout: WAIT_MS });
	const ids = await A.$$eval('[data-testid=doc-item]', (els) => els.map((e) => e.dataset.id));
	assert.deepEqual([...ids].sort(), [doc, `${doc}-text`, shared].sort(), `only what anonymous may read: ${JSON.stringify(ids)}`);
	// The one it may not read, asked for by URL: the editor says so.
	await A.goto(`${ORIGIN}/?doc=${encodeURIComponent(doc)}&rich=${encodeURIComponent(secret)}&name=Alice`);
	await A.locator('[data-testid=rich-error]', { hasText: `Cannot open "${secret}"` }).waitFor({ timeout: WAIT_MS });
	console.log(`# the editor's error: ${await A.textContent('[data-testid=rich-error]')}`);
	assert.equal(await A.evaluate(() => pgOt.ready.rich), false);
	await clean(A);
});
