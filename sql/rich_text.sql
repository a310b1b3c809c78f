-- rich-text: every pure function, and the worked examples of
-- shared/reference/sharedb-and-ot-types.md §3.9 (numbered as there).

-- 2: 'left' gives the other op priority: its insert goes first
SELECT ot.transform('rich-text', '[{"insert":"A"}]', '[{"insert":"B"}]', 'left'),
       ot.transform('rich-text', '[{"insert":"A"}]', '[{"insert":"B"}]', 'right');

-- 3: ShareDB's server transforms the incoming op on 'left', so the committed
-- op's text comes first, and both sides reach "aXYb"
SELECT ot.transform('rich-text', '[{"retain":1},{"insert":"Y"}]',
                    '[{"retain":1},{"insert":"X"}]', 'left') AS incoming;
SELECT ot.apply('rich-text',
                ot.apply('rich-text', '{"ops":[{"insert":"ab"}]}', '[{"retain":1},{"insert":"X"}]'),
                ot.transform('rich-text', '[{"retain":1},{"insert":"Y"}]',
                             '[{"retain":1},{"insert":"X"}]', 'left')) AS server,
       ot.apply('rich-text',
                ot.apply('rich-text', '{"ops":[{"insert":"ab"}]}', '[{"retain":1},{"insert":"Y"}]'),
                ot.transform('rich-text', '[{"retain":1},{"insert":"X"}]',
                             '[{"retain":1},{"insert":"Y"}]', 'right')) AS client;

-- 4: attribute conflicts: with 'left' the other op's attributes win
SELECT ot.transform('rich-text', '[{"retain":2,"attributes":{"color":"red"}}]',
                    '[{"retain":2,"attributes":{"color":"blue","bold":true}}]', 'left'),
       ot.transform('rich-text', '[{"retain":2,"attributes":{"color":"red"}}]',
                    '[{"retain":2,"attributes":{"color":"blue","bold":true}}]', 'right');

-- 5, 6, 7
SELECT ot.transform('rich-text', '[{"retain":3},{"insert":"bb"}]', '[{"retain":3},{"insert":"aa"}]', 'left');
SELECT ot.transform('rich-text', '[{"retain":1},{"delete":3}]', '[{"retain":2},{"insert":"Z"}]', 'left');
SELECT ot.transform('rich-text', '[{"retain":3},{"insert":"x"}]', '[{"delete":5}]', 'left');

-- 8 to 12, 15, 24: compose (an insert drops null attributes, a retain keeps them)
SELECT ot.compose('rich-text', '[{"insert":"A"}]',
                  '[{"retain":1,"attributes":{"bold":true,"color":"red","font":null}}]');
SELECT ot.compose('rich-text', '[{"retain":1,"attributes":{"color":"blue"}}]',
                  '[{"retain":1,"attributes":{"bold":true,"color":"red","font":null}}]');
SELECT ot.compose('rich-text', '[{"delete":1}]', '[{"insert":"B"}]');
SELECT ot.compose('rich-text', '[{"insert":"Hello"}]', '[{"retain":3},{"insert":"X"},{"delete":1}]');
SELECT ot.compose('rich-text', '[{"retain":4},{"insert":"Hello"}]', '[{"delete":9}]');
SELECT ot.compose('rich-text', '[{"retain":2,"attributes":{"bold":true}}]',
                  '[{"retain":1,"attributes":{"italic":true}}]');
SELECT ot.compose('rich-text', '[{"insert":{"image":"a.png"}}]', '[{"retain":1,"attributes":{"alt":"pic"}}]');
SELECT ot.compose('rich-text', '{"ops":[]}', '[]');

-- 13, 23: apply, with the op as a bare array or {"ops": [...]}
SELECT ot.apply('rich-text', '{"ops":[{"insert":"Hello","attributes":{"bold":true}},{"insert":"\n"}]}',
                '[{"retain":5,"attributes":{"bold":null,"italic":true}}]');
SELECT ot.apply('http://sharejs.org/types/rich-text/v1', '{"ops":[{"insert":"a😀b"}]}',
                '{"ops":[{"retain":3},{"insert":"!"}]}');
SELECT ot.apply('rich-text', '[{"insert":"a😀b"}]', '[{"retain":1},{"delete":2}]');
SELECT ot.apply('rich-text', '{"ops":[{"insert":"ab"},{"insert":{"image":"x.png"}},{"insert":"c"}]}',
                '[{"retain":2},{"delete":1},{"insert":"Z","attributes":{"link":{"href":"/x","rel":["a",null]}}}]');

-- 16 to 19: cursors and presence (an own op's insert at the cursor pushes it)
SELECT ot.transform_cursor('rich-text', 2, '[{"retain":2},{"insert":"A"}]'),
       ot.transform_cursor('rich-text', 2, '[{"retain":2},{"insert":"A"}]', true);
SELECT ot.transform_cursor('rich-text', 4, '[{"delete":1},{"retain":1},{"delete":4}]'),
       ot.transform_cursor('rich-text', 4, '[{"retain":2},{"insert":"A"},{"delete":4}]');
SELECT ot.transform_presence('rich-text', '{"index":10,"length":2}', '[{"retain":10},{"insert":"foo"}]'),
       ot.transform_presence('rich-text', '{"index":10,"length":2}', '[{"retain":10},{"insert":"foo"}]', true);
SELECT ot.transform_presence('rich-text', '{"index":10,"length":3}', '[{"retain":9},{"delete":3}]'),
       ot.transform_presence('rich-text', '{"index":10,"length":3}', '[{"retain":9},{"delete":5}]');
SELECT ot.transform_presence('rich-text', '{"index":1,"length":0,"name":"ann","color":"#f00"}', '[{"insert":"😀"}]'),
       ot.transform_presence('rich-text', 'null', '[{"insert":"x"}]');

-- 20, 21: invert against the document the op applies to (quill-delta 5.1.0)
SELECT ot.invert('rich-text', '[{"retain":2},{"delete":3}]', '[{"insert":"123456"}]');
SELECT ot.invert('rich-text', '[{"retain":2},{"retain":3,"attributes":{"bold":true}}]', '[{"insert":"123456"}]');
SELECT ot.invert('rich-text', '[{"retain":1,"attributes":{"color":"red","bold":null}},{"insert":"X"},{"delete":2}]',
                 '{"ops":[{"insert":"ab","attributes":{"bold":true,"color":"blue"}},{"insert":{"image":"i.png"}}]}');
-- applying the inverse restores the document
SELECT ot.apply('rich-text',
                ot.apply('rich-text', '{"ops":[{"insert":"hello","attributes":{"bold":true}}]}',
                         '[{"retain":1},{"delete":2},{"retain":1,"attributes":{"bold":null}}]'),
                ot.invert('rich-text', '[{"retain":1},{"delete":2},{"retain":1,"attributes":{"bold":null}}]',
                          '{"ops":[{"insert":"hello","attributes":{"bold":true}}]}'));

-- normalize is the identity, as in the reference; create_data
SELECT ot.normalize('rich-text', '[{"insert":"a"},{"insert":"b"},{"retain":1}]');
SELECT ot.create_data('rich-text'), ot.create_data('rich-text', '[{"insert":"hi\n"}]'),
       ot.create_data('rich-text', '{"ops":[{"insert":"x","attributes":{"bold":true}}]}');
