'use strict';
// Waits of the browser tests: for a condition, never for a time.  WAIT_MS
// (default 30 s) bounds a wait only so that a broken run ends.

const net = require('node:net');

const WAIT_MS = Number(process.env.WAIT_MS || 30000);

// Resolves to fn()'s first truthy value; after WAIT_MS throws, naming what
// was awaited and, with describe, what was there instead.
async function until(what, fn, describe) {
	const deadline = Date.now() + WAIT_MS;
	for (;;) {
		const v = await fn();
		if (v) return v;
		if (Date.now() > deadline) {
			throw new Error(`timed out after ${WAIT_MS} ms waiting for ${what}${describe ? `: ${await describe()}` : ''}`);
		}
		await new Promise((r) => setTimeout(r, 50));
	}
}

// Whether something accepts TCP connections on 127.0.0.1:port.
function portOpen(port) {
	return new Promise((resolve) => {
		const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
		s.on('error', () => resolve(false));
	});
}

module.exports = { WAIT_MS, until, portOpen };
