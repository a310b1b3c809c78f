/*
 * partition.c
 *	  Which of N partitions holds a document: ot.partition_of.
 *
 * Partition = ot/doc_hash.h's hash of (collection, id) modulo N, N a power
 * of two from 1 to 2^30.  The router (router/, PL/Proxy's RUN ON) and the
 * gateway compute the same from the same header; README "Partitions".
 * Calls nothing else of pg_ot.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "ot/doc_hash.h"

PG_FUNCTION_INFO_V1(pg_ot_partition_of);
Datum
pg_ot_partition_of(PG_FUNCTION_ARGS)
{
	text	   *collection = PG_GETARG_TEXT_PP(0);
	text	   *id = PG_GETARG_TEXT_PP(1);
	int32		partitions = PG_GETARG_INT32(2);
	uint64		hash;

	if (!ot_partitions_valid(partitions))
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("partitions must be a power of two from 1 to %d, not %d",
					   OT_PARTITIONS_MAX, partitions));
	hash = ot_doc_hash(VARDATA_ANY(collection), VARSIZE_ANY_EXHDR(collection),
					   VARDATA_ANY(id), VARSIZE_ANY_EXHDR(id));
	PG_RETURN_INT32((int32) (hash % (uint64) partitions));
}
