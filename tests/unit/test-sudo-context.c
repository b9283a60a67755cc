/* The sudo plugin's reading of sudo's vectors (user_info, settings, command_info, run_argv): what
 * reaches jitd exactly, and every odd item refused with the item named, never altered. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "jit-limits.h"
#include "sudo-context.h"
#include "util.h"
#include "utf8.h"
#include "tap.h"

#define V(...) ((char *const[]){__VA_ARGS__, NULL})

static void test_user(Tap *t)
{
        SudoUser u;
        const char *item;
        int r;

        r = jit_sudo_user_parse(V("user=alice", "uid=2001", "cwd=/home/alice", "tty=/dev/pts/3"),
                                V("noninteractive=true", "run_shell=false"), &u, &item);
        tap_ok(t,
               r == 0 && u.uid == 2001 && streq(u.cwd, "/home/alice") && streq(u.tty, "/dev/pts/3") &&
                   u.noninteractive,
               "user_info: uid, cwd and tty are read; sudo -n is noticed");
        jit_sudo_user_done(&u);

        r = jit_sudo_user_parse(V("uid=0", "cwd=/"), NULL, &u, &item);
        tap_ok(t, r == 0 && u.uid == 0 && !u.tty && !u.noninteractive,
               "user_info: no tty= means no tty; no settings means interactive");
        jit_sudo_user_done(&u);

        r = jit_sudo_user_parse(V("uid=2001", "cwd=/x", "tty=/dev/pts/\xff"), NULL, &u, &item);
        tap_ok(t, r == 0 && u.tty && jit_utf8_valid_for_bus(u.tty, strlen(u.tty)),
               "user_info: a tty that is not UTF-8 is only shown, sanitised, not refused");
        jit_sudo_user_done(&u);

        static const struct {
                const char *uid, *cwd;
                int error;
                const char *name;
        } bad[] = {
            {NULL, "/", -ENXIO, "no uid="},
            {"uid=", "/", -EINVAL, "an empty uid="},
            {"uid=-1", "/", -EINVAL, "a negative uid="},
            {"uid=4294967295", "/", -EINVAL, "uid=(uid_t)-1"},
            {"uid=99999999999", "/", -EINVAL, "a uid= past 32 bits"},
            {"uid=12a", "/", -EINVAL, "a uid= with letters"},
            {"uid=2001", "cwd=relative/dir", -EINVAL, "a relative cwd="},
            {"uid=2001", "cwd=/caf\xe9", -EILSEQ, "a cwd= that is not UTF-8"},
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char *ui[] = {(char *)"user=alice", (char *)bad[i].uid, (char *)bad[i].cwd, NULL};
                if (!bad[i].uid) {
                        ui[1] = (char *)"cwd=/";
                        ui[2] = NULL;
                }
                u = (SudoUser){0};
                r = jit_sudo_user_parse(ui, NULL, &u, &item);
                tap_ok(t, r == bad[i].error && item && !u.cwd, "user_info: %s is refused (%s, %s)",
                       bad[i].name, strerror(-r), item ? item : "?");
        }
}

static void test_context(Tap *t)
{
        SudoUser u = {.uid = 2001, .cwd = (char *)"/home/alice", .tty = (char *)"/dev/pts/3"};
        JitContext c;
        const char *item;
        int r;

        r = jit_sudo_context_build(&u,
                                   V("command=/usr/bin/id", "runas_user=root", "runas_uid=0", "runas_gid=0",
                                     "runas_group=adm", "cwd=/home/alice", "runcwd=/srv"),
                                   V("id", "-u"), &c, &item);
        tap_ok(t, r == 0 && c.front == JIT_FRONT_SUDO_PLUGIN && streq(c.service, "sudo") && c.ruid == 2001,
               "command_info: front sudo-plugin, service sudo, the invoking uid");
        tap_ok(t,
               r == 0 && streq(c.command, "/usr/bin/id") && streq(c.user, "root") &&
                   streq(c.runas_user, "root") && streq(c.runas_group, "adm"),
               "command_info: the resolved command; the target is the runas user; the runas group");
        tap_ok(t,
               r == 0 && streq(c.runcwd, "/srv") && streq(c.cwd, "/home/alice") &&
                   streq(c.tty, "/dev/pts/3"),
               "command_info: runcwd= wins over cwd=; the user's cwd and tty come from user_info");
        tap_ok(t,
               r == 0 && c.argc == 2 && c.argv_len == 6 && memcmp(c.argv, "id\0-u\0", 6) == 0 && !c.sudoedit,
               "run_argv: NUL-separated words, as from /proc/self/cmdline");
        jit_context_done(&c);

        r = jit_sudo_context_build(&u,
                                   V("command=/usr/bin/vim", "runas_user=root", "cwd=/tmp", "sudoedit=true"),
                                   V("vim", "--", "/etc/hosts"), &c, &item);
        tap_ok(t, r == 0 && streq(c.runcwd, "/tmp") && c.sudoedit && !c.runas_group,
               "command_info: without runcwd= the command's cwd= is used; sudoedit=true is kept");
        jit_context_done(&c);

        r = jit_sudo_context_build(&u, V("command=/bin/true", "runas_user=root"), V("true", "a b", ""), &c,
                                   &item);
        tap_ok(t, r == 0 && c.argc == 3 && c.argv_len == 10 && streq(c.runcwd, "/home/alice"),
               "run_argv: blanks and empty words are kept exactly; without cwd= the command runs in the "
               "user's");
        jit_context_done(&c);

        static const struct {
                const char *command, *runas, *extra;
                int error;
                const char *item, *name;
        } bad[] = {
            {NULL, "runas_user=root", NULL, -ENXIO, "command=", "no command="},
            {"command=", "runas_user=root", NULL, -ENXIO, "command=", "an empty command="},
            {"command=id", "runas_user=root", NULL, -EINVAL,
             "command=", "a bare command= (sudo gives a path)"},
            {"command=/usr/bin/\xff", "runas_user=root", NULL, -EILSEQ, "command=", "a command= not UTF-8"},
            {"command=/usr/bin/id", NULL, NULL, -ENXIO, "runas_user=", "no runas_user="},
            {"command=/usr/bin/id", "runas_user=r\xc3", NULL, -EILSEQ,
             "runas_user=", "a runas_user= not UTF-8"},
            {"command=/usr/bin/id", "runas_user=root", "runcwd=srv", -EINVAL,
             "runcwd=", "a relative runcwd="},
            {"command=/usr/bin/id", "runas_user=root", "runas_group=\xed\xa0\x80", -EILSEQ,
             "runas_group=", "a surrogate in runas_group="},
            {"command=../x", "runas_user=root", "runcwd=/srv", -EINVAL,
             "command=", "a command= with '..' under runcwd"},
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char *ci[4] = {NULL};
                size_t n = 0;
                if (bad[i].command)
                        ci[n++] = (char *)bad[i].command;
                if (bad[i].runas)
                        ci[n++] = (char *)bad[i].runas;
                if (bad[i].extra)
                        ci[n++] = (char *)bad[i].extra;
                c = (JitContext){0};
                r = jit_sudo_context_build(&u, ci, V("id"), &c, &item);
                tap_ok(t, r == bad[i].error && item && streq(item, bad[i].item) && !c.command,
                       "command_info: %s is refused (%s)", bad[i].name, strerror(-r));
        }

        r = jit_sudo_context_build(&u, V("command=./run.sh", "runas_user=root", "runcwd=/srv/b"),
                                   V("run.sh"), &c, &item);
        tap_ok(t, r == 0 && c.command && streq(c.command, "/srv/b/run.sh"),
               "command_info: a relative command= under -D is made absolute against runcwd=");
        jit_context_done(&c);

        r = jit_sudo_context_build(&u, V("command=/bin/echo", "runas_user=root"), V("echo", "caf\xe9"), &c,
                                   &item);
        tap_ok(t, r == -EILSEQ && streq(item, "run_argv"), "run_argv: a word that is not UTF-8 is refused");

        {
                char *big = malloc(JIT_MAX_ARGV_READ + 1);
                if (!big)
                        abort();
                memset(big, 'x', JIT_MAX_ARGV_READ);
                big[JIT_MAX_ARGV_READ] = '\0';
                r = jit_sudo_context_build(&u, V("command=/bin/echo", "runas_user=root"), V("echo", big), &c,
                                           &item);
                tap_ok(t, r == -E2BIG && streq(item, "run_argv"), "run_argv: more than %d bytes is refused",
                       JIT_MAX_ARGV_READ);
                big[JIT_MAX_ARGV_READ - 6] = '\0';
                r = jit_sudo_context_build(&u, V("command=/bin/echo", "runas_user=root"), V("echo", big), &c,
                                           &item);
                tap_ok(t, r == 0 && c.argv_len == JIT_MAX_ARGV_READ,
                       "run_argv: exactly %d bytes are accepted", JIT_MAX_ARGV_READ);
                jit_context_done(&c);
                free(big);
        }
}

int main(void)
{
        Tap t = {0};

        test_user(&t);
        test_context(&t);
        return tap_done(&t);
}
