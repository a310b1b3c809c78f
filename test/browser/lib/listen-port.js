'use strict';
// Preloaded (node -r) into ShareDB's leaderboard example's server/index.js,
// which is run unchanged and listens on 8080: a listen on LISTEN_FROM
// (default 8080) goes to LISTEN_PORT on 127.0.0.1 instead, so that the test
// stays in its own ports.  Nothing else of the server is touched.

const http = require('node:http');
const net = require('node:net');

const from = Number(process.env.LISTEN_FROM || 8080);
const to = Number(process.env.LISTEN_PORT);
if (!Number.isInteger(to) || to <= 0) throw new Error('listen-port.js: LISTEN_PORT must be a port number');

const listen = net.Server.prototype.listen;
http.Server.prototype.listen = function (...args) {
	if (Number(args[0]) === from) {
		args[0] = to;
		if (typeof args[1] !== 'string') args.splice(1, 0, '127.0.0.1');
	}
	return listen.apply(this, args);
};
