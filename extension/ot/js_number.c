/*
 * js_number.c
 *	  IEEE doubles written as JavaScript's Number.prototype.toString writes
 *	  them: the shortest digits that read back as the same double, fixed
 *	  notation for 1e-7 <= |x| < 1e21, otherwise d.ddde+N / d.ddde-N.
 *
 * Owns: js_number_format.  May call: the C library only.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json0_json.h"

void
js_number_format(double x, char *buf)
{
	char		tmp[40];
	char		digits[24];
	int			nd = 0,
				exp10 = 0,
				n;
	char	   *out = buf;

	if (x != x)
	{
		strcpy(buf, "null");	/* JSON.stringify(NaN) */
		return;
	}
	if (isinf(x))
	{
		strcpy(buf, "null");
		return;
	}
	if (x == 0)
	{
		strcpy(buf, "0");
		return;
	}
	if (x < 0)
	{
		*out++ = '-';
		x = -x;
	}
	for (int p = 0; p < 17; p++)
	{
		snprintf(tmp, sizeof tmp, "%.*e", p, x);
		if (strtod(tmp, NULL) == x || p == 16)
			break;
	}
	/* tmp is d[.ddd]e[+-]NN */
	for (char *c = tmp; *c && *c != 'e'; c++)
		if (*c >= '0' && *c <= '9')
			digits[nd++] = *c;
	exp10 = atoi(strchr(tmp, 'e') + 1);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	n = exp10 + 1;				/* the decimal point after n digits */
	if (nd <= n && n <= 21)
	{
		memcpy(out, digits, nd);
		out += nd;
		for (int i = nd; i < n; i++)
			*out++ = '0';
	}
	else if (0 < n && n <= 21)
	{
		memcpy(out, digits, n);
		out += n;
		*out++ = '.';
		memcpy(out, digits + n, nd - n);
		out += nd - n;
	}
	else if (-6 < n && n <= 0)
	{
		*out++ = '0';
		*out++ = '.';
		for (int i = 0; i < -n; i++)
			*out++ = '0';
		memcpy(out, digits, nd);
		out += nd;
	}
	else
	{
		*out++ = digits[0];
		if (nd > 1)
		{
			*out++ = '.';
			memcpy(out, digits + 1, nd - 1);
			out += nd - 1;
		}
		out += sprintf(out, "e%c%d", n - 1 >= 0 ? '+' : '-', abs(n - 1));
	}
	*out = '\0';
}
