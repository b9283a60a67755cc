/* The request's context shared by the front ends (PAM module, sudo plugin): UTF-8 checks, shown
 * copies and release. Nothing here knows PAM or sudo. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "sanitize.h"
#include "utf8.h"
#include "util.h"

/* An item that is only shown (tty, rhost, ruser, cwd) is passed on as it is when it is valid UTF-8 and
 * short enough (jitd sanitises what it shows); otherwise its sanitised, bounded form is sent instead, so an
 * odd value never makes the request fail. Fails only on ENOMEM. */
int jit_context_copy_shown(const char *in, size_t max, char **ret)
{
        size_t n;

        *ret = NULL;
        if (!in)
                return 0;
        n = strnlen(in, max);
        if (n < max && jit_utf8_valid_for_bus(in, n)) {
                *ret = strndup(in, n);
                return *ret ? 0 : -ENOMEM;
        }
        *ret = jit_sanitize(in, strlen(in), max);
        if (!*ret)
                return -ENOMEM;
        /* jit_sanitize() keeps non-characters such as U+FFFF, which sd-bus refuses in a string. */
        if (!jit_utf8_valid_for_bus(*ret, strlen(*ret)))
                for (char *p = *ret; *p; p++)
                        if ((unsigned char)*p >= 0x80)
                                *p = '?';
        return 0;
}

void jit_context_done(JitContext *c)
{
        free(c->tty);
        free(c->rhost);
        free(c->ruser);
        free(c->cwd);
        free(c->argv);
        free(c->exe);
        free(c->command);
        free(c->runas_user);
        free(c->runas_group);
        free(c->runcwd);
        *c = (JitContext){0};
}
