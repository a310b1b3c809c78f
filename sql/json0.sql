-- json0 (ot-json0 1.1.0): each kind of component, ShareDB's server rules and
-- the reference's quirks pg_ot copies (README "json0").  jsonb reorders
-- object keys; the values are the reference's.

SELECT ot.type_uri('json0');
SELECT ot.create_data('json0');
SELECT ot.create_data('http://sharejs.org/types/JSONv0', '{"a": [1, 2]}');

-- apply: every component kind
SELECT ot.apply('json0', '{"l": [1, 2, 3]}', '[{"p": ["l", 1], "li": "x"}]');
SELECT ot.apply('json0', '{"l": [1, 2, 3]}', '[{"p": ["l", 1], "ld": 2}]');
SELECT ot.apply('json0', '{"l": [1, 2, 3]}', '[{"p": ["l", 1], "ld": 2, "li": "y"}]');
SELECT ot.apply('json0', '{"l": [1, 2, 3]}', '[{"p": ["l", 0], "lm": 2}]');
SELECT ot.apply('json0', '{"o": {}}', '[{"p": ["o", "k"], "oi": {"deep": [true]}}]');
SELECT ot.apply('json0', '{"o": {"k": 1}}', '[{"p": ["o", "k"], "od": 1}]');
SELECT ot.apply('json0', '{"o": {"k": 1}}', '[{"p": ["o", "k"], "od": 1, "oi": 2}]');
SELECT ot.apply('json0', '{"n": 1}', '[{"p": ["n"], "na": 41}]');
SELECT ot.apply('json0', '{"s": "h😀i"}', '[{"p": ["s", 3], "si": "é"}]');
SELECT ot.apply('json0', '{"s": "h😀i"}', '[{"p": ["s", 1], "sd": "😀"}]');
SELECT ot.apply('json0', '{"s": "h😀i"}', '[{"p": ["s"], "t": "text0", "o": [{"p": 3, "i": "!"}, {"p": 0, "d": "h"}]}]');

-- numbers are IEEE doubles printed as JavaScript prints them
SELECT ot.apply('json0', '[0.1]', '[{"p": [0], "na": 0.2}]');
SELECT ot.apply('json0', '[1e20]', '[{"p": [0], "na": 9e20}]');
SELECT ot.apply('json0', '[1e20]', '[{"p": [0], "na": 1e20}]');
SELECT ot.apply('json0', '[1e-6]', '[{"p": [0], "na": -9e-7}]');
SELECT ot.apply('json0', '[9007199254740990]', '[{"p": [0], "na": 2}]');

-- quirk: na with a string concatenates (1.1.0 checks only the target)
SELECT ot.apply('json0', '{"n": 5}', '[{"p": ["n"], "na": "px"}]');
-- quirk: oi over an existing key overwrites it (od is not required)
SELECT ot.apply('json0', '{"k": "old"}', '[{"p": ["k"], "oi": "new"}]');
-- quirk: ld and od are not checked against the value they delete
SELECT ot.apply('json0', '{"l": [1]}', '[{"p": ["l", 0], "ld": "anything"}]');
SELECT ot.apply('json0', '{"k": 1}', '[{"p": ["k"], "od": "anything"}]');

-- transform: li against li at one index; left goes first
SELECT ot.transform('json0', '[{"p": [0], "li": "mine"}]', '[{"p": [0], "li": "theirs"}]', 'left');
SELECT ot.transform('json0', '[{"p": [0], "li": "mine"}]', '[{"p": [0], "li": "theirs"}]', 'right');
-- oi against oi on one key: left wins (and deletes the other's value)
SELECT ot.transform('json0', '[{"p": ["k"], "oi": 1}]', '[{"p": ["k"], "oi": 2}]', 'left');
SELECT ot.transform('json0', '[{"p": ["k"], "oi": 1}]', '[{"p": ["k"], "oi": 2}]', 'right');
-- the deleted value of an od takes the other op's change (for invertibility)
SELECT ot.transform('json0', '[{"p": ["k"], "od": {"n": 1}}]', '[{"p": ["k", "n"], "na": 5}]', 'left');
-- od+oi against od+oi: left wins and its od becomes the other's oi
SELECT ot.transform('json0', '[{"p": ["k"], "od": 0, "oi": 1}]', '[{"p": ["k"], "od": 0, "oi": 2}]', 'left');
-- ld+li against ld+li: left's ld becomes the other's li
SELECT ot.transform('json0', '[{"p": [0], "ld": 0, "li": 1}]', '[{"p": [0], "ld": 0, "li": 2}]', 'left');
-- text0 offsets move past inserted text
SELECT ot.transform('json0', '[{"p": ["s", 4], "si": "b"}]', '[{"p": ["s", 0], "si": "😀"}]', 'left');
-- ottypes/json0#50: lm against lm of the same element and to the same place (1.1.0's result)
SELECT ot.transform('json0', '[{"p": [0], "lm": 2}]', '[{"p": [0], "lm": 2}]', 'left');
SELECT ot.transform('json0', '[{"p": [0], "lm": 2}]', '[{"p": [0], "lm": 2}]', 'right');
SELECT ot.transform('json0', '[{"p": [2], "lm": 0}]', '[{"p": [0], "lm": 2}]', 'left');

-- compose and normalize merge by append
SELECT ot.compose('json0', '[{"p": ["n"], "na": 1}]', '[{"p": ["n"], "na": 2}]');
SELECT ot.compose('json0', '[{"p": ["s", 0], "si": "ab"}]', '[{"p": ["s", 2], "si": "c"}]');
SELECT ot.compose('json0', '[{"p": [0], "li": 5}]', '[{"p": [0], "ld": 5}]');
SELECT ot.normalize('json0', '{"p": ["k"], "oi": 1}');
SELECT ot.normalize('json0', '[{"oi": 1}]');

-- invert
SELECT ot.invert('json0', '[{"p": [0], "lm": 2}, {"p": ["n"], "na": 3}, {"p": ["s", 1], "si": "x"}]', '{}');

-- ShareDB's server: the incoming op is transformed on the left
SELECT ot.create('j', 'd', 'json0', '{"l": [], "k": null}');
SELECT version FROM ot.submit('j', 'd', 1, '[{"p": ["l", 0], "li": "first"}]');
SELECT version FROM ot.submit('j', 'd', 1, '[{"p": ["l", 0], "li": "second"}]');
SELECT version FROM ot.submit('j', 'd', 1, '[{"p": ["k"], "od": null, "oi": "later wins"}]');
SELECT version FROM ot.submit('j', 'd', 1, '[{"p": ["k"], "od": null, "oi": "latest wins"}]');
SELECT data FROM ot.fetch('j', 'd');

-- the subtypes text-unicode (a string) and rich-text (a delta), as ShareDB
-- applications register them with json0.registerSubtype
SELECT ot.apply('json0', '{"u": "a😀b", "r": {"ops": [{"insert": "hi\n"}]}}',
  '[{"p": ["u"], "t": "text-unicode", "o": [1, "x", {"d": "😀"}]},
    {"p": ["r"], "t": "rich-text", "o": {"ops": [{"retain": 2, "attributes": {"bold": true}}, {"insert": {"image": "i.png"}}]}}]');
-- rich-text takes a missing value, or one that is not a delta, for an empty delta
SELECT ot.apply('json0', '{"s": "text"}', '[{"p": ["new"], "t": "rich-text", "o": [{"insert": "a"}]}, {"p": ["s"], "t": "rich-text", "o": [{"insert": "b"}]}]');
-- rich-text's results are deltas {"ops": [...]}, also from a bare array
SELECT ot.compose('json0', '[{"p": ["r"], "t": "rich-text", "o": [{"insert": "a"}]}]', '[{"p": ["r"], "t": "rich-text", "o": [{"retain": 1, "attributes": {"b": 1}}]}]');
-- an empty transformed delta stays (a Delta is not a list); text-unicode's empty op goes
SELECT ot.transform('json0', '[{"p": ["r"], "t": "rich-text", "o": [{"delete": 1}]}]', '[{"p": ["r"], "t": "rich-text", "o": [{"delete": 1}]}]', 'left');
SELECT ot.transform('json0', '[{"p": ["u"], "t": "text-unicode", "o": [{"d": "a"}]}]', '[{"p": ["u"], "t": "text-unicode", "o": [{"d": "a"}]}]', 'left');
-- text-unicode inserts at one place: left goes first; rich-text: right's goes first on the left side
SELECT ot.transform('json0', '[{"p": ["u"], "t": "text-unicode", "o": [1, "x"]}]', '[{"p": ["u"], "t": "text-unicode", "o": [1, "y"]}]', 'left');
SELECT ot.transform('json0', '[{"p": ["r"], "t": "rich-text", "o": [{"retain": 1}, {"insert": "x"}]}]', '[{"p": ["r"], "t": "rich-text", "o": [{"retain": 1}, {"insert": "y"}]}]', 'left');
-- an od against an edit inside what it deletes takes the edit; text-unicode's
-- delete inside json0 is the reference's: its text is not compared
SELECT ot.transform('json0', '[{"p": ["u"], "t": "text0", "o": [{"p": 0, "i": "z"}]}, {"p": ["u"], "od": "zab"}]', '[{"p": ["u"], "t": "text-unicode", "o": [{"d": "a"}]}]', 'left');
SELECT ot.apply('json0', '{"u": "ab"}', '[{"p": ["u"], "t": "text-unicode", "o": [1, {"d": "zzz"}]}]');
-- a text0 op and a text-unicode op on one string do not see each other (different t)
SELECT ot.transform('json0', '[{"p": ["u"], "t": "text0", "o": [{"p": 0, "i": "x"}]}]', '[{"p": ["u"], "t": "text-unicode", "o": ["y"]}]', 'left');
-- invert: text-unicode's deletes by text become inserts
SELECT ot.invert('json0', '[{"p": ["u"], "t": "text-unicode", "o": [1, "x", {"d": "q"}]}]', '{}');
