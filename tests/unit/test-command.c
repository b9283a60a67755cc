/* Command identity (A38, A39): what jitd takes a request's command to be, for each front end, and
 * that argv[0] never decides it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jit-command.h"
#include "jitd.h"
#include "util.h"

#include "tap.h"

#define MAX_WORDS 8

typedef struct Case {
        const char *name;
        CommandInput in;
        const char *argv[MAX_WORDS];
        CommandKind kind;
        const char *shown;
        const char *alias; /* the alias joined, or NULL for none */
        const char *run_as;
        int r;
} Case;

#define SUDO_EXE .exe = "/usr/bin/sudo", .service = "sudo", .cwd = "/home/alice"
#define PLUGIN(cmd) .plugin = true, .service = "sudo", .command = (cmd), .runas_user = "root"

static const Case cases[] = {
    {"PAM: a bare name", {SUDO_EXE}, {"sudo", "-n", "id", "-u"}, COMMAND_BARE, "id -u", NULL, "root", 0},
    {"PAM: argv[0] uptime picks nothing",
     {SUDO_EXE},
     {"uptime", "-n", "id"},
     COMMAND_BARE,
     "id",
     NULL,
     "root",
     0},
    {"PAM: argv[0] with NBSPs, a relative program",
     {SUDO_EXE},
     {"sudo\u00a0tail\u00a0-n\u00a050", "./error.log"},
     COMMAND_TYPED,
     "/home/alice/error.log",
     NULL,
     "root",
     0},
    {"PAM: ././x folds",
     {SUDO_EXE},
     {"sudo", ".//./x", "a"},
     COMMAND_TYPED,
     "/home/alice/x a",
     NULL,
     "root",
     0},
    {"PAM: ../x stays", {SUDO_EXE}, {"sudo", "../x"}, COMMAND_TYPED, "/home/alice/../x", NULL, "root", 0},
    {"PAM: relative with no cwd is unparsed",
     {.exe = "/usr/bin/sudo", .service = "sudo"},
     {"sudo", "./x"},
     COMMAND_UNPARSED,
     "/usr/bin/sudo ./x",
     NULL,
     "root",
     0},
    {"PAM: relative under -D is unparsed",
     {SUDO_EXE},
     {"sudo", "-D", "/tmp", "./x"},
     COMMAND_UNPARSED,
     "/usr/bin/sudo -D /tmp ./x",
     NULL,
     "root",
     0},
    {"PAM: absolute under -D is typed",
     {SUDO_EXE},
     {"sudo", "-D", "/tmp", "/bin/x"},
     COMMAND_TYPED,
     "/bin/x",
     NULL,
     "root",
     0},
    {"PAM: -u bob", {SUDO_EXE}, {"sudo", "-u", "bob", "id"}, COMMAND_BARE, "id", NULL, "bob", 0},
    {"PAM: a usage error is unparsed, shown under the real name",
     {SUDO_EXE},
     {"uptime", "--frobnicate", "id"},
     COMMAND_UNPARSED,
     "/usr/bin/sudo --frobnicate id",
     NULL,
     "root",
     0},
    {"PAM: sudo -s is the whole argv, named sudo",
     {SUDO_EXE},
     {"x", "-s", "id"},
     COMMAND_TYPED,
     "sudo -s id",
     NULL,
     "root",
     0},
    {"PAM: sudoedit by argv[0]",
     {SUDO_EXE},
     {"sudoedit", "/etc/motd"},
     COMMAND_TYPED,
     "sudoedit /etc/motd",
     NULL,
     "root",
     0},
    {"PAM: env words make it the whole argv",
     {SUDO_EXE},
     {"sudo", "A=1", "id"},
     COMMAND_TYPED,
     "sudo A=1 id",
     NULL,
     "root",
     0},
    {"PAM: argc 0 is unparsed", {SUDO_EXE}, {NULL}, COMMAND_UNPARSED, "/usr/bin/sudo", NULL, "root", 0},
    {"PAM: no exe, service sudo",
     {.service = "sudo", .cwd = "/"},
     {"evil", "./x"},
     COMMAND_TYPED,
     "/x",
     NULL,
     "root",
     0},
    {"PAM: su is the host program",
     {.exe = "/usr/bin/su", .service = "su"},
     {"uptime", "-", "root"},
     COMMAND_HOST,
     "/usr/bin/su - root",
     NULL,
     NULL,
     0},
    {"PAM: sshd's rewritten title, trailing empty words dropped",
     {.exe = "/usr/sbin/sshd", .service = "sshd"},
     {"sshd: alice [priv]", "", ""},
     COMMAND_HOST,
     "/usr/sbin/sshd",
     NULL,
     NULL,
     0},
    {"PAM: a host named sudo by argv[0] only",
     {.exe = "/usr/bin/su", .service = "su"},
     {"sudo", "id"},
     COMMAND_HOST,
     "/usr/bin/su id",
     NULL,
     NULL,
     0},
    {"PAM: no exe, not sudo: unparsed",
     {.service = "login"},
     {"login", "-f"},
     COMMAND_UNPARSED,
     "login -f",
     NULL,
     NULL,
     0},
    {"plugin: exact, in secure_path",
     {PLUGIN("/usr/bin/id")},
     {"id", "-u"},
     COMMAND_EXACT,
     "/usr/bin/id -u",
     "id -u",
     "root",
     0},
    {"plugin: exact, argv[0] is ignored",
     {PLUGIN("/usr/bin/id")},
     {"uptime", "-u"},
     COMMAND_EXACT,
     "/usr/bin/id -u",
     "id -u",
     "root",
     0},
    {"plugin: a user-set environment is said first",
     {PLUGIN("/usr/bin/id"), .env_set = true},
     {"id"},
     COMMAND_EXACT,
     "(ENVIRONMENT SET BY THE USER) /usr/bin/id",
     "id",
     "root",
     0},
    {"plugin: exact, outside secure_path",
     {PLUGIN("/home/alice/bin/id")},
     {"id"},
     COMMAND_EXACT,
     "/home/alice/bin/id",
     NULL,
     "root",
     0},
    {"plugin: /bin/x", {PLUGIN("/bin/x")}, {"x"}, COMMAND_EXACT, "/bin/x", "x", "root", 0},
    {"plugin: sudoedit",
     {.plugin = true, .service = "sudo", .sudoedit = true},
     {"sudoedit", "/etc/motd"},
     COMMAND_EXACT,
     "sudoedit /etc/motd",
     NULL,
     "root",
     0},
    {"plugin: no command path is unparsed",
     {.plugin = true, .service = "sudo"},
     {"id"},
     COMMAND_UNPARSED,
     "sudo",
     NULL,
     "root",
     0},
    {"plugin: a relative command path is unparsed",
     {PLUGIN("bin/id")},
     {"id"},
     COMMAND_UNPARSED,
     "sudo bin/id",
     NULL,
     "root",
     0},
    {"ahead: no command is any",
     {.ahead = true, .service = "sudo"},
     {NULL},
     COMMAND_ANY,
     "",
     NULL,
     "root",
     0},
    {"ahead: a bare name",
     {.ahead = true, .have_argv = true, .service = "sudo"},
     {"sudo", "systemctl", "status"},
     COMMAND_BARE,
     "systemctl status",
     NULL,
     "root",
     0},
    {"ahead: a relative program is refused",
     {.ahead = true, .have_argv = true, .service = "sudo"},
     {"sudo", "./x"},
     COMMAND_UNPARSED,
     NULL,
     NULL,
     NULL,
     -EINVAL},
};

static char *join(char **words, size_t n)
{
        static char buf[1024];
        size_t o = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < n; i++)
                o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s", i ? " " : "", words[i]);
        return buf;
}

static void check(Tap *t, const Case *c)
{
        CommandInput in = c->in;
        Command got = {};
        size_t argc = 0;
        int r;

        while (argc < MAX_WORDS && c->argv[argc])
                argc++;
        in.argv = (char *const *)c->argv;
        in.argc = argc;
        if (argc > 0 && !in.plugin)
                in.have_argv = true;
        r = command_identify(&in, &got);
        if (c->r < 0) {
                tap_ok(t, r == c->r, "%s: refused", c->name);
                return;
        }
        if (!tap_ok(t, r == 0 && got.kind == c->kind, "%s: kind %s", c->name,
                    command_kind_to_string(c->kind)))
                printf("#   got r=%d kind=%s\n", r, command_kind_to_string(got.kind));
        tap_is_str(t, got.shown, c->shown, "  shown");
        if (c->alias)
                tap_is_str(t, got.alias ? join(got.alias, got.n_alias) : NULL, c->alias, "  alias");
        else
                tap_ok(t, !got.alias, "  no alias");
        if (c->run_as)
                tap_is_str(t, got.run_as, c->run_as, "  run as");
        else
                tap_ok(t, !got.run_as, "  run as the target account");
        /* Only kinds that name a program have words for Command= globs. */
        tap_ok(t, (got.words != NULL) == (c->kind != COMMAND_UNPARSED && c->kind != COMMAND_ANY),
               "  words exactly when the command names a program");
        command_done(&got);
}

int main(void)
{
        Tap t = {};

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                check(&t, &cases[i]);
        for (CommandKind r = 0; r < _COMMAND_KIND_MAX; r++)
                tap_ok(&t, command_kind_from_string(command_kind_to_string(r)) == r, "kind %s round-trips",
                       command_kind_to_string(r));
        tap_ok(&t, command_kind_from_string("bogus") == COMMAND_UNPARSED,
               "an unknown recorded kind is unparsed");
        return tap_done(&t);
}
