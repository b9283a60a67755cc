/* Sanitising hostile strings (A24, A44) and joining argv unambiguously. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sanitize.h"
#include "tap.h"
#include "util.h"

static void same(Tap *t, const char *in, size_t len, size_t max, const char *want, const char *name)
{
        _cleanup_free_ char *got = jit_sanitize(in, len, max);
        tap_is_str(t, got, want, name);
}

static void joined(Tap *t, const char *in, size_t len, const char *want, const char *name)
{
        _cleanup_free_ char *got = jit_join_argv(in, len, 4096);
        tap_is_str(t, got, want, name);
}

/* The UTF-8 form of c (c <= U+10FFFF, not a surrogate) into buf[5]; returns its length. */
static size_t utf8(uint32_t c, char *buf)
{
        size_t n;

        if (c < 0x80) {
                buf[0] = (char)c;
                n = 1;
        } else if (c < 0x800) {
                buf[0] = (char)(0xc0 | (c >> 6));
                buf[1] = (char)(0x80 | (c & 0x3f));
                n = 2;
        } else if (c < 0x10000) {
                buf[0] = (char)(0xe0 | (c >> 12));
                buf[1] = (char)(0x80 | ((c >> 6) & 0x3f));
                buf[2] = (char)(0x80 | (c & 0x3f));
                n = 3;
        } else {
                buf[0] = (char)(0xf0 | (c >> 18));
                buf[1] = (char)(0x80 | ((c >> 12) & 0x3f));
                buf[2] = (char)(0x80 | ((c >> 6) & 0x3f));
                buf[3] = (char)(0x80 | (c & 0x3f));
                n = 4;
        }
        buf[n] = '\0';
        return n;
}

/* "a<c>b" through jit_sanitize, jit_sanitize_terminal and as an argv word. */
static void escaped(Tap *t, uint32_t c, const char *what)
{
        char ch[5], in[16], want[32], name[160];
        size_t n = utf8(c, ch);

        snprintf(in, sizeof(in), "a%sb", ch);
        snprintf(want, sizeof(want), "a\\u{%x}b", (unsigned)c);
        snprintf(name, sizeof(name), "U+%04X (%s) is escaped as \\u{%x}", (unsigned)c, what, (unsigned)c);
        same(t, in, n + 2, 64, want, name);

        _cleanup_free_ char *term = jit_sanitize_terminal(in, n + 2, 64);
        snprintf(name, sizeof(name), "U+%04X (%s) is escaped by the terminal variant too", (unsigned)c,
                 what);
        tap_is_str(t, term, want, name);

        /* As one word of an argv: escaped and quoted, so it never reads as two words or as none. */
        char argv[32], want_word[48];
        size_t len = (size_t)snprintf(argv, sizeof(argv), "id%c%s", '\0', in) + 1;
        snprintf(want_word, sizeof(want_word), "id '%s'", want);
        snprintf(name, sizeof(name), "U+%04X (%s) in an argv word: escaped and the word quoted", (unsigned)c,
                 what);
        joined(t, argv, len, want_word, name);
}

/* c is visible text: it passes as it is and does not make a word quoted. */
static void visible(Tap *t, uint32_t c, const char *what)
{
        char ch[5], in[16], argv[24], want[24], name[160];
        size_t n = utf8(c, ch);

        snprintf(in, sizeof(in), "a%sb", ch);
        snprintf(name, sizeof(name), "U+%04X (%s) is visible: kept as it is", (unsigned)c, what);
        same(t, in, n + 2, 64, in, name);
        size_t len = (size_t)snprintf(argv, sizeof(argv), "id%c%s", '\0', in) + 1;
        snprintf(want, sizeof(want), "id %s", in);
        snprintf(name, sizeof(name), "U+%04X (%s) does not make a word quoted", (unsigned)c, what);
        joined(t, argv, len, want, name);
}

static const struct {
        uint32_t first, last;
        const char *what;
} must_escape[] = {
    {0x0080, 0x009f, "C1 controls"},
    {0x00a0, 0x00a0, "NO-BREAK SPACE"},
    {0x00ad, 0x00ad, "SOFT HYPHEN"},
    {0x034f, 0x034f, "COMBINING GRAPHEME JOINER"},
    {0x0600, 0x0605, "Arabic number signs"},
    {0x061c, 0x061c, "ARABIC LETTER MARK"},
    {0x06dd, 0x06dd, "ARABIC END OF AYAH"},
    {0x070f, 0x070f, "SYRIAC ABBREVIATION MARK"},
    {0x08e2, 0x08e2, "ARABIC DISPUTED END OF AYAH"},
    {0x115f, 0x1160, "Hangul fillers"},
    {0x1680, 0x1680, "OGHAM SPACE MARK"},
    {0x17b4, 0x17b5, "Khmer inherent vowels"},
    {0x180b, 0x180f, "Mongolian variation selectors and vowel separator"},
    {0x2000, 0x200a, "EN QUAD..HAIR SPACE"},
    {0x200b, 0x200f, "zero width space, joiners, LRM, RLM"},
    {0x2028, 0x2029, "LINE and PARAGRAPH SEPARATOR"},
    {0x202a, 0x202e, "bidi embeddings and overrides"},
    {0x202f, 0x202f, "NARROW NO-BREAK SPACE"},
    {0x205f, 0x205f, "MEDIUM MATHEMATICAL SPACE"},
    {0x2060, 0x2064, "WORD JOINER and invisible operators"},
    {0x2065, 0x2065, "reserved default ignorable"},
    {0x2066, 0x2069, "bidi isolates"},
    {0x206a, 0x206f, "deprecated format characters"},
    {0x2800, 0x2800, "BRAILLE PATTERN BLANK"},
    {0x3000, 0x3000, "IDEOGRAPHIC SPACE"},
    {0x3164, 0x3164, "HANGUL FILLER"},
    {0xfdd0, 0xfdef, "noncharacters"},
    {0xfe00, 0xfe0f, "VARIATION SELECTORS"},
    {0xfeff, 0xfeff, "ZERO WIDTH NO-BREAK SPACE (BOM)"},
    {0xffa0, 0xffa0, "HALFWIDTH HANGUL FILLER"},
    {0xfff0, 0xfff8, "reserved default ignorables"},
    {0xfff9, 0xfffb, "interlinear annotation controls"},
    {0xfffe, 0xffff, "noncharacters"},
    {0x110bd, 0x110bd, "KAITHI NUMBER SIGN"},
    {0x13430, 0x1343f, "Egyptian hieroglyph format controls"},
    {0x1bca0, 0x1bca3, "shorthand format controls"},
    {0x1d173, 0x1d17a, "musical format controls"},
    {0x1fffe, 0x1ffff, "noncharacters of plane 1"},
    {0xe0000, 0xe007f, "language tags"},
    {0xe0100, 0xe01ef, "VARIATION SELECTORS SUPPLEMENT"},
    {0xe01f0, 0xe0fff, "reserved default ignorables"},
    {0x10fffe, 0x10ffff, "noncharacters of plane 16"},
};

/* Neighbours of the escaped ranges that are ordinary visible text. */
static const struct {
        uint32_t c;
        const char *what;
} must_pass[] = {
    {0x00a1, "INVERTED EXCLAMATION MARK"},
    {0x00e9, "e with acute"},
    {0x0606, "ARABIC-INDIC CUBE ROOT"},
    {0x1681, "OGHAM LETTER BEITH"},
    {0x2010, "HYPHEN"},
    {0x2027, "HYPHENATION POINT"},
    {0x2030, "PER MILLE SIGN"},
    {0x205e, "VERTICAL FOUR DOTS"},
    {0x2070, "SUPERSCRIPT ZERO"},
    {0x2801, "BRAILLE PATTERN DOTS-1"},
    {0x3001, "IDEOGRAPHIC COMMA"},
    {0x65e5, "CJK ideograph (sun)"},
    {0xfe10, "PRESENTATION FORM FOR VERTICAL COMMA"},
    {0xfffd, "REPLACEMENT CHARACTER"},
    {0x1f600, "GRINNING FACE"},
};

int main(void)
{
        Tap t = {};

        same(&t, "plain text", 10, 64, "plain text", "printable ASCII passes");
        same(&t, "\x1b[31mred", 8, 64, "\\x1b[31mred", "ANSI escape made visible");
        same(&t, "a\nb\rc\td", 7, 64, "a\\x0ab\\x0dc\\x09d", "newline, CR and tab made visible");
        same(&t, "a\\x0a", 5, 64, "a\\\\x0a", "a literal backslash is escaped, so escapes are unambiguous");
        same(&t, "caf\xc3\xa9", 5, 64, "caf\xc3\xa9", "valid UTF-8 passes");
        same(&t, "\xe6\x97\xa5\xe6\x9c\xac", 6, 64, "\xe6\x97\xa5\xe6\x9c\xac", "CJK text (日本) passes");
        same(&t, "\xff\xfe", 2, 64, "\\xff\\xfe", "invalid UTF-8 bytes escaped");
        same(&t, "\xc0\xaf", 2, 64, "\\xc0\\xaf", "overlong encoding escaped");
        same(&t, "\xed\xa0\x80", 3, 64, "\\xed\\xa0\\x80",
             "an encoded surrogate is invalid: escaped bytewise");
        same(&t,
             "\xc2\x9b"
             "31m",
             5, 64, "\\u{9b}31m", "C1 control (8-bit CSI) escaped");
        same(&t,
             "ab\xe2\x80\xae"
             "cd",
             7, 64, "ab\\u{202e}cd", "bidi override escaped (Trojan Source)");
        same(&t, "a\0b", 3, 64, "a\\x00b", "embedded NUL made visible");
        same(&t, "x\xef\xbf\xbey", 5, 64, "x\\u{fffe}y", "noncharacter U+FFFE escaped (sd-bus refuses it)");
        same(&t, "0123456789abcdef", 16, 12, "01234567...", "cut at the bound with a marker");
        same(&t, "\x1b\x1b\x1b\x1b", 4, 12, "\\x1b\\x1b...", "a cut never splits an escape");
        same(&t, "ab\xf3\xa0\x81\xbf\xf3\xa0\x81\xbf", 10, 16, "ab\\u{e007f}...",
             "a cut never splits a \\u{...} escape");
        same(&t, "a\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 13, 12, "a\xc3\xa9\xc3\xa9\xc3\xa9...",
             "a cut never splits a UTF-8 sequence");
        same(&t, "\xf3\xa0\x81\xbfxy0", 7, 12, "...", "a cut right after a long escape drops it whole");
        same(&t, "tag\xf3\xa0\x81\xbf", 7, 12, "tag...", "...an escape that does not fit is left out whole");

        {
                size_t big = 1024 * 1024;
                char *in = malloc(big);
                memset(in, '\x1b', big);
                char *got = jit_sanitize(in, big, 4096);
                tap_ok(&t, got && strlen(got) == 4095 && strcmp(got + 4092, "...") == 0,
                       "1 MiB of escapes is bounded to 4 KiB");
                free(got);
                free(in);
        }
        {
                _cleanup_free_ char *got = jit_sanitize_terminal("a\\x1b\x1b", 6, 64);
                tap_is_str(&t, got, "a\\x1b\\x1b", "terminal variant keeps backslashes, escapes controls");
        }

        /* A44: every class of invisible, format, bidi and blank character, at both ends of each range. */
        for (size_t i = 0; i < ELEMENTSOF(must_escape); i++) {
                escaped(&t, must_escape[i].first, must_escape[i].what);
                if (must_escape[i].last != must_escape[i].first)
                        escaped(&t, must_escape[i].last, must_escape[i].what);
        }
        for (size_t i = 0; i < ELEMENTSOF(must_pass); i++)
                visible(&t, must_pass[i].c, must_pass[i].what);
        {
                /* Every code point: the escaped ones are exactly those the table says. */
                size_t bad = 0;
                for (uint32_t c = 0; c <= 0x10ffff; c++) {
                        char ch[5], want[16];
                        if (c >= 0xd800 && c <= 0xdfff)
                                continue;
                        size_t n = utf8(c, ch);
                        _cleanup_free_ char *got = jit_sanitize(ch, n, 64);
                        bool esc = got && got[0] == '\\' && c != '\\';
                        if (esc != jit_codepoint_escaped(c))
                                bad++;
                        if (esc && c >= 0x80) {
                                snprintf(want, sizeof(want), "\\u{%x}", (unsigned)c);
                                bad += !got || strcmp(got, want) != 0;
                        }
                }
                tap_ok(&t, bad == 0,
                       "all of U+0000..U+10FFFF: escaped exactly when jit_codepoint_escaped() says");
        }

        joined(&t, "sudo\0-n\0true\0", 13, "sudo -n true", "argv joined with spaces");
        joined(&t, "echo\0a b\0", 9, "echo 'a b'", "a word with a space is quoted");
        joined(&t, "echo\0a\0b\0", 9, "echo a b", "...so it differs from two words");
        joined(&t, "echo\0\0", 6, "echo ''", "an empty word shows as ''");
        joined(&t, "\0", 1, "''", "an empty argv[0] shows as ''");
        joined(&t, "echo\0\0\0", 7, "echo '' ''", "two empty words show as two ''");
        joined(&t, "echo\0it's\0", 10, "echo 'it\\x27s'", "a quote inside a quoted word is escaped");
        joined(&t, "echo\0'a b'\0", 11, "echo '\\x27a b\\x27'", "a word that looks quoted stays one word");
        joined(&t, "", 0, "", "argc == 0 gives an empty command");
        joined(&t, "rm\0-rf\0/\n\x1b[2J", 13, "rm -rf '/\\x0a\\x1b[2J'",
               "control bytes inside words escaped, the word quoted");
        joined(&t, "echo\0a\tb\0", 9, "echo 'a\\x09b'", "a word with a tab is quoted");
        joined(&t, "echo\0a\nb\0", 9, "echo 'a\\x0ab'", "a word with a newline is quoted");
        joined(&t, "echo\0a\vb\fc\rd\0", 13, "echo 'a\\x0bb\\x0cc\\x0dd'",
               "a word with VT, FF or CR is quoted");
        joined(&t, "echo\0\x1b[1m\0", 10, "echo '\\x1b[1m'", "a word with an escape character is quoted");
        joined(&t, "echo\0\xff\0", 7, "echo '\\xff'", "a word with an invalid byte is quoted");
        joined(&t, "sudo\xc2\xa0tail\0-n\0", 14, "'sudo\\u{a0}tail' -n",
               "sudo<NBSP>tail is one word, escaped and quoted");
        joined(&t, "sudo\xe2\x80\x80tail\xe3\x80\x80-n\0", 17, "'sudo\\u{2000}tail\\u{3000}-n'",
               "EN QUAD and IDEOGRAPHIC SPACE: one word, quoted");
        joined(&t,
               "a\xe2\x80\xa8"
               "b\0",
               6, "'a\\u{2028}b'", "LINE SEPARATOR: the word is quoted");
        joined(&t,
               "a\xc2\x85"
               "b\0",
               5, "'a\\u{85}b'", "NEXT LINE (U+0085): the word is quoted");
        joined(&t, "cat\0caf\xc3\xa9\0\xe6\x97\xa5\xe6\x9c\xac\0", 17,
               "cat caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac",
               "visible non-ASCII words (café, 日本) are kept and not quoted");
        joined(&t, "echo\0a\\b\0", 9, "echo a\\\\b", "a backslash is escaped but needs no quotes");
        joined(&t, "a\0b", 3, "a b", "a last word without its NUL is still shown");
        {
                char in[64];
                memset(in, ' ', sizeof(in));
                _cleanup_free_ char *got = jit_join_argv(in, sizeof(in), 16);
                tap_is_str(&t, got, "'           ...", "a long quoted word is cut with the marker");
        }
        return tap_done(&t);
}
