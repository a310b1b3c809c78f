#!/usr/bin/env node
// Throughput of ot-text-unicode 4.0.0 on the corpus bench_core.c reads.
//
//   node bench_core.js CORPUS.jsonl [MIN_SECONDS]
//
// Parses every line first; then, after one untimed warm-up pass, times whole
// passes of type.transform(op, other, 'left') and of type.apply(doc, op)
// until MIN_SECONDS (default 2) have passed.  Prints the same checksums and
// figures as bench_core.c.
'use strict';

const fs = require('fs');
const { type } = require('ot-text-unicode');

// Code points in a JS string (surrogate pairs count once).
function strPosToUni(s) {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i);
    if (u >= 0xdc00 && u <= 0xdfff) n--;
  }
  return n;
}

function loadCorpus(path) {
  // The file can pass V8's largest string, so split the buffer by lines.
  const buf = fs.readFileSync(path);
  const cases = [];
  let start = 0;
  while (start < buf.length) {
    let end = buf.indexOf(10, start);
    if (end === -1) end = buf.length;
    if (end > start) {
      const c = JSON.parse(buf.toString('utf8', start, end));
      cases.push({ doc: c.doc, op: c.op, other: c.other });
    }
    start = end + 1;
  }
  return cases;
}

const WEIGHT = { skip: 1, insert: 3, delCount: 5, delText: 7 };

// Weighted sum of an op's components, the same in bench_core.c.
function opChecksum(op) {
  let s = 0;
  for (const c of op) {
    if (typeof c === 'number') s += WEIGHT.skip * c;
    else if (typeof c === 'string') s += WEIGHT.insert * strPosToUni(c);
    else if (typeof c.d === 'number') s += WEIGHT.delCount * c.d;
    else s += WEIGHT.delText * strPosToUni(c.d);
  }
  return s;
}

let sink = 0;

function passTransform(cases) {
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i];
    sink += type.transform(c.op, c.other, 'left').length;
  }
}

function passApply(cases) {
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i];
    sink += type.apply(c.doc, c.op).length;
  }
}

function measure(pass, cases, minSeconds) {
  pass(cases); // warm-up
  const start = process.hrtime.bigint();
  let passes = 0;
  let elapsed;
  do {
    pass(cases);
    passes++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  } while (elapsed < minSeconds);
  return (passes * cases.length) / elapsed;
}

function main() {
  const path = process.argv[2];
  const minSeconds = process.argv[3] ? Number(process.argv[3]) : 2;
  if (!path) {
    process.stderr.write('usage: node bench_core.js CORPUS.jsonl [MIN_SECONDS]\n');
    process.exit(2);
  }
  const t0 = Date.now();
  const cases = loadCorpus(path);
  process.stderr.write(`bench_core.js: ${cases.length} cases parsed in ${((Date.now() - t0) / 1000).toFixed(1)} s (not timed)\n`);

  // Checksums of the results, outside the timing.
  let tComponents = 0;
  let tSum = 0;
  let applyCp = 0;
  for (const c of cases) {
    const t = type.transform(c.op, c.other, 'left');
    tComponents += t.length;
    tSum += opChecksum(t);
    applyCp += strPosToUni(type.apply(c.doc, c.op));
  }
  console.log(`cases ${cases.length}`);
  console.log(`check transform_components ${tComponents} transform_sum ${tSum} apply_codepoints ${applyCp}`);

  const tps = measure(passTransform, cases, minSeconds);
  const aps = measure(passApply, cases, minSeconds);
  console.log(`transforms/s ${tps.toFixed(0)}`);
  console.log(`applies/s ${aps.toFixed(0)}`);
  if (sink === -1) console.log(''); // keeps the results alive
}

main();
