-- Documents for db.sh, from a fixed seed.  Text is random words of a
-- 2,000-word vocabulary: ASCII with some accented Latin and CJK, all in the
-- BMP, so that rich-text positions never need the text (but in
-- rich-1m-emoji).
CREATE EXTENSION pg_ot;
CREATE SCHEMA bench;
SELECT setseed(0.42);

CREATE TABLE bench.vocab AS
SELECT i, string_agg(substr('abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzéàçüñ文字世界',
							1 + floor(random() * 61)::int, 1), '') AS word
FROM generate_series(1, 2000) i, LATERAL generate_series(0, i % 9) j
GROUP BY i;

-- n characters of text; words are drawn log-uniformly, so that a few are
-- common, as in prose (pglz stores a long text in about half its size).
CREATE FUNCTION bench.text(n int) RETURNS text LANGUAGE sql AS $$
	SELECT left(string_agg(v.words[floor(2000 ^ random())::int], ' '), n)
	FROM generate_series(0, n / 3), (SELECT array_agg(word) AS words FROM bench.vocab) v;
$$;

-- A rich-text document of n characters: lines of 20 to 200 characters, a
-- third of them bold, italic or a link.
CREATE FUNCTION bench.delta(n int) RETURNS jsonb LANGUAGE sql AS $$
	SELECT jsonb_agg(jsonb_build_object('insert', bench.text(len - 1) || E'\n')
		|| CASE floor(random() * 9)::int
			WHEN 0 THEN '{"attributes": {"bold": true}}'
			WHEN 1 THEN '{"attributes": {"italic": true}}'
			WHEN 2 THEN '{"attributes": {"link": "https://example.com/"}}'
			ELSE '{}' END::jsonb ORDER BY k)
	FROM (SELECT k, least(len, n - start)::int AS len
		  FROM (SELECT k, len, sum(len) OVER (ORDER BY k) - len AS start
				FROM (SELECT k, 20 + floor(random() * 181)::int AS len
					  FROM generate_series(1, n / 20) k) r) b
		  WHERE start < n) p;
$$;

SELECT ot.create('bench', 'text-1k', 'text-unicode', to_jsonb(bench.text(1000)));
SELECT ot.create('bench', 'text-1m', 'text-unicode', to_jsonb(bench.text(1000000)));
SELECT ot.create('bench', 'rich-1k', 'rich-text', bench.delta(1000));
SELECT ot.create('bench', 'rich-1m', 'rich-text', bench.delta(1000000));
-- The same with an emoji at its end, past the positions edited.
SELECT ot.create('bench', 'rich-1m-emoji', 'rich-text',
				 bench.delta(1000000) || '[{"insert": "😀\n"}]');
SELECT ot.create('bench', 'many' || i, 'text-unicode', to_jsonb(bench.text(1000)))
FROM generate_series(0, 99) i;

-- The ceiling's tables, shaped like ot.documents and ot.operations.
CREATE TABLE bench.bare_docs (
	id int PRIMARY KEY,
	version bigint NOT NULL DEFAULT 0,
	updated_at timestamptz
) WITH (fillfactor = 70);
CREATE TABLE bench.bare_ops (
	doc_id int NOT NULL REFERENCES bench.bare_docs,
	version bigint NOT NULL,
	op jsonb NOT NULL,
	created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
	PRIMARY KEY (doc_id, version)
);
INSERT INTO bench.bare_docs (id) SELECT generate_series(0, 99);

-- Microseconds per ot.publish_presence of a message of the given size, n
-- of them in the caller's transaction: db.sh runs it with notifications
-- signed and unsigned, and rolls back.
CREATE FUNCTION bench.publishes(n int, bytes int) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz := clock_timestamp();
	body text := repeat('x', bytes - 8);
BEGIN
	FOR i IN 1..n LOOP
		PERFORM ot.publish_presence('bench.sign', body || lpad(i::text, 8, '0'));
	END LOOP;
	RETURN extract(epoch FROM clock_timestamp() - t0) * 1e6 / n;
END
$$;
VACUUM ANALYZE;
CHECKPOINT;
