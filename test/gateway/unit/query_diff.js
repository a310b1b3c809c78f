'use strict';
// The gateway's diff of a query's results (gateway/actions/query_diff.c,
// through query_diff.c here) against npm arraydiff, which ShareDB's
// query-emitter uses: the same diff, entry for entry, on random lists of
// ids (shuffles, removals, insertions, moves of runs), and applying it
// turns before into after.  node query_diff.js BINARY [CASES] [SEED]
const { execFileSync } = require('node:child_process');
const arraydiff = require('arraydiff');

const [bin, casesArg, seedArg] = process.argv.slice(2);
const cases = Number(casesArg || 20000);
let x = Number(seedArg || 1) >>> 0 || 1;
const rnd = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 4294967296; };
const int = (n) => Math.floor(rnd() * n);

const pairs = [];
let fresh = 0;
for (let c = 0; c < cases; c++) {
	const n = int(24);
	const before = [];
	for (let i = 0; i < n; i++) before.push(`d${fresh++}`);
	let after = before.slice();
	const steps = int(5);
	for (let s = 0; s < steps; s++) {
		const k = int(4);
		if (k === 0 && after.length) after.splice(int(after.length), 1 + int(3));
		else if (k === 1) after.splice(int(after.length + 1), 0, ...Array.from({ length: 1 + int(3) }, () => `d${fresh++}`));
		else if (k === 2 && after.length) {
			const from = int(after.length);
			const run = after.splice(from, 1 + int(3));
			after.splice(int(after.length + 1), 0, ...run);
		} else if (after.length) after = after.sort(() => rnd() - 0.5);
	}
	pairs.push([before, after]);
}
const input = pairs.map(([b, a]) => `${b.join(' ')}\n${a.join(' ')}\n`).join('');
const out = execFileSync(bin, { input, maxBuffer: 1 << 30 }).toString().trim().split('\n');
let bad = 0;
for (let c = 0; c < cases; c++) {
	const [before, after] = pairs[c];
	const want = JSON.stringify(arraydiff(before, after));
	if (out[c] !== want) {
		if (bad++ < 5) console.error(`case ${c}: before ${before.join(' ')}; after ${after.join(' ')}\n  arraydiff ${want}\n  gateway   ${out[c]}`);
		continue;
	}
	const list = before.slice();
	for (const d of JSON.parse(out[c])) {
		if (d.type === 'remove') list.splice(d.index, d.howMany);
		else if (d.type === 'move') list.splice(d.to, 0, ...list.splice(d.from, d.howMany));
		else list.splice(d.index, 0, ...d.values);
	}
	if (list.join() !== after.join() && bad++ < 5) console.error(`case ${c}: applying the diff does not give after`);
}
console.log(`query_diff: ${cases - bad} of ${cases} random cases give arraydiff's diff exactly${bad ? `; ${bad} differ` : ''}`);
process.exit(bad ? 1 : 0);
