/* UTF-8: the one decoder and the two validators every part uses (the module and plugin link it too). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length (1..4) of the well-formed sequence at the start of s[0..n) and its code point in *ret, or 0
 * if none starts there (n == 0, a stray continuation byte, an overlong form, a surrogate, a value
 * past U+10FFFF, a truncated sequence). */
size_t jit_utf8_decode(const char *s, size_t n, uint32_t *ret);

/* Well-formed UTF-8 (RFC 3629) and nothing more: NUL and control characters pass. What the journal
 * and signed notes require of their text. */
bool jit_utf8_well_formed(const char *s, size_t n);

/* What sd-bus accepts in a string: well-formed, no NUL byte, and no noncharacters (U+FDD0..U+FDEF
 * and the last two code points of every plane), which sd-bus refuses. What the module and the plugin
 * check before they send anything to jitd. */
bool jit_utf8_valid_for_bus(const char *s, size_t n);
