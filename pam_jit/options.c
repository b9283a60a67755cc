/* Parsing the module's options; pure, so a unit test can include it. */
#include <errno.h>
#include <string.h>

#include "duration.h"
#include "options.h"
#include "util.h"

static int parse_timeout(const char *value, uint64_t *ret_usec)
{
        uint64_t usec;
        int r;

        /* Plain seconds as documented; "5m" and the like are accepted too (lib/duration.c). */
        r = jit_parse_duration(value, &usec);
        if (r < 0)
                return r;
        if (usec < USEC_PER_SEC || usec > JIT_MAX_TIMEOUT_SEC * USEC_PER_SEC)
                return -ERANGE;
        *ret_usec = usec;
        return 0;
}

int jit_options_parse(int argc, const char **argv, JitOptions *ret, const char **ret_bad)
{
        JitOptions o = {
            .timeout_usec = JIT_DEFAULT_TIMEOUT_SEC * USEC_PER_SEC,
        };
        int r;

        *ret_bad = NULL;
        for (int i = 0; i < argc; i++) {
                const char *a = argv[i];

                r = -EINVAL;
                if (!a)
                        goto bad;
                if (strncmp(a, "timeout=", 8) == 0) {
                        r = parse_timeout(a + 8, &o.timeout_usec);
                        if (r < 0)
                                goto bad;
                } else if (streq(a, "failmode=closed"))
                        o.failmode_open = false;
                else if (streq(a, "failmode=open"))
                        o.failmode_open = true;
                else if (streq(a, "debug"))
                        o.debug = true;
                else if (streq(a, "quiet"))
                        o.quiet = true;
                else
                        goto bad;
                continue;
        bad:
                *ret_bad = a ? a : "(null)";
                return r;
        }
        *ret = o;
        return 0;
}
