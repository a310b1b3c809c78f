/*
 * secrets.c: the shared keys and HMAC-SHA256 over them (see secrets.h).
 *
 * May call: base/alloc.
 */
#include "base/secrets.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <string.h>

#include "base/alloc.h"

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
	return -1;
}

bool
secret_hex_decode(const char *hex, size_t n, unsigned char *out)
{
	for (size_t i = 0; i < n; i++)
	{
		int			hi = hex_digit(hex[2 * i]),
					lo = hi < 0 ? -1 : hex_digit(hex[2 * i + 1]);

		if (lo < 0)
			return false;
		out[i] = (unsigned char) (hi << 4 | lo);
	}
	return true;
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
	s.len = strlen(hex) / 2;
	if (strlen(hex) % 2 != 0 || s.len < 32 || s.len > sizeof(s.key) ||
		!secret_hex_decode(hex, s.len, s.key))
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

/*
 * HMAC contexts with a key already set, copied for each MAC: setting the
 * key (and OpenSSL's fetch of HMAC and SHA-256) cost twice the MAC of a
 * notification.  A few keys are in use (notify, session; a harness's own).
 */
#define PREPARED_MAX 8

static struct
{
	unsigned char key[64];
	size_t		len;
	EVP_MAC_CTX *ctx;
} prepared[PREPARED_MAX];

static EVP_MAC_CTX *
prepared_ctx(const Secret *key)
{
	static EVP_MAC *hmac;
	int			slot = PREPARED_MAX - 1;
	char		digest[] = "SHA256";
	OSSL_PARAM	params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
		OSSL_PARAM_construct_end()
	};

	for (int i = 0; i < PREPARED_MAX; i++)
	{
		if (prepared[i].ctx && prepared[i].len == key->len &&
			memcmp(prepared[i].key, key->key, key->len) == 0)
			return prepared[i].ctx;
		if (prepared[i].ctx == NULL && slot == PREPARED_MAX - 1)
			slot = i;
	}
	if (hmac == NULL && (hmac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		out_of_memory();
	EVP_MAC_CTX_free(prepared[slot].ctx);	/* all in use: the last slot is reused */
	prepared[slot].ctx = EVP_MAC_CTX_new(hmac);
	if (prepared[slot].ctx == NULL || !EVP_MAC_init(prepared[slot].ctx, key->key, key->len, params))
		out_of_memory();
	memcpy(prepared[slot].key, key->key, key->len);
	prepared[slot].len = key->len;
	return prepared[slot].ctx;
}

static void
mac_parts(const Secret *key, const void *head, size_t head_len, const void *rest, size_t rest_len,
		  unsigned char out[SECRET_MAC_LEN])
{
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(prepared_ctx(key));
	size_t		outlen;

	if (ctx == NULL || !EVP_MAC_update(ctx, head, head_len) || !EVP_MAC_update(ctx, rest, rest_len) ||
		!EVP_MAC_final(ctx, out, &outlen, SECRET_MAC_LEN) || outlen != SECRET_MAC_LEN)
		out_of_memory();
	EVP_MAC_CTX_free(ctx);
}

void
secret_mac(const Secret *key, const void *data, size_t len, unsigned char out[SECRET_MAC_LEN])
{
	mac_parts(key, data, len, "", 0, out);
}

bool
secret_mac_ok(const Secret *key, const void *head, size_t head_len,
			  const void *rest, size_t rest_len, const unsigned char *mac)
{
	unsigned char expected[SECRET_MAC_LEN];

	mac_parts(key, head, head_len, rest, rest_len, expected);
	return CRYPTO_memcmp(expected, mac, SECRET_MAC_LEN) == 0;
}
