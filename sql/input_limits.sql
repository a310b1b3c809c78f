-- Limits of stored JSON: every op and every create's data that the gateway
-- (jansson) or a JavaScript client could not read back as it was, or that
-- PostgreSQL would print much longer than it came, is refused at submit
-- with OT001 (ERR_OT_OP_BADLY_FORMED), by ot.submit, ot.create and each op
-- of ot.submit_batch alike.  A refused op changes nothing.

CREATE OR REPLACE FUNCTION err(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE query;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ' ' || ot.sharedb_error_code(SQLSTATE) || ': ' || SQLERRM;
END $$;

-- An embed nested n levels inside an op's component (the op is n + 2 deep).
CREATE FUNCTION deep_op(n int) RETURNS jsonb LANGUAGE sql AS $$
	SELECT ('[{"insert": ' || repeat('{"a": ', n) || '1' || repeat('}', n) || '}]')::jsonb;
$$;
-- One op of a batch, as the gateway sends it; its result.
CREATE FUNCTION batch(message jsonb) RETURNS jsonb LANGUAGE sql AS $$
	SELECT r FROM ot.submit_batch(jsonb_build_array(jsonb_build_object('message', message))) r;
$$;

SELECT ot.create('limits', 'rich', 'rich-text', '[{"insert": "abc\n"}]');
SELECT ot.create('limits', 'plain', 'text-unicode', '"abc"');

-- The two poison ops of issue 15: an attribute of 1e19 (PostgreSQL prints
-- 10000000000000000000, which jansson refuses) and an embed 2,044 deep.
SELECT err($$SELECT ot.submit('limits', 'rich', 1, '[{"retain": 1, "attributes": {"n": 1e19}}]')$$);
SELECT err($$SELECT ot.submit('limits', 'rich', 1,
	('[{"insert": ' || repeat('[', 2044) || '1' || repeat(']', 2044) || '}]')::jsonb)$$);
SELECT batch('{"a": "op", "c": "limits", "d": "rich", "v": 1, "src": "s", "seq": 1,
	"op": [{"retain": 1, "attributes": {"n": 1e19}}]}');

-- Nesting: 64 levels of arrays and objects, counting the op's own array.
SELECT version FROM ot.submit('limits', 'rich', 1, deep_op(62));
SELECT err($$SELECT ot.submit('limits', 'rich', 2, deep_op(63))$$);
SELECT batch(jsonb_build_object('a', 'op', 'c', 'limits', 'd', 'rich', 'v', 2, 'op', deep_op(63)));
SELECT ot.create('limits', 'deep-ok', 'rich-text', deep_op(62));
SELECT err($$SELECT ot.create('limits', 'deep', 'rich-text', deep_op(63))$$);
SELECT batch(jsonb_build_object('a', 'op', 'c', 'limits', 'd', 'deep', 'v', 0,
	'create', jsonb_build_object('type', 'rich-text', 'data', deep_op(63))));

-- Integers: up to 2^53 - 1 in magnitude, in attributes, embeds, lengths.
SELECT version FROM ot.submit('limits', 'rich', 2,
	'[{"retain": 1, "attributes": {"n": 9007199254740991, "m": -9007199254740991}}]');
SELECT err($$SELECT ot.submit('limits', 'rich', 3, '[{"retain": 1, "attributes": {"n": 9007199254740992}}]')$$);
SELECT err($$SELECT ot.submit('limits', 'rich', 3, '[{"retain": 1, "attributes": {"n": -9007199254740992}}]')$$);
SELECT err($$SELECT ot.submit('limits', 'rich', 3, '[{"insert": {"image": [1, 2, 1e16]}}]')$$);
SELECT err($$SELECT ot.submit('limits', 'rich', 3, '[{"retain": 1, "attributes": {"n": 1e308}}]')$$);	-- 309 digits
SELECT err($$SELECT ot.submit('limits', 'rich', 3, '[{"retain": 1, "attributes": {"n": 1e400}}]')$$);	-- no double
SELECT err($$SELECT ot.submit('limits', 'rich', 3, '[{"retain": 1, "attributes": {"n": 1e131071}}]')$$);
SELECT err($$SELECT ot.create('limits', 'big', 'rich-text', '[{"insert": {"x": 1e19}}]')$$);
SELECT err($$SELECT ot.submit('limits', 'plain', 1, '[1e19, "x"]')$$);

-- Number text: at most 32 characters as PostgreSQL prints it.
SELECT version FROM ot.submit('limits', 'rich', 3,
	'[{"retain": 1, "attributes": {"a": 1e-30, "b": -1e-29, "c": 0.30000000000000004, "d": 1.50}}]');
SELECT op FROM ot.ops('limits', 'rich', 3, 4);
SELECT err($$SELECT ot.submit('limits', 'rich', 4, '[{"retain": 1, "attributes": {"n": 1e-31}}]')$$);
SELECT err($$SELECT ot.submit('limits', 'rich', 4, '[{"retain": 1, "attributes": {"n": -1e-30}}]')$$);
SELECT err($$SELECT ot.submit('limits', 'rich', 4, '[{"retain": 1, "attributes": {"n": 1e-16383}}]')$$);
SELECT err($$SELECT ot.submit('limits', 'rich', 4, '[{"retain": 1, "attributes": {"n": 12345678.123456789012345678901234}}]')$$);
SELECT err($$SELECT ot.submit('limits', 'rich', 4,
	('[{"retain": 1, "attributes": {"n": 0.' || repeat('0', 40) || '}}]')::jsonb)$$);

-- What the limits bound: an accepted op prints in at most 7 times its text.
-- The worst is a number written short that prints long: 1e-30 (5 characters)
-- prints in 32.
SELECT length(op::text)::float / length('[{"retain": 1, "attributes": {"a": 1e-30, "b": -1e-29, "c": 0.30000000000000004, "d": 1.50}}]')
	< 7 AS within_7_times
FROM ot.ops('limits', 'rich', 3, 4);
SELECT length(jsonb_agg(x)::text)::float / length('[' || string_agg('1e-30', ',') || ']') < 7 AS within_7_times
FROM (SELECT '1e-30'::jsonb AS x FROM generate_series(1, 1000)) n;

-- seq: from 0 to 2^53 - 1 everywhere, as in the batch.
SELECT err($$SELECT ot.submit('limits', 'plain', 1, '["x"]', 'client', -1)$$);
SELECT err($$SELECT ot.submit('limits', 'plain', 1, '["x"]', 'client', 9007199254740992)$$);
SELECT err($$SELECT ot.create('limits', 'seq', 'text-unicode', NULL, 'client', -1)$$);
SELECT err($$SELECT ot.delete('limits', 'plain', NULL, 'client', 9007199254740992)$$);
SELECT batch('{"a": "op", "c": "limits", "d": "plain", "v": 1, "src": "client", "seq": -1, "op": ["x"]}');
SELECT batch('{"a": "op", "c": "limits", "d": "plain", "v": 1, "src": "client", "seq": 9007199254740992, "op": ["x"]}');
SELECT version FROM ot.submit('limits', 'plain', 1, '["x"]', 'client', 9007199254740991);
SELECT version FROM ot.submit('limits', 'plain', 2, '["y"]', 'client', 0);

-- The pure functions store nothing and keep reading what JavaScript reads
-- (README, rich-text differences).
SELECT ot.apply('rich-text', '[{"insert": "a"}]', '[{"retain": 1, "attributes": {"n": 1e19}}]');
SELECT ot.apply('rich-text', '[{"insert": "a"}]', '[{"retain": 1, "attributes": {"n": 1e-40}}]');

-- Nothing refused above changed a document.
SELECT name, version FROM ot.documents WHERE collection = 'limits' ORDER BY name;
SELECT count(*) AS ops_stored FROM ot.operations o JOIN ot.documents d ON d.id = o.doc_id
WHERE d.collection = 'limits';
