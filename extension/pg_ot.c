/*
 * pg_ot.c
 *	  Module entry: the settings pg_ot.*.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "pg_ot.h"

PG_MODULE_MAGIC;

int			pg_ot_notify_channels = 64;
int			pg_ot_snapshot_interval = 1000;
bool		pg_ot_sign_notifications = true;
int			pg_ot_query_max_documents = 10000;
int			pg_ot_query_max_results = 1000;
char	   *pg_ot_user = NULL;

void		_PG_init(void);

void
_PG_init(void)
{
	/* Every session and every gateway must agree: only the server file sets it. */
	DefineCustomIntVariable("pg_ot.notify_channels",
							"Number of NOTIFY channels that documents are hashed onto.",
							"Gateways LISTEN on the channels of the documents they serve; "
							"restart them after changing this.",
							&pg_ot_notify_channels,
							64, 1, 4096,
							PGC_SIGHUP, 0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("pg_ot.snapshot_interval",
							"Most operations stored after a document's latest snapshot.",
							"Reads replay at most this many operations; a snapshot is also "
							"stored once the operations since the last one outweigh it.",
							&pg_ot_snapshot_interval,
							1000, 1, 1000000,
							PGC_SUSET, 0,
							NULL, NULL, NULL);

	DefineCustomBoolVariable("pg_ot.sign_notifications",
							 "Sign the notifications pg_ot writes.",
							 "Gateways drop unsigned notifications: off only measures "
							 "what signing costs (make bench).",
							 &pg_ot_sign_notifications,
							 true,
							 PGC_SUSET, 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("pg_ot.query_max_documents",
							"Most documents one ot.query examines.",
							"Every readable document of the collection is a candidate unless the "
							"query names _id; past this many the query is refused (54000).",
							&pg_ot_query_max_documents,
							10000, 1, 10000000,
							PGC_SUSET, 0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("pg_ot.query_max_results",
							"Most documents one ot.query returns.",
							"A query that would return more is refused (54000): give it a $limit.",
							&pg_ot_query_max_results,
							1000, 1, 1000000,
							PGC_SUSET, 0,
							NULL, NULL, NULL);

	/* Values SET before the module loaded are applied here, through the hook. */
	pg_ot_user_loading = true;
	DefineCustomStringVariable("pg_ot.user",
							   "The user a gateway acts for.",
							   "Only members of role ot_gateway may set it, in their session; "
							   "when empty, pg_ot acts for the SQL role.",
							   &pg_ot_user,
							   "",
							   PGC_USERSET, 0,
							   pg_ot_check_user, NULL, NULL);
	pg_ot_user_loading = false;

	MarkGUCPrefixReserved("pg_ot");
}
