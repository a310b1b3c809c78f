// The document list: a subscribed ShareDB query on the demo collection
// (connection.createSubscribeQuery), redrawn on every change the server
// sends (documents created, edited, deleted by anyone), newest first.  The
// server answers only with documents this user may read.
//
// A gateway on partitions refuses $sort and $limit (ERR_QUERY_NOT_SUPPORTED:
// each partition would sort its own documents): the list then subscribes to
// every document ({}; the gateway's --query-max-results bounds it) and shows
// them in the order the server gives, by name; list.dataset.order says
// which ('newest' or 'name').

export const LIST_QUERY = { $sort: { '_m.mtime': -1 }, $limit: 100 };
export const LIST_QUERY_UNSORTED = {};

const KINDS = {
	'rich-text': { kind: 'rich', label: 'rich text' },
	'text-unicode': { kind: 'plain', label: 'plain text' },
};

// list: the <ul>; error: where a failure is shown; open(kind, id) opens a
// document in its editor; isOpen(id) says whether one shows it.
export function documentList({ list, error, connection, collection, open, isOpen }) {
	const self = { query: null, render: null };
	const subscribe = (q, order) => {
		list.dataset.order = order;
		const query = connection.createSubscribeQuery(collection, q, {}, (err) => {
			if (err && err.code === 'ERR_QUERY_NOT_SUPPORTED' && q === LIST_QUERY) {
				console.info('document list: sorted queries refused, listing by name:', err.message);
				query.destroy();
				subscribe(LIST_QUERY_UNSORTED, 'name');
			} else if (err) {
				error.textContent = `The list is unavailable: ${err.message}${err.code ? ` (${err.code})` : ''}`;
				error.hidden = false;
				console.warn('document list:', err);
			}
		});
		self.query = query;
		if (window.pgOt) window.pgOt.list = query;
		query.on('ready', render);
		query.on('changed', render);
		query.on('error', (err) => {
			error.textContent = `The list: ${err.message}`;
			error.hidden = false;
			console.warn('document list:', err);
		});
	};
	const render = () => {
		const query = self.query;
		if (!query.results) return;		// no answer yet, or an error
		error.hidden = true;
		list.replaceChildren(...query.results.map((doc) => {
			const kind = doc.type && KINDS[doc.type.name];
			const li = document.createElement('li');
			li.dataset.testid = 'doc-item';
			li.dataset.id = doc.id;
			li.dataset.type = doc.type ? doc.type.name : '';
			li.classList.toggle('open', isOpen(doc.id));
			const button = document.createElement('button');
			button.type = 'button';
			button.textContent = doc.id;
			button.title = kind ? `open in the ${kind.label} editor` : 'no editor on this page for this type';
			button.disabled = !kind;
			button.addEventListener('click', () => open(kind.kind, doc.id));
			const type = document.createElement('small');
			type.textContent = kind ? kind.label : (doc.type ? doc.type.name : '');
			li.append(button, type);
			return li;
		}));
		list.dataset.count = String(query.results.length);
	};
	self.render = render;
	subscribe(LIST_QUERY, 'newest');
	return self;
}
