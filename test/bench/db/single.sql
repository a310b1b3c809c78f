-- One op per transaction on one of the 100 documents many0 .. many99.
\set d random(0, 99)
\set pos random(1, 999)
SELECT version FROM ot.submit('bench', 'many' || :d::int, NULL, jsonb_build_array(:pos::int, 'x'));
