/* Finding the command in sudo's argv: a table of sudo command lines and what sudo 1.9.13 makes of
 * them. The expectations were checked by running Debian 12's sudo as root (see sudo-argv.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sudo-argv.h"
#include "tap.h"
#include "util.h"

#define MAX_WORDS 12
#define NONE ((size_t)-1) /* command_index == argc */

typedef struct Case {
        const char *name;
        const char *argv[MAX_WORDS + 1]; /* NULL-terminated here; the parser gets only argc */
        int r;
        SudoMode mode;
        size_t index;
        const char *user, *group;
        bool login_shell, shell;
        size_t n_env;
        bool preserve_env;
} Case;

#define FAIL .r = -EINVAL
#define RUN(i) .mode = SUDO_RUN, .index = (i)
#define SHELL .mode = SUDO_SHELL, .index = NONE, .shell = true
#define EDIT(i) .mode = SUDO_EDIT, .index = (i)
#define OTHER .mode = SUDO_OTHER, .index = NONE

static const Case cases[] = {
    /* Plain commands and argv[0]. */
    {"a command", {"sudo", "systemctl", "restart", "nginx"}, RUN(1)},
    {"sudo by path", {"/usr/bin/sudo", "ls"}, RUN(1)},
    {"options after the command belong to it", {"sudo", "ls", "-u", "bob", "--", "-n"}, RUN(1)},
    {"the module's example",
     {"sudo", "-n", "-u", "bob", "FOO=1", "systemctl", "restart", "nginx"},
     RUN(5),
     .user = "bob",
     .n_env = 1},
    /* -u and -g, short, bundled and long. */
    {"-nu bob", {"sudo", "-nu", "bob", "id"}, RUN(3), .user = "bob"},
    {"-nubob", {"sudo", "-nubob", "id"}, RUN(2), .user = "bob"},
    {"--user=bob", {"sudo", "--user=bob", "id"}, RUN(2), .user = "bob"},
    {"--user bob", {"sudo", "--user", "bob", "id"}, RUN(3), .user = "bob"},
    {"--us bob (unique prefix)", {"sudo", "--us", "bob", "id"}, RUN(3), .user = "bob"},
    {"-g and -u", {"sudo", "-g", "adm", "-u", "bob", "id"}, RUN(5), .user = "bob", .group = "adm"},
    {"-gadm", {"sudo", "-gadm", "id"}, RUN(2), .group = "adm"},
    {"--group=adm", {"sudo", "--group=adm", "id"}, RUN(2), .group = "adm"},
    {"a value may start with '-'", {"sudo", "-u", "-n", "id"}, RUN(3), .user = "-n"},
    {"-u -- X=1: sudo sees '--' before X=1", {"sudo", "-u", "--", "X=1", "id"}, RUN(3), .user = "--"},
    /* -E and --preserve-env. */
    {"-E", {"sudo", "-E", "ls"}, RUN(2), .preserve_env = true},
    {"--preserve-env", {"sudo", "--preserve-env", "ls"}, RUN(2), .preserve_env = true},
    {"--preserve-env=list", {"sudo", "--preserve-env=PATH,HOME", "ls"}, RUN(2), .preserve_env = true},
    {"--preserve-env= names nothing", {"sudo", "--preserve-env=", "ls"}, RUN(2)},
    {"--preserve-env takes no separate word",
     {"sudo", "--preserve-env", "PATH", "ls"},
     RUN(2),
     .preserve_env = true},
    {"--preserve-e=PATH (prefix)", {"sudo", "--preserve-e=PATH", "ls"}, RUN(2), .preserve_env = true},
    {"--preserve-env=A=B", {"sudo", "--preserve-env=A=B", "ls"}, FAIL},
    {"--pre is ambiguous", {"sudo", "--pre=PATH", "ls"}, FAIL},
    {"-Enu bob", {"sudo", "-Enu", "bob", "ls"}, RUN(3), .user = "bob", .preserve_env = true},
    /* "--". */
    {"-- then an option-like command", {"sudo", "--", "-u", "bob"}, RUN(2)},
    {"-n -- ls -l", {"sudo", "-n", "--", "ls", "-l"}, RUN(3)},
    {"-- alone: implied shell", {"sudo", "--"}, SHELL},
    /* VAR=value. */
    {"two assignments", {"sudo", "FOO=1", "BAR=", "ls"}, RUN(3), .n_env = 2},
    {"assignment between options",
     {"sudo", "FOO=1", "-u", "bob", "LD_PRELOAD=x", "ls"},
     RUN(5),
     .user = "bob",
     .n_env = 2},
    {"assignment then --", {"sudo", "FOO=1", "--", "ls"}, RUN(3), .n_env = 1},
    {"an assignment after the command is an argument", {"sudo", "env", "FOO=1"}, RUN(1)},
    {"-- then X=1 is the command", {"sudo", "--", "FOO=1", "ls"}, RUN(2)},
    {"a-b=1: sudo sets it, we refuse", {"sudo", "a-b=1", "ls"}, FAIL},
    {"./x=1: sudo sets it, we refuse", {"sudo", "./x=1", "ls"}, FAIL},
    {"1X=1: not a name", {"sudo", "1X=1", "ls"}, FAIL},
    {"/bin/x=1 is a command", {"sudo", "/bin/x=1", "ls"}, RUN(1)},
    {"=x is a command", {"sudo", "=x", "ls"}, RUN(1)},
    {"assignments only: implied shell", {"sudo", "_X=1"}, SHELL, .n_env = 1},
    {"- is a command", {"sudo", "-", "ls"}, RUN(1)},
    /* -s and -i. */
    {"-s alone", {"sudo", "-s"}, SHELL},
    {"-i alone", {"sudo", "-i"}, SHELL, .login_shell = true},
    {"no command: implied shell", {"sudo", "-n"}, SHELL},
    {"argv[0] alone: implied shell", {"sudo"}, SHELL},
    {"-s with a command", {"sudo", "-s", "ls", "-l"}, RUN(2), .shell = true},
    {"-i with a command", {"sudo", "-i", "ls"}, RUN(2), .shell = true, .login_shell = true},
    {"-iu bob cmd", {"sudo", "-iu", "bob", "ls"}, RUN(3), .user = "bob", .shell = true, .login_shell = true},
    {"--login", {"sudo", "--login", "ls"}, RUN(2), .shell = true, .login_shell = true},
    {"--shell", {"sudo", "--shell", "ls"}, RUN(2), .shell = true},
    {"-i with --preserve-env=list",
     {"sudo", "-i", "--preserve-env=PATH", "ls"},
     RUN(3),
     .shell = true,
     .login_shell = true,
     .preserve_env = true},
    {"-k -s is a shell, not -k alone", {"sudo", "-k", "-s"}, SHELL},
    {"-s -i", {"sudo", "-s", "-i"}, FAIL},
    {"-E -i", {"sudo", "-Ei", "ls"}, FAIL},
    {"--shell=x", {"sudo", "--shell=x", "ls"}, FAIL},
    /* -h: help or host. */
    {"-h alone is help", {"sudo", "-h"}, OTHER},
    {"--help", {"sudo", "--help"}, OTHER},
    {"--hel", {"sudo", "--hel"}, OTHER},
    {"-h host cmd", {"sudo", "-h", "host", "ls"}, RUN(3)},
    {"-hhost cmd", {"sudo", "-hhost", "ls"}, RUN(2)},
    {"--host=host cmd", {"sudo", "--host=host", "ls"}, RUN(2)},
    {"--host host cmd", {"sudo", "--host", "host", "ls"}, RUN(3)},
    {"--ho=host", {"sudo", "--ho=host", "ls"}, RUN(2)},
    {"-h /bin/ls x: /bin/ls is the host", {"sudo", "-h", "/bin/ls", "x"}, RUN(3)},
    {"-h host alone: implied shell", {"sudo", "-h", "host"}, SHELL},
    {"-nh host: bundled -h is help", {"sudo", "-nh", "host"}, FAIL},
    {"-h -n: no flags with help", {"sudo", "-h", "-n"}, FAIL},
    {"-h X=1 cmd: help then a command", {"sudo", "-h", "FOO=1", "ls"}, FAIL},
    {"--h is ambiguous", {"sudo", "--h", "x", "ls"}, FAIL},
    {"-h -V", {"sudo", "-h", "-V"}, FAIL},
    {"two hosts", {"sudo", "-hone", "-htwo", "ls"}, FAIL},
    /* -l, -v, -k, -K, -V. */
    {"-l", {"sudo", "-l"}, OTHER},
    {"-ll", {"sudo", "-ll"}, OTHER},
    {"-l with a command runs nothing", {"sudo", "-l", "ls"}, OTHER},
    {"-l -U bob", {"sudo", "-l", "-U", "bob"}, OTHER},
    {"-U without -l", {"sudo", "-U", "bob", "ls"}, FAIL},
    {"-v", {"sudo", "-v"}, OTHER},
    {"-v -u bob", {"sudo", "-v", "-u", "bob"}, OTHER, .user = "bob"},
    {"-v with a command", {"sudo", "-v", "ls"}, FAIL},
    {"-Nv", {"sudo", "-Nv"}, OTHER},
    {"-k alone", {"sudo", "-k"}, OTHER},
    {"-k with a command runs it", {"sudo", "-k", "ls"}, RUN(2)},
    {"-n -k", {"sudo", "-n", "-k"}, FAIL},
    {"-k -N", {"sudo", "-k", "-N", "ls"}, FAIL},
    {"-K", {"sudo", "-K"}, OTHER},
    {"-K with a command", {"sudo", "-K", "ls"}, FAIL},
    {"-V", {"sudo", "-V"}, OTHER},
    {"--version", {"sudo", "--version"}, OTHER},
    {"-V with a command", {"sudo", "-V", "ls"}, FAIL},
    {"-l -v", {"sudo", "-l", "-v"}, FAIL},
    {"-bl: -b not with -l", {"sudo", "-bl", "ls"}, FAIL},
    {"-u with -l alone", {"sudo", "-u", "bob", "-l"}, FAIL},
    /* sudoedit and -e. */
    {"sudoedit FILE", {"sudoedit", "/etc/hosts"}, EDIT(1)},
    {"sudoedit by path, -u", {"/usr/bin/sudoedit", "-u", "bob", "/etc/hosts"}, EDIT(3), .user = "bob"},
    {"sudoedit -- FILE -n", {"sudoedit", "--", "/etc/hosts", "-n"}, EDIT(2)},
    {"sudo -e FILE", {"sudo", "-e", "/etc/hosts"}, EDIT(2)},
    {"sudo --edit FILES", {"sudo", "--edit", "/etc/a", "/etc/b"}, EDIT(2)},
    {"sudoedit --b is --bell there", {"sudoedit", "--b", "-n", "/etc/hosts"}, EDIT(3)},
    {"sudoedit -h", {"sudoedit", "-h"}, OTHER},
    {"sudoedit -V -h", {"sudoedit", "-V", "-h"}, OTHER},
    {"sudoedit without a file", {"sudoedit"}, FAIL},
    {"sudoedit -b", {"sudoedit", "-b", "/etc/hosts"}, FAIL},
    {"sudoedit -e", {"sudoedit", "-e", "/etc/hosts"}, FAIL},
    {"sudoedit --pre", {"sudoedit", "--pre=x", "/etc/hosts"}, FAIL},
    {"sudoedit -K", {"sudoedit", "-K"}, FAIL},
    {"sudoedit VAR=value", {"sudoedit", "FOO=1", "/etc/hosts"}, FAIL},
    {"sudo -e -E", {"sudo", "-e", "-E", "/etc/hosts"}, FAIL},
    {"sudo -e --preserve-env=list", {"sudo", "-e", "--preserve-env=HOME", "/etc/hosts"}, FAIL},
    {"sudo -e --preserve-env=,", {"sudo", "-e", "--preserve-env=,", "/etc/hosts"}, EDIT(3)},
    {"sudo -e -s", {"sudo", "-e", "-s", "/etc/hosts"}, FAIL},
    {"sudo -e -l", {"sudo", "-e", "-l"}, FAIL},
    /* Other options and their values. */
    {"flags bundled", {"sudo", "-BHPnS", "ls"}, RUN(2)},
    {"-r and -t", {"sudo", "-r", "role", "-ttype", "ls"}, RUN(4)},
    {"-D twice (--chd is a prefix)", {"sudo", "-D", "/tmp", "--chd=/", "ls"}, FAIL},
    {"-D once", {"sudo", "-D", "/tmp", "ls"}, RUN(3)},
    {"-R: refused, the words no longer name the program", {"sudo", "-R", "/home/u/root", "ls"}, FAIL},
    {"--chroot: refused", {"sudo", "--chroot=/", "ls"}, FAIL},
    {"-C 3", {"sudo", "-C", "3", "ls"}, RUN(3)},
    {"--close-from=10", {"sudo", "--close-from=10", "ls"}, RUN(2)},
    {"-p with an empty prompt", {"sudo", "-p", "", "ls"}, RUN(3)},
    {"-T with an empty value", {"sudo", "-T", "", "ls"}, RUN(3)},
    {"-t with an empty value", {"sudo", "-t", "", "ls"}, FAIL},
    {"-u with an empty value", {"sudo", "-u", "", "ls"}, FAIL},
    {"--user= with an empty value", {"sudo", "--user=", "ls"}, FAIL},
    {"-u twice", {"sudo", "-u", "root", "-u", "root", "ls"}, FAIL},
    {"-C 2", {"sudo", "-C", "2", "ls"}, FAIL},
    {"-C 3x", {"sudo", "-C", "3x", "ls"}, FAIL},
    {"-C too large", {"sudo", "-C", "2147483648", "ls"}, FAIL},
    {"-a (BSD auth only)", {"sudo", "-a", "x", "ls"}, FAIL},
    {"--login-class (BSD only)", {"sudo", "--login-class=x", "ls"}, FAIL},
    {"-A -S", {"sudo", "-A", "-S", "ls"}, FAIL},
    /* Errors. */
    {"unknown short option", {"sudo", "-X", "ls"}, FAIL},
    {"unknown option in a bundle", {"sudo", "-nX", "ls"}, FAIL},
    {"'-' inside a bundle", {"sudo", "-n-u", "bob", "ls"}, FAIL},
    {"':' is not an option", {"sudo", "-:", "ls"}, FAIL},
    {"unknown long option", {"sudo", "--frobnicate", "ls"}, FAIL},
    {"--=x", {"sudo", "--=x", "ls"}, FAIL},
    {"---user", {"sudo", "---user=bob", "ls"}, FAIL},
    {"-u without its value", {"sudo", "-u"}, FAIL},
    {"-nu without its value", {"sudo", "-nu"}, FAIL},
    {"--user without its value", {"sudo", "--user"}, FAIL},
    /* argv[0] is the invoker's choice (exec -a): sudo's grammar all the same (A38). */
    {"argv[0] visudo", {"visudo", "ls"}, RUN(1)},
    {"argv[0] uptime (exec -a uptime sudo -n id)", {"uptime", "-n", "id"}, RUN(2)},
    {"argv[0] with non-ASCII spaces", {"sudo\u00a0tail\u00a0-n\u00a050", "./error.log"}, RUN(1)},
    {"argv[0] /usr/bin/sudo-rs", {"/usr/bin/sudo-rs", "ls"}, RUN(1)},
    {"argv[0] with an empty base name", {"/usr/bin/", "ls"}, RUN(1)},
    {"argv[0] empty", {"", "ls"}, RUN(1)},
    {"argv[0] empty, an option", {"", "-u", "bob", "id"}, RUN(3), .user = "bob"},
    {"argv[0] sudoedit by path", {"/tmp/x/sudoedit", "/etc/motd"}, EDIT(1)},
    {"argv[0] 'sudoedit ' is not sudoedit", {"sudoedit ", "/etc/motd"}, RUN(1)},
};

static size_t count_words(const char *const *argv)
{
        size_t n = 0;

        while (n < MAX_WORDS && argv[n])
                n++;
        return n;
}

/* Each word and the array itself in their own exact-size allocations, so that a read past argc or
 * past a word's NUL shows up under AddressSanitizer. */
static char **copy_argv(const char *const *words, size_t argc)
{
        char **argv = malloc(argc ? argc * sizeof(char *) : 1);

        if (!argv)
                abort();
        for (size_t i = 0; i < argc; i++)
                if (!(argv[i] = strdup(words[i])))
                        abort();
        return argv;
}

static void free_argv(char **argv, size_t argc)
{
        for (size_t i = 0; i < argc; i++)
                free(argv[i]);
        free(argv);
}

static bool same_str(const char *a, const char *b)
{
        return a == b || (a && b && streq(a, b));
}

static void check(Tap *t, const Case *c)
{
        size_t argc = count_words(c->argv), want_index = c->index == NONE ? argc : c->index;
        char **argv = copy_argv(c->argv, argc);
        SudoCommand got = {.mode = SUDO_OTHER, .command_index = 4242};
        int r = sudo_parse_argv(argv, argc, &got);
        bool ok;

        if (c->r < 0)
                ok = r == c->r && got.command_index == 4242; /* ret untouched on failure */
        else
                ok = r == 0 && got.mode == c->mode && got.command_index == want_index &&
                     same_str(got.run_as_user, c->user) && same_str(got.run_as_group, c->group) &&
                     got.login_shell == c->login_shell && got.shell == c->shell && got.n_env == c->n_env &&
                     got.preserve_env == c->preserve_env;
        tap_ok(t, ok, "%s", c->name);
        if (!ok)
                printf(
                    "#   got:  r=%d mode=%d index=%zu user=%s group=%s login_shell=%d shell=%d env=%zu/%d\n"
                    "#   want: r=%d mode=%d index=%zu user=%s group=%s login_shell=%d shell=%d env=%zu/%d\n",
                    r, got.mode, got.command_index, got.run_as_user ?: "(null)",
                    got.run_as_group ?: "(null)", got.login_shell, got.shell, got.n_env, got.preserve_env,
                    c->r, c->mode, want_index, c->user ?: "(null)", c->group ?: "(null)", c->login_shell,
                    c->shell, c->n_env, c->preserve_env);
        free_argv(argv, argc);
}

int main(void)
{
        Tap t = {};
        SudoCommand got;

        for (size_t r = 0; r < ELEMENTSOF(cases); r++)
                check(&t, &cases[r]);

        tap_ok(&t, sudo_parse_argv(NULL, 0, &got) == -EINVAL, "argc == 0 is refused");
        {
                char *argv[] = {(char *)"sudo", NULL, (char *)"ls"};
                tap_ok(&t, sudo_parse_argv(argv, 3, &got) == -EINVAL, "a NULL word is refused");
        }
        {
                /* The words past argc would complete "-u"; the parser must not look at them. */
                const char *words[] = {"sudo", "-u", "bob", "ls"};
                char **argv = copy_argv(words, 2);
                tap_ok(&t, sudo_parse_argv(argv, 2, &got) == -EINVAL, "nothing is read past argc (-u)");
                free_argv(argv, 2);
                argv = copy_argv(words, 3);
                tap_ok(&t,
                       sudo_parse_argv(argv, 3, &got) == 0 && got.mode == SUDO_SHELL &&
                           got.command_index == 3 && same_str(got.run_as_user, "bob"),
                       "argc cuts the command off: a shell as bob");
                free_argv(argv, 3);
        }
        {
                char *argv[] = {(char *)"sudo", (char *)"--user=bob", (char *)"-gadm", (char *)"id"};
                tap_ok(&t,
                       sudo_parse_argv(argv, 4, &got) == 0 && got.run_as_user == argv[1] + 7 &&
                           got.run_as_group == argv[2] + 2,
                       "run-as values point into argv");
        }
        return tap_done(&t);
}
