/* Reading what sudo hands the approval plugin into the front ends' shared JitContext. Identifying
 * items (the command, the runas user and group, the directories, the argv) are refused when odd,
 * never altered: the approver must see exactly what will run. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jit-limits.h"
#include "sudo-argv.h"
#include "sudo-context.h"
#include "util.h"
#include "utf8.h"

const char *jit_sudo_lookup(char *const vec[], const char *name)
{
        size_t n = strlen(name);

        if (!vec)
                return NULL;
        for (size_t i = 0; vec[i]; i++)
                if (strncmp(vec[i], name, n) == 0 && vec[i][n] == '=')
                        return vec[i] + n + 1;
        return NULL;
}

/* A copy of a string that must reach jitd exactly: non-empty, shorter than max, valid UTF-8, and
 * absolute when it is a path. */
static int copy_exact(const char *in, size_t max, bool path, char **ret)
{
        size_t n;

        if (!in || !*in)
                return -ENXIO;
        n = strnlen(in, max);
        if (n >= max)
                return -ENAMETOOLONG;
        if (!jit_utf8_valid_for_bus(in, n))
                return -EILSEQ;
        if (path && in[0] != '/')
                return -EINVAL;
        *ret = strndup(in, n);
        return *ret ? 0 : -ENOMEM;
}

/* A uid as sudo writes it: decimal digits only, never (uid_t)-1. */
static int parse_uid(const char *s, uid_t *ret)
{
        uint64_t v = 0;

        if (!s)
                return -ENXIO;
        if (!*s || strlen(s) > 10)
                return -EINVAL;
        for (const char *p = s; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                v = v * 10 + (uint64_t)(*p - '0');
        }
        if (v >= UINT32_MAX)
                return -EINVAL;
        *ret = (uid_t)v;
        return 0;
}

void jit_sudo_user_done(SudoUser *u)
{
        free(u->cwd);
        free(u->tty);
        *u = (SudoUser){0};
}

bool jit_sudo_user_sets_env(char *const submit_argv[], char *const settings[])
{
        const char *v = jit_sudo_lookup(settings, "preserve_environment");
        SudoCommand sc;
        size_t argc = 0;

        if (v && streq(v, "true"))
                return true;
        while (submit_argv && submit_argv[argc])
                argc++;
        if (sudo_parse_argv(submit_argv, argc, &sc) < 0)
                return true;
        return sc.n_env > 0 || sc.preserve_env;
}

int jit_sudo_user_parse(char *const user_info[], char *const settings[], SudoUser *ret,
                        const char **ret_item)
{
        _cleanup_(jit_sudo_user_done) SudoUser u = {0};
        const char *v;
        int r;

        *ret_item = "user_info uid=";
        r = parse_uid(jit_sudo_lookup(user_info, "uid"), &u.uid);
        if (r < 0)
                return r;
        /* sudo leaves cwd= out when it cannot tell; then jitd gets none (as from the module). */
        *ret_item = "user_info cwd=";
        v = jit_sudo_lookup(user_info, "cwd");
        if (v) {
                r = copy_exact(v, JIT_MAX_PATH, true, &u.cwd);
                if (r < 0)
                        return r;
        }
        /* The tty is only shown: an odd one is sent sanitised rather than refused. */
        *ret_item = "user_info tty=";
        r = jit_context_copy_shown(jit_sudo_lookup(user_info, "tty"), JIT_MAX_FIELD, &u.tty);
        if (r < 0)
                return r;
        v = jit_sudo_lookup(settings, "noninteractive");
        u.noninteractive = v && streq(v, "true");

        *ret_item = NULL;
        *ret = u;
        u = (SudoUser){0};
        return 0;
}

/* run_argv as NUL-separated words, every word ending in NUL, like /proc/self/cmdline. */
static int join_argv(char *const argv[], JitContext *c)
{
        size_t len = 0, argc = 0;
        char *buf;

        for (; argv && argv[argc]; argc++) {
                size_t w = strnlen(argv[argc], JIT_MAX_ARGV_READ + 1);
                if (w > JIT_MAX_ARGV_READ || len + w + 1 > JIT_MAX_ARGV_READ)
                        return -E2BIG;
                if (!jit_utf8_valid_for_bus(argv[argc], w))
                        return -EILSEQ;
                len += w + 1;
        }
        buf = malloc(len ? len : 1);
        if (!buf)
                return -ENOMEM;
        len = 0;
        for (size_t i = 0; i < argc; i++) {
                size_t w = strlen(argv[i]) + 1;
                memcpy(buf + len, argv[i], w);
                len += w;
        }
        c->argv = buf;
        c->argv_len = len;
        c->argc = argc;
        return 0;
}

int jit_sudo_context_build(const SudoUser *u, char *const command_info[], char *const run_argv[],
                           JitContext *ret, const char **ret_item)
{
        _cleanup_(jit_context_done) JitContext c = {.front = JIT_FRONT_SUDO_PLUGIN, .service = "sudo"};
        const char *v;
        int r;

        c.ruid = u->uid;

        *ret_item = "command=";
        r = copy_exact(jit_sudo_lookup(command_info, "command"), JIT_MAX_PATH, false, &c.command);
        if (r < 0)
                return r;
        *ret_item = "runas_user=";
        r = copy_exact(jit_sudo_lookup(command_info, "runas_user"), JIT_MAX_FIELD, false, &c.runas_user);
        if (r < 0)
                return r;
        *ret_item = "runas_group=";
        v = jit_sudo_lookup(command_info, "runas_group");
        if (v) {
                r = copy_exact(v, JIT_MAX_FIELD, false, &c.runas_group);
                if (r < 0)
                        return r;
        }
        /* Where the command runs: sudoers' runcwd when it set one, else the directory sudo starts it
         * in. */
        v = jit_sudo_lookup(command_info, "runcwd");
        *ret_item = "runcwd=";
        if (!v) {
                v = jit_sudo_lookup(command_info, "cwd");
                *ret_item = "cwd=";
        }
        if (v) {
                r = copy_exact(v, JIT_MAX_PATH, true, &c.runcwd);
                if (r < 0)
                        return r;
        }
        /* Without a directory of its own (cwd= comes only with -D/--chdir or sudoers' runcwd) the
         * command runs where the user is. */
        if (!c.runcwd && u->cwd && !(c.runcwd = strdup(u->cwd)))
                return -ENOMEM;
        /* sudo 1.9.13 leaves a relative command ("./run.sh") as typed and runs it in that
         * directory: the directory makes it absolute. Without one, or with "..", we cannot name the
         * program: refuse. */
        *ret_item = "command=";
        if (c.command[0] != '/') {
                _cleanup_free_ char *abs = NULL;
                const char *rel = c.command;

                while (rel[0] == '.' && rel[1] == '/')
                        rel += 2;
                /* sudo resolves a bare name to a path or refuses: "command=id" is malformed. */
                if (!strchr(c.command, '/') || !c.runcwd || !*rel || strstr(rel, ".."))
                        return -EINVAL;
                if (asprintf(&abs, "%s%s%s", c.runcwd, streq(c.runcwd, "/") ? "" : "/", rel) < 0)
                        return -ENOMEM;
                if (strlen(abs) >= JIT_MAX_PATH)
                        return -ENAMETOOLONG;
                free(c.command);
                c.command = TAKE_PTR(abs);
        }
        v = jit_sudo_lookup(command_info, "sudoedit");
        c.sudoedit = v && streq(v, "true");
        c.env_set = u->env_set;

        *ret_item = "run_argv";
        r = join_argv(run_argv, &c);
        if (r < 0)
                return r;

        *ret_item = "user_info";
        if (u->cwd && !(c.cwd = strdup(u->cwd)))
                return -ENOMEM;
        if (u->tty && !(c.tty = strdup(u->tty)))
                return -ENOMEM;
        /* The target account, as PAM_USER is for the module. */
        c.user = c.runas_user;

        *ret_item = NULL;
        *ret = c;
        c = (JitContext){0};
        return 0;
}
