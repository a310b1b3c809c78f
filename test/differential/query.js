#!/usr/bin/env node
'use strict';
/*
 * Differential test of ot.query / ot.query_extra against the reference
 * ShareDB query adapter sharedb-mingo-memory 4.1.0 (mingo 6.2.1), on random
 * json0 documents and random queries of the subset pg_ot supports.
 *
 *   node query.js [--seed N] [--rounds N] [--queries N] [--docs N]
 *
 * Each round makes --docs documents (fields a: number, b: string, c:
 * boolean, d: null, e: array of numbers and strings, f: {g: number,
 * h: [{k: number} or {j: number}]}, s: a number every document has; each but s missing at
 * random) in a new collection of pg_ot and in the reference, then runs
 * --queries random queries on both: equality, $eq, $ne, $in, $nin, $gt,
 * $gte, $lt, $lte, $exists on top-level fields, dotted paths ("f.g",
 * "f.h.k", "e.0") and a field no document has, nested $and / $or; a third of
 * them with $sort on s (1 or -1), $skip, $limit, or $count.  The reference
 * sorts with JavaScript's < on one top-level field and keeps insertion
 * order for ties, so sorts are on s alone (a number in every document) and
 * ids are inserted in their order, as pg_ot breaks ties.  Results compare as
 * lists of ids, and counts as numbers.  A query the reference throws on is
 * counted and skipped.  Exit 0 when every query agreed.
 */

const { spawnSync } = require('child_process');
const ShareDBMingo = require('sharedb-mingo-memory');

const args = process.argv.slice(2);
function opt(name, def) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
}
const seed = opt('seed', Date.now() % 1000000);
const rounds = opt('rounds', 6);
const queries = opt('queries', 150);
const ndocs = opt('docs', 25);

let state = seed >>> 0 || 1;
function rand() {				/* xorshift32 */
  state ^= state << 13; state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5; state >>>= 0;
  return state / 4294967296;
}
const int = (n) => Math.floor(rand() * n);
const pick = (a) => a[int(a.length)];

const NUMBERS = [-2, -1, 0, 0.5, 1, 2, 3, 10];
const STRINGS = ['', 'a', 'B', 'b', 'ab', '\u00e9', '\ud83d\ude00', '\uffff', '1'];
function scalar() {
  switch (int(5)) {
    case 0: case 1: return pick(NUMBERS);
    case 2: case 3: return pick(STRINGS);
    default: return pick([true, false, null]);
  }
}
function makeDoc(i) {
  const d = { s: int(8) };
  if (rand() < 0.8) d.a = pick(NUMBERS);
  if (rand() < 0.8) d.b = pick(STRINGS);
  if (rand() < 0.7) d.c = rand() < 0.5;
  if (rand() < 0.3) d.d = null;
  if (rand() < 0.7) d.e = Array.from({ length: int(4) }, () => (rand() < 0.5 ? pick(NUMBERS) : pick(STRINGS)));
  if (rand() < 0.7) {
    d.f = {};
    if (rand() < 0.8) d.f.g = pick(NUMBERS);
    if (rand() < 0.6) d.f.h = Array.from({ length: int(3) }, () => (rand() < 0.75 ? { k: pick(NUMBERS) } : { j: pick(NUMBERS) }));
  }
  if (rand() < 0.1) d.a = pick(STRINGS);	/* a number field holding a string */
  return d;
}

const PATHS = ['a', 'b', 'c', 'd', 'e', 'f', 'f.g', 'f.h.k', 'e.0', 's', 'x'];
function condition() {
  switch (int(9)) {
    case 0: return scalar();
    case 1: return { $eq: rand() < 0.1 ? [pick(NUMBERS)] : scalar() };
    case 2: return { $ne: scalar() };
    case 3: return { $in: Array.from({ length: 1 + int(3) }, scalar) };
    case 4: return { $nin: Array.from({ length: 1 + int(3) }, scalar) };
    case 5: return { $exists: rand() < 0.5 };
    default: {
      const c = {};
      const n = 1 + int(2);
      for (let i = 0; i < n; i++) c[pick(['$gt', '$gte', '$lt', '$lte'])] = rand() < 0.9 ? pick(rand() < 0.5 ? NUMBERS : STRINGS) : pick([true, false, null]);
      return c;
    }
  }
}
function filter(depth) {
  const q = {};
  const n = int(3);
  for (let i = 0; i < n; i++) q[pick(PATHS)] = condition();
  if (depth < 2 && rand() < 0.3) q[pick(['$and', '$or'])] = Array.from({ length: 1 + int(3) }, () => filter(depth + 1));
  return q;
}
function makeQuery() {
  const q = filter(0);
  if (rand() < 0.33) {
    if (rand() < 0.7) q.$sort = { s: pick([1, -1]) };
    if (rand() < 0.4) q.$skip = int(5);
    if (rand() < 0.4) q.$limit = int(6);
    if (rand() < 0.3) q.$count = true;
  }
  return q;
}

function dollar(s) {
  return `$q$${s}$q$`;
}

function psql(sql) {
  const r = spawnSync(process.env.PSQL || 'psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-f', '-'],
    { input: sql, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
  return r.stdout.split('\n').filter((l, i, a) => i < a.length - 1 || l !== '');
}

function reference(db, c, q) {
  return new Promise((resolve) => {
    db.query(c, q, null, {}, (err, snapshots, extra) => {
      if (err) resolve({ error: String(err.message || err) });
      else if (q.$count) resolve({ value: String(extra) });
      else resolve({ value: snapshots.map((s) => s.id).join(',') });
    });
  });
}

async function main() {
  let agreed = 0;
  let refused = 0;
  const failures = [];
  for (let r = 0; r < rounds; r++) {
    const c = `qdiff_${seed}_${r}`;
    const db = new ShareDBMingo();
    const docs = Array.from({ length: ndocs }, (_, i) => makeDoc(i));
    let setup = '';
    docs.forEach((d, i) => {
      const id = `d${String(i).padStart(3, '0')}`;
      db._writeSnapshotSync(c, id, { id, v: 1, type: 'http://sharejs.org/types/JSONv0', data: d, m: {} });
      setup += `SELECT ot.create('${c}', '${id}', 'json0', ${dollar(JSON.stringify(d))}::jsonb);\n`;
    });
    psql(setup);
    const qs = Array.from({ length: queries }, makeQuery);
    let script = 'CREATE FUNCTION pg_temp.q(c text, q jsonb) RETURNS text LANGUAGE plpgsql AS $f$ BEGIN '
      + "IF q ? '$count' THEN RETURN ot.query_extra(c, q)::text; END IF; "
      + "RETURN coalesce((SELECT string_agg(id, ',' ORDER BY ord) FROM ot.query(c, q) WITH ORDINALITY "
      + "AS t(id, type, version, data, ctime, mtime, ord)), ''); "
      + "EXCEPTION WHEN OTHERS THEN RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM; END $f$;\n";
    for (const q of qs) script += `SELECT pg_temp.q('${c}', ${dollar(JSON.stringify(q))}::jsonb);\n`;
    const ours = psql(script);
    if (ours.length !== qs.length) throw new Error(`psql answered ${ours.length} of ${qs.length} queries`);
    for (let i = 0; i < qs.length; i++) {
      const ref = await reference(db, c, qs[i]);
      if (ref.error) { refused++; continue; }
      if (ref.value === ours[i]) agreed++;
      else failures.push({ query: qs[i], ours: ours[i], reference: ref.value, docs: c });
    }
    psql(`DELETE FROM ot.documents WHERE collection = '${c}';`);
  }
  for (const f of failures.slice(0, 10)) console.log('DIFFERS', JSON.stringify(f));
  console.log(`query differential (seed ${seed}): ${agreed} agreed, ${failures.length} differed, `
    + `${refused} thrown by the reference, over ${rounds} rounds of ${ndocs} documents`);
  process.exit(failures.length ? 1 : 0);
}

main().catch((e) => { console.error(e); process.exit(2); });
