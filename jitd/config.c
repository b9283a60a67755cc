/* The daemon settings: the [Daemon] section of jitd.conf, read with libinih. */
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "duration.h"
#include "jitd.h"
#include "util.h"

#define DEFAULT_APPROVER_GROUP "jit-approvers"

typedef struct ParseState {
        Config *config;
        const char *path;
        char *error; /* the first error, with its line */
        int line;
} ParseState;

static int parse_fail(ParseState *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int parse_fail(ParseState *s, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        if (!s->error && vasprintf(&s->error, fmt, ap) < 0)
                s->error = NULL;
        va_end(ap);
        return 0; /* inih: report this line */
}

static int parse_duration_key(ParseState *s, const char *key, const char *value, uint64_t *ret)
{
        if (jit_parse_duration(value, ret) < 0)
                return parse_fail(s, "%s=%s is not a valid duration (e.g. 30s, 15m, 2h)", key, value);
        return 1;
}

static int on_key(void *userdata, const char *section, const char *key, const char *value)
{
        ParseState *s = userdata;
        Config *c = s->config;

        if (!streq(section, "Daemon"))
                return parse_fail(s, "unknown section [%s]", section);
        if (streq(key, "ApproverGroup")) {
                if (!*value || strlen(value) > JIT_MAX_FIELD)
                        return parse_fail(s, "%s=%s: empty or too long", key, value);
                char *v = strdup(value);
                if (!v)
                        return parse_fail(s, "out of memory");
                free(c->approver_group);
                c->approver_group = v;
                return 1;
        }
        if (streq(key, "RequestTimeout"))
                return parse_duration_key(s, key, value, &c->request_timeout_usec);
        if (streq(key, "DefaultGrant"))
                return parse_duration_key(s, key, value, &c->default_grant_usec);
        if (streq(key, "MaxGrant"))
                return parse_duration_key(s, key, value, &c->max_grant_usec);
        return parse_fail(s, "unknown key %s in [%s]", key, section);
}

/* A config only root can write: anything else would let its writer decide who gets root. */
static int check_owner(int fd, const char *path, char **ret_error)
{
        struct stat st;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode)) {
                (void)!asprintf(ret_error, "%s: not a regular file", path);
                return -EINVAL;
        }
        if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
                (void)!asprintf(ret_error, "%s: must be owned by root and not group- or world-writable", path);
                return -EPERM;
        }
        return 0;
}

int config_load(Config *c, const char *path, char **ret_error)
{
        Config n = {
                .request_timeout_usec = 5 * 60 * USEC_PER_SEC,
                .default_grant_usec = 15 * 60 * USEC_PER_SEC,
                .max_grant_usec = 8 * 3600 * USEC_PER_SEC,
        };
        ParseState s = {.config = &n, .path = path};
        _cleanup_fclose_ FILE *f = NULL;
        int fd, r;

        *ret_error = NULL;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (fd < 0) {
                r = -errno;
                (void)!asprintf(ret_error, "%s: %s", path, strerror(errno));
                return r;
        }
        f = fdopen(fd, "re");
        if (!f) {
                r = -errno;
                close(fd);
                return r;
        }
        r = check_owner(fd, path, ret_error);
        if (r < 0)
                return r;

        r = ini_parse_file(f, on_key, &s);
        if (r != 0) {
                if (r > 0)
                        (void)!asprintf(ret_error, "%s:%d: %s", path, r, s.error ? s.error : "syntax error");
                else
                        (void)!asprintf(ret_error, "%s: cannot parse", path);
                free(s.error);
                config_done(&n);
                return -EINVAL;
        }
        if (n.default_grant_usec > n.max_grant_usec) {
                (void)!asprintf(ret_error, "%s: DefaultGrant= is longer than MaxGrant=", path);
                config_done(&n);
                return -EINVAL;
        }
        if (!n.approver_group && !(n.approver_group = strdup(DEFAULT_APPROVER_GROUP))) {
                config_done(&n);
                return -ENOMEM;
        }
        config_done(c);
        *c = n;
        return 0;
}

void config_done(Config *c)
{
        free(c->approver_group);
        c->approver_group = NULL;
}
