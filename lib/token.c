/* Approval tokens (token.h): written by `jitctl sign`, read by jitd's Redeem. Bounded and fuzzed
 * (tests/fuzz/fuzz-token.c); every encoding is libsodium's. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "id.h"
#include "sshsig.h"
#include "token.h"
#include "util.h"

#define B64URL sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define B64STD sodium_base64_VARIANT_ORIGINAL

void token_done(Token *t)
{
        free(t->signature);
        *t = (Token){};
}

/* Origins and principals are names: printable ASCII, no blanks, not empty. Nothing in them can
 * reshape a message or a terminal when jitd or jitctl shows them. */
static bool name_ok(const char *s, size_t n)
{
        if (n == 0)
                return false;
        for (size_t i = 0; i < n; i++)
                if (s[i] <= 0x20 || s[i] >= 0x7f)
                        return false;
        return true;
}

/* b64 (exactly b64_len characters) decoded into buf (at most max bytes): the decoded length, or
 * -EBADMSG if it is not wholly valid base64 of this variant or does not fit. */
static ssize_t b64_decode(const char *b64, size_t b64_len, void *buf, size_t max, int variant)
{
        const char *end = NULL;
        size_t len = 0;

        if (b64_len == 0 ||
            sodium_base642bin(buf, max, b64, b64_len, NULL, &len, &end, variant) != 0 || end != b64 + b64_len)
                return -EBADMSG;
        return (ssize_t)len;
}

/* The malloc'd base64 of buf[0..n) in this variant. */
static char *b64_encode(const void *buf, size_t n, int variant)
{
        size_t len = sodium_base64_ENCODED_LEN(n, variant);
        char *s = malloc(len);

        if (s)
                sodium_bin2base64(s, len, buf, n, variant);
        return s;
}

int token_format(const char *id, const char *origin, const char *principal, const char *signature_b64,
                 char **ret)
{
        _cleanup_free_ char *o = NULL, *p = NULL, *s = NULL;
        _cleanup_free_ uint8_t *blob = NULL;
        SshSig sig;
        ssize_t n;

        if (!jit_id_valid(id) || strlen(origin) > TOKEN_MAX_ORIGIN || !name_ok(origin, strlen(origin)) ||
            strlen(principal) > TOKEN_MAX_PRINCIPAL || !name_ok(principal, strlen(principal)))
                return -EINVAL;
        blob = malloc(SSHSIG_MAX_ARMORED);
        if (!blob)
                return -ENOMEM;
        n = b64_decode(signature_b64, strlen(signature_b64), blob, SSHSIG_MAX_ARMORED, B64STD);
        /* Only what the parser would take back: a token jitd refuses is never printed. */
        if (n < 0 || sshsig_parse_blob(blob, (size_t)n, &sig) < 0)
                return -EINVAL;
        o = b64_encode(origin, strlen(origin), B64URL);
        p = b64_encode(principal, strlen(principal), B64URL);
        s = b64_encode(blob, (size_t)n, B64URL);
        if (!o || !p || !s)
                return -ENOMEM;
        if (asprintf(ret, TOKEN_PREFIX "%s.%s.%s.%s", id, o, p, s) < 0)
                return -ENOMEM;
        if (strlen(*ret) > TOKEN_MAX) {
                free(TAKE_PTR(*ret));
                return -EINVAL;
        }
        return 0;
}

static bool blank(char c)
{
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int token_parse(const char *text, size_t n, Token *ret)
{
        _cleanup_(token_done) Token t = {};
        _cleanup_free_ uint8_t *blob = NULL;
        const char *f[4], *p, *end;
        size_t len[4];
        SshSig sig;
        ssize_t k;
        int r;

        while (n > 0 && blank(text[n - 1]))
                n--;
        while (n > 0 && blank(*text)) {
                text++;
                n--;
        }
        if (n > TOKEN_MAX || n < strlen(TOKEN_PREFIX) || memcmp(text, TOKEN_PREFIX, strlen(TOKEN_PREFIX)) != 0 ||
            memchr(text, 0, n))
                return -EBADMSG;
        p = text + strlen(TOKEN_PREFIX);
        end = text + n;
        /* Exactly four fields, split at dots (no base64url character is a dot). */
        for (size_t i = 0; i < 4; i++) {
                const char *dot = memchr(p, '.', (size_t)(end - p));
                if ((i < 3) != (dot != NULL))
                        return -EBADMSG;
                f[i] = p;
                len[i] = (size_t)((dot ? dot : end) - p);
                p = dot ? dot + 1 : end;
        }
        if (len[0] != JIT_ID_LEN)
                return -EBADMSG;
        memcpy(t.id, f[0], JIT_ID_LEN);
        if (!jit_id_valid(t.id))
                return -EBADMSG;
        k = b64_decode(f[1], len[1], t.origin, TOKEN_MAX_ORIGIN, B64URL);
        if (k < 0 || !name_ok(t.origin, (size_t)k))
                return -EBADMSG;
        k = b64_decode(f[2], len[2], t.principal, TOKEN_MAX_PRINCIPAL, B64URL);
        if (k < 0 || !name_ok(t.principal, (size_t)k))
                return -EBADMSG;
        blob = malloc(TOKEN_MAX);
        if (!blob)
                return -ENOMEM;
        k = b64_decode(f[3], len[3], blob, TOKEN_MAX, B64URL);
        if (k < 0)
                return -EBADMSG;
        r = sshsig_parse_blob(blob, (size_t)k, &sig);
        if (r < 0)
                return r == -EPROTONOSUPPORT ? r : -EBADMSG;
        t.signature = b64_encode(blob, (size_t)k, B64STD);
        if (!t.signature)
                return -ENOMEM;
        *ret = t;
        t = (Token){};
        return 0;
}
