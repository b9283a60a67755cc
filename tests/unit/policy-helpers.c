/* What the policy's unit tests (tests/unit/test-policy-*.c) share: the fixtures under tests/data/policy,
 * a private scratch root, loading a configuration and checking what it says or matches. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "policy-helpers.h"

static char tmp_root[] = "/tmp/test-policy.XXXXXX";
static unsigned n_dirs;

/* The repository, found once: $JIT_SRC, else what __FILE__ says (the Makefile compiles
 * tests/unit/policy-helpers.c from the top), else two levels above this binary (build/tests/). */
static char src_root[PATH_MAX];

static bool src_root_try(const char *dir, size_t n)
{
        char probe[PATH_MAX];

        if (n >= sizeof(src_root) ||
            snprintf(probe, sizeof(probe), "%.*s%stests/data/policy/example.conf", (int)n, dir,
                     n > 0 ? "/" : "") >= (int)sizeof(probe) ||
            access(probe, R_OK) < 0)
                return false;
        snprintf(src_root, sizeof(src_root), "%.*s%s", (int)n, dir, n > 0 ? "/" : "");
        return true;
}

static bool src_root_find(void)
{
        static const char self[] = "tests/unit/policy-helpers.c";
        const char *env = getenv("JIT_SRC"), *file = __FILE__;
        char exe[PATH_MAX];
        size_t n = strlen(file);
        ssize_t r;

        if (env && *env)
                return src_root_try(env, strlen(env));
        if (n >= strlen(self) && streq(&file[n - strlen(self)], self) &&
            src_root_try(file, n - strlen(self) > 0 ? n - strlen(self) - 1 : 0))
                return true;
        r = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (r <= 0)
                return false;
        exe[r] = '\0';
        for (int up = 0; up < 3; up++) {
                char *slash = strrchr(exe, '/');
                if (!slash)
                        return false;
                *slash = '\0';
        }
        return src_root_try(exe, strlen(exe));
}

char *src_path(const char *rel)
{
        char *s;

        return asprintf(&s, "%s%s", src_root, rel) < 0 ? NULL : s;
}

char *join(const char *a, const char *b)
{
        char *s;

        return asprintf(&s, "%s/%s", a, b) < 0 ? NULL : s;
}

/* A new empty directory (0755) under the test's private root. */
char *fresh_dir(void)
{
        char *d;

        if (asprintf(&d, "%s/%u", tmp_root, ++n_dirs) < 0 || mkdir(d, 0755) < 0 || chmod(d, 0755) < 0)
                abort();
        return d;
}

void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

        if (fd < 0 || write(fd, data, len) != (ssize_t)len || fchmod(fd, mode) < 0 || close(fd) < 0)
                abort();
}

char *read_whole(const char *path, size_t *ret_len)
{
        FILE *f = fopen(path, "re");
        char *buf = NULL;
        size_t len = 0;

        if (!f)
                return NULL;
        for (;;) {
                char *more = realloc(buf, len + 65536 + 1);
                size_t r;
                if (!more)
                        abort();
                buf = more;
                r = fread(buf + len, 1, 65536, f);
                len += r;
                if (r == 0)
                        break;
        }
        fclose(f);
        buf[len] = '\0';
        if (ret_len)
                *ret_len = len;
        return buf;
}

/* Copy one fixture file into dir with mode 0644, whatever the checkout's umask was. */
char *copy_into(const char *src, const char *dir, const char *name)
{
        size_t len;
        char *data = read_whole(src, &len), *dst = join(dir, name);

        if (!data || !dst)
                abort();
        write_file(dst, data, len, 0644);
        free(data);
        return dst;
}

/* Copy tests/data/policy/NAME/{jitd.conf,jitd.conf.d/ *} into a fresh directory. */
char *copy_tree(const char *name, char **ret_dropins)
{
        _cleanup_free_ char *rel = NULL, *src = NULL, *src_d = NULL, *main_src = NULL;
        char *dir = fresh_dir(), *dropins = join(dir, "jitd.conf.d"), *main_path;
        DIR *d;
        struct dirent *de;

        if (asprintf(&rel, "tests/data/policy/%s", name) < 0 || !(src = src_path(rel)) ||
            !(src_d = join(src, "jitd.conf.d")) || !(main_src = join(src, "jitd.conf")) ||
            mkdir(dropins, 0755) < 0 || chmod(dropins, 0755) < 0)
                abort();
        main_path = copy_into(main_src, dir, "jitd.conf");
        d = opendir(src_d);
        while (d && (de = readdir(d))) {
                _cleanup_free_ char *from = NULL;
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                from = join(src_d, de->d_name);
                free(copy_into(from, dropins, de->d_name));
        }
        if (d)
                closedir(d);
        free(dir);
        *ret_dropins = dropins;
        return main_path;
}

/* Write text as DIR/jitd.conf and load it, without drop-ins. */
int load_text(const char *text, Policy **ret, PolicyError *ret_error, char **ret_path)
{
        _cleanup_free_ char *dir = fresh_dir();
        char *path = join(dir, "jitd.conf");
        int r;

        write_file(path, text, strlen(text), 0644);
        r = policy_load(path, NULL, ret, ret_error);
        if (ret_path)
                *ret_path = path;
        else
                free(path);
        return r;
}

Policy *load_ok(Tap *t, const char *text, const char *what)
{
        Policy *p = NULL;
        PolicyError e = {};
        int r = load_text(text, &p, &e, NULL);

        if (!tap_ok(t, r == 0 && p, "%s: loads", what))
                printf("#   r=%d: %s\n", r, e.message ? e.message : "(no message)");
        policy_error_done(&e);
        return p;
}

/* The error names the file and the line, and says what. */
void expect_error(Tap *t, int r, const PolicyError *e, int want_r, const char *file_name, unsigned line,
                  const char *text, const char *what)
{
        char where[512];
        bool ok;

        if (line)
                snprintf(where, sizeof(where), "%s:%u: ", file_name, line);
        else
                snprintf(where, sizeof(where), "%s: ", file_name);
        ok = r < 0 && (want_r == 0 || r == want_r) && e->message && strstr(e->message, where) &&
             strstr(e->message, text) && e->line == line && e->file && strstr(e->file, file_name);
        if (!tap_ok(t, ok, "%s", what))
                printf("#   r=%d (want %d), line %u (want %u)\n#   message: %s\n#   want: '%s' and '%s'\n",
                       r, want_r, e->line, line, e->message ? e->message : "(null)", where, text);
}

const char *rule_name(const PolicyRule *r)
{
        return r ? r->name : "(null)";
}

void matches(Tap *t, const Policy *p, const PolicyInput *in, const char *want, const char *what)
{
        const PolicyRule *r = policy_match(p, in);

        if (!tap_ok(t, r && streq(r->name, want), "%s → %s", what, want))
                printf("#   got: %s\n", rule_name(r));
}

char *repeat(char c, size_t n)
{
        char *s = malloc(n + 1);

        if (!s)
                abort();
        memset(s, c, n);
        s[n] = '\0';
        return s;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path) < 0 ? -1 : 0;
}

bool policy_test_begin(int *ret_exit)
{
        if (!src_root_find()) {
                printf("Bail out! cannot find tests/data/policy: run from the repository or set JIT_SRC\n");
                *ret_exit = 1;
                return false;
        }
        if (!mkdtemp(tmp_root) || chmod(tmp_root, 0755) < 0) {
                printf("1..0 # skip cannot create a temporary directory: %m\n");
                *ret_exit = 0;
                return false;
        }
        return true;
}

int policy_test_end(Tap *t)
{
        int r = tap_done(t);

        nftw(tmp_root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        return r;
}
