/* Gathering the request's context from PAM items, /proc/self/cmdline and the working directory. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <security/pam_ext.h>

#include "pam-context.h"
#include "fileio.h"
#include "jit-limits.h"
#include "sanitize.h"
#include "util.h"
#include "utf8.h"

static int get_shown_item(pam_handle_t *pamh, int item, char **ret)
{
        const void *v = NULL;

        if (pam_get_item(pamh, item, &v) != PAM_SUCCESS || !v)
                v = NULL;
        return jit_context_copy_shown(v, JIT_MAX_FIELD, ret);
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
        if (!jit_utf8_valid_for_bus(s, n))
                return -EILSEQ;
        return 0;
}

static int read_cmdline(JitContext *c)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r;

        /* One byte more than the limit, to tell "exactly the limit" from "longer". */
        buf = malloc(JIT_MAX_ARGV_READ + 2);
        if (!buf)
                return -ENOMEM;
        fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (fd < 0)
                return -errno;
        r = jit_read_fd_bounded(fd, buf, JIT_MAX_ARGV_READ + 1, &len);
        if (r == -EFBIG)
                return -E2BIG;
        if (r < 0)
                return r;
        /* A process that rewrote its argv area may leave the last word unterminated. */
        if (len > 0 && buf[len - 1] != '\0')
                buf[len++] = '\0';

        c->argc = 0;
        for (size_t i = 0; i < len;) {
                size_t w = strlen(buf + i);
                if (!jit_utf8_valid_for_bus(buf + i, w))
                        return -EILSEQ;
                c->argc++;
                i += w + 1;
        }
        c->argv = TAKE_PTR(buf);
        c->argv_len = len;
        return 0;
}

/* The working directory makes a relative program path absolute in jitd, so it is sent exactly or not
 * at all: a sanitised or shortened cwd would name another directory. getcwd() gives the physical path
 * (symbolic links resolved), which is the directory sudo resolves "./x" against. */
static int read_cwd(JitContext *c)
{
        char buf[JIT_MAX_PATH];

        if (!getcwd(buf, sizeof(buf)) || buf[0] != '/' || !jit_utf8_valid_for_bus(buf, strlen(buf)))
                return 0;
        c->cwd = strdup(buf);
        return c->cwd ? 0 : -ENOMEM;
}

/* The host program as the kernel names it: unlike argv[0], the invoker cannot choose it. An exe that
 * cannot be read, or reads oddly, is left out; jitd then goes by the PAM service. */
static int read_exe(JitContext *c)
{
        char buf[JIT_MAX_PATH];
        ssize_t n;

        n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
        if (n <= 0 || (size_t)n >= sizeof(buf) - 1)
                return 0;
        buf[n] = '\0';
        if (buf[0] != '/' || !jit_utf8_valid_for_bus(buf, (size_t)n))
                return 0;
        c->exe = strdup(buf);
        return c->exe ? 0 : -ENOMEM;
}

int jit_context_gather(pam_handle_t *pamh, JitContext *ret)
{
        const void *service = NULL;
        const char *user = NULL;
        int r;

        *ret = (JitContext){.front = JIT_FRONT_PAM};

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
        r = read_exe(ret);
        if (r < 0)
                return r;
        return read_cmdline(ret);
}
