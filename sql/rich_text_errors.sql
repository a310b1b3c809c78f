-- rich-text: every error, and every input the JavaScript reference accepts
-- silently but pg_ot rejects (README "Differences from the JavaScript
-- reference").  err() shows each error's SQLSTATE and message.

CREATE FUNCTION err(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE query;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- Ops that are not deltas.
SELECT err($$SELECT ot.compose('rich-text', '"abc"', '[]')$$);
SELECT err($$SELECT ot.compose('rich-text', '{"ops":"x"}', '[]')$$);
SELECT err($$SELECT ot.compose('rich-text', '{"ops":[],"extra":1}', '[]')$$);
SELECT err($$SELECT ot.compose('rich-text', '[1]', '[]')$$);
SELECT err($$SELECT ot.compose('rich-text', '[{}]', '[]')$$);
SELECT err($$SELECT ot.compose('rich-text', '[{"insert":"a","retain":1}]', '[]')$$);
SELECT err($$SELECT ot.compose('rich-text', '[{"insert":"a","bold":true}]', '[]')$$);
SELECT err($$SELECT ot.compose('rich-text', '[{"insert":"a","attributes":"bold"}]', '[]')$$);
SELECT err($$SELECT ot.compose('rich-text', '[{"insert":"a","attributes":null}]', '[]')$$);
SELECT err($$SELECT ot.compose('rich-text', '[{"delete":1,"attributes":{"bold":true}}]', '[]')$$);
SELECT err($$SELECT ot.compose('rich-text', '[{"insert":""}]', '[]')$$);
SELECT err($$SELECT ot.compose('rich-text', '[{"insert":null}]', '[]')$$);
SELECT err($$SELECT ot.compose('rich-text', '[{"insert":false}]', '[]')$$);
SELECT err($$SELECT ot.compose('rich-text', '[{"retain":"3"}]', '[]')$$);
-- Negative, zero, non-integer and out-of-range lengths.
SELECT err($$SELECT ot.compose('rich-text', '[{"retain":-1}]', '[]')$$);
SELECT err($$SELECT ot.compose('rich-text', '[{"delete":0}]', '[]')$$);
SELECT err($$SELECT ot.compose('rich-text', '[{"retain":1.5}]', '[]')$$);
SELECT err($$SELECT ot.compose('rich-text', '[{"delete":9007199254740992}]', '[]')$$);
SELECT err($$SELECT ot.compose('rich-text', '[{"retain":9007199254740991},{"delete":1}]', '[]')$$);
-- Object-valued retain (quill-delta 5 embed changes) is not supported.
SELECT err($$SELECT ot.compose('rich-text', '[{"retain":{"table":[1]}}]', '[]')$$);
-- Retain or delete past the end of the document (the reference stores them).
SELECT err($$SELECT ot.apply('rich-text', '{"ops":[{"insert":"ab"}]}', '[{"retain":5},{"insert":"x"}]')$$);
SELECT err($$SELECT ot.apply('rich-text', '{"ops":[{"insert":"ab"}]}', '[{"retain":1},{"delete":2}]')$$);
SELECT err($$SELECT ot.invert('rich-text', '[{"delete":3}]', '{"ops":[{"insert":"ab"}]}')$$);
-- A boundary inside a surrogate pair (the reference makes lone surrogates).
SELECT err($$SELECT ot.apply('rich-text', '{"ops":[{"insert":"a😀b"}]}', '[{"retain":2},{"insert":"!"}]')$$);
SELECT err($$SELECT ot.apply('rich-text', '{"ops":[{"insert":"a😀b"}]}', '[{"retain":1},{"delete":1}]')$$);
SELECT err($$SELECT ot.compose('rich-text', '[{"insert":"😀"}]', '[{"delete":1}]')$$);
SELECT err($$SELECT ot.invert('rich-text', '[{"retain":1},{"delete":1}]', '[{"insert":"😀"}]')$$);
-- Snapshots and initial data must be documents (inserts only).
SELECT err($$SELECT ot.apply('rich-text', '{"ops":[{"retain":1}]}', '[]')$$);
SELECT err($$SELECT ot.apply('rich-text', '"text"', '[]')$$);
SELECT err($$SELECT ot.create_data('rich-text', '"text"')$$);
SELECT err($$SELECT ot.create_data('rich-text', '[{"delete":1}]')$$);
SELECT err($$SELECT ot.invert('rich-text', '[{"retain":1}]', '[{"retain":1}]')$$);
SELECT err($$SELECT ot.apply('rich-text', '[{"retain":9007199254740991},{"delete":1}]', '[]')$$);
-- Presence: only rich-text has it; a range needs integer index and length.
SELECT err($$SELECT ot.transform_presence('text-unicode', '{"index":0,"length":0}', '[]')$$);
SELECT err($$SELECT ot.transform_presence('rich-text', '{"index":-1,"length":0}', '[]')$$);
SELECT err($$SELECT ot.transform_presence('rich-text', '{"index":1.5,"length":0}', '[]')$$);
SELECT err($$SELECT ot.transform_presence('rich-text', '{"length":1}', '[]')$$);
SELECT err($$SELECT ot.transform_presence('rich-text', '{"index":3000000000,"length":0}', '[]')$$);
SELECT err($$SELECT ot.transform_presence('rich-text', '[1,2]', '[]')$$);
SELECT err($$SELECT ot.transform_cursor('rich-text', 0, '[{"retain":0}]')$$);
SELECT err($$SELECT ot.transform('rich-text', '[]', '[]', 'up')$$);

-- Numbers as JavaScript reads them: past a double's range is an error; an
-- embed that underflows to 0 is the falsy embed 0.
SELECT err($$SELECT ot.apply('rich-text', '[{"insert": "ab"}]', '[{"retain": 1, "attributes": {"size": 1e400}}]')$$);
SELECT err($$SELECT ot.apply('rich-text', '[{"insert": "ab"}]', '[{"insert": 1e-400}]')$$);

DROP FUNCTION err(text);
