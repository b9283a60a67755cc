/* String sanitising for everything shown to a person or written to a log. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sanitize.h"

typedef struct Buf {
        char *s;
        size_t len, max; /* max counts the NUL */
        bool full;
} Buf;

static void buf_put(Buf *b, const char *p, size_t n)
{
        static const char marker[] = "...";

        if (b->full)
                return;
        if (b->len + n + 1 > b->max) {
                /* Leave room for the marker so a cut is always visible. */
                size_t room = b->max > sizeof(marker) ? b->max - sizeof(marker) : 0;
                if (b->len > room)
                        b->len = room;
                memcpy(b->s + b->len, marker, b->max > sizeof(marker) ? sizeof(marker) - 1 : 0);
                b->len += b->max > sizeof(marker) ? sizeof(marker) - 1 : 0;
                b->full = true;
                return;
        }
        memcpy(b->s + b->len, p, n);
        b->len += n;
}

/* Length of a valid UTF-8 sequence at p (1..4) and its code point, or 0 if invalid. */
static size_t utf8_decode(const unsigned char *p, size_t n, uint32_t *ret)
{
        size_t len;
        uint32_t c;

        if (p[0] < 0x80) {
                *ret = p[0];
                return 1;
        }
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
        /* Reject overlong forms, surrogates and values past U+10FFFF. */
        if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
            (c >= 0xd800 && c <= 0xdfff))
                return 0;
        *ret = c;
        return len;
}

/* C1 controls, bidi overrides and isolates (Trojan Source), line and paragraph separators,
 * noncharacters. */
static bool codepoint_unsafe(uint32_t c)
{
        return (c >= 0x80 && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
               c == 0x2028 || c == 0x2029 || c == 0x200e || c == 0x200f || c == 0x061c || c == 0xfeff ||
               /* Noncharacters: sd-bus refuses them in strings, so they would break a reply. */
               (c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) == 0xfffe;
}

static void sanitize_into(Buf *b, const char *in, size_t in_len, bool escape_quote, bool escape_backslash)
{
        const unsigned char *p = (const unsigned char *)in;
        char esc[16];

        for (size_t i = 0; i < in_len && !b->full;) {
                uint32_t c;
                size_t n = utf8_decode(p + i, in_len - i, &c);

                if (n == 0) {
                        snprintf(esc, sizeof(esc), "\\x%02x", p[i]);
                        buf_put(b, esc, 4);
                        i++;
                } else if (n == 1 && (c < 0x20 || c == 0x7f || (escape_quote && c == '\''))) {
                        snprintf(esc, sizeof(esc), "\\x%02x", (unsigned)c);
                        buf_put(b, esc, 4);
                        i++;
                } else if (n == 1 && c == '\\' && escape_backslash) {
                        buf_put(b, "\\\\", 2);
                        i++;
                } else if (codepoint_unsafe(c)) {
                        int k = snprintf(esc, sizeof(esc), "\\u{%x}", (unsigned)c);
                        buf_put(b, esc, (size_t)k);
                        i += n;
                } else {
                        buf_put(b, (const char *)p + i, n);
                        i += n;
                }
        }
}

char *jit_sanitize(const char *in, size_t in_len, size_t max)
{
        Buf b = {.max = max < 8 ? 8 : max};

        b.s = malloc(b.max);
        if (!b.s)
                return NULL;
        sanitize_into(&b, in ? in : "", in ? in_len : 0, false, true);
        b.s[b.len] = '\0';
        return b.s;
}

char *jit_sanitize_terminal(const char *in, size_t in_len, size_t max)
{
        Buf b = {.max = max < 8 ? 8 : max};

        b.s = malloc(b.max);
        if (!b.s)
                return NULL;
        sanitize_into(&b, in ? in : "", in ? in_len : 0, false, false);
        b.s[b.len] = '\0';
        return b.s;
}

char *jit_join_argv(const char *buf, size_t len, size_t max)
{
        Buf b = {.max = max < 8 ? 8 : max};

        b.s = malloc(b.max);
        if (!b.s)
                return NULL;
        for (size_t i = 0; i < len && !b.full;) {
                const char *word = buf + i;
                size_t wlen = strnlen(word, len - i);
                bool quote = wlen == 0 || memchr(word, ' ', wlen) || memchr(word, '\'', wlen);

                if (i > 0)
                        buf_put(&b, " ", 1);
                if (quote)
                        buf_put(&b, "'", 1);
                /* A quote inside a word is escaped, so quoting stays unambiguous. */
                sanitize_into(&b, word, wlen, true, true);
                if (quote)
                        buf_put(&b, "'", 1);
                i += wlen + 1;
        }
        b.s[b.len] = '\0';
        return b.s;
}
