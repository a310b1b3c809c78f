'use strict';
// Two and ten stock clients edit one document concurrently, on each type,
// and converge (see lib/converge.js for every check).

const { test, after } = require('node:test');
const h = require('../lib/harness');
const { converge } = require('../lib/converge');

after(h.closeAll);

for (const typeName of ['text-unicode', 'rich-text', 'json0']) {
	const collection = typeName === 'text-unicode' ? 'gw_text' : typeName === 'rich-text' ? 'gw_rich' : 'gw_json0';
	test(`two clients converge on ${typeName}`, { timeout: 180000 }, (t) =>
		converge(t, { typeName, clients: 2, opsPerClient: 150, urls: h.CLIENT_URLS, collection, seed: h.SEED }));
	test(`ten clients converge on ${typeName}`, { timeout: 180000 }, (t) =>
		converge(t, { typeName, clients: 10, opsPerClient: 40, urls: h.CLIENT_URLS, collection, seed: h.SEED + 1 }));
}
