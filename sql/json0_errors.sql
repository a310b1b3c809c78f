-- json0: every rejection, and every input ot-json0 1.1.0 accepts but pg_ot
-- refuses on purpose (README "json0").

CREATE FUNCTION err(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE query;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- malformed ops (OT001) and ops that do not apply (OT002)
SELECT err($$SELECT ot.compose('json0', '{"p": []}', '[]')$$);
SELECT err($$SELECT ot.compose('json0', '[{"li": 1}]', '[]')$$);
SELECT err($$SELECT ot.apply('json0', '{}', '[{"p": ["n"], "na": 1}]')$$);
SELECT err($$SELECT ot.apply('json0', '[]', '[{"p": ["k"], "oi": 1}]')$$);
SELECT err($$SELECT ot.apply('json0', '{}', '[{"p": [0], "li": 1}]')$$);
SELECT err($$SELECT ot.apply('json0', '{}', '[{"p": ["a", "b"], "oi": 1}]')$$);
SELECT err($$SELECT ot.apply('json0', '{}', '[{"p": ["a"]}]')$$);
-- text0's sd is checked against the text
SELECT err($$SELECT ot.apply('json0', '{"s": "abc"}', '[{"p": ["s", 0], "sd": "x"}]')$$);
SELECT err($$SELECT ot.apply('json0', '{"s": "abc"}', '[{"p": ["s"], "t": "text0", "o": [{"p": -1, "i": "x"}]}]')$$);
SELECT err($$SELECT ot.transform('json0', '[{"p": ["s", 0], "sd": "ab"}]', '[{"p": ["s", 0], "sd": "xy"}]', 'left')$$);
-- an unknown side
SELECT err($$SELECT ot.transform('json0', '[]', '[]', 'middle')$$);

-- refused by design (0A000)
-- an offset that splits a surrogate pair: jsonb cannot hold a lone surrogate
SELECT err($$SELECT ot.apply('json0', '{"s": "😀"}', '[{"p": ["s", 1], "si": "x"}]')$$);
-- integers beyond 2^53 that JavaScript cannot hold exactly
SELECT err($$SELECT ot.apply('json0', '[1]', '[{"p": [0], "na": 9007199254740993}]')$$);
SELECT err($$SELECT ot.apply('json0', '[909007199227370496]', '[]')$$);
SELECT err($$SELECT ot.apply('json0', '[909007199227370500]', '[]')$$);
-- a list index past the end that JavaScript would leave as a hole
SELECT err($$SELECT ot.apply('json0', '[1]', '[{"p": [3], "li": 1, "ld": 0}]')$$);
-- od of the whole document
SELECT err($$SELECT ot.apply('json0', '{}', '[{"p": [], "od": {}}]')$$);
-- json0 has no cursors
SELECT err($$SELECT ot.transform_cursor('json0', 0, '[]')$$);

-- ShareDB refuses __proto__ and the Object.prototype names in a path
SELECT ot.create('j', 'e', 'json0', '{}');
SELECT err($$SELECT * FROM ot.submit('j', 'e', 1, '[{"p": ["__proto__"], "oi": {"x": 1}}]')$$);
SELECT err($$SELECT * FROM ot.submit('j', 'e', 1, '[{"p": ["constructor"], "oi": 1}]')$$);
SELECT err($$SELECT * FROM ot.submit('j', 'e', 1, '[{"p": ["a", "toString"], "oi": 1}]')$$);
SELECT data FROM ot.fetch('j', 'e');

-- the subtypes text-unicode and rich-text: refused where the reference throws
-- rich-text has no invert (subtypes[c.t].invert is not a function)
SELECT err($$SELECT ot.invert('json0', '[{"p": ["r"], "t": "rich-text", "o": [{"insert": "a"}]}]', '{}')$$);
-- text-unicode cannot invert a delete by count
SELECT err($$SELECT ot.invert('json0', '[{"p": ["u"], "t": "text-unicode", "o": [1, {"d": 3}]}]', '{}')$$);
-- text-unicode edits strings; a skip past the end
SELECT err($$SELECT ot.apply('json0', '{"u": 5}', '[{"p": ["u"], "t": "text-unicode", "o": ["x"]}]')$$);
SELECT err($$SELECT ot.apply('json0', '{"u": "ab"}', '[{"p": ["u"], "t": "text-unicode", "o": [5, "x"]}]')$$);
-- a delta rich-text's apply made is no plain Object for the rest of that op
SELECT err($$SELECT ot.apply('json0', '{}', '[{"p": ["r"], "t": "rich-text", "o": [{"insert": "a"}]}, {"p": ["r", "k"], "oi": 1}]')$$);
-- and in a later op it is
SELECT ot.apply('json0', '{"r": {"ops": [{"insert": "a"}]}}', '[{"p": ["r", "k"], "oi": 1}]');
-- refused as the standalone types refuse them: a boolean in a text-unicode op,
-- retaining past the end of a delta, a snapshot delta with a retain
SELECT err($$SELECT ot.apply('json0', '{"u": "ab"}', '[{"p": ["u"], "t": "text-unicode", "o": [true, "x"]}]')$$);
SELECT err($$SELECT ot.apply('json0', '{"r": {"ops": [{"insert": "a"}]}}', '[{"p": ["r"], "t": "rich-text", "o": [{"retain": 5, "attributes": {"b": true}}]}]')$$);
SELECT err($$SELECT ot.apply('json0', '{"r": {"ops": [{"retain": 1}]}}', '[{"p": ["r"], "t": "rich-text", "o": [{"insert": "a"}]}]')$$);
