/* Minimal TAP output for unit tests: plan, ok, is_str, done. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

typedef struct Tap {
        int n, failed;
} Tap;

static inline bool tap_ok(Tap *t, bool cond, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static inline bool tap_ok(Tap *t, bool cond, const char *fmt, ...)
{
        va_list ap;

        printf("%sok %d - ", cond ? "" : "not ", ++t->n);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
        if (!cond)
                t->failed++;
        return cond;
}

static inline bool tap_is_str(Tap *t, const char *got, const char *want, const char *name)
{
        bool ok = got && want && strcmp(got, want) == 0;

        tap_ok(t, ok, "%s", name);
        if (!ok)
                printf("#   got:  '%s'\n#   want: '%s'\n", got ? got : "(null)", want ? want : "(null)");
        return ok;
}

static inline int tap_done(Tap *t)
{
        printf("1..%d\n", t->n);
        return t->failed ? 1 : 0;
}
