-- One character inserted at a random position of a text-unicode document
-- (pgbench -D doc=NAME -D len=ORIGINAL_LENGTH).
\set pos random(1, :len - 1)
SELECT version FROM ot.submit('bench', :doc, NULL, jsonb_build_array(:pos::int, 'x'));
