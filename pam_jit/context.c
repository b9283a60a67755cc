/* The request's context shared by the front ends (PAM module, sudo plugin): UTF-8 checks, shown
 * copies and release. Nothing here knows PAM or sudo. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "sanitize.h"
#include "util.h"

static bool unichar_valid(uint32_t c)
{
        /* The same ranges sd-bus refuses in a string: surrogates, non-characters, past U+10FFFF. */
        return c < 0x110000 && (c & 0xfffff800) != 0xd800 && !(c >= 0xfdd0 && c <= 0xfdef) &&
               (c & 0xfffe) != 0xfffe;
}

bool jit_utf8_valid(const char *s, size_t n)
{
        const unsigned char *p = (const unsigned char *)s;

        for (size_t i = 0; i < n;) {
                size_t len;
                uint32_t c;

                if (p[i] == 0)
                        return false;
                if (p[i] < 0x80) {
                        i++;
                        continue;
                }
                if (p[i] >= 0xc2 && p[i] <= 0xdf)
                        len = 2, c = p[i] & 0x1f;
                else if (p[i] >= 0xe0 && p[i] <= 0xef)
                        len = 3, c = p[i] & 0x0f;
                else if (p[i] >= 0xf0 && p[i] <= 0xf4)
                        len = 4, c = p[i] & 0x07;
                else
                        return false;
                if (len > n - i)
                        return false;
                for (size_t k = 1; k < len; k++) {
                        if ((p[i + k] & 0xc0) != 0x80)
                                return false;
                        c = (c << 6) | (p[i + k] & 0x3f);
                }
                if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) || !unichar_valid(c))
                        return false;
                i += len;
        }
        return true;
}

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
        if (n < max && jit_utf8_valid(in, n)) {
                *ret = strndup(in, n);
                return *ret ? 0 : -ENOMEM;
        }
        *ret = jit_sanitize(in, strlen(in), max);
        if (!*ret)
                return -ENOMEM;
        /* jit_sanitize() keeps non-characters such as U+FFFF, which sd-bus refuses in a string. */
        if (!jit_utf8_valid(*ret, strlen(*ret)))
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
