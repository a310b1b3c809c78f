/*
 * pg_ot_router.c
 *	  The router's C: where PL/Proxy runs a document's call.
 *
 * pg_ot_router (pg_ot_router--*.sql) defines pg_ot's document API as
 * PL/Proxy functions of cluster pg_ot; each runs on
 * ot._hash(collection, id), the low 32 bits of the document's hash
 * (extension/ot/doc_hash.h, the one mapping), which PL/Proxy maps onto
 * partition hash & (N - 1): the partition pg_ot's ot.partition_of names.
 * No pg_ot in this database: the names would clash, and no document is here.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "../extension/ot/doc_hash.h"

PG_MODULE_MAGIC;

static uint64
hash_of(text *collection, text *id)
{
	return ot_doc_hash(VARDATA_ANY(collection), VARSIZE_ANY_EXHDR(collection),
					   VARDATA_ANY(id), VARSIZE_ANY_EXHDR(id));
}

/*
 * ot._hash(collection, id): for RUN ON.  Not strict: a NULL name runs on
 * partition 0, whose pg_ot refuses the call as it refuses it anywhere.
 */
PG_FUNCTION_INFO_V1(pg_ot_router_hash);
Datum
pg_ot_router_hash(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_INT32(0);
	PG_RETURN_INT32(ot_doc_hash32(hash_of(PG_GETARG_TEXT_PP(0), PG_GETARG_TEXT_PP(1))));
}

/* ot.partition_of(collection, id, partitions), as pg_ot's (extension/partition.c). */
PG_FUNCTION_INFO_V1(pg_ot_router_partition_of);
Datum
pg_ot_router_partition_of(PG_FUNCTION_ARGS)
{
	int32		partitions = PG_GETARG_INT32(2);

	if (!ot_partitions_valid(partitions))
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("partitions must be a power of two from 1 to %d, not %d",
					   OT_PARTITIONS_MAX, partitions));
	PG_RETURN_INT32((int32) (hash_of(PG_GETARG_TEXT_PP(0), PG_GETARG_TEXT_PP(1)) % (uint64) partitions));
}
