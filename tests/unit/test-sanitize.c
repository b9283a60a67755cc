/* Sanitising hostile strings (A24) and joining argv unambiguously. */
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

int main(void)
{
        Tap t = {};

        same(&t, "plain text", 10, 64, "plain text", "printable ASCII passes");
        same(&t, "\x1b[31mred", 8, 64, "\\x1b[31mred", "ANSI escape made visible");
        same(&t, "a\nb\rc\td", 7, 64, "a\\x0ab\\x0dc\\x09d", "newline, CR and tab made visible");
        same(&t, "a\\x0a", 5, 64, "a\\\\x0a", "a literal backslash is escaped, so escapes are unambiguous");
        same(&t, "caf\xc3\xa9", 5, 64, "caf\xc3\xa9", "valid UTF-8 passes");
        same(&t, "\xff\xfe", 2, 64, "\\xff\\xfe", "invalid UTF-8 bytes escaped");
        same(&t, "\xc0\xaf", 2, 64, "\\xc0\\xaf", "overlong encoding escaped");
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

        joined(&t, "sudo\0-n\0true\0", 13, "sudo -n true", "argv joined with spaces");
        joined(&t, "echo\0a b\0", 9, "echo 'a b'", "a word with a space is quoted");
        joined(&t, "echo\0a\0b\0", 9, "echo a b", "...so it differs from two words");
        joined(&t, "echo\0\0", 6, "echo ''", "an empty word shows as ''");
        joined(&t, "echo\0it's\0", 10, "echo 'it\\x27s'", "a quote inside a quoted word is escaped");
        joined(&t, "", 0, "", "argc == 0 gives an empty command");
        joined(&t, "rm\0-rf\0/\n\x1b[2J", 13, "rm -rf /\\x0a\\x1b[2J", "control bytes inside words escaped");
        return tap_done(&t);
}
