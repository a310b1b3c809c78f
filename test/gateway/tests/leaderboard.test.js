'use strict';
// ShareDB's leaderboard example (github.com/share/sharedb, examples/leaderboard
// at commit 754ffdf1dbb8b845d641697cd1201fd507463a86), its client logic
// re-implemented faithfully without React or a browser, so that it runs
// against two gateways and checks a model after every click (the published
// example itself, from the npm package sharedb@1.8.1, runs unchanged in
// test/browser/tests/leaderboard.test.js).  What it does, file by file:
//
//   server/index.js      seeds: createFetchQuery('players', {}, {}); if there
//                        are no results, creates players '0'..'5' as json0
//                        {name, score: Math.floor(Math.random() * 10) * 5}
//                        (here the random numbers are seeded, so that both
//                        targets see the same scores)
//   Leaderboard.jsx      createSubscribeQuery('players', {$sort: {score: -1}})
//                        with no callback; on 'ready' and on 'changed' it
//                        re-renders from query.results; "Add 5 points" submits
//                        [{p: ['score'], na: 5}] on connection.get('players',
//                        selected id), without waiting
//   Player.jsx           each rendered player's doc.subscribe(), re-rendered
//                        on its 'load' and 'op'
//   PlayerList.jsx       one line per player in query.results' order
//
// The server is the reference ShareDB (sharedb-mingo-memory, as the example's
// own server) or pg_ot_gateway; the test asserts the rankings the example
// shows against the same model on both: by score descending, ties in the
// order the players were created (mingo keeps insertion order; pg_ot breaks
// ties by id, and '0'..'5' were created in that order).

const { test, after } = require('node:test');
const h = require('../lib/harness');
const { assert } = h;

after(h.closeAll);

const NAMES = ['Ada Lovelace', 'Grace Hopper', 'Marie Curie', 'Carl Friedrich Gauss', 'Nikola Tesla', 'Claude Shannon'];

function seeded(seed) {
	let x = seed >>> 0 || 1;
	return () => {
		x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
		return x / 4294967296;
	};
}

// server/index.js's "Create initial documents", through a client connection.
async function seed(client, random) {
	const { results } = await h.call('the seeding fetch query', (cb) =>
		client.connection.createFetchQuery('players', {}, {}, (err, results) => cb(err, { results })));
	if (results.length !== 0) return;
	await Promise.all(NAMES.map((name, index) => {
		const doc = client.connection.get('players', '' + index);
		const data = { name, score: Math.floor(random() * 10) * 5 };
		return h.call(`create player ${index}`, (cb) => doc.create(data, cb));
	}));
}

// Leaderboard + PlayerList + Player: what the page would show, re-rendered
// on the same events; renders counts them.
function mountLeaderboard(client) {
	client.queryAndSubscribe = true;	// (ShareDB then sends each op twice: harness.js)
	const app = { renders: 0, shown: [], selectedPlayerId: null, mounted: new Set(), errors: [] };
	const render = () => {
		app.renders++;
		app.shown = app.players.map((doc) => [doc.id, doc.data && doc.data.name, doc.data && doc.data.score]);
	};
	app.players = [];
	const query = client.connection.createSubscribeQuery('players', { $sort: { score: -1 } });
	const update = () => {
		app.players = query.results;
		for (const doc of app.players) {
			if (app.mounted.has(doc.id)) continue;	// Player's componentDidMount, once per key
			app.mounted.add(doc.id);
			doc.subscribe();
			doc.on('load', render);
			doc.on('op', render);
		}
		render();
	};
	query.on('ready', update);
	query.on('changed', update);
	query.on('error', (e) => app.errors.push(e.code));
	app.query = query;
	app.select = (id) => { app.selectedPlayerId = id; };
	app.addPoints = () => {
		const op = [{ p: ['score'], na: 5 }];
		client.connection.get('players', app.selectedPlayerId).submitOp(op, (err) => {
			if (err) app.errors.push(err.code || err.message);
		});
	};
	return app;
}

// The model: ranking by score descending, ties by creation order.
function ranking(scores) {
	return Object.keys(scores).map(Number).sort((a, b) => scores[b] - scores[a] || a - b)
		.map((i) => ['' + i, NAMES[i], scores[i]]);
}
const shows = (app, scores) => JSON.stringify(app.shown) === JSON.stringify(ranking(scores));

test('ShareDB\'s leaderboard example: ranking, increments, live reorder on a second client', { timeout: 120000 }, async () => {
	const random = seeded(h.SEED * 7919);
	const server = await h.connect(h.URLS[0]);
	await seed(server, random);
	const expected = {};
	{
		const r = seeded(h.SEED * 7919);
		NAMES.forEach((n, i) => { expected[i] = Math.floor(r() * 10) * 5; });
	}
	const A = await h.connect(h.URLS[0]);
	const B = await h.connect(h.URLS[h.URLS.length - 1]);
	const a = mountLeaderboard(A);
	const b = mountLeaderboard(B);
	for (const app of [a, b])
		await h.until(() => shows(app, expected), 'the first ranking', [[app.query, 'changed'], [app.query, 'ready']],
			() => JSON.stringify([app.shown, ranking(expected)]));
	console.log(`# leaderboard: first ranking ${ranking(expected).map((x) => `${x[1]} ${x[2]}`).join(', ')}`);

	// A gives the last player points one click at a time until it leads; B sees each reorder.
	const last = ranking(expected)[NAMES.length - 1][0];
	a.select(last);
	let clicks = 0;
	while (ranking(expected)[0][0] !== last) {
		a.addPoints();
		expected[last] += 5;
		clicks++;
		for (const app of [a, b])
			await h.until(() => shows(app, expected), `the ranking after click ${clicks}`,
				[[app.query, 'changed'], [app.query, 'ready']], () => JSON.stringify([app.shown, ranking(expected)]));
	}
	// B clicks a burst for another player without waiting, as fast clicks do.
	const other = ranking(expected)[NAMES.length - 1][0];
	b.select(other);
	for (let i = 0; i < 12; i++) {
		b.addPoints();
		expected[other] += 5;
	}
	for (const app of [a, b])
		await h.until(() => shows(app, expected), 'the ranking after a burst of 12 clicks',
			[[app.query, 'changed'], [app.query, 'ready']], () => JSON.stringify([app.shown, ranking(expected)]));
	assert.deepEqual(a.errors, []);
	assert.deepEqual(b.errors, []);
	console.log(`# leaderboard: ${clicks} single clicks and a burst of 12; final ${ranking(expected).map((x) => `${x[1]} ${x[2]}`).join(', ')}; renders A ${a.renders}, B ${b.renders}`);
	h.assertClean([server, A, B]);
});
