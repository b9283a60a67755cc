/* The module's pure parts: option parsing (A15), UTF-8 checks, and context gathering (A23, A24) with
 * fake PAM items, including argc == 0, a huge argv and a non-UTF-8 argv in re-executed children. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "context.h"
#include "duration.h"
#include "jit-limits.h"
#include "options.h"
#include "pam-context.h"
#include "util.h"
#include "utf8.h"
#include "tap.h"

/* Fake PAM: the items a test sets, nothing else. The module only reads them. */
static const char *fake_user, *fake_service, *fake_tty, *fake_rhost, *fake_ruser;
/* PAM's functions are declared nonnull; the fakes never look at the handle. */
static char fake_handle;
#define PAMH ((pam_handle_t *)&fake_handle)

int pam_get_user(pam_handle_t *pamh, const char **user, const char *prompt)
{
        if (!fake_user)
                return PAM_USER_UNKNOWN;
        *user = fake_user;
        return PAM_SUCCESS;
}

int pam_get_item(const pam_handle_t *pamh, int item_type, const void **item)
{
        switch (item_type) {
        case PAM_SERVICE:
                *item = fake_service;
                break;
        case PAM_TTY:
                *item = fake_tty;
                break;
        case PAM_RHOST:
                *item = fake_rhost;
                break;
        case PAM_RUSER:
                *item = fake_ruser;
                break;
        default:
                *item = NULL;
        }
        return PAM_SUCCESS;
}

static int parse(const char *a, const char *b, JitOptions *o, const char **bad)
{
        const char *argv[] = {a, b};
        return jit_options_parse(a ? (b ? 2 : 1) : 0, argv, o, bad);
}

static void test_options(Tap *t)
{
        JitOptions o;
        const char *bad;

        tap_ok(t, parse(NULL, NULL, &o, &bad) == 0, "no options parse");
        tap_ok(t, o.timeout_usec == 300 * USEC_PER_SEC && !o.failmode_open && !o.debug && !o.quiet,
               "defaults: timeout 300 s, failmode closed, no debug, not quiet");
        tap_ok(t,
               parse("timeout=10", "failmode=open", &o, &bad) == 0 && o.timeout_usec == 10 * USEC_PER_SEC &&
                   o.failmode_open,
               "timeout=10 failmode=open");
        tap_ok(t, parse("failmode=open", "failmode=closed", &o, &bad) == 0 && !o.failmode_open,
               "the last failmode= wins");
        tap_ok(t, parse("timeout=5m", NULL, &o, &bad) == 0 && o.timeout_usec == 300 * USEC_PER_SEC,
               "timeout=5m is 300 s");
        tap_ok(t,
               parse("timeout=86400", "debug", &o, &bad) == 0 && o.timeout_usec == 86400 * USEC_PER_SEC &&
                   o.debug,
               "timeout=86400 (the maximum) and debug");
        tap_ok(t, parse("quiet", NULL, &o, &bad) == 0 && o.quiet, "quiet");
        tap_ok(t, parse("timeout=0", NULL, &o, &bad) == -ERANGE && bad && streq(bad, "timeout=0"),
               "timeout=0 is out of range and named");
        tap_ok(t, parse("timeout=86401", NULL, &o, &bad) == -ERANGE, "timeout=86401 is out of range");
        tap_ok(t, parse("timeout=1d1s", NULL, &o, &bad) == -ERANGE, "timeout=1d1s is out of range");
        tap_ok(t, parse("timeout=", NULL, &o, &bad) == -EINVAL, "timeout= (empty) is refused");
        tap_ok(t, parse("timeout=-5", NULL, &o, &bad) == -EINVAL, "timeout=-5 is refused");
        tap_ok(t, parse("timeout=5x", NULL, &o, &bad) == -EINVAL, "timeout=5x is refused");
        tap_ok(t, parse("timeout=99999999999999999999", NULL, &o, &bad) < 0, "a huge timeout is refused");
        tap_ok(t, parse("failmode=maybe", NULL, &o, &bad) == -EINVAL && streq(bad, "failmode=maybe"),
               "failmode=maybe is refused and named");
        tap_ok(t, parse("failmode", NULL, &o, &bad) == -EINVAL, "failmode without a value is refused");
        tap_ok(t, parse("debug", "nodelay", &o, &bad) == -EINVAL && streq(bad, "nodelay"),
               "an unknown option is refused and named (A15)");
        tap_ok(t, parse("Debug", NULL, &o, &bad) == -EINVAL, "options are case-sensitive");
        tap_ok(t, parse("debug ", NULL, &o, &bad) == -EINVAL, "trailing blanks are not ignored");
}

static void reset_items(void)
{
        fake_user = "alice";
        fake_service = "sudo";
        fake_tty = "/dev/pts/3";
        fake_rhost = NULL;
        fake_ruser = "alice";
}

static void test_context(Tap *t, int argc)
{
        JitContext c;
        char long_item[2000];
        int r;

        reset_items();
        r = jit_context_gather(PAMH, &c);
        tap_ok(t, r == 0, "context gathered (%s)", strerror(-r));
        tap_ok(t,
               r == 0 && streq(c.user, "alice") && streq(c.service, "sudo") && streq(c.tty, "/dev/pts/3") &&
                   !c.rhost && streq(c.ruser, "alice"),
               "PAM items as set; unset ones stay unset");
        tap_ok(t, r == 0 && c.argc == (size_t)argc && c.argv_len > 0 && c.argv[c.argv_len - 1] == '\0',
               "argv read from /proc/self/cmdline (%zu words)", c.argc);
        tap_ok(t, r == 0 && c.cwd && c.cwd[0] == '/', "cwd is set");
        tap_ok(t, c.ruid == getuid(), "ruid is the real uid");
        jit_context_done(&c);

        fake_user = NULL;
        tap_ok(t, jit_context_gather(PAMH, &c) == -ENXIO, "no PAM_USER: -ENXIO");
        jit_context_done(&c);
        fake_user = "";
        tap_ok(t, jit_context_gather(PAMH, &c) == -ENXIO, "empty PAM_USER: -ENXIO");
        jit_context_done(&c);

        memset(long_item, 'a', sizeof(long_item) - 1);
        long_item[sizeof(long_item) - 1] = '\0';
        fake_user = long_item;
        tap_ok(t, jit_context_gather(PAMH, &c) == -ENAMETOOLONG, "overlong PAM_USER: refused, not cut");
        jit_context_done(&c);
        fake_user = "al\xffice";
        tap_ok(t, jit_context_gather(PAMH, &c) == -EILSEQ, "PAM_USER not UTF-8: refused");
        jit_context_done(&c);
        reset_items();
        fake_service = NULL;
        tap_ok(t, jit_context_gather(PAMH, &c) == -ENXIO, "no PAM_SERVICE: -ENXIO");
        jit_context_done(&c);

        /* Items that are only shown are made valid and bounded, never a reason to fail (A23, A24). */
        reset_items();
        fake_rhost = long_item;
        fake_tty = "\x1b]0;pwned\x07\xff";
        fake_ruser = "";
        r = jit_context_gather(PAMH, &c);
        tap_ok(t, r == 0, "hostile RHOST and TTY do not make gathering fail");
        tap_ok(t,
               r == 0 && c.rhost && strlen(c.rhost) < JIT_MAX_FIELD &&
                   jit_utf8_valid_for_bus(c.rhost, strlen(c.rhost)),
               "a 2000-byte RHOST is cut below %d bytes", JIT_MAX_FIELD);
        tap_ok(t, r == 0 && c.tty && !strchr(c.tty, '\x1b') && jit_utf8_valid_for_bus(c.tty, strlen(c.tty)),
               "a TTY with escapes and invalid UTF-8 is sanitised (%s)", c.tty ? c.tty : "(null)");
        tap_ok(t, r == 0 && c.ruser && streq(c.ruser, ""), "an empty RUSER is passed on empty");
        jit_context_done(&c);
        fake_tty = "\xef\xbf\xbf";
        r = jit_context_gather(PAMH, &c);
        tap_ok(t, r == 0 && c.tty && jit_utf8_valid_for_bus(c.tty, strlen(c.tty)),
               "a TTY holding U+FFFF becomes valid");
        jit_context_done(&c);
}

/* Child mode: gather, and exit with the negative errno (0 = success) and, on success, argc. */
static int child(void)
{
        JitContext c;
        int r;

        reset_items();
        r = jit_context_gather(PAMH, &c);
        if (r == 0)
                /* Linux >= 5.18 turns an empty argv into one empty word; older kernels leave it empty. */
                r = (c.argc == 0 && c.argv_len == 0) || (c.argc == 1 && c.argv_len == 1) ? 100
                                                                                         : 100 + (int)c.argc;
        jit_context_done(&c);
        return r < 0 ? -r : r;
}

/* Re-execute this binary with argv and return the child's exit status. */
static int run_child(char **argv)
{
        char *envp[] = {(char *)"JIT_TEST_CHILD=1", NULL};
        int status;
        pid_t pid = fork();

        if (pid < 0)
                return -1;
        if (pid == 0) {
                execve("/proc/self/exe", argv, envp);
                _exit(127);
        }
        if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
                return -1;
        return WEXITSTATUS(status);
}

static void test_argv_children(Tap *t)
{
        char *none[] = {NULL};
        char *bad[] = {(char *)"sudo", (char *)"rm", (char *)"caf\xe9", NULL};
        char *big_arg = malloc(JIT_MAX_ARGV_READ + 16), *exact_arg = malloc(JIT_MAX_ARGV_READ);
        char *big[] = {(char *)"sudo", big_arg, NULL};
        char *exact[] = {exact_arg, NULL};
        int r;

        if (!big_arg || !exact_arg)
                abort();
        memset(big_arg, 'x', JIT_MAX_ARGV_READ + 15);
        big_arg[JIT_MAX_ARGV_READ + 15] = '\0';
        /* One word whose bytes, with its NUL, are exactly the limit. */
        memset(exact_arg, 'y', JIT_MAX_ARGV_READ - 1);
        exact_arg[JIT_MAX_ARGV_READ - 1] = '\0';

        r = run_child(none);
        tap_ok(t, r == 100,
               "argc == 0: gathered, argv empty (or the kernel's single empty word) (status %d)", r);
        r = run_child(bad);
        tap_ok(t, r == EILSEQ,
               "an argv word that is not UTF-8: -EILSEQ, the request is not made (status %d)", r);
        r = run_child(big);
        tap_ok(t, r == E2BIG, "an argv longer than %d bytes: -E2BIG, never cut (status %d)",
               JIT_MAX_ARGV_READ, r);
        r = run_child(exact);
        tap_ok(t, r == 101, "an argv of exactly %d bytes is accepted (status %d)", JIT_MAX_ARGV_READ, r);
        free(big_arg);
        free(exact_arg);
}

int main(int argc, char **argv)
{
        Tap t = {0};

        if (getenv("JIT_TEST_CHILD"))
                return child();

        test_options(&t);
        test_context(&t, argc);
        test_argv_children(&t);
        return tap_done(&t);
}
