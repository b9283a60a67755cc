/* UTF-8 decoding and validation (RFC 3629 §3-4), shared by lib/, jitd, the module and the plugin. */
#include "utf8.h"

size_t jit_utf8_decode(const char *s, size_t n, uint32_t *ret)
{
        const unsigned char *p = (const unsigned char *)s;
        size_t len;
        uint32_t c;

        if (n == 0)
                return 0;
        if (p[0] < 0x80) {
                *ret = p[0];
                return 1;
        }
        /* 0xc0, 0xc1 and 0xf5.. can only start overlong or out-of-range forms. */
        if (p[0] >= 0xc2 && p[0] <= 0xdf)
                len = 2, c = p[0] & 0x1f;
        else if (p[0] >= 0xe0 && p[0] <= 0xef)
                len = 3, c = p[0] & 0x0f;
        else if (p[0] >= 0xf0 && p[0] <= 0xf4)
                len = 4, c = p[0] & 0x07;
        else
                return 0;
        if (len > n)
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((p[i] & 0xc0) != 0x80)
                        return 0;
                c = (c << 6) | (p[i] & 0x3f);
        }
        if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
            (c >= 0xd800 && c <= 0xdfff))
                return 0;
        *ret = c;
        return len;
}

bool jit_utf8_well_formed(const char *s, size_t n)
{
        for (size_t i = 0; i < n;) {
                uint32_t c;
                size_t len;

                /* ASCII needs no decoding, and journal text is mostly ASCII. */
                if ((unsigned char)s[i] < 0x80) {
                        i++;
                        continue;
                }
                len = jit_utf8_decode(s + i, n - i, &c);
                if (len == 0)
                        return false;
                i += len;
        }
        return true;
}

static bool noncharacter(uint32_t c)
{
        return (c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) == 0xfffe;
}

bool jit_utf8_valid_for_bus(const char *s, size_t n)
{
        for (size_t i = 0; i < n;) {
                uint32_t c;
                size_t len;

                if (s[i] == '\0')
                        return false;
                if ((unsigned char)s[i] < 0x80) {
                        i++;
                        continue;
                }
                len = jit_utf8_decode(s + i, n - i, &c);
                if (len == 0 || noncharacter(c))
                        return false;
                i += len;
        }
        return true;
}
