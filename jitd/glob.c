/* Globs for Command= and Host=: checked when the configuration is loaded, matched without allocating. */
#include <assert.h>
#include <stdbool.h>
#include <stddef.h>

#include "glob.h"

/* Matching is our own, byte-wise and locale-independent: glibc's fnmatch() under a UTF-8 locale
 * fails on invalid UTF-8, which would let "sudo bash $'\xff'" slip past a deny rule. The syntax is
 * fnmatch(3)'s without flags: * ? [...] [!...] and backslash escapes; no [[:classes:]]. */

static unsigned char ascii_lower(unsigned char c)
{
        return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

static unsigned char ascii_upper(unsigned char c)
{
        return c >= 'a' && c <= 'z' ? (unsigned char)(c - 'a' + 'A') : c;
}

/* Parse the bracket expression at pat[0] == '['. Sets *ret_end past its ']' and *ret_match to whether
 * c is in the set. False when malformed: unterminated, a reversed range, or a [: := [. class. */
static bool glob_bracket(const char *pat, unsigned char c, bool fold, bool *ret_match, const char **ret_end)
{
        const char *p = pat + 1;
        bool negate = false, match = false;

        if (*p == '!' || *p == '^') {
                negate = true;
                p++;
        }
        for (bool first = true;; first = false) {
                unsigned char lo, hi;

                if (*p == '\0')
                        return false;
                if (*p == ']' && !first)
                        break;
                if (*p == '[' && (p[1] == ':' || p[1] == '=' || p[1] == '.'))
                        return false;
                if (*p == '\\' && p[1])
                        p++;
                lo = hi = (unsigned char)*p++;
                if (p[0] == '-' && p[1] && p[1] != ']') {
                        p++;
                        if (*p == '\\' && p[1])
                                p++;
                        hi = (unsigned char)*p++;
                        if (hi < lo)
                                return false;
                }
                if ((c >= lo && c <= hi) || (fold && ((ascii_lower(c) >= lo && ascii_lower(c) <= hi) ||
                                                      (ascii_upper(c) >= lo && ascii_upper(c) <= hi))))
                        match = true;
        }
        *ret_end = p + 1;
        *ret_match = match != negate;
        return true;
}

/* What is wrong with a glob, or NULL. Checked at load time so matching never meets a broken one. */
const char *glob_problem(const char *pat)
{
        for (const char *p = pat; *p; p++) {
                if (*p == '\\') {
                        if (!p[1])
                                return "ends with a lone backslash";
                        p++;
                } else if (*p == '[') {
                        const char *end;
                        bool m;
                        if (!glob_bracket(p, 0, false, &m, &end))
                                return "has an unterminated or invalid [...] (character classes such as "
                                       "[[:alpha:]] are not supported)";
                        p = end - 1;
                }
        }
        return NULL;
}

/* A position in the subject: words joined by single spaces, the first word possibly replaced (by the
 * program's base name), walked without building the joined string, so matching never allocates. */
typedef struct Cursor {
        char *const *words;
        size_t n; /* >= 1 */
        size_t w; /* the current word */
        const char *p;
} Cursor;

static Cursor cursor_make(char *const *words, size_t n, const char *first)
{
        return (Cursor){.words = words, .n = n, .w = 0, .p = first};
}

static int cursor_peek(const Cursor *c)
{
        if (*c->p)
                return (unsigned char)*c->p;
        return c->w + 1 < c->n ? ' ' : -1;
}

static void cursor_next(Cursor *c)
{
        if (*c->p)
                c->p++;
        else if (c->w + 1 < c->n)
                c->p = c->words[++c->w];
}

/* Does one pattern element (not '*') at pat match c? Sets *ret_next past the element. */
static bool glob_one(const char *pat, unsigned char c, bool fold, const char **ret_next)
{
        unsigned char want;
        bool m;

        switch (*pat) {
        case '?':
                *ret_next = pat + 1;
                return true;
        case '[':
                if (!glob_bracket(pat, c, fold, &m, ret_next))
                        return false;
                return m;
        case '\\':
                if (pat[1])
                        pat++;
                break;
        }
        want = (unsigned char)*pat;
        *ret_next = pat + 1;
        return fold ? ascii_lower(want) == ascii_lower(c) : want == c;
}

/* Iterative matching with one backtrack point (the last '*'): O(pattern × subject), no recursion, so a
 * long argv cannot blow up the time or the stack. */
static bool glob_match(const char *pat, Cursor s, bool fold)
{
        const char *star_pat = NULL;
        Cursor star_s = s;

        for (;;) {
                int c;

                if (*pat == '*') {
                        while (*pat == '*')
                                pat++;
                        if (!*pat)
                                return true;
                        star_pat = pat;
                        star_s = s;
                        continue;
                }
                c = cursor_peek(&s);
                if (c >= 0 && *pat) {
                        const char *next;
                        if (glob_one(pat, (unsigned char)c, fold, &next)) {
                                pat = next;
                                cursor_next(&s);
                                continue;
                        }
                } else if (c < 0 && !*pat)
                        return true;
                /* A mismatch: let the last '*' take one more byte, or give up. */
                if (!star_pat || cursor_peek(&star_s) < 0)
                        return false;
                cursor_next(&star_s);
                s = star_s;
                pat = star_pat;
        }
}

bool glob_match_words(const char *pat, char *const *words, size_t n, const char *first, bool fold)
{
        assert(pat);
        assert(words);
        assert(n >= 1);
        assert(first);

        return glob_match(pat, cursor_make(words, n, first), fold);
}

bool glob_match_string(const char *pat, const char *s, bool fold)
{
        char *const words[] = {(char *)s};

        return glob_match_words(pat, words, 1, s, fold);
}
