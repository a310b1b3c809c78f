/*
 * fuzz_gateway_token.c
 *	  libFuzzer target for gateway/base/token.c: the token of a WebSocket
 *	  handshake, checked against the gateway's key.
 *
 * The first byte picks a mode ('0' to '7' are modes 0 to 7); the rest is
 * the token, the JSON claims of a token the harness signs with libjwt, or an
 * Authorization header.  The HS256 secret is fixed; the RS256 key pair is
 * made once per process.  "now" is fixed, so whether a claim has expired
 * does not depend on the day.
 *
 *	 0, 2  arbitrary bytes as the token, against the HS256 secret (0) or the
 *		   RS256 public key (2): an accepted token has a principal that fits
 *		   and is not reserved, and an expiry after now; a refused one
 *		   leaves the identity untouched.
 *	 1, 3  the claims signed with the secret (1) or the private key (3):
 *		   accepted exactly when "exp" is an integer after now and "sub" a
 *		   string of 1 to 255 bytes other than "anonymous" and "*", which
 *		   then become the principal and the expiry; otherwise the reason is
 *		   the first of those that fails.
 *	 4	   the claims signed HS256 with the RS256 public key as the HMAC
 *		   secret, against that public key: refused as "wrong algorithm"
 *		   (the signature is good; the algorithm is not the configured one).
 *	 5	   an Authorization header (after a byte giving the room, 1 to 256
 *		   bytes): token_from_bearer takes the token after a
 *		   case-insensitive "Bearer " when it fits, else leaves the buffer
 *		   alone; a token taken is then checked as in mode 0.  The same
 *		   bytes as a Cookie header: token_from_cookie finds pg_ot_token's
 *		   value in it (non-empty, shorter than the room, a part of the
 *		   header) or leaves the buffer alone.
 *	 6	   the claims unsigned (alg "none"), against the secret: refused.
 *	 7	   the claims signed HS512 with the secret, against HS256: refused as
 *		   "wrong algorithm".
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "base/token.h"
#include "fuzz_require.h"

#define NOW INT64_C(1700000000)

static const unsigned char secret[] = "pg_ot fuzz secret: at least the 32 bytes auth_init asks";
#define SECRET_LEN (sizeof(secret) - 1)

static struct
{
	unsigned char *public_pem;
	size_t		public_len;
	unsigned char *private_pem;
	size_t		private_len;
} rsa;

/* key as PEM text, without the final newline, as auth.c reads a key file */
static unsigned char *
pem_text(EVP_PKEY *key, bool private, size_t *len)
{
	BIO		   *bio = BIO_new(BIO_s_mem());
	char	   *data;
	long		n;
	unsigned char *text;

	if (bio == NULL || !(private ? PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) :
						 PEM_write_bio_PUBKEY(bio, key)))
		abort();
	n = BIO_get_mem_data(bio, &data);
	while (n > 0 && data[n - 1] == '\n')
		n--;
	text = malloc(n + 1);
	if (text == NULL)
		abort();
	memcpy(text, data, n);
	text[n] = '\0';
	*len = n;
	BIO_free(bio);
	return text;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	EVP_PKEY   *key = EVP_RSA_gen(2048);

	if (key == NULL)
		abort();
	rsa.public_pem = pem_text(key, false, &rsa.public_len);
	rsa.private_pem = pem_text(key, true, &rsa.private_len);
	EVP_PKEY_free(key);
	return 0;
}

/* A token of claims signed with alg and key; NULL when claims is no JSON object. */
static char *
sign(const char *claims, jwt_alg_t alg, const unsigned char *key, size_t key_len)
{
	jwt_t	   *jwt;
	char	   *token = NULL;
	json_t	   *model = json_loads(claims, JSON_REJECT_DUPLICATES, NULL);
	int			rc;

	REQUIRE(jwt_new(&jwt) == 0, "jwt_new failed");
	rc = jwt_add_grants_json(jwt, claims);
	REQUIRE((rc == 0) == json_is_object(model), "jwt_add_grants_json gave %d for %s", rc, claims);
	if (rc == 0)
	{
		REQUIRE(jwt_set_alg(jwt, alg, key, (int) key_len) == 0, "jwt_set_alg failed");
		token = jwt_encode_str(jwt);
		REQUIRE(token, "jwt_encode_str failed for %s", claims);
	}
	jwt_free(jwt);
	json_decref(model);
	return token;
}

/* What token_verify should say of a well-signed token with these claims. */
static const char *
expected(const json_t *claims)
{
	json_t	   *exp = json_object_get(claims, "exp");
	json_t	   *sub = json_object_get(claims, "sub");
	const char *s = json_string_value(sub);

	if (!json_is_integer(exp) || json_integer_value(exp) <= 0)
		return "no exp";
	if (json_integer_value(exp) <= NOW)
		return "expired";
	if (s == NULL || json_string_length(sub) == 0 || json_string_length(sub) > 255)
		return "no usable sub";
	if (strcmp(s, "anonymous") == 0 || strcmp(s, "*") == 0)
		return "sub names a reserved principal";
	return NULL;
}

static const char *
verify(const char *token, jwt_alg_t alg, Identity *who)
{
	static const Identity untouched = {"untouched", -7};
	const char *why;

	*who = untouched;
	why = token_verify(token, alg == JWT_ALG_RS256 ? rsa.public_pem : secret,
					   alg == JWT_ALG_RS256 ? rsa.public_len : SECRET_LEN, alg, NOW, who);
	if (why)
		REQUIRE(memcmp(who, &untouched, sizeof(*who)) == 0, "refused (%s), yet the identity changed", why);
	else
	{
		REQUIRE(who->principal[0] != '\0' && memchr(who->principal, '\0', sizeof(who->principal)),
				"accepted with no principal");
		REQUIRE(strcmp(who->principal, ANONYMOUS_PRINCIPAL) != 0 && strcmp(who->principal, "*") != 0,
				"accepted as the reserved principal %s", who->principal);
		REQUIRE(who->expires > NOW, "accepted, expired at %lld", (long long) who->expires);
	}
	return why;
}

/* Modes 1 and 3: a well-signed token against the claims' own model. */
static void
signed_claims(const char *claims, jwt_alg_t alg)
{
	char	   *token = alg == JWT_ALG_RS256 ? sign(claims, alg, rsa.private_pem, rsa.private_len) :
		sign(claims, alg, secret, SECRET_LEN);
	json_t	   *model;
	const char *want;
	const char *why;
	Identity	who;

	if (token == NULL)
		return;
	model = json_loads(claims, JSON_REJECT_DUPLICATES, NULL);
	want = expected(model);
	why = verify(token, alg, &who);
	REQUIRE(want == why || (want && why && strcmp(want, why) == 0),
			"%s, expected %s, for claims %s", why ? why : "accepted", want ? want : "acceptance", claims);
	if (why == NULL)
	{
		REQUIRE(strcmp(who.principal, json_string_value(json_object_get(model, "sub"))) == 0,
				"principal %s for claims %s", who.principal, claims);
		REQUIRE(who.expires == json_integer_value(json_object_get(model, "exp")),
				"expiry %lld for claims %s", (long long) who.expires, claims);
	}
	json_decref(model);
	free(token);
}

/* Modes 4, 6 and 7: signed, but not as configured. */
static void
refused(const char *claims, jwt_alg_t sign_alg, const unsigned char *key, size_t key_len,
		jwt_alg_t alg, const char *want)
{
	char	   *token = sign(claims, sign_alg, key, key_len);
	Identity	who;
	const char *why;

	if (token == NULL)
		return;
	why = verify(token, alg, &who);
	REQUIRE(why && (want == NULL || strcmp(why, want) == 0), "%s, expected %s, for claims %s",
			why ? why : "accepted", want ? want : "a refusal", claims);
	free(token);
}

/* Mode 5: data[0] is the room for the token, the rest the header. */
static void
bearer(const char *header, size_t room)
{
	char	   *token = malloc(room);
	bool		fits = strncasecmp(header, "Bearer ", 7) == 0 && strlen(header) - 7 < room;
	bool		taken;
	Identity	who;

	if (token == NULL)
		abort();
	memset(token, 'z', room);
	taken = token_from_bearer(header, token, room);
	REQUIRE(taken == fits, "token_from_bearer gave %d for a room of %zu: %s", taken, room, header);
	if (taken)
	{
		REQUIRE(strcmp(token, header + 7) == 0, "token_from_bearer took %s from %s", token, header);
		verify(token, JWT_ALG_HS256, &who);
	}
	else
		for (size_t i = 0; i < room; i++)
			REQUIRE(token[i] == 'z', "token_from_bearer wrote into the token, yet refused %s", header);
	memset(token, 'z', room);
	switch (token_from_cookie(header, "pg_ot_token", token, room))
	{
		case TOKEN_PRESENT:
			REQUIRE(memchr(token, '\0', room) != NULL && token[0] != '\0' && strstr(header, token) != NULL,
					"token_from_cookie took \"%.*s\" from %s", (int) room, token, header);
			REQUIRE(strstr(header, "pg_ot_token") != NULL, "a cookie without its name: %s", header);
			break;
		case TOKEN_UNUSABLE:
			REQUIRE(strstr(header, "pg_ot_token") != NULL, "unusable without the name: %s", header);
			/* fall through */
		case TOKEN_ABSENT:
			for (size_t i = 0; i < room; i++)
				REQUIRE(token[i] == 'z', "token_from_cookie wrote into the token, yet took nothing from %s", header);
			break;
	}
	free(token);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *text;
	Identity	who;

	if (size < 1)
		return 0;
	/* The token reaches the gateway as a C string: terminated, cut at a NUL. */
	text = malloc(size);
	if (text == NULL)
		abort();
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] % 8)
	{
		case 0:
			verify(text, JWT_ALG_HS256, &who);
			break;
		case 1:
			signed_claims(text, JWT_ALG_HS256);
			break;
		case 2:
			verify(text, JWT_ALG_RS256, &who);
			break;
		case 3:
			signed_claims(text, JWT_ALG_RS256);
			break;
		case 4:
			refused(text, JWT_ALG_HS256, rsa.public_pem, rsa.public_len, JWT_ALG_RS256, "wrong algorithm");
			break;
		case 5:
			if (size >= 2)
				bearer(text + 1, 1 + (unsigned char) text[0]);
			break;
		case 6:
			refused(text, JWT_ALG_NONE, NULL, 0, JWT_ALG_HS256, NULL);
			break;
		case 7:
			refused(text, JWT_ALG_HS512, secret, SECRET_LEN, JWT_ALG_HS256, "wrong algorithm");
			break;
	}
	free(text);
	return 0;
}
