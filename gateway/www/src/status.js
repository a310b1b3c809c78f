// The connection indicator: connected, reconnecting or offline, and the
// number of local ops not yet acknowledged (kept, and sent on reconnect).

function pending(doc) {
	return (doc.inflightOp ? 1 : 0) + doc.pendingOps.length;
}

export function watchStatus(connection, docs, element) {
	let wasConnected = false;
	const render = () => {
		const count = docs.reduce((n, d) => n + pending(d), 0);
		let state = connection.state === 'connected' ? 'connected' : wasConnected ? 'reconnecting' : 'connecting';
		if (!navigator.onLine) state = 'offline';
		if (state === 'connected') wasConnected = true;
		element.dataset.state = state;
		element.dataset.pending = String(count);
		element.textContent = count > 0 ? `${state} · ${count} pending` : state;
	};
	connection.on('state', render);
	for (const doc of docs) {
		doc.on('op', render);
		doc.on('before op batch', render);
	}
	window.addEventListener('online', render);
	window.addEventListener('offline', render);
	setInterval(render, 250);	// acks change the count without an event of their own
	render();
}
