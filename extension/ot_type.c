/*
 * ot_type.c
 *	  Finding an OT type by the name or URI a caller gives.
 */
#include "ot_type.h"

#include "mb/pg_wchar.h"
#include "fmgr.h"
#include "utils/builtins.h"

static const OtType *const ot_types[] = {
	&ot_text_unicode_type,
	&ot_rich_text_type,
	&ot_json0_type,
};

static bool
text_is(const char *s, size_t len, const char *name)
{
	return strlen(name) == len && memcmp(s, name, len) == 0;
}

const OtType *
ot_type_lookup(const text *name)
{
	const char *s = VARDATA_ANY(name);
	size_t		len = VARSIZE_ANY_EXHDR(name);

	/* Positions are counted over UTF-8: other encodings would miscount. */
	if (GetDatabaseEncoding() != PG_UTF8)
		ereport(ERROR,
				errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				errmsg("pg_ot requires a database with UTF8 encoding"));
	for (size_t i = 0; i < lengthof(ot_types); i++)
		if (text_is(s, len, ot_types[i]->name) || text_is(s, len, ot_types[i]->uri))
			return ot_types[i];
	ereport(ERROR,
			errcode(ERRCODE_UNDEFINED_OBJECT),
			errmsg("OT type \"%s\" does not exist", text_to_cstring(name)),
			errhint("Known types are \"text-unicode\", \"rich-text\" and \"json0\", by name or URI."));
	pg_unreachable();
}

/* ot.type_uri(type): the URI of a type given by name or URI. */
PG_FUNCTION_INFO_V1(pg_ot_type_uri);
Datum
pg_ot_type_uri(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(ot_type_lookup(PG_GETARG_TEXT_PP(0))->uri));
}
