-- Presence: a rich-text range made at an old version, moved to the current
-- one by ot.presence_at as a ShareDB server does it before it fans the
-- presence out.  (As a superuser, who passes every grant; the last part acts
-- for gateway users to check grants.)

CREATE OR REPLACE FUNCTION err(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE query;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ' ' || ot.sharedb_error_code(SQLSTATE, true) || ': ' || SQLERRM;
END $$;

-- Each document below holds "abcdef\n" at version 1; the range covers "cd"
-- (index 2, length 2) and was made at version 1.  One op follows, submitted
-- by client "me"; the presence is moved as "me"'s own (src 'me') and as
-- another client's (src 'you').  An insert exactly at an end pushes that end
-- only for one's own op.
CREATE FUNCTION moved(n text, op jsonb, range jsonb DEFAULT '{"index": 2, "length": 2}')
RETURNS TABLE (own jsonb, remote jsonb) LANGUAGE plpgsql AS $$
BEGIN
	PERFORM ot.create('presence', n, 'rich-text', '[{"insert": "abcdef\n"}]');
	PERFORM ot.submit('presence', n, 1, op, 'me', 1);
	own := (SELECT p.presence FROM ot.presence_at('presence', n, range, 1, 'me') p);
	remote := (SELECT p.presence FROM ot.presence_at('presence', n, range, 1, 'you') p);
	RETURN NEXT;
END $$;

-- Inserts before, at the start, inside, at the end, after.
SELECT * FROM moved('ins-before', '[{"retain": 1}, {"insert": "xyz"}]');
SELECT * FROM moved('ins-start', '[{"retain": 2}, {"insert": "xyz"}]');
SELECT * FROM moved('ins-inside', '[{"retain": 3}, {"insert": "xyz"}]');
SELECT * FROM moved('ins-end', '[{"retain": 4}, {"insert": "xyz"}]');
SELECT * FROM moved('ins-after', '[{"retain": 5}, {"insert": "xyz"}]');
-- A caret (length 0): a remote insert at it leaves it, an own one pushes it.
SELECT * FROM moved('caret', '[{"retain": 2}, {"insert": "xyz"}]', '{"index": 2, "length": 0}');
-- Lengths are UTF-16 units: an emoji counts 2; an embed counts 1.
SELECT * FROM moved('emoji', '[{"insert": "😀"}, {"retain": 3}, {"insert": {"image": "a.png"}}]');
-- Formatting moves nothing.
SELECT * FROM moved('format', '[{"retain": 6, "attributes": {"bold": true}}]');

-- Deletes: across the start, across the end, exactly the range, inside it,
-- spanning all of it, before it.
SELECT * FROM moved('del-start', '[{"retain": 1}, {"delete": 2}]');
SELECT * FROM moved('del-end', '[{"retain": 3}, {"delete": 3}]');
SELECT * FROM moved('del-exact', '[{"retain": 2}, {"delete": 2}]');
SELECT * FROM moved('del-inside', '[{"retain": 3}, {"delete": 1}]');
SELECT * FROM moved('del-all', '[{"delete": 7}]');
SELECT * FROM moved('del-before', '[{"delete": 1}]');
-- A delete and an insert in one op.
SELECT * FROM moved('replace', '[{"retain": 1}, {"delete": 2}, {"insert": "XY"}]');

-- Keys besides index and length are kept as they are.
SELECT * FROM moved('extra', '[{"insert": "xyz"}]',
	'{"index": 2, "length": 2, "name": "ann", "color": "#f00", "user": {"id": 7, "tags": ["a", null]}}');

-- Several ops, some own, some not, one without src (a SQL caller): each is
-- own only when its src is the presence's src.  The version returned is the
-- current one.
SELECT ot.create('presence', 'chain', 'rich-text', '[{"insert": "Hello world\n"}]');
SELECT version FROM ot.submit('presence', 'chain', 1, '[{"retain": 5}, {"insert": ","}]', 'me', 1);
SELECT version FROM ot.submit('presence', 'chain', 2, '[{"retain": 12}, {"insert": "!"}]', 'you', 1);
SELECT version FROM ot.submit('presence', 'chain', 3, '[{"insert": "> "}]');
SELECT version FROM ot.submit('presence', 'chain', 4, '[{"delete": 2}, {"retain": 5}, {"delete": 1}]', 'you', 2);
SELECT data FROM ot.fetch('presence', 'chain');
-- The same range made at each version, for "me" and for "you".
SELECT v, me.version, me.presence AS me, you.presence AS you
FROM generate_series(1, 5) v,
	ot.presence_at('presence', 'chain', '{"index": 5, "length": 6}', v, 'me') me,
	ot.presence_at('presence', 'chain', '{"index": 5, "length": 6}', v, 'you') you;
SELECT v, me.version, me.presence AS me, you.presence AS you
FROM generate_series(1, 5) v,
	ot.presence_at('presence', 'chain', '{"index": 5, "length": 7}', v, 'me') me,
	ot.presence_at('presence', 'chain', '{"index": 5, "length": 7}', v, 'you') you;
-- A NULL src owns no op (nor do ops without src belong to any presence).
SELECT * FROM ot.presence_at('presence', 'chain', '{"index": 5, "length": 0}', 1, NULL);
SELECT * FROM ot.presence_at('presence', 'chain', '{"index": 5, "length": 0}', 1);
SELECT * FROM ot.presence_at('presence', 'chain', '{"index": 0, "length": 0}', 3, 'me');

-- At the current version the presence comes back as it is, as ShareDB
-- relays it untransformed.
SELECT * FROM ot.presence_at('presence', 'chain', '{"index": 1, "length": 2, "x": 1}', 5, 'me');

-- A null presence stays null (SQL NULL reads as JSON null).
SELECT * FROM ot.presence_at('presence', 'chain', 'null', 1, 'me');
SELECT * FROM ot.presence_at('presence', 'chain', NULL, 1, 'me');

-- A create or a delete since the presence was made ends it: null at the
-- current version, whatever the document is now.
SELECT ot.create('presence', 'gone', 'rich-text', '[{"insert": "abc\n"}]');
SELECT version FROM ot.submit('presence', 'gone', 1, '[{"insert": "x"}]', 'me', 1);
SELECT ot.delete('presence', 'gone');
SELECT * FROM ot.presence_at('presence', 'gone', '{"index": 1, "length": 1}', 1, 'me');
SELECT * FROM ot.presence_at('presence', 'gone', '{"index": 1, "length": 1}', 2, 'me');
SELECT ot.create('presence', 'gone', 'rich-text', '[{"insert": "again\n"}]');
SELECT version FROM ot.submit('presence', 'gone', 4, '[{"insert": "x"}]', 'me', 2);
SELECT * FROM ot.presence_at('presence', 'gone', '{"index": 1, "length": 1}', 2, 'me');
SELECT * FROM ot.presence_at('presence', 'gone', '{"index": 1, "length": 1}', 3, 'me');
-- made after the create: moved as usual
SELECT * FROM ot.presence_at('presence', 'gone', '{"index": 1, "length": 1}', 4, 'me');
SELECT * FROM ot.presence_at('presence', 'gone', '{"index": 1, "length": 1}', 4, 'you');
-- made at version 0, before the create itself
SELECT * FROM ot.presence_at('presence', 'gone', '{"index": 0, "length": 0}', 0, 'me');
-- recreated as text-unicode: a presence from before the delete still ends
SELECT ot.delete('presence', 'gone');
SELECT ot.create('presence', 'gone', 'text-unicode', '"plain"');
SELECT * FROM ot.presence_at('presence', 'gone', '{"index": 1, "length": 1}', 4, 'me');

-- Rejections, with the ShareDB code a reader gets.
SELECT ot.create('presence', 'plain', 'text-unicode', '"hello"');
SELECT ot.create('presence', 'deleted', 'rich-text', '[{"insert": "abc\n"}]');
SELECT ot.delete('presence', 'deleted');
-- presence on a text-unicode document
SELECT err($$SELECT ot.presence_at('presence', 'plain', '{"index": 0, "length": 0}', 1, 'me')$$);
SELECT err($$SELECT ot.presence_at('presence', 'plain', 'null', 1, 'me')$$);
-- a version the document has not reached
SELECT err($$SELECT ot.presence_at('presence', 'chain', '{"index": 0, "length": 0}', 6, 'me')$$);
SELECT err($$SELECT ot.presence_at('presence', 'never', '{"index": 0, "length": 0}', 1, 'me')$$);
-- a document never created, or deleted before the presence was made
SELECT err($$SELECT ot.presence_at('presence', 'never', '{"index": 0, "length": 0}', 0, 'me')$$);
SELECT err($$SELECT ot.presence_at('presence', 'deleted', '{"index": 0, "length": 0}', 2, 'me')$$);
-- no version
SELECT err($$SELECT ot.presence_at('presence', 'chain', '{"index": 0, "length": 0}', -1, 'me')$$);
SELECT err($$SELECT ot.presence_at('presence', 'chain', '{"index": 0, "length": 0}', NULL, 'me')$$);
-- a range without non-negative integer index and length, once there is an
-- op to move it through (at the current version it is relayed as it is)
SELECT err($$SELECT ot.presence_at('presence', 'chain', '{"length": 2}', 4, 'me')$$);
SELECT err($$SELECT ot.presence_at('presence', 'chain', '{"index": "3", "length": 2}', 4, 'me')$$);
SELECT err($$SELECT ot.presence_at('presence', 'chain', '{"index": -1, "length": 2}', 4, 'me')$$);
SELECT err($$SELECT ot.presence_at('presence', 'chain', '{"index": 1.5, "length": 2}', 4, 'me')$$);
SELECT err($$SELECT ot.presence_at('presence', 'chain', '[1, 2]', 4, 'me')$$);
SELECT err($$SELECT ot.presence_at('presence', 'chain', 'false', 4, 'me')$$);
SELECT * FROM ot.presence_at('presence', 'chain', '{"length": 2}', 5, 'me');

-- Permissions: reading presence needs read access, as ot.fetch does; a
-- refusal says nothing about the document, not even whether it exists.
SELECT ot.grant('presence', 'chain', 'ann', 'read');
SET pg_ot."user" = 'mallory';
SELECT err($$SELECT ot.presence_at('presence', 'chain', '{"index": 5, "length": 6}', 1, 'me')$$);
SELECT err($$SELECT ot.presence_at('presence', 'never', '{"index": 0, "length": 0}', 0, 'me')$$);
SELECT err($$SELECT ot.presence_at('presence', 'chain', '{"index": 0, "length": 0}', 99, 'me')$$);
SET pg_ot."user" = 'ann';
SELECT * FROM ot.presence_at('presence', 'chain', '{"index": 5, "length": 6}', 1, 'me');
SELECT err($$SELECT ot.presence_at('presence', 'plain', '{"index": 0, "length": 0}', 1, 'me')$$);
RESET pg_ot."user";

-- Nothing above changed a document.
SELECT name, version, type FROM ot.documents WHERE collection = 'presence'
	AND name IN ('chain', 'gone', 'plain', 'deleted') ORDER BY name;
