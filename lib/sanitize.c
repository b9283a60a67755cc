/* String sanitising for everything shown to a person or written to a log. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sanitize.h"
#include "util.h"
#include "utf8.h"

typedef struct Buf {
        char *s;
        size_t len, max; /* max counts the NUL */
        size_t cut;      /* where to cut: the end of the last whole piece that leaves room for "..." */
        bool full;
} Buf;

/* Append one piece (a character, an escape, a quote or a space), or, when it does not fit, cut after the
 * last piece that leaves room for the marker: a cut never splits an escape or a UTF-8 sequence, and is
 * always visible. */
static void buf_put(Buf *b, const char *p, size_t n)
{
        static const char marker[] = "...";

        if (b->full)
                return;
        if (b->len + n + 1 > b->max) {
                b->len = b->cut;
                memcpy(b->s + b->len, marker, sizeof(marker) - 1);
                b->len += sizeof(marker) - 1;
                b->full = true;
                return;
        }
        memcpy(b->s + b->len, p, n);
        b->len += n;
        if (b->len + sizeof(marker) <= b->max)
                b->cut = b->len;
}

/* Code points past ASCII that are shown as \u{...}: whatever a terminal draws as nothing, as a
 * blank, or that reorders or rewrites what follows, so that two different commands can never look
 * alike. That is Unicode's White_Space (Zs, Zl, Zp) and Cf (format) categories, its
 * Default_Ignorable_Code_Point property, the fillers that render blank, and the C1 controls
 * (Unicode 15). Sorted and disjoint, for a binary search; noncharacters are checked apart. */
static const struct {
        uint32_t first, last;
} escaped_ranges[] = {
    {0x0080, 0x009f},   /* C1 controls, NEL (U+0085) among them: 8-bit CSI starts escapes (Cc) */
    {0x00a0, 0x00a0},   /* NO-BREAK SPACE (Zs) */
    {0x00ad, 0x00ad},   /* SOFT HYPHEN: invisible unless a line breaks there (Cf) */
    {0x034f, 0x034f},   /* COMBINING GRAPHEME JOINER (default ignorable) */
    {0x0600, 0x0605},   /* Arabic number signs, prefixed to digits (Cf) */
    {0x061c, 0x061c},   /* ARABIC LETTER MARK, a bidi mark (Cf) */
    {0x06dd, 0x06dd},   /* ARABIC END OF AYAH (Cf) */
    {0x070f, 0x070f},   /* SYRIAC ABBREVIATION MARK (Cf) */
    {0x0890, 0x0891},   /* Arabic pound and piastre marks above (Cf) */
    {0x08e2, 0x08e2},   /* ARABIC DISPUTED END OF AYAH (Cf) */
    {0x115f, 0x1160},   /* HANGUL CHOSEONG and JUNGSEONG FILLER: letters that draw nothing */
    {0x1680, 0x1680},   /* OGHAM SPACE MARK (Zs) */
    {0x17b4, 0x17b5},   /* KHMER VOWEL INHERENT AQ and AA (default ignorable) */
    {0x180b, 0x180f},   /* Mongolian free variation selectors, MONGOLIAN VOWEL SEPARATOR (Cf) */
    {0x2000, 0x200f},   /* EN QUAD..HAIR SPACE (Zs), ZERO WIDTH SPACE..RIGHT-TO-LEFT MARK (Cf) */
    {0x2028, 0x202f},   /* LINE and PARAGRAPH SEPARATOR (Zl, Zp), bidi embeddings and overrides
                         * (Cf: Trojan Source), NARROW NO-BREAK SPACE (Zs) */
    {0x205f, 0x206f},   /* MEDIUM MATHEMATICAL SPACE (Zs), WORD JOINER, invisible operators, bidi
                         * isolates, deprecated format characters (Cf) */
    {0x2800, 0x2800},   /* BRAILLE PATTERN BLANK: drawn as a space */
    {0x3000, 0x3000},   /* IDEOGRAPHIC SPACE (Zs) */
    {0x3164, 0x3164},   /* HANGUL FILLER: a letter that draws nothing */
    {0xfdd0, 0xfdef},   /* noncharacters: sd-bus refuses them in strings, so they would break a reply */
    {0xfe00, 0xfe0f},   /* VARIATION SELECTORS 1-16 (default ignorable) */
    {0xfeff, 0xfeff},   /* ZERO WIDTH NO-BREAK SPACE, the byte order mark (Cf) */
    {0xffa0, 0xffa0},   /* HALFWIDTH HANGUL FILLER */
    {0xfff0, 0xfffb},   /* reserved default ignorables, interlinear annotation controls (Cf) */
    {0x110bd, 0x110bd}, /* KAITHI NUMBER SIGN (Cf) */
    {0x110cd, 0x110cd}, /* KAITHI NUMBER SIGN ABOVE (Cf) */
    {0x13430, 0x1343f}, /* Egyptian hieroglyph format controls (Cf) */
    {0x1bca0, 0x1bca3}, /* shorthand format controls (Cf) */
    {0x1d173, 0x1d17a}, /* musical symbol beam, tie, slur and phrase controls (Cf) */
    {0xe0000, 0xe0fff}, /* language tags (Cf), VARIATION SELECTORS 17-256, reserved ignorables */
};

bool jit_codepoint_escaped(uint32_t c)
{
        size_t lo = 0, hi = ELEMENTSOF(escaped_ranges);

        if (c < 0x80) /* ASCII, the common case: only its controls */
                return c < 0x20 || c == 0x7f;
        /* Noncharacters U+FFFE and U+FFFF of every plane (sd-bus refuses them too). */
        if ((c & 0xfffe) == 0xfffe)
                return true;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (c < escaped_ranges[mid].first)
                        hi = mid;
                else if (c > escaped_ranges[mid].last)
                        lo = mid + 1;
                else
                        return true;
        }
        return false;
}

/* How one character at p is shown. */
typedef enum Shown {
        SHOWN_AS_IS,     /* printable: copied */
        SHOWN_BYTE,      /* \xNN: an invalid byte, an ASCII control, or a quote inside a word */
        SHOWN_BACKSLASH, /* \\ when backslashes are escaped, so that escapes stay unambiguous */
        SHOWN_CODEPOINT, /* \u{...} */
} Shown;

static Shown classify(const unsigned char *p, size_t n, bool escape_quote, bool escape_backslash,
                      size_t *ret_len, uint32_t *ret_c)
{
        uint32_t c = p[0];
        size_t len = jit_utf8_decode((const char *)p, n, &c);

        *ret_c = c;
        *ret_len = len ? len : 1;
        if (len == 0 || (len == 1 && (c < 0x20 || c == 0x7f || (escape_quote && c == '\''))))
                return SHOWN_BYTE;
        if (c == '\\')
                return escape_backslash ? SHOWN_BACKSLASH : SHOWN_AS_IS;
        if (jit_codepoint_escaped(c))
                return SHOWN_CODEPOINT;
        return SHOWN_AS_IS;
}

static void sanitize_into(Buf *b, const char *in, size_t in_len, bool escape_quote, bool escape_backslash)
{
        const unsigned char *p = (const unsigned char *)in;
        char esc[16];

        for (size_t i = 0; i < in_len && !b->full;) {
                uint32_t c;
                size_t n;
                int r;

                switch (classify(p + i, in_len - i, escape_quote, escape_backslash, &n, &c)) {
                case SHOWN_BYTE:
                        snprintf(esc, sizeof(esc), "\\x%02x", p[i]);
                        buf_put(b, esc, 4);
                        break;
                case SHOWN_BACKSLASH:
                        buf_put(b, "\\\\", 2);
                        break;
                case SHOWN_CODEPOINT:
                        r = snprintf(esc, sizeof(esc), "\\u{%x}", (unsigned)c);
                        buf_put(b, esc, (size_t)r);
                        break;
                case SHOWN_AS_IS:
                        buf_put(b, (const char *)p + i, n);
                        break;
                }
                i += n;
        }
}

/* A word is quoted when it is empty, holds a space or a quote, or anything shown as an escape
 * other than a backslash: every other whitespace (tab, newline, U+00A0, U+2000..U+200A, U+3000...)
 * and every invisible character is escaped, so "sudo<NBSP>tail" shows as 'sudo\u{a0}tail' and
 * never reads as two words. */
static bool word_needs_quotes(const char *word, size_t len)
{
        const unsigned char *p = (const unsigned char *)word;

        if (len == 0)
                return true;
        for (size_t i = 0; i < len;) {
                uint32_t c;
                size_t n;
                Shown s = classify(p + i, len - i, true, true, &n, &c);

                if (c == ' ' || s == SHOWN_BYTE || s == SHOWN_CODEPOINT)
                        return true;
                i += n;
        }
        return false;
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
                bool quote = word_needs_quotes(word, wlen);

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
