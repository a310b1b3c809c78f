/*
 * compose_all.c
 *	  Composing a run of ops into one, pairwise.
 */
#include "compose_all.h"

OtStatus
ot_compose_pairwise(void *ops, size_t n, OtComposeStep step,
					const OtAllocator *a, OtError *err)
{
	for (size_t width = 1; width < n; width *= 2)
		for (size_t i = 0; i + width < n; i += 2 * width)
			if (step(ops, i, i + width, a, err) != OT_OK)
				return err->status;
	return OT_OK;
}
