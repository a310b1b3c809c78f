'use strict';
// ShareDB's own textarea example (sharedb-string-binding, json0 si/sd) and
// counter example (json0 na), their client code as sharedb ships it
// (examples/, bundled by run.sh), in Debian's chromium: first against
// pg_ot_gateway, then against a ShareDB 7 server set up as the examples'
// server.js sets it up.  The same scenario must pass against both and end
// in the same document.  The page and its bundle are what the examples'
// express.static would serve, answered by the browser's request routing on
// the server's origin (the gateway's --www would serve them too, but its
// Content-Security-Policy refuses the counter's inline onclick); the
// WebSocket (ws://host/, as the example opens it) goes to the server under
// test.  Every wait is for a condition, bounded by
// WAIT_MS only to fail a broken run.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { chromium } = require('playwright-core');
const { Client } = require('pg');
const ShareDB = require('sharedb');
const WebSocket = require('ws');
const WebSocketJSONStream = require('@teamwork/websocket-json-stream');

const { until, portOpen } = require('../lib/wait');
const EXAMPLES = process.env.EXAMPLES;
const ARTIFACTS = path.join(__dirname, '..', 'artifacts');

let browser = null;

// pg_ot_gateway on the throwaway cluster; documents are made and read in SQL.
function pgOtServer() {
	const port = Number(process.env.GATEWAY_PORT);
	const origin = `http://127.0.0.1:${port}`;
	let gateway = null;
	let pg = null;
	return {
		name: 'pg_ot_gateway',
		origin,
		async start() {
			const log = fs.openSync(process.env.GATEWAY_LOG, 'a');
			gateway = spawn(process.env.GATEWAY_BIN, ['--db', process.env.GATEWAY_DB, '--listen', '127.0.0.1',
				'--port', String(port), '--allow-anonymous', '--allowed-origins', origin],
			{ stdio: ['ignore', log, log] });
			fs.closeSync(log);
			if (process.env.GATEWAY_PIDFILE) fs.writeFileSync(process.env.GATEWAY_PIDFILE, `${gateway.pid}\n`);
			gateway.exited = new Promise((resolve) => gateway.once('exit', resolve));
			const g = gateway;
			await until('the gateway to listen', async () => {
				if (g.exitCode !== null) throw new Error(`the gateway exited (${g.exitCode}); see its log`);
				return portOpen(port);
			});
			pg = new Client();
			await pg.connect();
		},
		async stop() {
			if (pg) await pg.end();
			pg = null;
			if (!gateway) return;
			gateway.kill('SIGTERM');
			assert.equal(await gateway.exited, 0, 'the gateway exits cleanly on SIGTERM');
		},
		async create(id, data) {
			await pg.query("SELECT ot.create('examples', $1, 'json0', $2)", [id, JSON.stringify(data)]);
		},
		async submit(id, op) {
			await pg.query("SELECT ot.submit('examples', $1, NULL, $2)", [id, JSON.stringify(op)]);
		},
		async fetch(id) {
			const r = await pg.query("SELECT data FROM ot.fetch('examples', $1)", [id]);
			return r.rows[0].data;
		},
	};
}

// ShareDB 7 in memory, as the examples' server.js runs it (the page served
// by the test instead of express.static).
function shareDbServer() {
	const port = Number(process.env.REFERENCE_PORT);
	const backend = new ShareDB();
	const connection = backend.connect();
	const server = http.createServer((req, res) => { res.writeHead(404); res.end(); });
	const wss = new WebSocket.Server({ server });
	wss.on('connection', (ws) => backend.listen(new WebSocketJSONStream(ws)));
	const call = (doc, method, ...args) => new Promise((resolve, reject) =>
		doc[method](...args, (err) => (err ? reject(err) : resolve())));
	return {
		name: 'ShareDB 7',
		origin: `http://127.0.0.1:${port}`,
		start: () => new Promise((resolve) => server.listen(port, '127.0.0.1', resolve)),
		async stop() {
			for (const ws of wss.clients) ws.terminate();
			await new Promise((resolve) => wss.close(resolve));
			// An error here is a server that never started listening.
			await new Promise((resolve) => server.close(() => resolve()));
			await new Promise((resolve) => backend.close(resolve));
		},
		create: (id, data) => call(connection.get('examples', id), 'create', data),
		submit: (id, op) => call(connection.get('examples', id), 'submitOp', op),
		async fetch(id) {
			const doc = connection.get('examples', id);
			await call(doc, 'fetch');
			return doc.data;
		},
	};
}

before(async () => {
	assert.ok(EXAMPLES && fs.existsSync(path.join(EXAMPLES, 'counter', 'dist', 'bundle.js')), 'run.sh bundled the examples');
	// A page answered by the routing has no address, so chromium counts it
	// as public and its Local Network Access checks would block its
	// WebSocket to 127.0.0.1; served from 127.0.0.1 itself it would pass.
	browser = await chromium.launch({
		executablePath: process.env.CHROMIUM, headless: true,
		args: ['--no-sandbox', '--disable-features=LocalNetworkAccessChecks'],
	});
});

after(async () => {
	if (browser) await browser.close();
});

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

// One of the examples' pages, loaded from the server's origin; its console
// errors and uncaught exceptions are collected in page.problems.
async function openExample(server, pages, example, who) {
	const context = await browser.newContext({ viewport: { width: 800, height: 500 } });
	const page = await context.newPage();
	page.who = who;
	page.problems = [];
	pages.push(page);
	page.on('console', (m) => { if (m.type() === 'error') page.problems.push(m.text()); });
	page.on('pageerror', (e) => page.problems.push(String(e)));
	await page.route(`${server.origin}/**`, (route) => {
		const rel = new URL(route.request().url()).pathname.replace(/\/$/, '/index.html');
		const file = path.join(EXAMPLES, path.normalize(rel));
		if (!file.startsWith(EXAMPLES) || !fs.existsSync(file)) return route.fulfill({ status: 404, body: '' });
		return route.fulfill({ status: 200, contentType: TYPES[path.extname(file)], body: fs.readFileSync(file) });
	});
	await page.goto(`${server.origin}/${example}/`);
	return page;
}

function scenario(name, fn) {
	for (const make of [pgOtServer, shareDbServer]) {
		const server = make();
		test(`${name}, against ${server.name}`, { timeout: 180000 }, async () => {
			const pages = [];
			try {
				await server.start();
				await fn(server, pages);
				for (const page of pages) assert.deepEqual(page.problems, [], `${page.who}'s page logged no error`);
			} catch (err) {
				fs.mkdirSync(ARTIFACTS, { recursive: true });
				const slug = `${name}-${server.name}`.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').slice(0, 60);
				for (const page of pages) {
					await page.screenshot({ path: path.join(ARTIFACTS, `failed-${slug}-${page.who}.png`) }).catch(() => {});
				}
				throw err;
			} finally {
				for (const page of pages) await page.context().close().catch(() => {});
				await server.stop();
			}
		});
	}
}

const textOf = (page) => page.$eval('textarea', (e) => e.value);

// Types text at position at of the page's textarea, key by key.
async function typeAt(page, at, text) {
	await page.focus('textarea');
	await page.$eval('textarea', (e, p) => e.setSelectionRange(p, p), at);
	await page.keyboard.type(text, { delay: 5 });
}

async function allShow(server, pages, expected) {
	await until(`both textareas and the server's document to read ${JSON.stringify(expected)}`, async () => {
		for (const page of pages) if (await textOf(page) !== expected) return false;
		return (await server.fetch('textarea')).content === expected;
	}, async () => JSON.stringify({
		pages: await Promise.all(pages.map(textOf)),
		server: (await server.fetch('textarea')).content,
	}));
}

scenario("ShareDB's textarea example: two pages type, in turn and at once, and converge", async (server, pages) => {
	// As the example's server.js: the document exists before any page opens.
	await server.create('textarea', { content: '' });
	const a = await openExample(server, pages, 'textarea', 'A');
	const b = await openExample(server, pages, 'textarea', 'B');
	await until('both pages to connect', async () =>
		(await a.textContent('#status-span')) === 'Connected' && (await b.textContent('#status-span')) === 'Connected');
	// An op from the server side reaches both textareas only once their
	// bindings are set up (they set the textarea from the document): then
	// what the pages type is not lost to a binding still subscribing.
	await server.submit('textarea', [{ p: ['content', 0], si: 'ready' }]);
	await allShow(server, pages, 'ready');

	// In turn: A appends, B inserts in the middle, A deletes with Backspace.
	await typeAt(a, 5, ' from A');
	await allShow(server, pages, 'ready from A');
	await typeAt(b, 5, ', B');
	await allShow(server, pages, 'ready, B from A');
	await b.focus('textarea');
	await b.$eval('textarea', (e) => e.setSelectionRange(8, 8));
	await b.keyboard.press('Backspace');
	await b.keyboard.press('Backspace');
	await allShow(server, pages, 'ready, from A');

	// At once: A types at the start while B types at the end; the result
	// does not depend on how their ops interleave.
	const end = 'ready, from A'.length;
	await Promise.all([typeAt(a, 0, 'aaaa '), typeAt(b, end, ' bbbb')]);
	await allShow(server, pages, 'aaaa ready, from A bbbb');
});

scenario("ShareDB's counter example: two pages click +1 at once and agree on the count", async (server, pages) => {
	await server.create('counter', { numClicks: 0 });
	const a = await openExample(server, pages, 'counter', 'A');
	const b = await openExample(server, pages, 'counter', 'B');
	await until('both pages to show 0', async () =>
		(await a.textContent('#num-clicks')) === '0' && (await b.textContent('#num-clicks')) === '0');
	const click = async (page, n) => { for (let i = 0; i < n; i++) await page.click('button'); };
	await Promise.all([click(a, 7), click(b, 5)]);
	await until('both pages and the server to count 12', async () =>
		(await a.textContent('#num-clicks')) === '12' && (await b.textContent('#num-clicks')) === '12' &&
		(await server.fetch('counter')).numClicks === 12,
	async () => JSON.stringify([await a.textContent('#num-clicks'), await b.textContent('#num-clicks'),
		await server.fetch('counter')]));
	await click(b, 1);
	await until('both pages and the server to count 13', async () =>
		(await a.textContent('#num-clicks')) === '13' && (await b.textContent('#num-clicks')) === '13' &&
		(await server.fetch('counter')).numClicks === 13);
});
