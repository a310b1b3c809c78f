'use strict';
/*
 * A TCP proxy that holds every byte FAILOVER_LAG_MS (200) before it passes
 * it on, both ways: a standby that streams through it is that far behind
 * its primary, as one over a slow link would be.  When either side closes,
 * what it still holds is dropped: it never reached the other side.
 *
 *   node delay_proxy.js LISTEN_PORT TARGET_PORT     (127.0.0.1)
 */
const net = require('node:net');

const [listenPort, targetPort] = process.argv.slice(2).map(Number);
const lag = Number(process.env.FAILOVER_LAG_MS || 200);

function pipe(from, to) {
	let open = true;
	from.on('data', (chunk) => setTimeout(() => { if (open && !to.destroyed) to.write(chunk); }, lag));
	const end = () => { open = false; to.destroy(); };
	from.on('close', end);
	from.on('error', end);
}

net.createServer((client) => {
	const server = net.connect(targetPort, '127.0.0.1');
	pipe(client, server);
	pipe(server, client);
}).listen(listenPort, '127.0.0.1', () => process.stderr.write(`delay_proxy: ${listenPort} -> ${targetPort}, ${lag} ms\n`));
