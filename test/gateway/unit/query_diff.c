/*
 * query_diff.c: gateway/actions/query_diff.c on the cases query_diff.js
 * sends: on stdin pairs of lines (before, after), ids separated by spaces;
 * on stdout one line per pair, the diff as arraydiff's toJSON() writes it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions/query_diff.h"

static char **
split(char *line, size_t *n)
{
	char	  **ids = calloc(strlen(line) / 2 + 2, sizeof(char *));
	char	   *save = NULL;

	*n = 0;
	for (char *t = strtok_r(line, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
		ids[(*n)++] = t;
	return ids;
}

int
main(void)
{
	static char a[1 << 16],
				b[1 << 16];

	while (fgets(a, sizeof(a), stdin) && fgets(b, sizeof(b), stdin))
	{
		size_t		nb,
					na,
					nd;
		char	  **before = split(a, &nb);
		char	  **after = split(b, &na);
		QueryDiff  *d = query_diff((const char *const *) before, nb, (const char *const *) after, na, &nd);

		putchar('[');
		for (size_t i = 0; i < nd; i++)
		{
			if (i)
				putchar(',');
			if (d[i].type == QUERY_DIFF_REMOVE)
				printf("{\"type\":\"remove\",\"index\":%zu,\"howMany\":%zu}", d[i].index, d[i].how_many);
			else if (d[i].type == QUERY_DIFF_MOVE)
				printf("{\"type\":\"move\",\"from\":%zu,\"to\":%zu,\"howMany\":%zu}", d[i].index, d[i].to,
					   d[i].how_many);
			else
			{
				printf("{\"type\":\"insert\",\"index\":%zu,\"values\":[", d[i].index);
				for (size_t j = 0; j < d[i].how_many; j++)
					printf("%s\"%s\"", j ? "," : "", after[d[i].first + j]);
				printf("]}");
			}
		}
		printf("]\n");
		free(d);
		free(before);
		free(after);
	}
	return 0;
}
