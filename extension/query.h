/*
 * query.h
 *	  A ShareDB query as pg_ot holds it (query_parse.c reads it, query_match.c
 *	  evaluates it, query.c runs it over a collection: see query.c).
 *
 * May include: postgres.h, the OT core's json_value.
 */
#ifndef PG_OT_QUERY_H
#define PG_OT_QUERY_H

#include "postgres.h"

#include "ot/json_value.h"

typedef enum QOp
{
	QO_EQ, QO_NE, QO_IN, QO_NIN, QO_GT, QO_GTE, QO_LT, QO_LTE, QO_EXISTS
} QOp;

typedef struct QCond
{
	QOp			op;
	const OtJson *arg;			/* $exists: OJ_TRUE or OJ_FALSE */
} QCond;

typedef enum QKind
{
	QN_AND, QN_OR, QN_FIELD
} QKind;

typedef struct QPath
{
	int			depth;
	char	  **seg;
	size_t	   *len;
} QPath;

typedef struct QNode
{
	QKind		kind;
	int			n;				/* QN_AND, QN_OR: kids; QN_FIELD: conds */
	struct QNode **kids;
	QPath		path;
	QCond	   *conds;
} QNode;

typedef struct QSortKey
{
	QPath		path;
	int			dir;			/* 1 or -1 */
} QSortKey;

typedef struct OtQuery
{
	QNode	   *filter;			/* an implicit $and of the top level */
	int			nsort;
	QSortKey   *sort;
	int64		skip;
	int64		limit;			/* 0: none, as MongoDB */
	bool		count;
	/* _id pushed into SQL: NULL, or the names it may be */
	int			nids;
	const OtJson **ids;
} OtQuery;

typedef struct Leaves
{
	int			n;
	int			cap;
	const OtJson **v;			/* NULL: missing */
} Leaves;

/* Reads the query q (its filter, $sort, $skip, $limit, $count); 22023 or 0A000 if it is none. */
void		query_parse(const OtJson *q, OtQuery *query);

/* Raises 22023: "malformed query: msg", with detail if not NULL. */
pg_attribute_noreturn() void query_malformed(const char *msg, const char *detail);

/* Whether the document (its metadata meta, its data root) matches the filter n. */
bool		query_matches(const QNode *n, const OtJson *meta, const OtJson *root);

/* The values path p reaches in the document (NULL for missing), into l. */
void		query_resolve(const QPath *p, const OtJson *meta, const OtJson *root, Leaves *l);

/* MongoDB's order of values of any types (strings in JavaScript's order). */
int			query_value_cmp(const OtJson *a, const OtJson *b);

/* Two UTF-8 strings in UTF-16 code unit order, as JavaScript compares them. */
int			query_utf16_cmp(const char *a, size_t alen, const char *b, size_t blen);

#endif
