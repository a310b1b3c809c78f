-- Documents: every rejection, its SQLSTATE and the ShareDB code it maps to.
-- A rejected op changes nothing.

CREATE OR REPLACE FUNCTION err(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE query;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ' ' || ot.sharedb_error_code(SQLSTATE) || ': ' || SQLERRM;
END $$;

SELECT ot.create('e', 'doc', 'text-unicode', '"abc"');
SELECT ot.create('e', 'rich', 'rich-text', '[{"insert": "a😀b\n"}]');
SELECT ot.create('e', 'gone', 'text-unicode', '"x"');
SELECT ot.delete('e', 'gone');

-- Versions.
SELECT err($$SELECT ot.submit('e', 'doc', 2, '["x"]')$$);				-- from the future
SELECT err($$SELECT ot.submit('e', 'doc', -1, '["x"]')$$);
SELECT err($$SELECT ot.fetch('e', 'doc', 5)$$);
SELECT err($$SELECT ot.fetch('e', 'doc', -1)$$);
SELECT err($$SELECT ot.ops('e', 'doc', -1)$$);

-- Missing and deleted documents.
SELECT err($$SELECT ot.submit('e', 'nope', 0, '["x"]')$$);
SELECT err($$SELECT ot.submit('e', 'nope', NULL, '["x"]')$$);
SELECT err($$SELECT ot.delete('e', 'nope')$$);
SELECT err($$SELECT ot.submit('e', 'gone', 2, '["x"]')$$);
SELECT err($$SELECT ot.submit('e', 'gone', 1, '["x"]')$$);				-- stale, across the delete
SELECT err($$SELECT ot.delete('e', 'gone')$$);

-- Creating what exists.
SELECT err($$SELECT ot.create('e', 'doc', 'text-unicode', '"again"')$$);
SELECT err($$SELECT ot.create('e', 'doc', 'text-unicode', '"again"', 'other', 1)$$);
SELECT * FROM ot.submit_batch('[{"message": {"c": "e", "d": "doc", "v": 0, "src": "s", "seq": 1,
	"create": {"type": "text-unicode"}}}]');

-- Malformed ops and ops that do not fit.
SELECT err($$SELECT ot.submit('e', 'doc', 1, '{"d": 1}')$$);
SELECT err($$SELECT ot.submit('e', 'doc', 1, '[1.5, "x"]')$$);
SELECT err($$SELECT ot.submit('e', 'doc', 1, '[3]')$$);
SELECT err($$SELECT ot.submit('e', 'doc', 1, '[4, "x"]')$$);
SELECT err($$SELECT ot.submit('e', 'doc', 1, '[2, {"d": 2}]')$$);
SELECT err($$SELECT ot.submit('e', 'doc', 1, '[{"d": "abd"}]')$$);		-- needs the text: checked by apply
SELECT err($$SELECT ot.submit('e', 'doc', 1, NULL)$$);
SELECT err($$SELECT ot.submit('e', 'rich', 1, '{"ops": [{"retain": 2}, {"insert": "x"}]}')$$);	-- splits the emoji
SELECT err($$SELECT ot.submit('e', 'rich', 1, '{"ops": [{"retain": 6}, {"delete": 1}]}')$$);
SELECT err($$SELECT ot.submit('e', 'rich', 1, '{"ops": [{"bogus": 1}]}')$$);
SELECT err($$SELECT ot.submit('e', 'doc', 1, '["x"]', 'src-only', NULL)$$);

-- Creates.
SELECT err($$SELECT ot.create('e', 'new', 'no-such-type')$$);
SELECT err($$SELECT ot.create('e', 'new', NULL)$$);
SELECT err($$SELECT ot.create('e', 'new', 'text-unicode', '42')$$);
SELECT err($$SELECT ot.create('e', 'new', 'rich-text', '[{"retain": 1}]')$$);
SELECT err($$SELECT ot.create('e', '', 'text-unicode')$$);
SELECT err($$SELECT ot.create('e', repeat('x', 1025), 'text-unicode')$$);

-- Nothing above changed a document.
SELECT d.name, d.version, f.data
	FROM ot.documents d, ot.fetch(d.collection, d.name) f
	WHERE d.collection = 'e' ORDER BY d.name;
SELECT count(*) AS ops FROM ot.operations o JOIN ot.documents d ON d.id = o.doc_id
	WHERE d.collection = 'e';

-- The batch reports each rejection as a ShareDB error and goes on.
SELECT * FROM ot.submit_batch('[
	{"message": {"c": "e", "d": "doc", "v": 1, "op": {"not": "an op"}}},
	{"message": {"c": "e", "d": "doc", "v": 1, "op": ["x"], "del": true}},
	{"message": {"c": "e", "d": "doc", "v": 1, "del": false}},
	{"message": {"c": "e", "d": "doc", "v": "1", "op": ["x"]}},
	{"message": {"c": "e", "d": "doc", "v": 1.5, "op": ["x"]}},
	{"message": {"c": "e", "d": 7, "v": 1, "op": ["x"]}},
	{"message": {"c": "e", "d": "doc", "v": 1, "src": 5, "seq": 1, "op": ["x"]}},
	{"message": {"c": "e", "d": "doc", "v": 1, "create": {"data": "x"}}},
	{"message": {"c": "e", "d": "doc2", "v": 0, "create": {"type": "json1"}}},
	{"message": {"c": "e", "d": "rich", "v": 1, "op": [{"retain": 2}, {"insert": "x"}]}},
	{"message": {"c": "e", "d": "doc", "v": 1, "op": ["ok"]}}
]');
SELECT * FROM ot.submit_batch('[
	{"user": "", "message": {"c": "e", "d": "doc", "v": 1, "op": ["x"]}},
	{"user": 42, "message": {"c": "e", "d": "doc", "v": 1, "op": ["x"]}}
]');
SELECT err($$SELECT ot.submit_batch('{"not": "an array"}')$$);
SELECT err($$SELECT ot.submit_batch((SELECT jsonb_agg('{}'::jsonb) FROM generate_series(1, 65)))$$);

-- The map from SQLSTATE to ShareDB error code.
SELECT s, ot.sharedb_error_code(s), ot.sharedb_error_code(s, reading => true)
	FROM unnest(ARRAY['OT001', 'OT002', 'OT003', 'OT004', 'OT005', 'OT006',
					  '42704', '42501', '22023', '0A000', 'XX000']) s;
