/* pg_ot--0.1.0--0.2.0.sql: update of pg_ot from 0.1.0 to 0.2.0 */

\echo Use "ALTER EXTENSION pg_ot UPDATE TO '0.2.0'" to load this file. \quit

-- Every change to an object of 0.1.0 is made here as it is made in
-- pg_ot--0.2.0.sql, so that an updated database and a fresh 0.2.0 install
-- have the same schema (make check compares their pg_dump --schema-only).
