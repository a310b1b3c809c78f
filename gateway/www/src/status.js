// The connection indicator: connected, reconnecting or offline, and the
// number of local ops not yet acknowledged (kept, and sent on reconnect).

function pending(doc) {
	return (doc.inflightOp ? 1 : 0) + doc.pendingOps.length;
}

// docs(): the documents open now (the editors switch documents); returns
// render(), which the editors call when one of theirs changes.
export function watchStatus(connection, docs, element) {
	let wasConnected = false;
	const render = () => {
		const count = docs().reduce((n, d) => n + pending(d), 0);
		// ShareDB: connecting / connected / disconnected (the socket retries)
		// / closed or stopped (it does not).
		let state = connection.state === 'connected' ? 'connected' : wasConnected ? 'reconnecting' : 'connecting';
		if (!navigator.onLine || connection.state === 'closed' || connection.state === 'stopped') state = 'offline';
		if (state === 'connected') wasConnected = true;
		element.dataset.state = state;
		element.dataset.pending = String(count);
		element.textContent = count > 0 ? `${state} · ${count} pending` : state;
		element.title = count > 0 ? `${count} local op${count === 1 ? '' : 's'} not yet acknowledged: kept, and sent again on reconnect` : '';
	};
	connection.on('state', render);
	// After each message is handled (an ack changes the count).
	connection.on('receive', () => setTimeout(render));
	window.addEventListener('online', render);
	window.addEventListener('offline', render);
	setInterval(render, 1000);	// and anything else
	render();
	return render;
}
