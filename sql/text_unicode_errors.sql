-- text-unicode: every error, and every input the JavaScript reference
-- accepts silently but pg_ot rejects (README "Differences from the
-- JavaScript reference").  err() shows each error's SQLSTATE and message.

CREATE FUNCTION err(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE query;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- Errors the reference raises too.
SELECT err($$SELECT ot.apply('no-such-type', '""', '[]')$$);                        -- 42704
SELECT err($$SELECT ot.apply('text-unicode', '"abc"', '"x"')$$);                    -- not an array
SELECT err($$SELECT ot.apply('text-unicode', '"abc"', '{"d":1}')$$);                -- not an array
SELECT err($$SELECT ot.apply('text-unicode', '"abc"', '[5,"x"]')$$);                -- skip past the end
SELECT err($$SELECT ot.apply('text-unicode', '"abc"', '[1,2]')$$);                  -- adjacent skips
SELECT err($$SELECT ot.apply('text-unicode', '"abc"', '[3]')$$);                    -- trailing skip
SELECT err($$SELECT ot.apply('text-unicode', '"abc"', '[""]')$$);                   -- empty insert
SELECT err($$SELECT ot.apply('text-unicode', '"abc"', '[{"d":0}]')$$);              -- empty delete
SELECT err($$SELECT ot.apply('text-unicode', '"abc"', '[{"d":""}]')$$);             -- empty delete
SELECT err($$SELECT ot.apply('text-unicode', '"abc"', '[0,"a"]')$$);                -- zero skip
SELECT err($$SELECT ot.apply('text-unicode', '42', '[]')$$);                        -- snapshot not a string
SELECT err($$SELECT ot.transform('text-unicode', '[1,"a"]', '["b"]', 'middle')$$);  -- bad side
SELECT err($$SELECT ot.transform('text-unicode', '[1,"a"]', '[3]', 'left')$$);      -- other malformed
SELECT err($$SELECT ot.compose('text-unicode', '["a"]', '[1,1]')$$);                -- b malformed
SELECT err($$SELECT ot.create_data('text-unicode', '42')$$);                        -- data not a string
SELECT err($$SELECT ot.create_data('text-unicode', '["a"]')$$);

-- Strictness: inputs the reference accepts but pg_ot rejects.
-- Non-integer numbers (the reference would treat 1.5 as 2).
SELECT err($$SELECT ot.apply('text-unicode', '"abc"', '[1.5,"x"]')$$);
SELECT err($$SELECT ot.apply('text-unicode', '"abc"', '[{"d":1.5}]')$$);
-- Negative and out-of-range numbers.
SELECT err($$SELECT ot.normalize('text-unicode', '[-1,"x"]')$$);
SELECT err($$SELECT ot.apply('text-unicode', '"abc"', '[{"d":-2}]')$$);
SELECT err($$SELECT ot.apply('text-unicode', '"abc"', '[9007199254740992,"x"]')$$);
-- Counts that add up past 2^53 - 1 (the reference loses precision).
SELECT err($$SELECT ot.normalize('text-unicode', '[9007199254740991, 9007199254740991]')$$);
SELECT err($$SELECT ot.compose('text-unicode', '[{"d":9007199254740991},{"d":1}]', '[]')$$);
-- Unknown component shapes (the reference ignores true, throws on null).
SELECT err($$SELECT ot.apply('text-unicode', '"abc"', '[true]')$$);
SELECT err($$SELECT ot.apply('text-unicode', '"abc"', '[null]')$$);
SELECT err($$SELECT ot.apply('text-unicode', '"abc"', '[["x"]]')$$);
SELECT err($$SELECT ot.apply('text-unicode', '"abc"', '[{}]')$$);
SELECT err($$SELECT ot.apply('text-unicode', '"abc"', '[{"i":"x"}]')$$);
SELECT err($$SELECT ot.apply('text-unicode', '"abc"', '[{"d":1,"x":2}]')$$);
SELECT err($$SELECT ot.apply('text-unicode', '"abc"', '[{"d":true}]')$$);
SELECT err($$SELECT ot.normalize('text-unicode', '[1,false]')$$);
-- Deleting past the end of the document (the reference truncates).
SELECT err($$SELECT ot.apply('text-unicode', '"abc"', '[1,{"d":10}]')$$);
SELECT err($$SELECT ot.apply('text-unicode', '"a👻"', '[1,{"d":"👻x"}]')$$);
SELECT err($$SELECT ot.invert('text-unicode', '[1,{"d":10}]', '"abc"')$$);
-- A delete text that does not match the document (the reference ignores it).
SELECT err($$SELECT ot.apply('text-unicode', '"abc"', '[1,{"d":"xy"}]')$$);
SELECT err($$SELECT ot.apply('text-unicode', '"aéc"', '[1,{"d":"e"}]')$$);
SELECT err($$SELECT ot.invert('text-unicode', '[{"d":"zz"}]', '"abc"')$$);
-- checkOp is run on every op, also where the reference skips it.
SELECT err($$SELECT ot.transform_cursor('text-unicode', 1, '[2]')$$);
SELECT err($$SELECT ot.invert('text-unicode', '[1,1,"x"]', '"abc"')$$);
-- A skip past the end in invert (the reference pads with nothing).
SELECT err($$SELECT ot.invert('text-unicode', '[5,"x"]', '"abc"')$$);
-- Negative cursors.
SELECT err($$SELECT ot.transform_cursor('text-unicode', -1, '["x"]')$$);

-- Input PostgreSQL's jsonb itself refuses: lone surrogates and NUL.
SELECT err($$SELECT ot.apply('text-unicode', '"abc"', '["\ud83d"]')$$);
SELECT err($$SELECT ot.apply('text-unicode', '"abc"', '["\u0000"]')$$);

-- The same delete with the matching text is accepted.
SELECT ot.apply('text-unicode', '"abc"', '[1,{"d":"bc"}]');

DROP FUNCTION err(text);
