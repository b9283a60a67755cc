/* SHA-256 (FIPS 180-4): a portable compression function and an x86 SHA-NI one, chosen at run time. */
#include <string.h>

#include "journal-sha256.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define HAVE_X86 1
#else
#define HAVE_X86 0
#endif

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static const uint32_t H0[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

static inline uint32_t ror(uint32_t x, unsigned n)
{
        return (x >> n) | (x << (32 - n));
}

static inline uint32_t load_be32(const uint8_t *p)
{
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void blocks_portable(uint32_t h[8], const uint8_t *p, size_t n)
{
        for (; n > 0; n--, p += 64) {
                uint32_t w[64], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6],
                                hh = h[7];

                for (int t = 0; t < 16; t++)
                        w[t] = load_be32(p + 4 * t);
                for (int t = 16; t < 64; t++) {
                        uint32_t s0 = ror(w[t - 15], 7) ^ ror(w[t - 15], 18) ^ (w[t - 15] >> 3);
                        uint32_t s1 = ror(w[t - 2], 17) ^ ror(w[t - 2], 19) ^ (w[t - 2] >> 10);
                        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
                }
                for (int t = 0; t < 64; t++) {
                        uint32_t t1 =
                            hh + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + w[t];
                        uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
                        hh = g;
                        g = f;
                        f = e;
                        e = d + t1;
                        d = c;
                        c = b;
                        b = a;
                        a = t1 + t2;
                }
                h[0] += a;
                h[1] += b;
                h[2] += c;
                h[3] += d;
                h[4] += e;
                h[5] += f;
                h[6] += g;
                h[7] += hh;
        }
}

#if HAVE_X86
/* Four rounds: add the round constants to the schedule words and run two sha256rnds2 steps. */
#define ROUNDS4(msg, i)                                                                                     \
        do {                                                                                                \
                __m128i _m = _mm_add_epi32((msg), _mm_loadu_si128((const __m128i *)&K[4 * (i)]));           \
                s1 = _mm_sha256rnds2_epu32(s1, s0, _m);                                                     \
                _m = _mm_shuffle_epi32(_m, 0x0E);                                                           \
                s0 = _mm_sha256rnds2_epu32(s0, s1, _m);                                                     \
        } while (0)

/* The next four schedule words from the previous sixteen (m0 oldest); the result replaces m0. */
#define SCHEDULE(m0, m1, m2, m3)                                                                            \
        do {                                                                                                \
                m0 = _mm_sha256msg1_epu32(m0, m1);                                                          \
                m0 = _mm_add_epi32(m0, _mm_alignr_epi8(m3, m2, 4));                                         \
                m0 = _mm_sha256msg2_epu32(m0, m3);                                                          \
        } while (0)

__attribute__((target("sha,sse4.1,ssse3"))) static void blocks_ni(uint32_t h[8], const uint8_t *p, size_t n)
{
        const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
        __m128i tmp = _mm_loadu_si128((const __m128i *)&h[0]);
        __m128i s1 = _mm_loadu_si128((const __m128i *)&h[4]);
        __m128i s0;

        /* The instructions want the state as ABEF and CDGH. */
        tmp = _mm_shuffle_epi32(tmp, 0xB1);
        s1 = _mm_shuffle_epi32(s1, 0x1B);
        s0 = _mm_alignr_epi8(tmp, s1, 8);
        s1 = _mm_blend_epi16(s1, tmp, 0xF0);

        for (; n > 0; n--, p += 64) {
                __m128i abef = s0, cdgh = s1;
                __m128i m0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 0)), bswap);
                __m128i m1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16)), bswap);
                __m128i m2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 32)), bswap);
                __m128i m3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 48)), bswap);

                ROUNDS4(m0, 0);
                ROUNDS4(m1, 1);
                ROUNDS4(m2, 2);
                ROUNDS4(m3, 3);
                for (int i = 4; i < 16; i += 4) {
                        SCHEDULE(m0, m1, m2, m3);
                        ROUNDS4(m0, i);
                        SCHEDULE(m1, m2, m3, m0);
                        ROUNDS4(m1, i + 1);
                        SCHEDULE(m2, m3, m0, m1);
                        ROUNDS4(m2, i + 2);
                        SCHEDULE(m3, m0, m1, m2);
                        ROUNDS4(m3, i + 3);
                }
                s0 = _mm_add_epi32(s0, abef);
                s1 = _mm_add_epi32(s1, cdgh);
        }

        tmp = _mm_shuffle_epi32(s0, 0x1B);
        s1 = _mm_shuffle_epi32(s1, 0xB1);
        s0 = _mm_blend_epi16(tmp, s1, 0xF0);
        s1 = _mm_alignr_epi8(s1, tmp, 8);
        _mm_storeu_si128((__m128i *)&h[0], s0);
        _mm_storeu_si128((__m128i *)&h[4], s1);
}
#endif

bool jit_sha256_have_ni(void)
{
#if HAVE_X86
        /* CPUID is slow under a hypervisor, so ask once; the answer never changes. */
        static int cached = -1;
        int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);

        if (v < 0) {
                unsigned a, b, c, d;

                v = 0;
                if (__get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29))) {
                        unsigned a1, b1, c1, d1;
                        /* SSSE3 (ECX bit 9) and SSE4.1 (ECX bit 19) are needed around the SHA ops. */
                        if (__get_cpuid(1, &a1, &b1, &c1, &d1) && (c1 & (1u << 9)) && (c1 & (1u << 19)))
                                v = 1;
                }
                __atomic_store_n(&cached, v, __ATOMIC_RELAXED);
        }
        return v == 1;
#else
        return false;
#endif
}

static void blocks(JitSha256 *c, const uint8_t *p, size_t n)
{
#if HAVE_X86
        if (c->ni) {
                blocks_ni(c->h, p, n);
                return;
        }
#endif
        blocks_portable(c->h, p, n);
}

void jit_sha256_init_portable(JitSha256 *c)
{
        memcpy(c->h, H0, sizeof(H0));
        c->total = 0;
        c->fill = 0;
        c->ni = false;
}

void jit_sha256_init(JitSha256 *c)
{
        jit_sha256_init_portable(c);
        c->ni = jit_sha256_have_ni();
}

void jit_sha256_update(JitSha256 *c, const void *data, size_t len)
{
        const uint8_t *p = data;

        c->total += len;
        if (c->fill > 0) {
                size_t take = 64 - c->fill < len ? 64 - c->fill : len;
                memcpy(c->buf + c->fill, p, take);
                c->fill += take;
                p += take;
                len -= take;
                if (c->fill < 64)
                        return;
                blocks(c, c->buf, 1);
                c->fill = 0;
        }
        if (len >= 64) {
                blocks(c, p, len / 64);
                p += len & ~(size_t)63;
                len &= 63;
        }
        if (len > 0) {
                memcpy(c->buf, p, len);
                c->fill = len;
        }
}

void jit_sha256_final(JitSha256 *c, uint8_t ret[JIT_SHA256_SIZE])
{
        uint64_t bits = c->total * 8;

        c->buf[c->fill++] = 0x80;
        if (c->fill > 56) {
                memset(c->buf + c->fill, 0, 64 - c->fill);
                blocks(c, c->buf, 1);
                c->fill = 0;
        }
        memset(c->buf + c->fill, 0, 56 - c->fill);
        for (int i = 0; i < 8; i++)
                c->buf[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
        blocks(c, c->buf, 1);
        for (int i = 0; i < 8; i++) {
                ret[4 * i] = (uint8_t)(c->h[i] >> 24);
                ret[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
                ret[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
                ret[4 * i + 3] = (uint8_t)c->h[i];
        }
        memset(c, 0, sizeof(*c));
}

void jit_sha256(const void *data, size_t len, uint8_t ret[JIT_SHA256_SIZE])
{
        JitSha256 c;

        jit_sha256_init(&c);
        jit_sha256_update(&c, data, len);
        jit_sha256_final(&c, ret);
}
