-- 50 ops per transaction: one ot.submit_batch on 50 distinct documents of
-- the 100, in random order, as a gateway sends them (without "user", each
-- op acts for the caller).
SELECT count(*) FROM ot.submit_batch((
	SELECT jsonb_agg(jsonb_build_object('message', jsonb_build_object(
		'a', 'op', 'c', 'bench', 'd', 'many' || i, 'v', NULL,
		'op', jsonb_build_array(1 + floor(random() * 999)::int, 'x'))))
	FROM (SELECT i FROM generate_series(0, 99) i ORDER BY random() LIMIT 50) s));
