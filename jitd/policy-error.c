/* Configuration errors: the first failure of a load, as "FILE:LINE: what is wrong", sanitised once.
 * Below both the loader (policy-load.c) and the key handlers (policy-keys.c), which report through it. */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy-internal.h"
#include "sanitize.h"
#include "util.h"

#define MAX_ERROR_MESSAGE 2048

void policy_error_done(PolicyError *e)
{
        if (!e)
                return;
        free(e->file);
        free(e->message);
        *e = (PolicyError){};
}

/* The whole message is sanitised once, so nothing from a file (a value, a file name) reaches a
 * terminal or a log raw. */
int parser_fail_at(Parser *p, int r, const char *file, unsigned line, const char *fmt, ...)
{
        _cleanup_free_ char *what = NULL, *raw = NULL;
        va_list ap;
        int k;

        assert(r < 0);
        if (p->error_r < 0)
                return r; /* keep the first */
        p->error_r = r;

        va_start(ap, fmt);
        k = vasprintf(&what, fmt, ap);
        va_end(ap);
        if (k < 0)
                return r; /* the errno stands, without words */
        if (file && line > 0)
                k = asprintf(&raw, "%s:%u: %s", file, line, what);
        else if (file)
                k = asprintf(&raw, "%s: %s", file, what);
        else
                k = asprintf(&raw, "%s", what);
        if (k < 0)
                return r;
        p->error.message = jit_sanitize(raw, strlen(raw), MAX_ERROR_MESSAGE);
        p->error.file = file ? jit_sanitize(file, strlen(file), MAX_ERROR_MESSAGE) : NULL;
        p->error.line = line;
        return r;
}
