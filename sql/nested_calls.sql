-- ot.submit, ot.create, ot.delete and ot.submit_batch cannot run inside one
-- another (store.c keeps one call's state): a trigger on the op log that
-- writes to pg_ot fails with 0A000, and the next call, once the failed one is
-- over, runs as usual.  (Run as a superuser, who passes every grant.)

SELECT ot.create('nest', 'a', 'text-unicode', '"a"');
SELECT ot.create('nest', 'b', 'text-unicode', '"b"');

CREATE FUNCTION nest_echo() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF current_setting('nest.mode') = 'submit' THEN
		PERFORM ot.submit('nest', 'b', NULL, '["echo "]');
	ELSIF current_setting('nest.mode') = 'caught' THEN
		BEGIN
			PERFORM ot.submit('nest', 'b', NULL, '["echo "]');
		EXCEPTION WHEN feature_not_supported THEN
			RAISE NOTICE 'inner call refused: %', SQLERRM;
		END;
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER nest_echo AFTER INSERT ON ot.operations
	FOR EACH ROW EXECUTE FUNCTION nest_echo();

-- The nested call fails, and with it the outer one: nothing is written.
SET nest.mode = 'submit';
SELECT version FROM ot.submit('nest', 'a', NULL, '[1, "!"]');
SELECT r ? 'ack' AS acked, r->'error'->>'code' AS code
	FROM ot.submit_batch('[{"user": "x", "message": {"a": "op", "c": "nest", "d": "a", "v": 1, "op": [1, "?"]}}]') AS r;
SELECT version, data FROM ot.fetch('nest', 'a');
SELECT version, data FROM ot.fetch('nest', 'b');

-- The trigger catches the refusal: the outer op is written, the inner not.
SET nest.mode = 'caught';
SELECT version FROM ot.submit('nest', 'a', NULL, '[1, "!"]');
SELECT version, data FROM ot.fetch('nest', 'a');
SELECT version, data FROM ot.fetch('nest', 'b');

-- A call that failed inside a subtransaction (an exception block) leaves
-- none behind: the next call in the same transaction runs.
SET nest.mode = 'submit';
BEGIN;
DO $$
BEGIN
	PERFORM ot.submit('nest', 'a', NULL, '[1, "x"]');
EXCEPTION WHEN feature_not_supported THEN
	RAISE NOTICE 'refused: %', SQLSTATE;
END $$;
SET LOCAL nest.mode = 'off';
SELECT version FROM ot.submit('nest', 'a', NULL, '[1, "y"]');
COMMIT;
SET nest.mode = 'off';
SELECT version FROM ot.submit('nest', 'b', NULL, '[1, "z"]');
SELECT version, data FROM ot.fetch('nest', 'a');
SELECT version, data FROM ot.fetch('nest', 'b');

DROP TRIGGER nest_echo ON ot.operations;
DROP FUNCTION nest_echo();

-- A statement trigger and a transition table on the op log: the single-row
-- routines of the direct path fire neither, so the appends are statements.
CREATE FUNCTION nest_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE NOTICE '% %: % new op rows', TG_WHEN, TG_LEVEL, (SELECT count(*) FROM new_ops);
	RETURN NULL;
END $$;
CREATE TRIGGER nest_count AFTER INSERT ON ot.operations
	REFERENCING NEW TABLE AS new_ops FOR EACH STATEMENT EXECUTE FUNCTION nest_count();
SELECT version FROM ot.submit('nest', 'a', NULL, '[1, "s"]');
SELECT ot.create('nest', 'c', 'text-unicode', '"c"');
SELECT version, data FROM ot.fetch('nest', 'a');
DROP TRIGGER nest_count ON ot.operations;
DROP FUNCTION nest_count();
