/* Fuzz jit_sanitize(), jit_sanitize_terminal() and jit_join_argv(): whatever the input, the output
 * is bounded by max, valid UTF-8, free of raw control and invisible characters, cut only between
 * escapes, and (uncut) decodes back to exactly the input, so two different inputs never look alike.
 * The first two input bytes choose max; the rest is the string, or the argv split on NUL. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "journal-util.h"
#include "sanitize.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT (64 * 1024)

/* What A44 names, written down apart from lib/sanitize.c's table so a gap in it is caught. */
static bool must_be_escaped(uint32_t c)
{
        static const uint32_t ranges[][2] = {
            {0x0000, 0x001f}, {0x007f, 0x00a0}, {0x00ad, 0x00ad},   {0x034f, 0x034f},   {0x061c, 0x061c},
            {0x115f, 0x1160}, {0x1680, 0x1680}, {0x180e, 0x180e},   {0x2000, 0x200f},   {0x2028, 0x202f},
            {0x205f, 0x206f}, {0x3000, 0x3000}, {0x3164, 0x3164},   {0xfe00, 0xfe0f},   {0xfeff, 0xfeff},
            {0xffa0, 0xffa0}, {0xfff9, 0xfffb}, {0xe0000, 0xe007f}, {0xe0100, 0xe01ef},
        };

        for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
                if (c >= ranges[i][0] && c <= ranges[i][1])
                        return true;
        return false;
}

/* Decode one code point of valid UTF-8. */
static size_t decode(const unsigned char *p, uint32_t *ret)
{
        if (p[0] < 0x80)
                return *ret = p[0], 1;
        if (p[0] < 0xe0)
                return *ret = (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f), 2;
        if (p[0] < 0xf0)
                return *ret = (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f),
                       3;
        *ret = (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 | (uint32_t)(p[2] & 0x3f) << 6 |
               (p[3] & 0x3f);
        return 4;
}

/* Every output: not NULL, shorter than max, valid UTF-8, nothing raw that must be escaped. */
static void check_safe(const char *out, size_t max)
{
        size_t len;

        if (!out)
                abort();
        len = strlen(out);
        if (len + 1 > (max < 8 ? 8 : max))
                abort();
        if (!jit_utf8_well_formed(out, len))
                abort();
        for (size_t i = 0; i < len;) {
                uint32_t c;
                i += decode((const unsigned char *)out + i, &c);
                if (must_be_escaped(c) || jit_codepoint_escaped(c))
                        abort();
        }
}

/* A cut output is a prefix of the uncut one that ends between two escapes, plus "...". */
static void check_cut(const char *cut, const char *whole)
{
        size_t n = strlen(cut);

        if (strcmp(cut, whole) == 0)
                return;
        if (n < 3 || strcmp(cut + n - 3, "...") != 0 || strncmp(cut, whole, n - 3) != 0)
                abort();
        /* The byte after the kept part starts a new character or escape, never the middle of one. */
        if (((unsigned char)whole[n - 3] & 0xc0) == 0x80)
                abort();
        for (size_t i = 0; i < n - 3; i++)
                if (whole[i] == '\\') {
                        size_t end = i + 2; /* "\\\\" */
                        if (whole[i + 1] == 'x')
                                end = i + 4;
                        else if (whole[i + 1] == 'u')
                                end = (size_t)(strchr(whole + i, '}') - whole) + 1;
                        if (end > n - 3)
                                abort();
                        i = end - 1;
                }
}

static size_t put_utf8(uint32_t c, char *p)
{
        if (c < 0x80)
                return p[0] = (char)c, 1;
        if (c < 0x800)
                return p[0] = (char)(0xc0 | c >> 6), p[1] = (char)(0x80 | (c & 0x3f)), 2;
        if (c < 0x10000)
                return p[0] = (char)(0xe0 | c >> 12), p[1] = (char)(0x80 | (c >> 6 & 0x3f)),
                       p[2] = (char)(0x80 | (c & 0x3f)), 3;
        p[0] = (char)(0xf0 | c >> 18);
        p[1] = (char)(0x80 | (c >> 12 & 0x3f));
        p[2] = (char)(0x80 | (c >> 6 & 0x3f));
        p[3] = (char)(0x80 | (c & 0x3f));
        return 4;
}

/* Undo the escapes of s[0..n) into out (which has room for n bytes: escapes only shrink); returns the
 * decoded length. Aborts on a malformed escape. */
static size_t unescape(const char *s, size_t n, char *out)
{
        size_t o = 0;

        for (size_t i = 0; i < n; i++) {
                if (s[i] != '\\') {
                        out[o++] = s[i];
                        continue;
                }
                if (i + 1 >= n)
                        abort();
                if (s[i + 1] == '\\') {
                        out[o++] = '\\';
                        i++;
                } else if (s[i + 1] == 'x' && i + 3 < n) {
                        char hex[3] = {s[i + 2], s[i + 3], 0}, *end;
                        out[o++] = (char)strtoul(hex, &end, 16);
                        if (*end)
                                abort();
                        i += 3;
                } else if (s[i + 1] == 'u' && i + 2 < n && s[i + 2] == '{') {
                        char *end;
                        unsigned long c = strtoul(s + i + 3, &end, 16);
                        if (*end != '}' || end == s + i + 3 || c > 0x10ffff || !jit_codepoint_escaped(c))
                                abort();
                        o += put_utf8((uint32_t)c, out + o);
                        i = (size_t)(end - s);
                } else
                        abort();
        }
        return o;
}

/* Parse a joined argv back into NUL-terminated words; it must give the input's words again. */
static void check_join_roundtrip(const char *shown, const char *in, size_t in_len)
{
        size_t n = strlen(shown), o = 0;
        char *words = malloc(n + 1);

        if (!words)
                abort();
        for (size_t i = 0; i < n;) {
                size_t start = i, end;
                bool quoted = shown[i] == '\'';

                if (quoted) {
                        const char *q = memchr(shown + i + 1, '\'', n - i - 1);
                        if (!q)
                                abort();
                        start = i + 1;
                        end = (size_t)(q - shown);
                        i = end + 1;
                } else {
                        const char *sp = memchr(shown + i, ' ', n - i);
                        end = sp ? (size_t)(sp - shown) : n;
                        i = end;
                        /* An unquoted word is never empty, and holds no escape but a backslash. */
                        if (end == start)
                                abort();
                        for (size_t r = start; r < end; r++)
                                if (shown[r] == '\\' && shown[++r] != '\\')
                                        abort();
                }
                o += unescape(shown + start, end - start, words + o);
                words[o++] = '\0';
                if (i < n && shown[i++] != ' ')
                        abort();
                if (i == n && shown[n - 1] == ' ')
                        abort();
        }
        /* The input's last word may lack its NUL. */
        if (!(o == in_len || (o == in_len + 1 && in_len > 0 && in[in_len - 1] != '\0')) ||
            memcmp(words, in, in_len) != 0)
                abort();
        free(words);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *in = (const char *)data + 2;
        size_t max, n, big;
        char *whole, *cut, *back;

        if (size < 2 || size > MAX_INPUT)
                return 0;
        max = ((size_t)data[0] << 8 | data[1]) % 8192;
        n = size - 2;
        /* At most 10 bytes shown for 4 in (\u{10ffff}), 4 for 1 (\xNN), plus quotes and spaces. */
        big = 4 * n + 16;
        /* What the bus takes is a subset of well-formed UTF-8, and the decoder agrees with both. */
        if (jit_utf8_valid_for_bus(in, n) && !jit_utf8_well_formed(in, n))
                abort();
        if (jit_utf8_well_formed(in, n))
                for (size_t i = 0; i < n;) {
                        uint32_t c;
                        size_t r = jit_utf8_decode(in + i, n - i, &c);
                        if (r == 0)
                                abort();
                        i += r;
                }

        /* jit_sanitize: bounded, safe, cut cleanly, and reversible. */
        whole = jit_sanitize(in, n, big);
        check_safe(whole, big);
        back = malloc(strlen(whole) + 1);
        if (!back || unescape(whole, strlen(whole), back) != n || memcmp(back, in, n) != 0)
                abort();
        free(back);
        cut = jit_sanitize(in, n, max);
        check_safe(cut, max);
        check_cut(cut, whole);
        free(cut);
        free(whole);

        /* jit_sanitize_terminal: bounded and safe (it keeps backslashes, so it is not reversible). */
        cut = jit_sanitize_terminal(in, n, max);
        check_safe(cut, max);
        free(cut);

        /* jit_join_argv: bounded, safe, cut cleanly, and parses back into the same words. */
        whole = jit_join_argv(in, n, big);
        check_safe(whole, big);
        check_join_roundtrip(whole, in, n);
        cut = jit_join_argv(in, n, max);
        check_safe(cut, max);
        check_cut(cut, whole);
        free(cut);
        free(whole);
        return 0;
}
