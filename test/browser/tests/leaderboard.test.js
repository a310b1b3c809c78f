'use strict';
// ShareDB's own leaderboard example, its files as the npm package
// sharedb@1.8.1 ships them (examples/leaderboard/, installed as the alias
// sharedb-leaderboard-example; run.sh copies the folder to $LEADERBOARD and
// bundles its client/index.jsx unchanged into static/dist/bundle.js), in
// Debian's chromium, two pages per target:
//
//   pg_ot_gateway   serving the example's static/ (index.html,
//                   leaderboard.css, dist/bundle.js) with --www, so that the
//                   page's ws://window.location.host is the gateway; the six
//                   players of the example's server/index.js (same names,
//                   ids '0'..'5', json0 {name, score}) made with ot.create,
//                   their scores seeded (the example's are random)
//   ShareDB         the example's own server/index.js, unchanged, run with
//                   node from the copy (express.static('static'), ShareDB 7
//                   on sharedb-mingo-memory, its players created with
//                   random scores), its listen(8080) redirected to
//                   REFERENCE_PORT by lib/listen-port.js (node -r)
//
// The scenario reads only what the example renders (li.player, .name,
// .score, the selected player's "Add 5 points" button): both pages list the
// six players by score descending; A gives the lowest points while B gives
// the next one points, at once; both end with the expected scores, sorted,
// equal to the server's documents, the lowest player moved up on B's page;
// then B's player overtakes A's and moves above it on A's page.  The order
// is checked only between different scores (ties are the server's to order).
// Every wait is for a condition, bounded by WAIT_MS only to fail a broken run.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');
const { Client } = require('pg');
const ShareDB = require('sharedb/lib/client');
const WebSocket = require('ws');

const { until, portOpen } = require('../lib/wait');
const LEADERBOARD = process.env.LEADERBOARD;
const ARTIFACTS = path.join(__dirname, '..', 'artifacts');
// The example's server/index.js: names[index] is player '' + index.
const NAMES = ['Ada Lovelace', 'Grace Hopper', 'Marie Curie', 'Carl Friedrich Gauss', 'Nikola Tesla', 'Claude Shannon'];
// Scores for pg_ot, multiples of 5 as the example's Math.floor(Math.random() * 10) * 5.
const SEEDS = [10, 40, 25, 0, 35, 20];

let browser = null;

async function stopChild(child, what) {
	if (!child || child.exitCode !== null || child.signalCode !== null) return;
	child.kill('SIGTERM');
	const code = await child.exited;
	return assert.ok(code === 0 || code === null, `${what} stops on SIGTERM (exit ${code})`);
}

// pg_ot_gateway serving the example's static/; players made and read in SQL.
function pgOtTarget() {
	const port = Number(process.env.GATEWAY_PORT);
	const origin = `http://127.0.0.1:${port}`;
	let gateway = null;
	let pg = null;
	return {
		name: 'pg_ot_gateway',
		origin,
		async start() {
			pg = new Client();
			await pg.connect();
			for (const [index, name] of NAMES.entries()) {
				await pg.query("SELECT ot.create('players', $1, 'json0', $2)",
					['' + index, JSON.stringify({ name, score: SEEDS[index] })]);
			}
			const log = fs.openSync(process.env.GATEWAY_LOG, 'a');
			gateway = spawn(process.env.GATEWAY_BIN, ['--db', process.env.GATEWAY_DB, '--listen', '127.0.0.1',
				'--port', String(port), '--www', path.join(LEADERBOARD, 'static'), '--allow-anonymous',
				'--allowed-origins', origin], { stdio: ['ignore', log, log] });
			fs.closeSync(log);
			if (process.env.GATEWAY_PIDFILE) fs.writeFileSync(process.env.GATEWAY_PIDFILE, `${gateway.pid}\n`);
			gateway.exited = new Promise((resolve) => gateway.once('exit', resolve));
			const g = gateway;
			await until('the gateway to listen', async () => {
				if (g.exitCode !== null) throw new Error(`the gateway exited (${g.exitCode}); see its log`);
				return portOpen(port);
			});
		},
		async stop() {
			if (pg) await pg.end();
			pg = null;
			await stopChild(gateway, 'the gateway');
		},
		// name -> score of the server's documents
		async scores() {
			const out = {};
			for (const index of NAMES.keys()) {
				const r = await pg.query("SELECT data FROM ot.fetch('players', $1)", ['' + index]);
				out[r.rows[0].data.name] = r.rows[0].data.score;
			}
			return out;
		},
	};
}

// The example's server/index.js, unchanged, from the copy of its folder;
// its documents read by a stock client over a WebSocket of its own.
function shareDbTarget() {
	const port = Number(process.env.REFERENCE_PORT);
	let server = null;
	let socket = null;
	let connection = null;
	return {
		name: "the example's ShareDB server",
		origin: `http://127.0.0.1:${port}`,
		async start() {
			const log = fs.openSync(process.env.GATEWAY_LOG, 'a');
			server = spawn(process.execPath, ['-r', path.join(__dirname, '..', 'lib', 'listen-port.js'), 'server/index.js'], {
				cwd: LEADERBOARD,
				env: { ...process.env, NODE_PATH: process.env.LEADERBOARD_NODE_PATH, LISTEN_PORT: String(port) },
				stdio: ['ignore', log, log],
			});
			fs.closeSync(log);
			server.exited = new Promise((resolve) => server.once('exit', (code) => resolve(code)));
			const s = server;
			await until("the example's server to listen", async () => {
				if (s.exitCode !== null) throw new Error(`the example's server exited (${s.exitCode}); see the log`);
				return portOpen(port);
			});
			socket = new WebSocket(`ws://127.0.0.1:${port}`);
			connection = new ShareDB.Connection(socket);
		},
		async stop() {
			if (connection) connection.close();
			connection = null;
			await stopChild(server, "the example's server");
		},
		async scores() {
			const results = await new Promise((resolve, reject) =>
				connection.createFetchQuery('players', {}, {}, (err, r) => (err ? reject(err) : resolve(r))));
			const out = {};
			for (const doc of results) out[doc.data.name] = doc.data.score;
			return out;
		},
	};
}

before(async () => {
	assert.ok(LEADERBOARD && fs.existsSync(path.join(LEADERBOARD, 'static', 'dist', 'bundle.js')),
		'run.sh bundled the leaderboard example');
	browser = await chromium.launch({ executablePath: process.env.CHROMIUM, headless: true, args: ['--no-sandbox'] });
});

after(async () => {
	if (browser) await browser.close();
});

// The example's page from the target's origin; its console errors and
// uncaught exceptions are collected in page.problems.
async function openPage(target, pages, who) {
	const context = await browser.newContext({ viewport: { width: 800, height: 700 } });
	const page = await context.newPage();
	page.who = who;
	page.problems = [];
	pages.push(page);
	// The example has no favicon: the browser's request for one gets 404
	// from either server, which is not the page's error.
	page.on('console', (m) => {
		if (m.type() === 'error' && !/\/favicon\.ico$/.test(m.location().url)) page.problems.push(`${m.text()} (${m.location().url})`);
	});
	page.on('pageerror', (e) => page.problems.push(String(e)));
	page.on('response', (r) => { if (r.status() >= 400) page.problems.push(`HTTP ${r.status()} ${r.url()}`); });
	await page.goto(`${target.origin}/`);
	return page;
}

// What the page shows, top to bottom: [{name, score}].
const board = (page) => page.$$eval('.playerList li.player', (lis) => lis.map((li) => ({
	name: li.querySelector('.name').textContent,
	score: Number(li.querySelector('.score').textContent),
})));

// Where the board is not ordered by score descending, or null.
function unsorted(rows) {
	for (let i = 1; i < rows.length; i++) {
		if (rows[i - 1].score < rows[i].score) return `${rows[i - 1].name} (${rows[i - 1].score}) above ${rows[i].name} (${rows[i].score})`;
	}
	return null;
}

// Whether rows show exactly the scores of expected (name -> score), sorted.
function shows(rows, expected) {
	if (rows.length !== Object.keys(expected).length) return false;
	if (!rows.every((r) => expected[r.name] === r.score)) return false;
	return unsorted(rows) === null;
}

const describeBoards = (pages) => async () => JSON.stringify(Object.fromEntries(
	await Promise.all(pages.map(async (p) => [p.who, (await board(p)).map((r) => `${r.name} ${r.score}`)]))));

// Both pages and the server's documents at expected, both boards sorted.
async function allShow(target, pages, expected, what) {
	await until(`both pages and the server to show ${what} ${JSON.stringify(expected)}`, async () => {
		for (const page of pages) if (!shows(await board(page), expected)) return false;
		const server = await target.scores();
		return NAMES.every((n) => server[n] === expected[n]);
	}, async () => `${await describeBoards(pages)()} server ${JSON.stringify(await target.scores())}`);
}

// The example's way to give points: click the player, then its "Add 5 points" n times.
// The list may reorder under the click (the other page's points): the
// click is repeated until the example shows that player selected.
async function givePoints(page, name, n) {
	await until(`${page.who}'s page to select ${name}`, async () => {
		const details = page.locator('.details .name');
		if (await details.count() === 1 && await details.textContent() === name) return true;
		await page.locator('.playerList li.player', { hasText: name }).click();
		return false;
	});
	for (let i = 0; i < n; i++) await page.click('button.inc');
}

const indexIn = (rows, name) => rows.findIndex((r) => r.name === name);

for (const make of [pgOtTarget, shareDbTarget]) {
	const target = make();
	test(`ShareDB's leaderboard example (sharedb@1.8.1's, unchanged): two pages give points at once and see the ranking live, against ${target.name}`, { timeout: 180000 }, async () => {
		const pages = [];
		try {
			await target.start();
			const a = await openPage(target, pages, 'A');
			const b = await openPage(target, pages, 'B');

			// Both pages list the six players by score descending.
			let initial;
			if (target.name === 'pg_ot_gateway') {
				initial = Object.fromEntries(NAMES.map((n, i) => [n, SEEDS[i]]));
			} else {
				await until('the example server to create its six players', async () =>
					Object.keys(await target.scores()).length === NAMES.length);
				initial = await target.scores();
			}
			await allShow(target, pages, initial, 'the six players');
			const start = await board(a);
			console.log(`# ${target.name}: initially ${start.map((r) => `${r.name} ${r.score}`).join(', ')}`);

			// A gives the lowest player enough points to pass every other
			// score; B, at the same time, gives the next lowest 10.
			const x = start[5].name;
			const y = start[4].name;
			const clicksY = 2;
			const clicksX = Math.floor((Math.max(start[0].score, initial[y] + 5 * clicksY) - initial[x]) / 5) + 1;
			const expected = { ...initial, [x]: initial[x] + 5 * clicksX, [y]: initial[y] + 5 * clicksY };
			await Promise.all([givePoints(a, x, clicksX), givePoints(b, y, clicksY)]);
			await allShow(target, pages, expected, `${x} +${5 * clicksX} and ${y} +${5 * clicksY}`);
			const afterX = await board(b);
			assert.equal(indexIn(afterX, x) < indexIn(start, x), true, `${x} moved up on B's page: ${JSON.stringify(afterX)}`);
			for (const r of afterX) {
				if (r.name !== x) assert.ok(indexIn(afterX, x) < indexIn(afterX, r.name), `${x} (${expected[x]}) leads on B's page`);
			}

			// B's player overtakes A's: it moves above it on A's page.
			const clicksOver = Math.floor((expected[x] - expected[y]) / 5) + 1;
			expected[y] += 5 * clicksOver;
			await givePoints(b, y, clicksOver);
			await allShow(target, pages, expected, `${y} past ${x}`);
			for (const page of pages) {
				const rows = await board(page);
				assert.ok(indexIn(rows, y) === 0 && indexIn(rows, x) === 1,
					`${page.who}'s page: ${y} first, ${x} second: ${JSON.stringify(rows)}`);
			}
			console.log(`# ${target.name}: finally ${(await board(a)).map((r) => `${r.name} ${r.score}`).join(', ')}` +
				` (${clicksX + clicksY + clicksOver} clicks)`);
			for (const page of pages) assert.deepEqual(page.problems, [], `${page.who}'s page logged no error`);
		} catch (err) {
			fs.mkdirSync(ARTIFACTS, { recursive: true });
			const slug = `leaderboard-${target.name}`.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').slice(0, 60);
			for (const page of pages) {
				await page.screenshot({ path: path.join(ARTIFACTS, `failed-${slug}-${page.who}.png`) }).catch(() => {});
			}
			throw err;
		} finally {
			for (const page of pages) await page.context().close().catch(() => {});
			await target.stop();
		}
	});
}
