/* pg_ot--0.1.0.sql: install script of pg_ot 0.1.0 */

\echo Use "CREATE EXTENSION pg_ot" to load this file. \quit

COMMENT ON SCHEMA ot IS 'pg_ot: operational transformation types, documents and ops';

-- Pure functions over the OT types.  "type" is a type name ('text-unicode',
-- 'rich-text') or its URI ('http://sharejs.org/types/text-unicode',
-- 'http://sharejs.org/types/rich-text/v1').

CREATE FUNCTION ot.apply(type text, snapshot jsonb, op jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'pg_ot_apply'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ot.apply(text, jsonb, jsonb) IS
	'the snapshot with op applied';

CREATE FUNCTION ot.transform(type text, op jsonb, other jsonb, side text) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'pg_ot_transform'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ot.transform(text, jsonb, jsonb, text) IS
	'op transformed to apply after other; side (left or right) breaks ties as the type does';

CREATE FUNCTION ot.compose(type text, a jsonb, b jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'pg_ot_compose'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ot.compose(text, jsonb, jsonb) IS
	'one op with the effect of a followed by b';

CREATE FUNCTION ot.normalize(type text, op jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'pg_ot_normalize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ot.normalize(text, jsonb) IS
	'op in canonical form: empty components dropped, neighbours merged';

CREATE FUNCTION ot.transform_cursor(type text, cursor int, op jsonb,
									is_own_op bool DEFAULT false) RETURNS int
	AS 'MODULE_PATHNAME', 'pg_ot_transform_cursor'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ot.transform_cursor(text, int, jsonb, bool) IS
	'where a cursor position lands once op is applied';

CREATE FUNCTION ot.transform_presence(type text, presence jsonb, op jsonb,
									  is_own_op bool DEFAULT false) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'pg_ot_transform_presence'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ot.transform_presence(text, jsonb, jsonb, bool) IS
	'a presence range {index, length} once op is applied (rich-text)';

CREATE FUNCTION ot.invert(type text, op jsonb, snapshot jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'pg_ot_invert'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ot.invert(text, jsonb, jsonb) IS
	'the op that undoes op once op has been applied to snapshot';

CREATE FUNCTION ot.create_data(type text, data jsonb DEFAULT NULL) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'pg_ot_create_data'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ot.create_data(text, jsonb) IS
	'the initial snapshot of a new document of the type';
