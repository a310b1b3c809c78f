/*
 * client_id.c: issued client ids and their proof (see client_id.h).
 *
 * May call: base/secrets.
 */
#include "base/client_id.h"

#include <stdio.h>
#include <string.h>

#include "base/secrets.h"

#define DOMAIN "pg_ot client id"

static const char hex_digits[] = "0123456789abcdef";

static void
to_hex(const unsigned char *bytes, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
	{
		out[2 * i] = hex_digits[bytes[i] >> 4];
		out[2 * i + 1] = hex_digits[bytes[i] & 0xf];
	}
	out[2 * n] = '\0';
}

static bool
is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* The mac of public for principal, in hex; false without the key. */
static bool
mac_of(const char *public, const char *principal, char out[CLIENT_ID_MAC_LEN + 1])
{
	const Secret *key = secret_get("session");
	size_t		plen = strlen(principal);
	char		data[sizeof(DOMAIN) + CLIENT_ID_PUBLIC_LEN + 1 + 256];
	size_t		len = 0;
	unsigned char mac[SECRET_MAC_LEN];

	if (key == NULL || plen > 255)
		return false;
	memcpy(data, DOMAIN, sizeof(DOMAIN));	/* with its NUL */
	len += sizeof(DOMAIN);
	memcpy(data + len, public, CLIENT_ID_PUBLIC_LEN);
	len += CLIENT_ID_PUBLIC_LEN;
	data[len++] = '\0';
	memcpy(data + len, principal, plen);
	len += plen;
	secret_mac(key, data, len, mac);
	to_hex(mac, CLIENT_ID_MAC_LEN / 2, out);
	return true;
}

bool
client_id_issue(const unsigned char random[CLIENT_ID_RANDOM_BYTES], const char *principal, ClientId *id)
{
	char		mac[CLIENT_ID_MAC_LEN + 1];

	to_hex(random, CLIENT_ID_RANDOM_BYTES, id->public);
	if (!mac_of(id->public, principal, mac))
		return false;
	snprintf(id->full, sizeof(id->full), "%s.%s", id->public, mac);
	return true;
}

bool
client_id_prove(const char *text, const char *principal, ClientId *id)
{
	char		mac[CLIENT_ID_MAC_LEN + 1];
	volatile unsigned char diff = 0;

	if (text == NULL || strlen(text) != CLIENT_ID_LEN || text[CLIENT_ID_PUBLIC_LEN] != '.' ||
		!is_hex(text, CLIENT_ID_PUBLIC_LEN) ||
		!is_hex(text + CLIENT_ID_PUBLIC_LEN + 1, CLIENT_ID_MAC_LEN))
		return false;
	if (!mac_of(text, principal, mac))
		return false;
	/* Constant time: the comparison must not tell how much of a guess was right. */
	for (size_t i = 0; i < CLIENT_ID_MAC_LEN; i++)
		diff |= (unsigned char) (mac[i] ^ text[CLIENT_ID_PUBLIC_LEN + 1 + i]);
	if (diff != 0)
		return false;
	memcpy(id->public, text, CLIENT_ID_PUBLIC_LEN);
	id->public[CLIENT_ID_PUBLIC_LEN] = '\0';
	memcpy(id->full, text, CLIENT_ID_LEN + 1);
	return true;
}

bool
client_id_owns(const ClientId *id, const char *src)
{
	return src && strcmp(src, id->public) == 0;
}

void
client_id_give_back(const ClientId *id, json_t *message)
{
	if (client_id_owns(id, json_string_value(json_object_get(message, "src"))))
		json_object_set_new(message, "src", json_string(id->full));
}
