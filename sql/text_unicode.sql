-- text-unicode: every pure function, and the worked examples of
-- shared/reference/sharedb-and-ot-types.md §2.11 (numbered as there).

-- 1: apply, by name and by URI
SELECT ot.apply('text-unicode', '"hi there"', '[3, {"d":5}, "🤖👻💃"]');
SELECT ot.apply('http://sharejs.org/types/text-unicode', '"hi there"', '[3, {"d":5}, "🤖👻💃"]');
SELECT ot.apply('text-unicode', '""', '[]');
SELECT ot.apply('text-unicode', '"abc"', '[]');
SELECT ot.apply('text-unicode', '"a👻c"', '[1, {"d":"👻"}, "é"]');
SELECT ot.apply('text-unicode', '"abc"', '[1.0, "x"]');

-- 2: normalize
SELECT ot.normalize('text-unicode', '[0,"a",0,"b",0]');
SELECT ot.normalize('text-unicode', '[1,1,"hi"]');
SELECT ot.normalize('text-unicode', '[{"d":"ab"},{"d":2}]');
SELECT ot.normalize('text-unicode', '[{"d":"ab"},{"d":"cd"}]');
SELECT ot.normalize('text-unicode', '[0]'), ot.normalize('text-unicode', '[""]'),
       ot.normalize('text-unicode', '[{"d":0}]'), ot.normalize('text-unicode', '[{"d":""}]');
SELECT ot.normalize('text-unicode', '[1,1]'), ot.normalize('text-unicode', '["a",100]'),
       ot.normalize('text-unicode', '["a","b"]'), ot.normalize('text-unicode', '["a",1,"b"]');

-- 3, 4: inserts at the same place; 'left' puts this op's insert first
SELECT ot.transform('text-unicode', '["👻"]', '["🥰"]', 'left'),
       ot.transform('text-unicode', '["👻"]', '["🥰"]', 'right');
SELECT ot.transform('text-unicode', '[2,"x"]', '[2,"y"]', 'left'),
       ot.transform('text-unicode', '[2,"x"]', '[2,"y"]', 'right');

-- 5, 6: overlapping deletes
SELECT ot.transform('text-unicode', '[1,{"d":"abcde"}]', '[3,{"d":"cdefghi"}]', 'left');
SELECT ot.transform('text-unicode', '[3,{"d":"cdefghi"}]', '[1,{"d":"abcde"}]', 'left');

-- 7: an insert inside a deleted range moves to the range's start
SELECT ot.transform('text-unicode', '[3,"X"]', '[1,{"d":5}]', 'left'),
       ot.transform('text-unicode', '[3,"X"]', '[1,{"d":5}]', 'right');

-- 8: a delete splits around an insert
SELECT ot.transform('text-unicode', '[1,{"d":4}]', '[3,"XY"]', 'left');
SELECT ot.transform('text-unicode', '[1,{"d":"bcde"}]', '[3,"XY"]', 'right');

-- 9: an emoji counts as one position
SELECT ot.transform('text-unicode', '[1,"x"]', '["👻"]', 'left');

-- 10: ShareDB's server transforms the incoming op on 'left': doc "ab",
-- committed [1,"X"], incoming [1,"Y"]; both sides reach "aYXb"
SELECT ot.apply('text-unicode', ot.apply('text-unicode', '"ab"', '[1,"X"]'),
                ot.transform('text-unicode', '[1,"Y"]', '[1,"X"]', 'left')) AS server,
       ot.apply('text-unicode', ot.apply('text-unicode', '"ab"', '[1,"Y"]'),
                ot.transform('text-unicode', '[1,"X"]', '[1,"Y"]', 'right')) AS client;

-- 11 to 15: compose
SELECT ot.compose('text-unicode', '[3,"abc"]', '[4,{"d":1}]');
SELECT ot.compose('text-unicode', '["abc"]', '[{"d":3}]');
SELECT ot.compose('text-unicode', '[{"d":2}]', '["xy"]'),
       ot.compose('text-unicode', '[{"d":"ab"}]', '["xy"]');
SELECT ot.compose('text-unicode', '[{"d":"ab"}]', '[{"d":"cd"}]'),
       ot.compose('text-unicode', '[2,{"d":"cd"}]', '[{"d":"ab"}]'),
       ot.compose('text-unicode', '[{"d":"ab"}]', '[{"d":2}]');
SELECT ot.compose('text-unicode', '[1,"a👻b"]', '[2,{"d":1}]'),
       ot.compose('text-unicode', '["👻🥰💃"]', '[1,{"d":1}]');
SELECT ot.compose('text-unicode', '[]', '[]');

-- 16 to 19: transform_cursor (an insert at the cursor never moves it)
SELECT c, ot.transform_cursor('text-unicode', c, '[10,"oh hi",10,{"d":20}]')
  FROM unnest(ARRAY[0, 10, 11, 20, 30, 40, 41, 100]) AS c;
SELECT c, ot.transform_cursor('text-unicode', c, '[25,{"d":20}]')
  FROM unnest(ARRAY[10, 25, 35, 45, 55]) AS c;
SELECT ot.transform_cursor('text-unicode', 1, '["👻🥰💃"]'),
       ot.transform_cursor('text-unicode', 1, '[2,"👻🥰💃"]'),
       ot.transform_cursor('text-unicode', 0, '["abc"]');
SELECT ot.transform_cursor('text-unicode', 2, '[3,{"d":2},"zz"]'),
       ot.transform_cursor('text-unicode', 8, '[3,{"d":2},"zz"]'),
       ot.transform_cursor('text-unicode', 5, '[3,{"d":2},"zz"]');
SELECT ot.transform_cursor('text-unicode', 1, '["x"]', true);

-- 20 to 22: invert with the document the op applied to
SELECT ot.invert('text-unicode', '[2,"hi",3,{"d":"xyz"}]', '"abcdexyz"');
SELECT ot.invert('text-unicode', '[2,{"d":5}]', '"a hello"');
SELECT ot.invert('text-unicode', '[2,{"d":5},"Q"]', '"a hello!"');
SELECT ot.invert('text-unicode', '[{"d":3}]', '"👻é中"');
-- applying the inverse restores the document
SELECT ot.apply('text-unicode', ot.apply('text-unicode', '"a hello!"', '[2,{"d":5},"Q"]'),
                ot.invert('text-unicode', '[2,{"d":5},"Q"]', '"a hello!"'));

-- 23: apply that fits
SELECT ot.apply('text-unicode', '"abc"', '[3,"x"]');

-- 25: deletes against deletes
SELECT ot.transform('text-unicode', '[{"d":3}]', '[{"d":3}]', 'left'),
       ot.transform('text-unicode', '[1,"a"]', '[{"d":3}]', 'left');

-- create_data
SELECT ot.create_data('text-unicode'), ot.create_data('text-unicode', NULL),
       ot.create_data('text-unicode', '"héllo"'), ot.create_data(NULL, '"x"');
