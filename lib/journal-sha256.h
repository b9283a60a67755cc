/* SHA-256 for the journal's hot paths: SHA-NI when the CPU has it, portable C otherwise. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JIT_SHA256_SIZE 32

typedef struct JitSha256 {
        uint32_t h[8];
        uint64_t total;
        uint8_t buf[64];
        size_t fill;
        bool ni;
} JitSha256;

void jit_sha256_init(JitSha256 *c);
/* As jit_sha256_init(), but never uses SHA-NI: for tests and benchmarks that compare the two. */
void jit_sha256_init_portable(JitSha256 *c);
void jit_sha256_update(JitSha256 *c, const void *data, size_t len);
void jit_sha256_final(JitSha256 *c, uint8_t ret[JIT_SHA256_SIZE]);
void jit_sha256(const void *data, size_t len, uint8_t ret[JIT_SHA256_SIZE]);
bool jit_sha256_have_ni(void);
