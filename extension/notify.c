/*
 * notify.c
 *	  The NOTIFY channel of a document.
 *
 * Documents hash onto pg_ot.notify_channels channels pg_ot_0, pg_ot_1, ...
 * PostgreSQL matches each notification against a listener's channels one by
 * one, so a few hashed channels serve a gateway better than one per document.
 * The hash is FNV-1a (64-bit) over the collection's bytes, a zero byte and
 * the id's bytes: stable across versions and platforms, and easy to compute
 * outside the database.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "pg_ot.h"

static uint64
fnv1a(uint64 hash, const char *bytes, size_t len)
{
	for (size_t i = 0; i < len; i++)
	{
		hash ^= (unsigned char) bytes[i];
		hash *= UINT64CONST(1099511628211);
	}
	return hash;
}

PG_FUNCTION_INFO_V1(pg_ot_channel);
Datum
pg_ot_channel(PG_FUNCTION_ARGS)
{
	text	   *collection = PG_GETARG_TEXT_PP(0);
	text	   *id = PG_GETARG_TEXT_PP(1);
	uint64		hash = UINT64CONST(14695981039346656037);

	hash = fnv1a(hash, VARDATA_ANY(collection), VARSIZE_ANY_EXHDR(collection));
	hash = fnv1a(hash, "", 1);
	hash = fnv1a(hash, VARDATA_ANY(id), VARSIZE_ANY_EXHDR(id));
	PG_RETURN_TEXT_P(cstring_to_text(psprintf("pg_ot_%d",
											  (int) (hash % (uint64) pg_ot_notify_channels))));
}
