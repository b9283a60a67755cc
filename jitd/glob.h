/* Command= and Host= globs: fnmatch(3) syntax, matched byte-wise and independent of the locale. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* What is wrong with a glob, as words to follow it in an error, or NULL when it is fine. Checked when a
 * configuration is loaded, so matching never meets a broken glob. */
const char *glob_problem(const char *pat);

/* Does pat match words[0..n) joined with single spaces, with words[0] read as first (which may point
 * into words[0], e.g. at its base name)? n >= 1. Never allocates, never recurses. fold ignores ASCII case.
 */
bool glob_match_words(const char *pat, char *const *words, size_t n, const char *first, bool fold);

/* Does pat match s? */
bool glob_match_string(const char *pat, const char *s, bool fold);
