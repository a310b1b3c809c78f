-- The same on a rich-text document.
\set pos random(1, :len - 1)
SELECT version FROM ot.submit('bench', :doc, NULL,
	jsonb_build_array(jsonb_build_object('retain', :pos::int), jsonb_build_object('insert', 'x')));
