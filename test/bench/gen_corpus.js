#!/usr/bin/env node
// Writes a seeded corpus of text-unicode cases as JSON lines:
//
//   {"doc": "...", "op": [...], "other": [...]}
//
// op and other are concurrent edits of doc, both valid against it, sized like
// typing: mostly one insert or delete of 1-10 code points at a random
// position, some replacements of a selection, a few pastes and large deletes.
// Documents are 100 to 20,000 code points (log-uniform) of ASCII prose,
// accented Latin, CJK and emoji in per-document proportions.  Deletes are
// {d: N} or {d: "text"} in equal measure.
//
//   node gen_corpus.js --out corpus.jsonl [--seed 42] [--cases 100000] [--docs 2000]
//
// The same seed gives the same file byte for byte.
'use strict';

const fs = require('fs');

function parseArgs(argv) {
  const args = { seed: 42, cases: 100000, docs: 2000, out: null };
  for (let i = 2; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1];
    if (k === '--seed') args.seed = Number(v);
    else if (k === '--cases') args.cases = Number(v);
    else if (k === '--docs') args.docs = Number(v);
    else if (k === '--out') args.out = v;
    else throw new Error(`gen_corpus.js: unknown argument ${k}`);
    i++;
  }
  for (const k of ['seed', 'cases', 'docs']) {
    if (!Number.isInteger(args[k]) || args[k] < (k === 'seed' ? 0 : 1)) {
      throw new Error(`gen_corpus.js: --${k} must be a whole number`);
    }
  }
  if (!args.out) throw new Error('gen_corpus.js: --out FILE is required');
  return args;
}

// mulberry32: a small seeded PRNG, 32-bit state.
function makeRng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n), // 0 .. n-1
    range: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)), // lo .. hi
    pick: (arr) => arr[Math.floor(next() * arr.length)],
  };
}

const ACCENTED = Array.from('éèêëàâäçôöûüùîïñíóúßÉÀÇœæ');
const PUNCT = Array.from('.,;:!?-\'"()');
const cjk = (rng) => String.fromCodePoint(rng.range(0x4e00, 0x9fa5));
const EMOJI_RANGES = [[0x1f600, 0x1f64f], [0x1f680, 0x1f6c5], [0x1f300, 0x1f5ff], [0x1f90d, 0x1f9ff]];
const emoji = (rng) => {
  const [lo, hi] = rng.pick(EMOJI_RANGES);
  return String.fromCodePoint(rng.range(lo, hi));
};
const lower = (rng) => String.fromCharCode(97 + rng.int(26));

// Per-document proportions of [ascii, accented, cjk, emoji].
const PROFILES = [
  [0.97, 0.0, 0.0, 0.03], // English
  [0.88, 0.11, 0.0, 0.01], // French / German
  [0.35, 0.0, 0.63, 0.02], // Chinese with Latin
  [0.80, 0.04, 0.01, 0.15], // chat with emoji
];

// Appends n code points to out (an array of code points) in a profile.
function text(rng, profile, n, out) {
  let word = 0;
  while (n-- > 0) {
    const r = rng.next();
    if (r < profile[0]) {
      // Latin prose: words of 1-10 letters with spaces, punctuation, newlines.
      if (word > 0 && rng.next() < 0.18) {
        const s = rng.next();
        out.push(s < 0.85 ? ' ' : s < 0.97 ? rng.pick(PUNCT) : '\n');
        word = 0;
      } else {
        out.push(rng.next() < 0.05 ? lower(rng).toUpperCase() : lower(rng));
        word++;
      }
    } else if (r < profile[0] + profile[1]) {
      out.push(rng.pick(ACCENTED));
      word++;
    } else if (r < profile[0] + profile[1] + profile[2]) {
      out.push(cjk(rng));
    } else {
      out.push(emoji(rng));
    }
  }
  return out;
}

function makeDoc(rng) {
  // log-uniform length in 100 .. 20,000 code points
  const n = Math.min(20000, Math.round(100 * Math.pow(200, rng.next())));
  const profile = rng.pick(PROFILES);
  const cps = text(rng, profile, n, []);
  const str = cps.join('');
  return { cps, profile, json: JSON.stringify(str) };
}

// An op at pos: [pos, ...components] (no leading skip at 0).
const at = (pos, ...components) => (pos > 0 ? [pos, ...components] : components);

function del(rng, doc, pos, n) {
  return rng.next() < 0.5 ? { d: n } : { d: doc.cps.slice(pos, pos + n).join('') };
}

// A typing-sized edit of doc.
function makeOp(rng, doc) {
  const len = doc.cps.length;
  const r = rng.next();
  if (r < 0.55) {
    // type 1-10 code points
    const pos = rng.int(len + 1);
    return at(pos, text(rng, doc.profile, rng.range(1, 10), []).join(''));
  }
  if (r < 0.85) {
    // backspace / delete 1-10 code points
    const n = rng.range(1, 10);
    const pos = rng.int(len - n + 1);
    return at(pos, del(rng, doc, pos, n));
  }
  if (r < 0.95) {
    // replace a selection of 1-30 code points with 1-10 typed ones
    const n = rng.range(1, 30);
    const pos = rng.int(len - n + 1);
    const ins = text(rng, doc.profile, rng.range(1, 10), []).join('');
    return rng.next() < 0.5 ? at(pos, del(rng, doc, pos, n), ins) : at(pos, ins, del(rng, doc, pos, n));
  }
  if (r < 0.98) {
    // paste 50-500 code points
    const pos = rng.int(len + 1);
    return at(pos, text(rng, doc.profile, rng.range(50, 500), []).join(''));
  }
  // delete a block of 20-1000 code points
  const n = Math.min(len, rng.range(20, 1000));
  const pos = rng.int(len - n + 1);
  return at(pos, del(rng, doc, pos, n));
}

function main() {
  const args = parseArgs(process.argv);
  const rng = makeRng(args.seed);
  const docs = [];
  for (let i = 0; i < args.docs; i++) docs.push(makeDoc(rng));

  const fd = fs.openSync(args.out, 'w');
  let chunk = [];
  let bytes = 0;
  for (let i = 0; i < args.cases; i++) {
    const doc = rng.pick(docs);
    const op = makeOp(rng, doc);
    const other = makeOp(rng, doc);
    chunk.push(`{"doc":${doc.json},"op":${JSON.stringify(op)},"other":${JSON.stringify(other)}}\n`);
    if (chunk.length === 1000) {
      bytes += fs.writeSync(fd, chunk.join(''));
      chunk = [];
    }
  }
  if (chunk.length) bytes += fs.writeSync(fd, chunk.join(''));
  fs.closeSync(fd);
  process.stderr.write(`gen_corpus.js: ${args.cases} cases over ${args.docs} documents, ` +
    `seed ${args.seed}, ${(bytes / 1e6).toFixed(1)} MB -> ${args.out}\n`);
}

main();
