/* Account lookups through NSS: names, uids and approver group membership. */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "jitd.h"
#include "util.h"

#define NSS_BUF_MAX (1024 * 1024)

/* Run getpwuid_r/getpwnam_r with a buffer that grows on ERANGE, bounded. */
static int passwd_lookup(uid_t uid, const char *name, struct passwd *pw, char **ret_buf)
{
        struct passwd *res = NULL;

        for (size_t size = 1024; size <= NSS_BUF_MAX; size *= 2) {
                char *buf = malloc(size);
                int r;

                if (!buf)
                        return -ENOMEM;
                r = name ? getpwnam_r(name, pw, buf, size, &res) : getpwuid_r(uid, pw, buf, size, &res);
                if (r == 0 && res) {
                        *ret_buf = buf;
                        return 0;
                }
                free(buf);
                if (r != ERANGE)
                        return r == 0 ? -ESRCH : -r;
        }
        return -ERANGE;
}

/* uids that sudo, setuid and NSS treat as special or invalid are never a person (A05). */
bool uid_is_valid(uid_t uid)
{
        return uid != (uid_t)-1 && uid != (uid_t)-2 && uid <= (uid_t)INT_MAX;
}

int user_name_from_uid(uid_t uid, char **ret)
{
        _cleanup_free_ char *buf = NULL;
        struct passwd pw;
        int r;

        if (!uid_is_valid(uid))
                return -EINVAL;
        r = passwd_lookup(uid, NULL, &pw, &buf);
        if (r < 0)
                return r;
        *ret = strdup(pw.pw_name);
        return *ret ? 0 : -ENOMEM;
}

int user_uid_from_name(const char *name, uid_t *ret)
{
        _cleanup_free_ char *buf = NULL;
        struct passwd pw;
        int r;

        if (!name || !*name || strlen(name) > JIT_MAX_FIELD)
                return -EINVAL;
        r = passwd_lookup(0, name, &pw, &buf);
        if (r < 0)
                return r;
        if (!uid_is_valid(pw.pw_uid))
                return -EINVAL;
        *ret = pw.pw_uid;
        return 0;
}

int user_in_group(uid_t uid, const char *group)
{
        _cleanup_free_ char *pwbuf = NULL;
        struct passwd pw;
        struct group gr, *res = NULL;
        int r;

        r = passwd_lookup(uid, NULL, &pw, &pwbuf);
        if (r < 0)
                return r;
        for (size_t size = 1024; size <= NSS_BUF_MAX; size *= 2) {
                _cleanup_free_ char *buf = malloc(size);
                if (!buf)
                        return -ENOMEM;
                r = getgrnam_r(group, &gr, buf, size, &res);
                if (r == ERANGE)
                        continue;
                if (r != 0)
                        return -r;
                if (!res)
                        return 0; /* no such group: nobody is in it */
                if (gr.gr_gid == pw.pw_gid)
                        return 1;
                for (char **m = gr.gr_mem; m && *m; m++)
                        if (streq(*m, pw.pw_name))
                                return 1;
                return 0;
        }
        return -ERANGE;
}

void strv_free(char **l)
{
        for (char **p = l; p && *p; p++)
                free(*p);
        free(l);
}

/* Group names come from NSS (never from the bus or /proc), for Group= and Approvers=@group. */
int user_group_names(uid_t uid, char ***ret)
{
        _cleanup_free_ char *pwbuf = NULL;
        _cleanup_free_ gid_t *gids = NULL;
        struct passwd pw;
        char **names = NULL;
        int n = 64, r, found = 0;

        r = passwd_lookup(uid, NULL, &pw, &pwbuf);
        if (r < 0)
                return r;
        for (;;) {
                int want = n;
                free(gids);
                gids = calloc((size_t)n, sizeof(gid_t));
                if (!gids)
                        return -ENOMEM;
                if (getgrouplist(pw.pw_name, pw.pw_gid, gids, &want) >= 0) {
                        n = want;
                        break;
                }
                if (want <= n || want > 65536)
                        return -E2BIG;
                n = want;
        }
        names = calloc((size_t)n + 1, sizeof(char *));
        if (!names)
                return -ENOMEM;
        for (int i = 0; i < n; i++) {
                struct group gr, *res = NULL;
                for (size_t size = 1024; size <= NSS_BUF_MAX; size *= 2) {
                        _cleanup_free_ char *buf = malloc(size);
                        if (!buf) {
                                strv_free(names);
                                return -ENOMEM;
                        }
                        r = getgrgid_r(gids[i], &gr, buf, size, &res);
                        if (r == ERANGE)
                                continue;
                        if (r == 0 && res && !(names[found++] = strdup(gr.gr_name))) {
                                strv_free(names);
                                return -ENOMEM;
                        }
                        break;
                }
        }
        *ret = names;
        return 0;
}
