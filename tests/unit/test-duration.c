/* Duration parsing and formatting. */
#include <errno.h>

#include "duration.h"
#include "jit-limits.h"
#include "tap.h"

static void parses(Tap *t, const char *s, uint64_t want)
{
        uint64_t got = 0;
        int r = jit_parse_duration(s, &got);

        tap_ok(t, r == 0 && got == want, "'%s' is %llu us", s, (unsigned long long)want);
}

static void rejects(Tap *t, const char *s)
{
        uint64_t got = 0;

        tap_ok(t, jit_parse_duration(s, &got) < 0, "'%s' is rejected", s ? s : "(null)");
}

int main(void)
{
        Tap t = {};
        char buf[32];

        parses(&t, "30", 30000000ULL);
        parses(&t, "30s", 30000000ULL);
        parses(&t, "15m", 900000000ULL);
        parses(&t, "2h", 7200000000ULL);
        parses(&t, "1h30m", 5400000000ULL);
        parses(&t, "1d", 86400000000ULL);
        parses(&t, "7d", JIT_MAX_DURATION_USEC);
        rejects(&t, "7d1s");
        rejects(&t, "0");
        rejects(&t, "0s");
        rejects(&t, "");
        rejects(&t, NULL);
        rejects(&t, "-5m");
        rejects(&t, "5x");
        rejects(&t, "m");
        rejects(&t, "1h30");
        rejects(&t, "99999999999999999999s");
        rejects(&t, "1 h");
        rejects(&t, "1.5h");

        tap_is_str(&t, jit_format_duration(5400000000ULL, buf, sizeof(buf)), "1h30m", "format 1h30m");
        tap_is_str(&t, jit_format_duration(0, buf, sizeof(buf)), "0s", "format 0s");
        tap_is_str(&t, jit_format_duration(90061000000ULL, buf, sizeof(buf)), "1d1h1m1s", "format 1d1h1m1s");
        tap_is_str(&t, jit_format_time(0, buf, sizeof(buf)), "1970-01-01 00:00:00 UTC", "format the epoch");
        return tap_done(&t);
}
