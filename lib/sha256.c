/* SHA-256 through libcrypto's EVP interface (SHA-NI and ARMv8 instructions where the CPU has them). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "sha256.h"

struct JitSha256 {
        EVP_MD *md;
        EVP_MD_CTX *ctx;
        bool failed; /* since jit_sha256_begin(): some EVP call of this message failed */
};

void jit_sha256_free(JitSha256 *h)
{
        if (!h)
                return;
        EVP_MD_CTX_free(h->ctx);
        EVP_MD_free(h->md);
        free(h);
}

int jit_sha256_new(JitSha256 **ret)
{
        JitSha256 *h = calloc(1, sizeof(*h));

        if (!h)
                return -ENOMEM;
        /* An explicit fetch: EVP_sha256() would make libcrypto look the implementation up again at
         * every EVP_DigestInit_ex2(). */
        h->md = EVP_MD_fetch(NULL, "SHA256", NULL);
        h->ctx = EVP_MD_CTX_new();
        /* The first initialisation allocates the provider's state; later ones only reset it, so this
         * is where running out of memory shows, not in the middle of a journal. */
        if (!h->md || !h->ctx || EVP_DigestInit_ex2(h->ctx, h->md, NULL) != 1) {
                int r = h->md && h->ctx ? -EIO : -ENOMEM;
                jit_sha256_free(h);
                return r;
        }
        *ret = h;
        return 0;
}

void jit_sha256_begin(JitSha256 *h)
{
        h->failed = EVP_DigestInit_ex2(h->ctx, h->md, NULL) != 1;
}

void jit_sha256_add(JitSha256 *h, const void *data, size_t len)
{
        if (!h->failed && EVP_DigestUpdate(h->ctx, data, len) != 1)
                h->failed = true;
}

int jit_sha256_end(JitSha256 *h, uint8_t ret[JIT_SHA256_SIZE])
{
        unsigned n = 0;

        if (h->failed || EVP_DigestFinal_ex(h->ctx, ret, &n) != 1 || n != JIT_SHA256_SIZE)
                return -EIO;
        return 0;
}

int jit_sha256(JitSha256 *h, const void *data, size_t len, uint8_t ret[JIT_SHA256_SIZE])
{
        jit_sha256_begin(h);
        jit_sha256_add(h, data, len);
        return jit_sha256_end(h, ret);
}

int jit_sha256_once(const void *data, size_t len, uint8_t ret[JIT_SHA256_SIZE])
{
        JitSha256 *h = NULL;
        int r;

        r = jit_sha256_new(&h);
        if (r < 0)
                return r;
        r = jit_sha256(h, data, len, ret);
        jit_sha256_free(h);
        return r;
}
