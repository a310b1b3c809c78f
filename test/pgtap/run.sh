#!/usr/bin/env bash
# pgTAP suites (schema contract, permission matrix) against the running
# cluster named by the PG* environment: a fresh database with pgtap and
# pg_ot, then pg_prove over test/pgtap/*.sql.  Exits with pg_prove's status.
set -uo pipefail
cd "$(dirname "$0")"
db=${PGTAP_DATABASE:-pgtap_test}

PGOPTIONS="-c client_min_messages=warning" psql -Xq -v ON_ERROR_STOP=1 -d postgres \
	-c "DROP DATABASE IF EXISTS \"$db\"" -c "CREATE DATABASE \"$db\"" &&
	psql -Xq -v ON_ERROR_STOP=1 -d "$db" \
		-c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION pg_ot' || exit 1

pg_prove -d "$db" "$@" *.sql
