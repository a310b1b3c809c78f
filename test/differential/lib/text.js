'use strict';
/*
 * Random Unicode text for the differential harnesses: pools of characters
 * (ASCII, JSON-escaped characters, accents, combining marks, CJK, astral
 * emoji, multi-code-point clusters) drawn with a PRNG from harness.js.
 * Nothing here produces U+0000 or a lone surrogate: PostgreSQL's jsonb
 * refuses both.
 */

const cps = (s) => Array.from(s);

const POOLS = {
  ascii: cps('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789      .,;:!?-_()[]{}'),
  special: ['"', '\\', '\n', '\t', '\r', '\b', '\f', '/', '\u0001', '\u001f', '\u007f', '\u0085', '\u00a0',
    '\u2028', '\u2029', '\ufeff', '\ufffd', '\uffff', '\ud7ff', '\ue000', "'", '<', '&', '%', '$$'],
  accent: cps('éüñçøåßÉÜàèìòùâêîôûëïÿœæ'),
  combining: ['\u0301', '\u0308', '\u0327', '\u0300', '\u20dd', '\u0336', '\u0345'],
  cjk: cps('中文字漢日本語한국어テスト'),
  astral: ['🤖', '👻', '💃', '🥰', '𝄞', '😭', '😀', '🎉', '👍', '🏽', '\u{10ffff}', '\u{20000}', '\u{1d54f}',
    '\u{e0041}', '\u{10000}'],
  // multi-code-point clusters; positions still count code points
  cluster: ['👩\u200d👩\u200d👧', 'e\u0301', 'u\u0308', '🇫🇷', '👍🏽', 'n\u0303', '각'.normalize('NFD')],
};

const MODES = {
  ascii: [[1, 'ascii']],
  mixed: [[50, 'ascii'], [10, 'accent'], [5, 'combining'], [10, 'cjk'], [15, 'astral'], [5, 'special'],
    [5, 'cluster']],
  astral: [[60, 'astral'], [20, 'cluster'], [10, 'cjk'], [10, 'ascii']],
  special: [[40, 'special'], [30, 'ascii'], [15, 'astral'], [15, 'combining']],
};

function pickMode(r) {
  return r.weighted([[20, 'ascii'], [55, 'mixed'], [18, 'astral'], [7, 'special']]);
}

/* n code points (an array of one-code-point strings). */
function randCps(r, n, mode) {
  const weights = MODES[mode];
  const out = [];
  while (out.length < n) {
    const pool = POOLS[r.weighted(weights)];
    const item = r.pick(pool);
    if (item.length === 1 || (item.length === 2 && cps(item).length === 1)) out.push(item);
    else for (const c of cps(item)) out.push(c);
  }
  out.length = n;
  return out;
}

function randStr(r, n, mode) {
  return randCps(r, n, mode || pickMode(r)).join('');
}

/*
 * A count or length past 32-bit range, for ops given to functions that need
 * no document (the references walk such counts a character at a time).
 * Each is at most 2^53 / 16, so that the counts of an op add up to a safe
 * integer.
 */
const MAX_SAFE = 9007199254740991;
function bigCount(r) {
  return r.weighted([
    [3, () => r.pick([2147483646, 2147483647, 2147483648, 2147483649, 4294967295, 4294967296, 4294967297])],
    [1, () => r.pick([1e12, 2 ** 40 + 3, Math.floor(MAX_SAFE / 16)])],
    [2, () => r.range(1, Math.floor(MAX_SAFE / 16))],
    [2, () => r.range(1, 20)],
  ])();
}

module.exports = { cps, POOLS, MODES, pickMode, randCps, randStr, bigCount };
