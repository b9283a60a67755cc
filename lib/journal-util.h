/* Strict little parsers shared by the journal, note and key code: decimals, hex, base64. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "0" or [1-9][0-9]* no larger than max; -EINVAL otherwise. */
int jit_parse_u64_strict(const char *s, size_t len, uint64_t max, uint64_t *ret);

/* Exactly 2 * len lowercase hex digits; -EINVAL otherwise. (The one hex encoder is libsodium's
 * sodium_bin2hex(), lowercase and NUL-terminated.) */
int jit_hex_decode_strict(const char *s, size_t slen, uint8_t *out, size_t len);

/* Standard padded base64 (RFC 4648 §4) in canonical form only: re-encoding gives the same text; no
 * whitespace or other bytes. -EINVAL if malformed or if it decodes to more than max bytes. Decoded
 * by libsodium behind these checks. */
int jit_base64_decode_strict(const char *s, size_t slen, uint8_t *out, size_t max, size_t *ret_len);
/* libsodium's encoder; out must hold JIT_BASE64_LEN(len) + 1 bytes. */
void jit_base64_encode(const uint8_t *in, size_t len, char *out);
#define JIT_BASE64_LEN(n) ((((n) + 2) / 3) * 4)
