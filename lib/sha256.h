/* SHA-256 from OpenSSL's libcrypto, with the digest fetched once and one context reused per owner. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define JIT_SHA256_SIZE 32

/* One hashing context: the journal reader, writer and verifier each hold one for their lifetime,
 * because fetching the digest and allocating a context per message would cost more than hashing a
 * record (see BENCHMARKS.md). Not shared between threads. */
typedef struct JitSha256 JitSha256;

/* -ENOMEM, or -EIO if libcrypto has no SHA-256. */
int jit_sha256_new(JitSha256 **ret);
void jit_sha256_free(JitSha256 *h);
static inline void jit_sha256_freep(JitSha256 **h)
{
        jit_sha256_free(*h);
}

/* One message in pieces: begin, add any number of times, end. A failure inside libcrypto is kept
 * and reported by jit_sha256_end() (-EIO), so callers check one return per message. */
void jit_sha256_begin(JitSha256 *h);
void jit_sha256_add(JitSha256 *h, const void *data, size_t len);
int jit_sha256_end(JitSha256 *h, uint8_t ret[JIT_SHA256_SIZE]);

/* One message in one piece. */
int jit_sha256(JitSha256 *h, const void *data, size_t len, uint8_t ret[JIT_SHA256_SIZE]);

/* For a hash now and then (key IDs): a context of its own for this one message. */
int jit_sha256_once(const void *data, size_t len, uint8_t ret[JIT_SHA256_SIZE]);
