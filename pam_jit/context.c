/* Gathering the request's context from PAM items, /proc/self/cmdline and the working directory. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <security/pam_ext.h>

#include "context.h"
#include "jit-limits.h"
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
static int shown_copy(const char *in, size_t max, char **ret)
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

static int get_shown_item(pam_handle_t *pamh, int item, char **ret)
{
        const void *v = NULL;

        if (pam_get_item(pamh, item, &v) != PAM_SUCCESS || !v)
                v = NULL;
        return shown_copy(v, JIT_MAX_FIELD, ret);
}

/* An item that identifies (user, service): refused rather than altered when it is odd. */
static int check_identifying(const char *s)
{
        size_t n;

        if (!s || !*s)
                return -ENXIO;
        n = strnlen(s, JIT_MAX_FIELD);
        if (n >= JIT_MAX_FIELD)
                return -ENAMETOOLONG;
        if (!jit_utf8_valid(s, n))
                return -EILSEQ;
        return 0;
}

static int read_cmdline(JitContext *c)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;

        /* One byte more than the limit, to tell "exactly the limit" from "longer". */
        buf = malloc(JIT_MAX_ARGV_READ + 2);
        if (!buf)
                return -ENOMEM;
        fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (fd < 0)
                return -errno;
        while (len < JIT_MAX_ARGV_READ + 1) {
                ssize_t n = read(fd, buf + len, JIT_MAX_ARGV_READ + 1 - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        if (len > JIT_MAX_ARGV_READ)
                return -E2BIG;
        /* A process that rewrote its argv area may leave the last word unterminated. */
        if (len > 0 && buf[len - 1] != '\0')
                buf[len++] = '\0';

        c->argc = 0;
        for (size_t i = 0; i < len;) {
                size_t w = strlen(buf + i);
                if (!jit_utf8_valid(buf + i, w))
                        return -EILSEQ;
                c->argc++;
                i += w + 1;
        }
        c->argv = TAKE_PTR(buf);
        c->argv_len = len;
        return 0;
}

static int read_cwd(JitContext *c)
{
        char buf[JIT_MAX_PATH];

        /* Informational only: a cwd that is gone or longer than the limit is simply left out. */
        if (!getcwd(buf, sizeof(buf)))
                return 0;
        return shown_copy(buf, JIT_MAX_PATH, &c->cwd);
}

int jit_context_gather(pam_handle_t *pamh, JitContext *ret)
{
        const void *service = NULL;
        const char *user = NULL;
        int r;

        *ret = (JitContext){0};

        /* pam_get_user() returns PAM_USER as it is now, prompting only if no module set it. */
        if (pam_get_user(pamh, &user, NULL) != PAM_SUCCESS)
                return -ENXIO;
        r = check_identifying(user);
        if (r < 0)
                return r;
        ret->user = user;

        if (pam_get_item(pamh, PAM_SERVICE, &service) != PAM_SUCCESS)
                return -ENXIO;
        r = check_identifying(service);
        if (r < 0)
                return r;
        ret->service = service;
        ret->ruid = getuid();

        r = get_shown_item(pamh, PAM_TTY, &ret->tty);
        if (r < 0)
                return r;
        r = get_shown_item(pamh, PAM_RHOST, &ret->rhost);
        if (r < 0)
                return r;
        r = get_shown_item(pamh, PAM_RUSER, &ret->ruser);
        if (r < 0)
                return r;
        r = read_cwd(ret);
        if (r < 0)
                return r;
        return read_cmdline(ret);
}

void jit_context_done(JitContext *c)
{
        free(c->tty);
        free(c->rhost);
        free(c->ruser);
        free(c->cwd);
        free(c->argv);
        *c = (JitContext){0};
}
