/* Strict little parsers shared by the journal, note and key code. */
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "journal-util.h"

int jit_parse_u64_strict(const char *s, size_t len, uint64_t max, uint64_t *ret)
{
        uint64_t v = 0;

        if (len == 0 || len > 20 || (s[0] == '0' && len > 1))
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                unsigned d;

                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                d = (unsigned)(s[i] - '0');
                if (v > (max - d) / 10)
                        return -EINVAL;
                v = v * 10 + d;
        }
        *ret = v;
        return 0;
}

/* Digit value + 1, so that 0 means "not a digit" (lowercase hex only). */
static const uint8_t hex_plus1[256] = {
    ['0'] = 1, ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
    ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
};

int jit_hex_decode_strict(const char *s, size_t slen, uint8_t *out, size_t len)
{
        const uint8_t *p = (const uint8_t *)s;
        unsigned bad = 0;

        if (slen != 2 * len)
                return -EINVAL;
        /* Branch-free: this runs for every record's prev. */
        for (size_t i = 0; i < len; i++) {
                unsigned hi = hex_plus1[p[2 * i]], lo = hex_plus1[p[2 * i + 1]];
                bad |= (hi == 0) | (lo == 0);
                out[i] = (uint8_t)((hi - 1) << 4 | ((lo - 1) & 15));
        }
        return bad ? -EINVAL : 0;
}

void jit_base64_encode(const uint8_t *in, size_t len, char *out)
{
        sodium_bin2base64(out, JIT_BASE64_LEN(len) + 1, in, len, sodium_base64_VARIANT_ORIGINAL);
}

/* RFC 4648 §4's alphabet, in ASCII only whatever the locale. */
static bool base64_digit(char c)
{
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
               c == '/';
}

int jit_base64_decode_strict(const char *s, size_t slen, uint8_t *out, size_t max, size_t *ret_len)
{
        const char *end = NULL;
        size_t pad, n = 0;

        /* libsodium decodes; these checks stand in front of it so that the contract is ours and
         * visible here: whole quanta, at most two '=' and only at the end, nothing but the alphabet
         * before them (no whitespace, no bytes >= 0x80), and no more than max bytes. libsodium
         * refuses non-zero bits under the padding (non-canonical text) itself. */
        if (slen == 0 || slen % 4 != 0)
                return -EINVAL;
        pad = s[slen - 1] == '=' ? (s[slen - 2] == '=' ? 2 : 1) : 0;
        if (slen / 4 * 3 - pad > max)
                return -EINVAL;
        for (size_t i = 0; i < slen - pad; i++)
                if (!base64_digit(s[i]))
                        return -EINVAL;
        if (sodium_base642bin(out, max, s, slen, NULL, &n, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
            end != s + slen || n != slen / 4 * 3 - pad)
                return -EINVAL;
        *ret_len = n;
        return 0;
}
