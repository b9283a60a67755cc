/* Strict little parsers shared by the journal, note and key code. */
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "journal-util.h"

bool jit_utf8_valid(const char *str, size_t len)
{
        const uint8_t *s = (const uint8_t *)str;
        size_t i = 0;

        while (i < len) {
                uint8_t c = s[i];
                uint32_t cp;
                size_t n;

                if (c < 0x80) {
                        i++;
                        continue;
                }
                if (c >= 0xc2 && c <= 0xdf) {
                        n = 1;
                        cp = c & 0x1f;
                } else if (c >= 0xe0 && c <= 0xef) {
                        n = 2;
                        cp = c & 0x0f;
                } else if (c >= 0xf0 && c <= 0xf4) {
                        n = 3;
                        cp = c & 0x07;
                } else
                        return false;
                if (len - i <= n)
                        return false;
                for (size_t k = 1; k <= n; k++) {
                        if ((s[i + k] & 0xc0) != 0x80)
                                return false;
                        cp = (cp << 6) | (s[i + k] & 0x3f);
                }
                if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
                    (cp >= 0xd800 && cp <= 0xdfff))
                        return false;
                i += n + 1;
        }
        return true;
}

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

static int hexval(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

int jit_hex_decode_strict(const char *s, size_t slen, uint8_t *out, size_t len)
{
        if (slen != 2 * len)
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
                if (hi < 0 || lo < 0)
                        return -EINVAL;
                out[i] = (uint8_t)(hi << 4 | lo);
        }
        return 0;
}

void jit_base64_encode(const uint8_t *in, size_t len, char *out)
{
        sodium_bin2base64(out, JIT_BASE64_LEN(len) + 1, in, len, sodium_base64_VARIANT_ORIGINAL);
}

static int b64val(char c)
{
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (c == '+')
                return 62;
        if (c == '/')
                return 63;
        return -1;
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
