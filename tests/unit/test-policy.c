/* Policy: jitd.conf and drop-ins, every config error (A15), rule matching, approvers, grant clamping. */
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

#include "glob.h"
#include "policy.h"
#include "util.h"
#include "tap.h"

static char tmp_root[] = "/tmp/test-policy.XXXXXX";
static unsigned n_dirs;

/* The repository, found once: $JIT_SRC, else what __FILE__ says (the Makefile compiles
 * tests/unit/test-policy.c from the top), else two levels above this binary (build/tests/). */
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
        static const char self[] = "tests/unit/test-policy.c";
        const char *env = getenv("JIT_SRC"), *file = __FILE__;
        char exe[PATH_MAX];
        size_t n = strlen(file);
        ssize_t k;

        if (env && *env)
                return src_root_try(env, strlen(env));
        if (n >= strlen(self) && streq(&file[n - strlen(self)], self) &&
            src_root_try(file, n - strlen(self) > 0 ? n - strlen(self) - 1 : 0))
                return true;
        k = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (k <= 0)
                return false;
        exe[k] = '\0';
        for (int up = 0; up < 3; up++) {
                char *slash = strrchr(exe, '/');
                if (!slash)
                        return false;
                *slash = '\0';
        }
        return src_root_try(exe, strlen(exe));
}

static char *src_path(const char *rel)
{
        char *s;

        return asprintf(&s, "%s%s", src_root, rel) < 0 ? NULL : s;
}

static char *join(const char *a, const char *b)
{
        char *s;

        return asprintf(&s, "%s/%s", a, b) < 0 ? NULL : s;
}

/* A new empty directory (0755) under the test's private root. */
static char *fresh_dir(void)
{
        char *d;

        if (asprintf(&d, "%s/%u", tmp_root, ++n_dirs) < 0 || mkdir(d, 0755) < 0 || chmod(d, 0755) < 0)
                abort();
        return d;
}

static void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

        if (fd < 0 || write(fd, data, len) != (ssize_t)len || fchmod(fd, mode) < 0 || close(fd) < 0)
                abort();
}

static char *read_whole(const char *path, size_t *ret_len)
{
        FILE *f = fopen(path, "re");
        char *buf = NULL;
        size_t len = 0;

        if (!f)
                return NULL;
        for (;;) {
                char *more = realloc(buf, len + 65536 + 1);
                size_t k;
                if (!more)
                        abort();
                buf = more;
                k = fread(buf + len, 1, 65536, f);
                len += k;
                if (k == 0)
                        break;
        }
        fclose(f);
        buf[len] = '\0';
        if (ret_len)
                *ret_len = len;
        return buf;
}

/* Copy one fixture file into dir with mode 0644, whatever the checkout's umask was. */
static char *copy_into(const char *src, const char *dir, const char *name)
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
static char *copy_tree(const char *name, char **ret_dropins)
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
static int load_text(const char *text, Policy **ret, PolicyError *ret_error, char **ret_path)
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

static Policy *load_ok(Tap *t, const char *text, const char *what)
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
static void expect_error(Tap *t, int r, const PolicyError *e, int want_r, const char *file_name,
                         unsigned line, const char *text, const char *what)
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

static const char *rule_name(const PolicyRule *r)
{
        return r ? r->name : "(null)";
}

static void matches(Tap *t, const Policy *p, const PolicyInput *in, const char *want, const char *what)
{
        const PolicyRule *r = policy_match(p, in);

        if (!tap_ok(t, r && streq(r->name, want), "%s → %s", what, want))
                printf("#   got: %s\n", rule_name(r));
}

/* ---- The error fixtures: "# expect: LINE: TEXT" on the first line of each ---------------------- */

static void test_error_fixtures(Tap *t)
{
        _cleanup_free_ char *dir = src_path("tests/data/policy/errors");
        struct dirent **list = NULL;
        int n = scandir(dir, &list, NULL, alphasort), seen = 0;

        tap_ok(t, n > 0, "the error fixtures are readable in %s", dir);
        for (int i = 0; i < n; i++) {
                const char *name = list[i]->d_name;
                _cleanup_free_ char *src = NULL, *text = NULL, *target = NULL, *d = NULL, *path = NULL;
                Policy *p = NULL;
                PolicyError e = {};
                unsigned line;
                int off = 0, r;

                if (name[0] == '.' || !strstr(name, ".conf"))
                        goto next;
                src = join(dir, name);
                text = read_whole(src, NULL);
                if (!text || sscanf(text, "# expect: %u: %n", &line, &off) != 1 || off == 0) {
                        tap_ok(t, false, "%s has an '# expect: LINE: TEXT' first line", name);
                        goto next;
                }
                target = strndup(text + off, strcspn(text + off, "\n"));
                d = fresh_dir();
                path = copy_into(src, d, name);
                r = policy_load(path, NULL, &p, &e);
                expect_error(t, r, &e, 0, name, line, target, name);
                tap_ok(t, p == NULL, "%s: no policy on failure", name);
                seen++;
                policy_error_done(&e);
        next:
                free(list[i]);
        }
        free(list);
        tap_ok(t, seen >= 50, "%d error fixtures checked", seen);
}

/* ---- Files, drop-ins and their order --------------------------------------------------------- */

static void test_dropin_order(Tap *t)
{
        _cleanup_free_ char *dropins = NULL, *main_path = copy_tree("ordering", &dropins);
        _cleanup_(policy_freep) Policy *p = NULL;
        PolicyError e = {};
        char *rm[] = {"rm", "-rf", "/srv", NULL}, *ls[] = {"ls", NULL};
        int r = policy_load(main_path, dropins, &p, &e);

        if (!tap_ok(t, r == 0, "ordering: main file and drop-ins load")) {
                printf("#   %s\n", e.message ? e.message : "?");
                policy_error_done(&e);
                return;
        }
        tap_ok(t,
               p->n_files == 3 && strstr(p->files[0], "/jitd.conf") &&
                   strstr(p->files[1], "10-first.conf") && strstr(p->files[2], "9-second.conf"),
               "files read: main, then drop-ins in strcmp order; hidden and non-.conf files skipped");
        tap_ok(t,
               p->n_rules == 3 && streq(p->rules[0].name, "main-no-rm") && streq(p->rules[1].name, "ten") &&
                   streq(p->rules[2].name, "nine"),
               "rules keep file order across files");
        tap_ok(t, p->rules[1].line == 5 && strstr(p->rules[1].file, "10-first.conf"),
               "a rule knows its file and line");

        matches(t, p, &(PolicyInput){.user = "alice", .argv = rm, .argc = 3}, "main-no-rm",
                "alice rm: the main file first");
        matches(t, p, &(PolicyInput){.user = "alice", .argv = ls, .argc = 1}, "ten",
                "alice ls: 10-first before 9-second");
        matches(t, p, &(PolicyInput){.user = "bob", .argv = ls, .argc = 1}, "nine",
                "bob: a repeated User= key adds");
        matches(t, p, &(PolicyInput){.user = "carol", .argv = ls, .argc = 1}, "nine",
                "carol: a space-separated list");
        matches(t, p, &(PolicyInput){.user = "dave", .argv = ls, .argc = 1}, POLICY_DEFAULT_RULE_NAME,
                "dave: no rule");

        tap_ok(t, p->daemon.default_grant_usec == 30 * 60 * USEC_PER_SEC,
               "[Daemon] in a later drop-in overrides a key");
        tap_ok(t, p->daemon.max_grant_usec == 2 * 3600 * USEC_PER_SEC, "... and leaves the others");
        tap_is_str(t, p->daemon.approver_group, "leads", "the last file read wins: ApproverGroup=leads");
        tap_ok(t,
               p->default_rule.approver_groups.n == 1 &&
                   streq(p->default_rule.approver_groups.items[0], "leads") &&
                   p->default_rule.default_grant_usec == 30 * 60 * USEC_PER_SEC,
               "the default rule uses the merged [Daemon]");
}

static void test_dropin_duplicate(Tap *t)
{
        _cleanup_free_ char *dropins = NULL, *main_path = copy_tree("dup-dropin", &dropins);
        Policy *p = NULL;
        PolicyError e = {};
        int r = policy_load(main_path, dropins, &p, &e);

        expect_error(t, r, &e, -EINVAL, "50-team.conf", 3, "rule deploy is already defined at",
                     "a drop-in redefining a rule");
        tap_ok(t, e.message && strstr(e.message, "jitd.conf:1"), "... names where it was defined first");
        policy_error_done(&e);
}

static void test_files(Tap *t)
{
        _cleanup_free_ char *d = fresh_dir(), *path = join(d, "jitd.conf"), *target = join(d, "real.conf");
        _cleanup_free_ char *dropins = join(d, "jitd.conf.d"), *dropin = join(dropins, "10-x.conf");
        static const char ok_text[] = "[Rule a]\nUser=alice\nAction=deny\n";
        Policy *p = NULL, *sentinel = (Policy *)&n_dirs;
        PolicyError e = {};
        int r;

        r = policy_load(path, NULL, &p, &e);
        expect_error(t, r, &e, -ENOENT, "jitd.conf", 0, "cannot open: No such file or directory",
                     "a missing main file");
        policy_error_done(&e);

        write_file(target, ok_text, strlen(ok_text), 0644);
        if (symlink(target, path) < 0)
                abort();
        r = policy_load(path, NULL, &p, &e);
        expect_error(t, r, &e, -ELOOP, "jitd.conf", 0, "refusing a symbolic link", "a symbolic link");
        policy_error_done(&e);
        unlink(path);

        if (mkdir(path, 0755) < 0)
                abort();
        r = policy_load(path, NULL, &p, &e);
        expect_error(t, r, &e, -EINVAL, "jitd.conf", 0, "not a regular file", "a directory");
        policy_error_done(&e);
        rmdir(path);

        /* A FIFO would block a plain open() until someone writes to it. */
        if (mkfifo(path, 0644) < 0)
                abort();
        r = policy_load(path, NULL, &p, &e);
        expect_error(t, r, &e, -EINVAL, "jitd.conf", 0, "not a regular file", "a FIFO, without hanging");
        policy_error_done(&e);
        unlink(path);

        write_file(path, ok_text, strlen(ok_text), 0664);
        r = policy_load(path, NULL, &p, &e);
        expect_error(t, r, &e, -EPERM, "jitd.conf", 0,
                     "must be owned by root and not group- or world-writable",
                     "a group-writable file (chmod g+w)");
        policy_error_done(&e);

        write_file(path, ok_text, strlen(ok_text), 0646);
        r = policy_load(path, NULL, &p, &e);
        expect_error(t, r, &e, -EPERM, "jitd.conf", 0, "mode 0646", "a world-writable file");
        policy_error_done(&e);

        write_file(path, ok_text, strlen(ok_text), 0644);
        if (geteuid() == 0) {
                if (chown(path, 65534, 65534) < 0)
                        abort();
                r = policy_load(path, NULL, &p, &e);
                expect_error(t, r, &e, -EPERM, "jitd.conf", 0, "owner uid 65534",
                             "a file owned by another user");
                policy_error_done(&e);
                if (chown(path, 0, 0) < 0)
                        abort();
        } else
                tap_ok(t, true, "a file owned by another user # skip not root: cannot chown");

        p = sentinel;
        r = policy_load(path, dropins, &p, NULL);
        tap_ok(t, r == 0 && p != sentinel && p->n_rules == 1, "a missing drop-in directory is fine");
        if (p != sentinel)
                policy_free(p);

        if (mkdir(dropins, 0775) < 0 || chmod(dropins, 0775) < 0)
                abort();
        p = sentinel;
        r = policy_load(path, dropins, &p, &e);
        expect_error(t, r, &e, -EPERM, "jitd.conf.d", 0, "refusing it",
                     "a group-writable drop-in directory");
        tap_ok(t, p == sentinel, "*ret is left alone on failure");
        policy_error_done(&e);

        chmod(dropins, 0755);
        write_file(dropin, ok_text, strlen(ok_text), 0620);
        r = policy_load(path, dropins, &p, &e);
        expect_error(t, r, &e, -EPERM, "10-x.conf", 0, "refusing it", "a group-writable drop-in");
        policy_error_done(&e);

        r = policy_load(path, dropins, &p, NULL);
        tap_ok(t, r == -EPERM, "ret_error may be NULL");
        unlink(dropin);

        rmdir(dropins);
        write_file(dropins, "", 0, 0644);
        r = policy_load(path, dropins, &p, &e);
        expect_error(t, r, &e, -ENOTDIR, "jitd.conf.d", 0, "", "a drop-in 'directory' that is a file");
        policy_error_done(&e);

        write_file(path, "", 0, 0644);
        r = policy_load(path, NULL, &p, &e);
        tap_ok(t,
               r == 0 && p->n_rules == 0 && policy_match(p, &(PolicyInput){.user = "x"}) == &p->default_rule,
               "an empty file: defaults only");
        if (r == 0)
                policy_free(p);
}

/* ---- Bytes and lines ------------------------------------------------------------------------- */

static void test_bytes(Tap *t)
{
        _cleanup_free_ char *d = fresh_dir(), *path = join(d, "jitd.conf");
        Policy *p = NULL;
        PolicyError e = {};
        static const char nul[] = "[Rule a]\nAction=deny\nUser=ali\0ce\n";
        int r;

        write_file(path, nul, sizeof(nul) - 1, 0644);
        r = policy_load(path, NULL, &p, &e);
        expect_error(t, r, &e, -EINVAL, "jitd.conf", 3, "a NUL byte", "a NUL byte in a line");
        policy_error_done(&e);

        r = load_text("[Rule a]\nAction=deny\nUser=\x1b[2Jalice\n", &p, &e, NULL);
        expect_error(t, r, &e, -EINVAL, "jitd.conf", 3, "a control character (byte 0x1b)",
                     "an escape character");
        policy_error_done(&e);

        /* An escape in a file name reaches the message only escaped. */
        {
                _cleanup_free_ char *dd = fresh_dir(), *main_path = join(dd, "jitd.conf"),
                                    *dropins = join(dd, "d"), *bad = NULL;
                if (mkdir(dropins, 0755) < 0 || chmod(dropins, 0755) < 0 ||
                    asprintf(&bad, "%s/\x1b[31mred.conf", dropins) < 0)
                        abort();
                write_file(main_path, "", 0, 0644);
                write_file(bad, "[Rule a]\nUser=\n", 15, 0644);
                r = policy_load(main_path, dropins, &p, &e);
                tap_ok(t,
                       r == -EINVAL && e.message && !strchr(e.message, '\x1b') &&
                           strstr(e.message, "\\x1b[31mred.conf:2:") && e.file && !strchr(e.file, '\x1b'),
                       "a control character in a file name is escaped in the error");
                printf("#   %s\n", e.message ? e.message : "(null)");
                policy_error_done(&e);
        }

        p = load_ok(t, "\xef\xbb\xbf[Rule a]\r\nUser=alice ; who\r\nAction=deny\r\n",
                    "a BOM, CRLF line ends and a ';' comment");
        if (p) {
                tap_ok(t,
                       p->n_rules == 1 && p->rules[0].users.n == 1 &&
                           streq(p->rules[0].users.items[0], "alice"),
                       "... read as User=alice");
                policy_free(p);
        }
        p = load_ok(t, "  # an indented comment is fine\n[Rule a]\n\n\t\nUser=alice #bob\nAction=deny\n",
                    "comments and blank lines");
        if (p) {
                tap_ok(t, p->rules[0].users.n == 2 && streq(p->rules[0].users.items[1], "#bob"),
                       "'#' after a value is part of it (only ';' starts an inline comment)");
                policy_free(p);
        }
}

/* ---- Bounds ---------------------------------------------------------------------------------- */

static char *repeat(char c, size_t n)
{
        char *s = malloc(n + 1);

        if (!s)
                abort();
        memset(s, c, n);
        s[n] = '\0';
        return s;
}

static void test_limits(Tap *t)
{
        _cleanup_free_ char *v256 = repeat('a', 256), *v257 = repeat('a', 257);
        char *text = NULL;
        _cleanup_free_ char *c4096 = repeat('x', 4095), *c4097 = repeat('x', 4096);
        Policy *p = NULL;
        PolicyError e = {};
        char *buf;
        size_t len;
        int r;

        if (asprintf(&text, "[Rule a]\nAction=deny\nUser=%s\n", v256) < 0)
                abort();
        p = load_ok(t, text, "a 256-byte value (longer than libinih's default 200-byte line)");
        if (p)
                tap_ok(t, strlen(p->rules[0].users.items[0]) == 256, "... arrives whole");
        policy_free(p);
        free(text);
        if (asprintf(&text, "[Rule a]\nAction=deny\nUser=%s\n", v257) < 0)
                abort();
        r = load_text(text, &p, &e, NULL);
        expect_error(t, r, &e, -E2BIG, "jitd.conf", 3, "longer than 256 bytes", "a 257-byte value");
        policy_error_done(&e);
        free(text);

        if (asprintf(&text, "#%s\n[Rule a]\nAction=deny\n", c4096) < 0)
                abort();
        p = load_ok(t, text, "a 4096-byte line");
        policy_free(p);
        free(text);
        if (asprintf(&text, "[Rule a]\n#%s\nAction=deny\n", c4097) < 0)
                abort();
        r = load_text(text, &p, &e, NULL);
        expect_error(t, r, &e, -E2BIG, "jitd.conf", 2, "the line is longer than 4096 bytes",
                     "a 4097-byte line");
        policy_error_done(&e);
        free(text);

        /* 64 values of a key, over repeated keys and lists; the 65th is too many. */
        size_t size = 64 * 16 + 64;
        buf = malloc(size);
        len = (size_t)snprintf(buf, size, "[Rule a]\nAction=deny\n");
        for (int i = 0; i < 64; i++)
                len += (size_t)snprintf(buf + len, size - len, i % 2 ? " u%d\n" : "User=u%d", i);
        p = load_ok(t, buf, "64 values of User=");
        if (p)
                tap_ok(t, p->rules[0].users.n == 64, "... all 64 kept");
        policy_free(p);
        snprintf(buf + len, size - len, "User=u64\n");
        r = load_text(buf, &p, &e, NULL);
        expect_error(t, r, &e, -E2BIG, "jitd.conf", 35, "User= has more than 64 values in rule a",
                     "65 values of User=");
        policy_error_done(&e);
        free(buf);

        /* 256 rules; the 257th is too many. */
        size = 257 * 48;
        buf = malloc(size);
        len = 0;
        for (int i = 0; i < 256; i++)
                len += (size_t)snprintf(buf + len, size - len, "[Rule r%d]\nUser=u%d\nAction=deny\n", i, i);
        p = load_ok(t, buf, "256 rules");
        if (p)
                tap_ok(t,
                       p->n_rules == 256 &&
                           streq(policy_match(p, &(PolicyInput){.user = "u255"})->name, "r255"),
                       "... the last one matches");
        policy_free(p);
        snprintf(buf + len, size - len, "[Rule r256]\nUser=x\nAction=deny\n");
        r = load_text(buf, &p, &e, NULL);
        expect_error(t, r, &e, -E2BIG, "jitd.conf", 769, "more than 256 rules", "257 rules");
        policy_error_done(&e);
        free(buf);

        /* 1 MiB files, of comment lines. */
        buf = malloc(POLICY_MAX_FILE + 2);
        memset(buf, '#', POLICY_MAX_FILE + 1);
        for (size_t i = 1000; i < POLICY_MAX_FILE + 1; i += 1000)
                buf[i] = '\n';
        buf[POLICY_MAX_FILE - 1] = '\n';
        buf[POLICY_MAX_FILE] = '\0';
        p = load_ok(t, buf, "a file of exactly 1 MiB");
        policy_free(p);
        buf[POLICY_MAX_FILE] = '#';
        buf[POLICY_MAX_FILE + 1] = '\0';
        r = load_text(buf, &p, &e, NULL);
        expect_error(t, r, &e, -EFBIG, "jitd.conf", 0, "larger than 1048576 bytes",
                     "a file of 1 MiB + 1 byte");
        policy_error_done(&e);
        free(buf);

        /* 64 drop-ins; the 65th is too many. */
        {
                _cleanup_free_ char *d = fresh_dir(), *main_path = join(d, "jitd.conf"),
                                    *dropins = join(d, "jitd.conf.d");
                char name[64], body[64];

                write_file(main_path, "", 0, 0644);
                if (mkdir(dropins, 0755) < 0 || chmod(dropins, 0755) < 0)
                        abort();
                for (int i = 0; i < 64; i++) {
                        _cleanup_free_ char *f = NULL;
                        snprintf(name, sizeof(name), "%02d.conf", i);
                        snprintf(body, sizeof(body), "[Rule r%d]\nUser=u%d\nAction=deny\n", i, i);
                        f = join(dropins, name);
                        write_file(f, body, strlen(body), 0644);
                }
                r = policy_load(main_path, dropins, &p, &e);
                tap_ok(t, r == 0 && p->n_rules == 64 && streq(p->rules[63].name, "r63"),
                       "64 drop-ins, in order");
                if (r == 0)
                        policy_free(p);
                {
                        _cleanup_free_ char *f = join(dropins, "64.conf");
                        write_file(f, "", 0, 0644);
                }
                r = policy_load(main_path, dropins, &p, &e);
                expect_error(t, r, &e, -E2BIG, "jitd.conf.d", 0, "more than 64 drop-in files",
                             "65 drop-ins");
                policy_error_done(&e);
        }
}

/* ---- Matching -------------------------------------------------------------------------------- */

static void test_match_keys(Tap *t)
{
        _cleanup_(policy_freep) Policy *p =
            load_ok(t,
                    "[Rule by-user]\nUser=ursula uma\nAction=deny\n"
                    "[Rule by-group]\nGroup=wheel2\nGroup=admins\nAction=deny\n"
                    "[Rule by-service]\nService=login\nAction=deny\n"
                    "[Rule by-host]\nHost=db-*.prod.example.com web[0-9]\nAction=deny\n"
                    "[Rule by-two-keys]\nUser=alice\nService=su\nAction=approve\n",
                    "one rule per match key");
        char *staff_admins[] = {"staff", "admins", NULL}, *staff[] = {"staff", NULL};

        if (!p)
                return;
        matches(t, p, &(PolicyInput){.user = "uma", .service = "sudo"}, "by-user", "User= from a list");
        matches(t, p, &(PolicyInput){.user = "umar", .service = "sudo"}, POLICY_DEFAULT_RULE_NAME,
                "User= is exact, not a prefix");
        matches(t, p, &(PolicyInput){.user = NULL, .service = "sudo"}, POLICY_DEFAULT_RULE_NAME,
                "no user: User= cannot match");
        matches(t, p, &(PolicyInput){.user = "bob", .groups = staff_admins}, "by-group",
                "Group=: any of the requester's groups");
        matches(t, p, &(PolicyInput){.user = "bob", .groups = staff}, POLICY_DEFAULT_RULE_NAME,
                "Group=: none of them");
        matches(t, p, &(PolicyInput){.user = "bob", .groups = NULL}, POLICY_DEFAULT_RULE_NAME,
                "Group=: no groups given");
        matches(t, p, &(PolicyInput){.user = "bob", .service = "login"}, "by-service", "Service=");
        matches(t, p, &(PolicyInput){.user = "bob", .host = "DB-7.Prod.Example.COM"}, "by-host",
                "Host=: a glob, ignoring case");
        matches(t, p, &(PolicyInput){.user = "bob", .host = "web3"}, "by-host",
                "Host=: a second glob in the list");
        matches(t, p, &(PolicyInput){.user = "bob", .host = "web33"}, POLICY_DEFAULT_RULE_NAME,
                "Host=: the glob is anchored");
        matches(t, p, &(PolicyInput){.user = "bob", .host = NULL}, POLICY_DEFAULT_RULE_NAME,
                "Host=: no host given");
        matches(t, p, &(PolicyInput){.user = "alice", .service = "su"}, "by-two-keys",
                "two keys: both match");
        matches(t, p, &(PolicyInput){.user = "alice", .service = "sudo"}, POLICY_DEFAULT_RULE_NAME,
                "two keys: one does not");
}

static void test_commands(Tap *t)
{
        _cleanup_(policy_freep) Policy *p =
            load_ok(t,
                    "[Rule status]\nCommand=systemctl status *\nAction=approve\n"
                    "[Rule no-shells]\nCommand=bash\nCommand=sh -c *\nAction=deny\n"
                    "[Rule deploy]\nCommand=deploy production *\nAction=require\n"
                    "[Rule glass]\nGroup=oncall\nCommand=restart-db\nAction=require\nBreakGlass=yes\n"
                    "[Rule globs]\nCommand=tool-[a-c]?x \\*lit[!x]ral\nAction=deny\n"
                    "[Rule zed-any]\nUser=zed\nCommand=*\nAction=deny\n"
                    "[Rule zed-all]\nUser=zed\nAction=ignore\n",
                    "command rules");
        char *oncall[] = {"oncall", NULL};
        char *status[] = {"systemctl", "status", "nginx"}, *restart[] = {"systemctl", "restart", "nginx"};
        char *status_bare[] = {"systemctl", "status"},
             *status_home[] = {"/home/alice/systemctl", "status", "x"};
        char *status_odd[] = {"systemctl", "status", "a/b", "c d"},
             *status_one_word[] = {"systemctl", "status nginx"};
        char *bash[] = {"bash"}, *bash_c[] = {"bash", "-c", "id"}, *bin_bash[] = {"/bin/bash", "-i"};
        char *bin_sh[] = {"/bin/sh", "-c", "id"}, *sh_bytes[] = {"sh", "-c", "\xff\xfe"}, *empty0[] = {""};
        char *deploy[] = {"deploy", "production", "web"},
             *deploy_path[] = {"/usr/local/bin/deploy", "production", "web"};
        char *glass[] = {"restart-db"}, *glass_path[] = {"/opt/bin/restart-db"};
        char *tool_ok[] = {"tool-bZx", "*literal"}, *tool_range[] = {"tool-dZx", "*literal"};
        char *tool_star[] = {"tool-bZx", "Xliteral"}, *tool_neg[] = {"tool-bZx", "*litxral"};
        char *one[] = {"x"};

#define IN(v, ...)                                                                                          \
        (&(PolicyInput){.user = "alice", .service = "sudo", .argv = (v), .argc = ELEMENTSOF(v), __VA_ARGS__})
        if (!p)
                return;
        matches(t, p, IN(status), "status", "the joined argv against a glob");
        matches(t, p, IN(restart), POLICY_DEFAULT_RULE_NAME, "another subcommand");
        matches(t, p, IN(status_bare), POLICY_DEFAULT_RULE_NAME,
                "'systemctl status *' needs something after 'status '");
        matches(t, p, IN(status_odd), "status", "'*' matches '/' and spaces");
        matches(t, p, IN(status_one_word), "status",
                "argv is joined with spaces: one word 'status nginx' matches too");
        matches(t, p, IN(status_home), POLICY_DEFAULT_RULE_NAME,
                "approve rules never match by base name: /home/alice/systemctl is not systemctl");
        matches(t, p, IN(bash), "no-shells", "the program alone");
        matches(t, p, IN(bash_c), "no-shells", "the program alone, whatever its arguments");
        matches(t, p, IN(bin_bash), "no-shells", "deny rules match the base name: /bin/bash");
        matches(t, p, IN(bin_sh), "no-shells",
                "deny rules match the joined argv with the base name: /bin/sh -c id");
        matches(t, p, IN(sh_bytes), "no-shells", "invalid UTF-8 in argv still matches (byte-wise globs)");
        matches(t, p, IN(empty0), POLICY_DEFAULT_RULE_NAME, "an empty argv[0]");
        matches(t, p, IN(deploy), "deploy", "a require rule");
        matches(t, p, IN(deploy_path), "deploy", "require rules match the base name too");
        matches(t, p, IN(glass, .groups = oncall), "glass", "a break-glass rule");
        matches(t, p, IN(glass_path, .groups = oncall), POLICY_DEFAULT_RULE_NAME,
                "break-glass rules never match by base name");
        matches(t, p, IN(tool_ok), "globs", "[a-c] ? \\* and [!x]");
        matches(t, p, IN(tool_range), POLICY_DEFAULT_RULE_NAME, "[a-c] excludes d");
        matches(t, p, IN(tool_star), POLICY_DEFAULT_RULE_NAME, "\\* is a literal star");
        matches(t, p, IN(tool_neg), POLICY_DEFAULT_RULE_NAME, "[!x] excludes x");

        matches(t, p, &(PolicyInput){.user = "zed", .argv = NULL, .argc = 0}, "zed-all",
                "argc == 0: no Command= rule matches, not even '*'; a rule without Command= does");
        matches(t, p, &(PolicyInput){.user = "zed", .argv = one, .argc = 1}, "zed-any",
                "with a command, '*' matches");
        matches(t, p, &(PolicyInput){.user = "alice", .argv = NULL, .argc = 0}, POLICY_DEFAULT_RULE_NAME,
                "argc == 0 and no other rule: the default");

        /* A long argv against a star-heavy glob: linear backtracking, no recursion. */
        {
                enum { N = 4096 };
                char **argv = calloc(N, sizeof(char *));
                char word[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
                _cleanup_(policy_freep) Policy *q = load_ok(
                    t, "[Rule stars]\nCommand=*a*a*a*a*a*a*a*a*a*a*b\nAction=deny\n", "a star-heavy glob");
                argv[0] = "x";
                for (int i = 1; i < N; i++)
                        argv[i] = word;
                if (q) {
                        matches(t, q, &(PolicyInput){.argv = argv, .argc = N}, POLICY_DEFAULT_RULE_NAME,
                                "a 250 KiB argv that does not match");
                        argv[N - 1] = "ab";
                        matches(t, q, &(PolicyInput){.argv = argv, .argc = N}, "stars",
                                "... and one that does");
                }
                free(argv);
        }
#undef IN
}

/* Signature=: rules inherit [Daemon]'s, wherever in the files it is set; a rule may say otherwise. */
static void test_signature(Tap *t)
{
        _cleanup_(policy_freep) Policy *p =
            load_ok(t,
                    "[Rule plain]\nUser=alice\nAction=require\n"
                    "[Rule loose]\nUser=bob\nAction=require\nSignature=optional\n"
                    "[Daemon]\nSignature=required\nApproversFile=/srv/approvers\n",
                    "signature");
        _cleanup_(policy_freep) Policy *q = load_ok(t, "[Rule strict]\nUser=carol\nAction=require\nSignature=required\n",
                                                    "signature default");

        if (!p || !q)
                return;
        tap_ok(t, policy_match(p, &(PolicyInput){.user = "alice"})->signature_required,
               "Signature=: a rule without it takes [Daemon]'s, even from a later section");
        tap_ok(t, !policy_match(p, &(PolicyInput){.user = "bob"})->signature_required,
               "Signature=optional in a rule overrides [Daemon] Signature=required");
        tap_ok(t, policy_match(p, &(PolicyInput){.user = "zoe"})->signature_required,
               "the default rule takes [Daemon]'s Signature= too");
        tap_ok(t, streq(p->daemon.approvers_file, "/srv/approvers"), "ApproversFile= is read");
        tap_ok(t, !q->daemon.signature_required && streq(q->daemon.approvers_file, "/etc/jit/approvers"),
               "defaults: Signature=optional, ApproversFile=/etc/jit/approvers");
        tap_ok(t, policy_match(q, &(PolicyInput){.user = "carol"})->signature_required &&
                      !policy_match(q, &(PolicyInput){.user = "zoe"})->signature_required,
               "a rule may require signatures on its own");
}

static void test_actions(Tap *t)
{
        _cleanup_(policy_freep) Policy *p =
            load_ok(t,
                    "[Daemon]\nApproverGroup=ops\n"
                    "[Rule cron]\nService=cron\nAction=ignore\n"
                    "[Rule ok]\nUser=alice\nAction=approve\nReason=prompt\n"
                    "[Rule glass]\nUser=oscar\nAction=require\nBreakGlass=yes\n"
                    "[Rule two]\nUser=bob\nAction=require\nApprovers=@ops, carol  dave\n"
                    "Approvers=@sre\nApprovals=2\nScope=service\n"
                    "[Rule nobody]\nUser=nobody\nAction=deny\n",
                    "actions");
        const PolicyRule *r;
        char *ops[] = {"users", "ops", NULL}, *sre[] = {"sre", NULL}, *dev[] = {"dev", NULL};

        if (!p)
                return;
        r = policy_match(p, &(PolicyInput){.user = "root", .service = "cron"});
        tap_ok(t, r->action == POLICY_ACTION_IGNORE && streq(policy_action_to_string(r->action), "ignore"),
               "Action=ignore");
        r = policy_match(p, &(PolicyInput){.user = "alice", .service = "sudo"});
        tap_ok(t, r->action == POLICY_ACTION_APPROVE && r->reason == POLICY_REASON_PROMPT,
               "Action=approve, Reason=prompt");
        tap_ok(t, !policy_rule_approver_allowed(r, "carol", ops), "nobody approves under an approve rule");

        r = policy_match(p, &(PolicyInput){.user = "oscar"});
        tap_ok(t, r->break_glass && r->reason == POLICY_REASON_REQUIRED && r->approvals == 1,
               "BreakGlass=yes: the reason becomes required");
        tap_ok(t,
               r->approver_groups.n == 1 && streq(r->approver_groups.items[0], "ops") &&
                   r->approver_users.n == 0,
               "a require rule without Approvers= uses @ApproverGroup");

        r = policy_match(p, &(PolicyInput){.user = "bob"});
        tap_ok(t,
               streq(r->name, "two") && r->approvals == 2 && r->scope == POLICY_SCOPE_SERVICE &&
                   r->approver_users.n == 2 && r->approver_groups.n == 2,
               "Approvers=: commas and spaces, repeated keys; Approvals=2; Scope=service");
        tap_ok(t, policy_rule_approver_allowed(r, "carol", NULL), "an approver by name");
        tap_ok(t, policy_rule_approver_allowed(r, "erin", ops), "an approver by @group");
        tap_ok(t, policy_rule_approver_allowed(r, "erin", sre), "an approver by a second @group");
        tap_ok(t, !policy_rule_approver_allowed(r, "erin", dev), "not listed, not in a listed group");
        tap_ok(t, !policy_rule_approver_allowed(r, "ops", NULL),
               "a user named like a listed group is not that group");
        tap_ok(t, !policy_rule_approver_allowed(r, NULL, NULL), "no user, no groups");

        r = policy_match(p, &(PolicyInput){.user = "nobody"});
        tap_ok(t, r->action == POLICY_ACTION_DENY && streq(r->name, "nobody"), "Action=deny, with its name");

        r = policy_match(p, &(PolicyInput){.user = "zoe", .service = "sudo"});
        tap_ok(t,
               r == &p->default_rule && streq(r->name, POLICY_DEFAULT_RULE_NAME) &&
                   r->action == POLICY_ACTION_REQUIRE && r->approvals == 1 &&
                   r->reason == POLICY_REASON_NONE && r->scope == POLICY_SCOPE_COMMAND && !r->break_glass &&
                   r->file == NULL && policy_rule_is_catch_all(r),
               "no match: the default rule, require 1 approval, no reason");
        tap_ok(t,
               policy_rule_approver_allowed(r, "erin", ops) && !policy_rule_approver_allowed(r, "erin", dev),
               "the default rule's approvers: @ApproverGroup");
}

/* libinih cuts section names at 49 bytes; rule names may have 64, and two may share 44. */
static void test_long_rule_names(Tap *t)
{
        _cleanup_free_ char *a = repeat('a', 63), *text = NULL;
        _cleanup_(policy_freep) Policy *p = NULL;

        if (asprintf(&text, "[Rule %s1]\nUser=one\nAction=deny\n[Rule %s2]\nUser=two\nAction=approve\n", a,
                     a) < 0)
                abort();
        p = load_ok(t, text, "two 64-byte rule names that share 63 bytes");
        if (!p)
                return;
        tap_ok(t,
               p->n_rules == 2 && strlen(p->rules[0].name) == 64 && p->rules[1].name[63] == '2' &&
                   policy_match(p, &(PolicyInput){.user = "two"}) == &p->rules[1],
               "... are two rules, with their whole names");
}

static void test_grants(Tap *t)
{
        _cleanup_(policy_freep) Policy *p =
            load_ok(t,
                    "[Daemon]\nDefaultGrant=15m\nMaxGrant=8h\n"
                    "[Rule short]\nUser=a\nAction=require\nMaxGrant=10m\n"
                    "[Rule long]\nUser=b\nAction=require\nDefaultGrant=1h\n"
                    "[Rule own]\nUser=c\nAction=require\nDefaultGrant=5m\nMaxGrant=20m\n",
                    "grants");
        const PolicyRule *r;
        const uint64_t m = 60 * USEC_PER_SEC;

        if (!p)
                return;
        r = policy_match(p, &(PolicyInput){.user = "a"});
        tap_ok(t, r->max_grant_usec == 10 * m && r->default_grant_usec == 10 * m,
               "MaxGrant= below [Daemon]'s DefaultGrant= pulls the default down");
        tap_ok(t, policy_clamp_grant(r, 0) == 10 * m, "0 → the rule's default");
        tap_ok(t, policy_clamp_grant(r, 60 * m) == 10 * m, "longer than MaxGrant= → MaxGrant=");
        tap_ok(t, policy_clamp_grant(r, 5 * m) == 5 * m, "shorter → as asked");
        r = policy_match(p, &(PolicyInput){.user = "b"});
        tap_ok(t, policy_clamp_grant(r, 0) == 60 * m && policy_clamp_grant(r, 9 * 60 * m) == 8 * 60 * m,
               "the rule's DefaultGrant=, [Daemon]'s MaxGrant=");
        r = policy_match(p, &(PolicyInput){.user = "c"});
        tap_ok(t, policy_clamp_grant(r, 0) == 5 * m && policy_clamp_grant(r, 21 * m) == 20 * m,
               "the rule's own two");
        r = policy_match(p, &(PolicyInput){.user = "d"});
        tap_ok(t, policy_clamp_grant(r, 0) == 15 * m && policy_clamp_grant(r, 9 * 60 * m) == 8 * 60 * m,
               "the default rule: [Daemon]'s");
        tap_ok(t,
               p->daemon.request_timeout_usec == 5 * m && p->daemon.epoch_length_usec == 60 * m &&
                   streq(p->daemon.state_directory, "/var/lib/jit") &&
                   streq(p->daemon.journal_file, "/var/lib/jit/journal.jsonl") &&
                   streq(p->daemon.public_key_file, "/var/lib/jit/journal.pub") &&
                   streq(p->daemon.approver_group, "jit-approvers"),
               "[Daemon] defaults");
}

static void test_daemon_paths(Tap *t)
{
        _cleanup_(policy_freep) Policy *p =
            load_ok(t,
                    "[Daemon]\nStateDirectory=/srv/jit\nPublicKeyFile=/srv/jit.pub\n"
                    "EpochLength=10m\nRequestTimeout=90s\n",
                    "[Daemon] paths");
        if (!p)
                return;
        tap_ok(t,
               streq(p->daemon.journal_file, "/srv/jit/journal.jsonl") &&
                   streq(p->daemon.public_key_file, "/srv/jit.pub") &&
                   p->daemon.epoch_length_usec == 600 * USEC_PER_SEC &&
                   p->daemon.request_timeout_usec == 90 * USEC_PER_SEC,
               "JournalFile= follows StateDirectory= unless set");
}

/* ---- The documented example ------------------------------------------------------------------ */

static void test_example(Tap *t)
{
        _cleanup_free_ char *src = src_path("tests/data/policy/example.conf"),
                            *doc_path = src_path("docs/jitd.conf.5.md");
        _cleanup_free_ char *d = fresh_dir(), *path = copy_into(src, d, "jitd.conf");
        _cleanup_free_ char *example = read_whole(src, NULL), *doc = read_whole(doc_path, NULL);
        _cleanup_(policy_freep) Policy *p = NULL;
        PolicyError e = {};
        char *status[] = {"systemctl", "status", "nginx"}, *status_bare[] = {"systemctl", "status"};
        char *bash[] = {"/bin/bash"}, *sudo_su[] = {"su", "-"}, *su[] = {"su", "-"};
        char *deploy[] = {"/usr/local/bin/deploy", "production", "api"},
             *restart[] = {"systemctl", "restart", "nginx"};
        char *deployers[] = {"deployers", NULL}, *oncall[] = {"users", "oncall", NULL},
             *leads[] = {"ops-leads", NULL};
        const PolicyRule *r;
        int k = policy_load(path, NULL, &p, &e);

        if (!tap_ok(t, k == 0, "the documented example loads")) {
                printf("#   %s\n", e.message ? e.message : "?");
                policy_error_done(&e);
                return;
        }
        tap_ok(t, example && doc && strstr(doc, example),
               "docs/jitd.conf.5.md shows tests/data/policy/example.conf verbatim");

        /* Every ```ini block of the document is a valid file on its own. */
        for (const char *b = doc ? strstr(doc, "```ini\n") : NULL; b; b = strstr(b, "```ini\n")) {
                const char *end = strstr(b + 7, "```");
                _cleanup_free_ char *block = strndup(b + 7, end ? (size_t)(end - b - 7) : 0);
                Policy *q = NULL;
                PolicyError qe = {};
                int qr = load_text(block, &q, &qe, NULL);

                if (!tap_ok(t, qr == 0, "the document's ini block at byte %td loads", b - doc))
                        printf("#   %s\n", qe.message ? qe.message : "?");
                policy_free(q);
                policy_error_done(&qe);
                b = end ? end + 3 : b + 7;
        }

#define IN_AS(u, s, v, ...)                                                                                 \
        (&(PolicyInput){.user = (u), .service = (s), .argv = (v), .argc = ELEMENTSOF(v), __VA_ARGS__})
#define IN(v, ...) IN_AS("erin", "sudo", v, __VA_ARGS__)
        matches(t, p, &(PolicyInput){.user = "root", .service = "cron"}, "cron", "cron is ignored");
        matches(t, p, IN_AS("root", "sudo", status), "root", "root is ignored");
        matches(t, p, IN(status), "status", "systemctl status nginx is approved at once");
        matches(t, p, IN(status_bare), "status", "systemctl status is approved at once");
        matches(t, p, IN(bash), "no-shells", "sudo /bin/bash is denied");
        matches(t, p, IN(sudo_su), "no-shells", "sudo su - is denied");
        r = policy_match(p, IN(deploy, .groups = deployers));
        tap_ok(t,
               streq(r->name, "deploy-production") && r->approvals == 2 && r->approver_users.n == 3 &&
                   r->reason == POLICY_REASON_REQUIRED && policy_clamp_grant(r, 0) == 30 * 60 * USEC_PER_SEC,
               "a production deploy needs 2 of alice, bob, carol and a reason");
        tap_ok(t, !policy_rule_approver_allowed(r, "dave", leads), "... and no one else, leads included");
        r = policy_match(p, IN_AS("erin", "su", su));
        tap_ok(t,
               streq(r->name, "su") && r->reason == POLICY_REASON_REQUIRED &&
                   policy_rule_approver_allowed(r, "dave", leads),
               "su needs a reason and a lead");
        r = policy_match(p, IN(restart, .groups = oncall));
        tap_ok(t,
               streq(r->name, "on-call-break-glass") && r->break_glass &&
                   policy_clamp_grant(r, 0) == 15 * 60 * USEC_PER_SEC &&
                   policy_clamp_grant(r, 3 * 3600 * USEC_PER_SEC) == 3600 * USEC_PER_SEC,
               "on-call may break the glass, for an hour at most");
        matches(t, p, IN(bash, .groups = oncall), "no-shells", "... but not into a shell");
        r = policy_match(p, IN(restart));
        tap_ok(t, r == &p->default_rule && policy_rule_approver_allowed(r, "dave", leads),
               "anything else: one approval from @ops-leads");
#undef IN
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path) < 0 ? -1 : 0;
}

int main(void)
{
        Tap t = {};
        int r;

        if (!src_root_find()) {
                printf("Bail out! cannot find tests/data/policy: run from the repository or set JIT_SRC\n");
                return 1;
        }
        if (!mkdtemp(tmp_root) || chmod(tmp_root, 0755) < 0) {
                printf("1..0 # skip cannot create a temporary directory: %m\n");
                return 0;
        }
        test_error_fixtures(&t);
        test_dropin_order(&t);
        test_dropin_duplicate(&t);
        test_files(&t);
        test_bytes(&t);
        test_limits(&t);
        test_match_keys(&t);
        test_commands(&t);
        test_actions(&t);
        test_signature(&t);
        test_long_rule_names(&t);
        test_grants(&t);
        test_daemon_paths(&t);
        test_example(&t);
        r = tap_done(&t);
        nftw(tmp_root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        return r;
}
