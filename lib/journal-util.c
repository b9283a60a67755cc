/* Strict little parsers shared by the journal, note and key code. */
#include <errno.h>
#include <unistd.h>
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

void jit_hex_encode(const uint8_t *in, size_t len, char *out)
{
        static const char digits[] = "0123456789abcdef";

        for (size_t i = 0; i < len; i++) {
                out[2 * i] = digits[in[i] >> 4];
                out[2 * i + 1] = digits[in[i] & 15];
        }
        out[2 * len] = '\0';
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

/* Base64 digit value + 1; 0 for anything else. */
static const uint8_t b64_plus1[256] = {
    ['A'] = 1,  ['B'] = 2,  ['C'] = 3,  ['D'] = 4,  ['E'] = 5,  ['F'] = 6,  ['G'] = 7,  ['H'] = 8,
    ['I'] = 9,  ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16,
    ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
    ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32,
    ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40,
    ['o'] = 41, ['p'] = 42, ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
    ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
    ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
};

static int b64val(char c)
{
        return (int)b64_plus1[(uint8_t)c] - 1;
}

int jit_base64_decode_strict(const char *s, size_t slen, uint8_t *out, size_t max, size_t *ret_len)
{
        size_t n = 0, pad;

        /* Our own decoder: libsodium's accepts some bytes >= 0x80 as base64 digits. */
        if (slen == 0 || slen % 4 != 0)
                return -EINVAL;
        pad = s[slen - 1] == '=' ? (s[slen - 2] == '=' ? 2 : 1) : 0;
        if (slen / 4 * 3 - pad > max)
                return -EINVAL;
        for (size_t i = 0; i < slen; i += 4) {
                int v[4];
                bool last = i + 4 == slen;

                for (size_t k = 0; k < 4; k++) {
                        if (last && k >= 4 - pad) {
                                if (s[i + k] != '=')
                                        return -EINVAL;
                                v[k] = 0;
                                continue;
                        }
                        v[k] = b64val(s[i + k]);
                        if (v[k] < 0)
                                return -EINVAL;
                }
                out[n++] = (uint8_t)(v[0] << 2 | v[1] >> 4);
                if (last && pad == 2) {
                        /* Canonical form only: the bits the padding leaves unused must be zero. */
                        if (v[1] & 0x0f)
                                return -EINVAL;
                        break;
                }
                out[n++] = (uint8_t)((v[1] & 0x0f) << 4 | v[2] >> 2);
                if (last && pad == 1) {
                        if (v[2] & 0x03)
                                return -EINVAL;
                        break;
                }
                out[n++] = (uint8_t)((v[2] & 0x03) << 6 | v[3]);
        }
        *ret_len = n;
        return 0;
}

int jit_read_fd_bounded(int fd, char *buf, size_t max, size_t *ret_len)
{
        size_t n = 0;

        for (;;) {
                ssize_t k = read(fd, buf + n, max - n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                n += (size_t)k;
                if (n == max)
                        return -EFBIG;
        }
        buf[n] = '\0';
        *ret_len = n;
        return 0;
}
