/*
 * secrets.c: the shared keys and HMAC-SHA256 over them (see secrets.h).
 */
#include "secrets.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "alloc.h"

static const char *const purposes[] = {"notify", "session"};

static Secret secrets[sizeof(purposes) / sizeof(purposes[0])];

static int
purpose_index(const char *purpose)
{
	for (size_t i = 0; i < sizeof(purposes) / sizeof(purposes[0]); i++)
		if (strcmp(purposes[i], purpose) == 0)
			return (int) i;
	return -1;
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool
secret_set_hex(const char *purpose, const char *hex)
{
	int			i = purpose_index(purpose);
	Secret		s;

	if (i < 0)
		return false;
	if (strncmp(hex, "\\x", 2) == 0)
		hex += 2;
	memset(&s, 0, sizeof(s));
	for (; hex[0] && hex[1]; hex += 2)
	{
		int			hi = hex_digit(hex[0]),
					lo = hex_digit(hex[1]);

		if (hi < 0 || lo < 0 || s.len == sizeof(s.key))
			return false;
		s.key[s.len++] = (unsigned char) (hi << 4 | lo);
	}
	if (*hex || s.len < 32)
		return false;
	secrets[i] = s;
	return true;
}

const Secret *
secret_get(const char *purpose)
{
	int			i = purpose_index(purpose);

	return i >= 0 && secrets[i].len > 0 ? &secrets[i] : NULL;
}

void
secret_mac(const Secret *key, const void *data, size_t len, unsigned char out[SECRET_MAC_LEN])
{
	unsigned int outlen = SECRET_MAC_LEN;

	if (HMAC(EVP_sha256(), key->key, (int) key->len, data, len, out, &outlen) == NULL)
		out_of_memory();
}

bool
secret_mac_ok(const Secret *key, const void *data, size_t len, const unsigned char *mac)
{
	unsigned char expected[SECRET_MAC_LEN];

	secret_mac(key, data, len, expected);
	return CRYPTO_memcmp(expected, mac, SECRET_MAC_LEN) == 0;
}
