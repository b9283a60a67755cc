/* lib/utf8.c: what each validator accepts, and the decoder both use. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "tap.h"
#include "utf8.h"
#include "util.h"

static void test_validators(Tap *t)
{
        static const struct {
                const char *s;
                size_t len; /* 0: strlen(s) */
                bool well_formed, for_bus;
                const char *name;
        } cases[] = {
            {"", 0, true, true, "empty"},
            {"plain", 0, true, true, "ASCII"},
            {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 0, true, true, "2-, 3- and 4-byte sequences"},
            {"a\nb\x1b[0m", 0, true, true, "control characters are valid UTF-8 (jitd escapes them)"},
            {"a\0b", 3, true, false, "a NUL byte: well-formed, but no bus string holds one"},
            {"\xef\xbf\xbe", 0, true, false, "U+FFFE: well-formed, sd-bus refuses it"},
            {"\xef\xbf\xbf", 0, true, false, "U+FFFF"},
            {"\xef\xb7\x90", 0, true, false, "U+FDD0 non-character"},
            {"\xf4\x8f\xbf\xbf", 0, true, false, "U+10FFFF, the last code point, a non-character"},
            {"\xf4\x8f\xbf\xbd", 0, true, true, "U+10FFFD"},
            {"\xff", 0, false, false, "0xff"},
            {"\xc0\xaf", 0, false, false, "overlong '/'"},
            {"\xc0\x80", 0, false, false, "overlong NUL"},
            {"\xe0\x80\xaf", 0, false, false, "overlong 3-byte"},
            {"\xf0\x80\x80\xaf", 0, false, false, "overlong 4-byte"},
            {"\xed\xa0\x80", 0, false, false, "UTF-16 surrogate"},
            {"\xf4\x90\x80\x80", 0, false, false, "past U+10FFFF"},
            {"\xe2\x82", 0, false, false, "truncated sequence"},
            {"\xe2\x82x", 0, false, false, "a sequence cut by ASCII"},
            {"\x80", 0, false, false, "lone continuation byte"},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                size_t n = cases[i].len ? cases[i].len : strlen(cases[i].s);

                tap_ok(t, jit_utf8_well_formed(cases[i].s, n) == cases[i].well_formed, "well-formed: %s",
                       cases[i].name);
                tap_ok(t, jit_utf8_valid_for_bus(cases[i].s, n) == cases[i].for_bus, "for the bus: %s",
                       cases[i].name);
        }
}

static void test_decode(Tap *t)
{
        uint32_t c = 0;

        tap_ok(t, jit_utf8_decode("A", 1, &c) == 1 && c == 'A', "decode: ASCII");
        tap_ok(t, jit_utf8_decode("\xc3\xa9z", 3, &c) == 2 && c == 0xe9, "decode: U+00E9, rest left alone");
        tap_ok(t, jit_utf8_decode("\xe2\x82\xac", 3, &c) == 3 && c == 0x20ac, "decode: U+20AC");
        tap_ok(t, jit_utf8_decode("\xf0\x9f\x98\x80", 4, &c) == 4 && c == 0x1f600, "decode: U+1F600");
        tap_ok(t, jit_utf8_decode("\xf0\x9f\x98\x80", 3, &c) == 0, "decode: a sequence longer than n");
        tap_ok(t, jit_utf8_decode("", 0, &c) == 0, "decode: nothing");
}

int main(void)
{
        Tap t = {};

        test_validators(&t);
        test_decode(&t);
        return tap_done(&t);
}
