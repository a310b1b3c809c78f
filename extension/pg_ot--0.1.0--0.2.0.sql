/* pg_ot--0.1.0--0.2.0.sql: update of pg_ot from 0.1.0 to 0.2.0 */

\echo Use "ALTER EXTENSION pg_ot UPDATE TO '0.2.0'" to load this file. \quit

-- Every change to an object of 0.1.0 is made here as it is made in
-- pg_ot--0.2.0.sql, so that an updated database and a fresh 0.2.0 install
-- have the same schema (make check compares their pg_dump --schema-only).

-- ot.submit_batch: a read-only server (SQLSTATE 25006) fails the whole batch
-- instead of rejecting each op, so that the gateway resends it to the primary.
CREATE OR REPLACE FUNCTION ot.submit_batch(batch jsonb) RETURNS SETOF jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	item record;
	results jsonb[];
	state text;
	message text;
BEGIN
	IF jsonb_typeof(batch) IS DISTINCT FROM 'array' THEN
		PERFORM ot._reject('22023', 'a batch is a JSON array of {"user": ..., "message": ...}');
	END IF;
	IF jsonb_array_length(batch) > 64 THEN
		PERFORM ot._reject('54000', 'a batch holds at most 64 ops',
			'Each op is a subtransaction; more would overflow the subtransaction cache.');
	END IF;
	-- Ops run in document order, so that batches lock documents in one order
	-- and never deadlock; each in its own subtransaction, which takes its
	-- document's lock and keeps it only if the op is applied.
	FOR item IN SELECT x, i FROM jsonb_array_elements(batch) WITH ORDINALITY AS e(x, i)
				ORDER BY x->'message'->>'c' COLLATE "C", x->'message'->>'d' COLLATE "C", i
	LOOP
		BEGIN
			IF item.x ? 'user' AND (jsonb_typeof(item.x->'user') <> 'string'
									OR item.x->>'user' = '') THEN
				PERFORM ot._reject('22023', '"user" must be a non-empty string',
					'Without "user" the op acts for the caller, as ot.submit does.');
			END IF;
			results[item.i] := ot._submit_message(item.x->'message', item.x->>'user');
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
			-- A failing system, not a rejected op: the whole batch fails.
			-- So does a read-only server (25006: a standby, or a primary being
			-- demoted): the gateway sends the batch again to the primary.
			IF left(state, 2) IN ('40', '53', '57', '58', 'XX') OR state = '25006' THEN
				RAISE;
			END IF;
			results[item.i] := jsonb_build_object('error', jsonb_build_object(
				'code', ot.sharedb_error_code(state), 'message', message));
		END;
	END LOOP;
	RETURN QUERY SELECT r FROM unnest(results) WITH ORDINALITY AS u(r, i) ORDER BY i;
END
$$;
