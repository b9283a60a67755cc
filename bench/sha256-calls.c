/* Cost of one SHA-256 call at the journal's message sizes (a Merkle node is 65 bytes, a record about
 * 430): lib/sha256.c (libcrypto, one reused context) beside libcrypto without a reused context and
 * libsodium, in the same run. CPU time per call, best of 3 passes.
 *   make build/bench/sha256-calls && build/bench/sha256-calls */
#include <openssl/evp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sha256.h"

static double cpu_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

enum { LIB_SHA256, EVP_FRESH, SODIUM, N_WAYS };
static const char *const way_name[N_WAYS] = {
    "lib/sha256.c (libcrypto, reused context)",
    "libcrypto EVP_Digest(), a context per call",
    "libsodium crypto_hash_sha256()",
};

static double per_call_ns(int way, JitSha256 *h, const uint8_t *data, size_t n, long iters)
{
        uint8_t out[32];
        unsigned len;
        double best = 1e9;

        for (int pass = 0; pass < 3; pass++) {
                double t0 = cpu_s();
                for (long i = 0; i < iters; i++) {
                        if (way == LIB_SHA256 && jit_sha256(h, data, n, out) < 0)
                                abort();
                        if (way == EVP_FRESH && EVP_Digest(data, n, out, &len, EVP_sha256(), NULL) != 1)
                                abort();
                        if (way == SODIUM)
                                crypto_hash_sha256(out, data, n);
                }
                double t = (cpu_s() - t0) / (double)iters * 1e9;
                if (t < best)
                        best = t;
        }
        return best;
}

int main(void)
{
        static uint8_t data[4096];
        static const size_t sizes[] = {65, 430, 4096};
        JitSha256 *h = NULL;

        if (sodium_init() < 0 || jit_sha256_new(&h) < 0)
                return 1;
        randombytes_buf(data, sizeof(data));
        for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
                for (int way = 0; way < N_WAYS; way++) {
                        long iters = sizes[s] > 1000 ? 100000 : 1000000;
                        printf("%5zu bytes  %-45s %8.1f ns/call\n", sizes[s], way_name[way],
                               per_call_ns(way, h, data, sizes[s], iters));
                }
        jit_sha256_free(h);
        return 0;
}
