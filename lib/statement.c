/* The canonical statement of a request: one versioned text, "key=value" lines in a fixed order.
 *
 * Why lines of text and not JSON: an approver reads exactly what they sign (`jitctl show
 * --statement`), ssh-keygen signs any bytes, and there is one spelling per request without a
 * canonicaliser. Values are jitd's sanitised strings, which never hold a newline, so a line is
 * a field; the check below refuses anything else, so what jitctl signs is what a person can read. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sanitize.h"
#include "statement.h"
#include "utf8.h"
#include "util.h"

/* The keys, in the order they are written. */
static const char *const keys[] = {
    "origin", "request",  "requester",     "uid",          "target",
    "runas",  "rungroup", "service",       "command-kind", "command",
    "cwd",    "runcwd",   "deadline-usec", "grant-scope",  "grant-requested-usec",
    "rule",
};

static bool value_ok(const char *v, size_t n)
{
        for (size_t i = 0; i < n;) {
                uint32_t c;
                size_t l = jit_utf8_decode(v + i, n - i, &c);

                if (l == 0 || c < 0x20 || c == 0x7f || jit_codepoint_escaped(c))
                        return false;
                i += l;
        }
        return true;
}

int statement_build(const StatementFields *f, char **ret)
{
        const char *values[] = {
            f->origin,        f->id,      f->user,           f->uid,     f->target, f->runas,
            f->rungroup,      f->service, f->command_kind,   f->command, f->cwd,    f->runcwd,
            f->deadline_usec, f->scope,   f->requested_usec, f->rule,
        };
        _Static_assert(ELEMENTSOF(values) == ELEMENTSOF(keys), "one value per key");
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *out;

        out = open_memstream(&buf, &size);
        if (!out)
                return -ENOMEM;
        fputs(JIT_STATEMENT_VERSION_LINE "\n", out);
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                const char *v = values[i];
                bool number = streq(keys[i], "uid") || streq(keys[i], "deadline-usec") ||
                              streq(keys[i], "grant-requested-usec");

                if (!v || !*v)
                        v = number ? "0" : "";
                if (!value_ok(v, strlen(v))) {
                        fclose(out);
                        return -EINVAL;
                }
                fprintf(out, "%s=%s\n", keys[i], v);
        }
        if (fclose(out) != 0 || !buf)
                return -ENOMEM;
        if (size > JIT_STATEMENT_MAX)
                return -EINVAL;
        *ret = TAKE_PTR(buf);
        return 0;
}

int statement_check(const char *text, size_t n, size_t *ret_id_off, size_t *ret_id_len)
{
        const size_t vl = strlen(JIT_STATEMENT_VERSION_LINE);
        size_t p;

        if (n > JIT_STATEMENT_MAX || n < vl + 1 ||
            memcmp(text, JIT_STATEMENT_VERSION_LINE "\n", vl + 1) != 0)
                return -EBADMSG;
        p = vl + 1;
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                size_t kl = strlen(keys[i]);
                const char *nl;

                if (n - p < kl + 2 || memcmp(text + p, keys[i], kl) != 0 || text[p + kl] != '=')
                        return -EBADMSG;
                p += kl + 1;
                nl = memchr(text + p, '\n', n - p);
                if (!nl || !value_ok(text + p, (size_t)(nl - (text + p))))
                        return -EBADMSG;
                if (i == 1) {
                        if (ret_id_off)
                                *ret_id_off = p;
                        if (ret_id_len)
                                *ret_id_len = (size_t)(nl - (text + p));
                }
                p = (size_t)(nl - text) + 1;
        }
        return p == n ? 0 : -EBADMSG;
}
