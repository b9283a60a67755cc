/* Loading the policy: jitd.conf and drop-ins, every config error (A15), bytes, lines and bounds. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy-helpers.h"

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
        static char mark; /* any address that is not a Policy's */
        Policy *p = NULL, *sentinel = (Policy *)&mark;
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

int main(void)
{
        Tap t = {};
        int r;

        if (!policy_test_begin(&r))
                return r;
        test_error_fixtures(&t);
        test_dropin_order(&t);
        test_dropin_duplicate(&t);
        test_files(&t);
        test_bytes(&t);
        test_limits(&t);
        return policy_test_end(&t);
}
