/* Command identity: what a request's command is, as policy matches it, a grant covers it and people
 * see it. The invoker chooses argv[0] (`exec -a NAME sudo ...`), so it never selects a grammar, a
 * rule or a grant: the host program comes from the kernel (/proc/self/exe, sent by the module), and
 * for sudo the exact command from sudo itself (the sudo_jit.so approval plugin). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jit-command.h"
#include "jit-limits.h"
#include "jitd.h"
#include "sanitize.h"
#include "sudo-argv.h"
#include "util.h"

const char *command_kind_to_string(CommandKind r)
{
        static const char *const names[] = {
            [COMMAND_EXACT] = JIT_COMMAND_KIND_EXACT, [COMMAND_TYPED] = JIT_COMMAND_KIND_TYPED,
            [COMMAND_BARE] = JIT_COMMAND_KIND_BARE,   [COMMAND_UNPARSED] = JIT_COMMAND_KIND_UNPARSED,
            [COMMAND_HOST] = JIT_COMMAND_KIND_HOST,   [COMMAND_ANY] = JIT_COMMAND_KIND_ANY,
        };
        return (size_t)r < ELEMENTSOF(names) ? names[r] : JIT_COMMAND_KIND_UNPARSED;
}

CommandKind command_kind_from_string(const char *s)
{
        for (CommandKind r = 0; r < _COMMAND_KIND_MAX; r++)
                if (streq(s, command_kind_to_string(r)))
                        return r;
        /* A record from before kinds were recorded: its command was matched as typed. */
        return *s ? COMMAND_UNPARSED : COMMAND_TYPED;
}

static const char *base_name(const char *path)
{
        const char *slash = strrchr(path, '/');

        return slash ? slash + 1 : path;
}

/* A list of words in one allocation: word i is words[i], each ends in NUL. */
typedef struct WordList {
        char *buf;
        size_t len;
        size_t n;
} WordList;

static int words_add(WordList *l, const char *w, size_t n)
{
        char *p;

        if (l->len + n + 1 > JIT_MAX_ARGV_READ + JIT_MAX_PATH)
                return -E2BIG;
        p = realloc(l->buf, l->len + n + 1);
        if (!p)
                return -ENOMEM;
        l->buf = p;
        memcpy(l->buf + l->len, w, n);
        l->buf[l->len + n] = '\0';
        l->len += n + 1;
        l->n++;
        return 0;
}

static int words_add_str(WordList *l, const char *w)
{
        return words_add(l, w, strlen(w));
}

/* Hand the list over as a NULL-terminated array pointing into one block (freed with free()). */
static int words_take(WordList *l, char ***ret, size_t *ret_n)
{
        char **v;
        size_t off = (l->n + 1) * sizeof(char *);

        v = malloc(off + l->len + 1);
        if (!v)
                return -ENOMEM;
        if (l->len)
                memcpy((char *)v + off, l->buf, l->len);
        for (size_t i = 0, o = 0; i < l->n; i++) {
                v[i] = (char *)v + off + o;
                o += strlen(v[i]) + 1;
        }
        v[l->n] = NULL;
        *ret = v;
        *ret_n = l->n;
        free(l->buf);
        *l = (WordList){0};
        return 0;
}

/* Is dir (a path's directory part, not NUL-terminated) one of secure_path's directories? */
static bool in_secure_path(const char *dir, size_t n)
{
        const char *p = JIT_SECURE_PATH;

        for (;;) {
                size_t len = strcspn(p, ":");
                if (len == n && strncmp(p, dir, n) == 0)
                        return true;
                if (!p[len])
                        return false;
                p += len + 1;
        }
}

/* "./x" -> "CWD/x": what sudo does with a program path that has a '/' but is not absolute. Only
 * leading "./" is folded; anything else stays, so two spellings of one program ask twice (never the
 * other way round). */
static int make_absolute(const char *cwd, const char *prog, WordList *l)
{
        _cleanup_free_ char *path = NULL;

        while (prog[0] == '.' && prog[1] == '/') {
                prog += 2;
                while (*prog == '/')
                        prog++;
        }
        if (asprintf(&path, "%s%s%s", cwd, streq(cwd, "/") ? "" : "/", prog) < 0)
                return -ENOMEM;
        return words_add_str(l, path);
}

/* sudo's argv as the PAM module read it: the words sudo is asked to run. */
static int identify_sudo_argv(const CommandInput *in, Command *c, WordList *l)
{
        SudoCommand sc;
        const char *prog;
        int r;

        if (in->argc == 0 || sudo_parse_argv(in->argv, in->argc, &sc) < 0)
                return (c->kind = COMMAND_UNPARSED), 0;
        c->run_as = sc.run_as_user;
        c->run_group = sc.run_as_group;

        /* A shell (-s, -i: "$SHELL -c ..."), sudoedit, -l or -v, or a command whose environment the
         * user shapes (VAR=value, -E: LD_PRELOAD, BASH_ENV, PAGER change what runs) is not the plain
         * command a Command= rule names: it is the whole argv, under the program's real name, so
         * that only a rule written for it ("sudo -s*") matches. */
        if (sc.mode != SUDO_RUN || sc.shell || sc.n_env > 0 || sc.preserve_env) {
                c->kind = COMMAND_TYPED;
                r = words_add_str(l, sc.sudoedit ? "sudoedit" : "sudo");
                for (size_t i = 1; r >= 0 && i < in->argc; i++)
                        r = words_add_str(l, in->argv[i]);
                return r;
        }

        prog = in->argv[sc.command_index];
        if (!strchr(prog, '/'))
                /* A bare name: sudo looks it up in secure_path (Debian's default sudoers sets it). */
                c->kind = COMMAND_BARE, r = words_add_str(l, prog);
        else if (prog[0] == '/')
                c->kind = COMMAND_TYPED, r = words_add_str(l, prog);
        else if (sc.chdir || !in->cwd || in->cwd[0] != '/')
                /* Relative to a directory we do not know (-D moves it): cannot say what runs. */
                return (c->kind = COMMAND_UNPARSED), 0;
        else
                c->kind = COMMAND_TYPED, r = make_absolute(in->cwd, prog, l);
        for (size_t i = sc.command_index + 1; r >= 0 && i < in->argc; i++)
                r = words_add_str(l, in->argv[i]);
        return r;
}

/* The plugin's words: the resolved path, then run_argv without its argv[0] (sudo's own choice of
 * name for the program). sudoedit edits files: the words are "sudoedit FILE...". */
static int identify_plugin(const CommandInput *in, Command *c, WordList *l, WordList *alias)
{
        const char *cmd = in->command, *slash;
        int r;

        if (!in->sudoedit && (!cmd || cmd[0] != '/'))
                return (c->kind = COMMAND_UNPARSED), 0;
        c->kind = COMMAND_EXACT;
        c->env_set = in->env_set;
        c->run_as = in->runas_user;
        c->run_group = in->runas_group;
        r = words_add_str(l, in->sudoedit ? "sudoedit" : cmd);
        for (size_t i = 1; r >= 0 && i < in->argc; i++)
                r = words_add_str(l, in->argv[i]);
        if (r < 0 || in->sudoedit)
                return r;

        /* /usr/bin/systemctl is also "systemctl", as the PAM path and `jitctl request` name it. */
        slash = strrchr(cmd, '/');
        if (slash[1] && in_secure_path(cmd, slash > cmd ? (size_t)(slash - cmd) : 1)) {
                r = words_add_str(alias, slash + 1);
                for (size_t i = 1; r >= 0 && i < in->argc; i++)
                        r = words_add_str(alias, in->argv[i]);
        }
        return r;
}

static bool is_sudo_host(const CommandInput *in)
{
        /* The kernel's word first; without it (the module could not read /proc/self/exe), the PAM
         * services sudo uses. Never argv[0]. */
        if (in->exe && *in->exe)
                return streq(base_name(in->exe), "sudo");
        return streq(in->service, "sudo") || streq(in->service, "sudo-i");
}

int command_identify(const CommandInput *in, Command *ret)
{
        WordList l = {}, alias = {};
        Command c = {.kind = COMMAND_UNPARSED};
        int r = 0;

        if (in->plugin)
                r = identify_plugin(in, &c, &l, &alias);
        else if (in->ahead && !in->have_argv)
                c.kind = COMMAND_ANY;
        else if (in->ahead || is_sudo_host(in)) {
                r = identify_sudo_argv(in, &c, &l);
                /* Asked ahead of time there is no working directory to resolve "./x" against. */
                if (r >= 0 && in->ahead && c.kind == COMMAND_UNPARSED)
                        r = -EINVAL;
        } else if (in->exe && *in->exe) {
                /* su, login, sshd: the program the kernel runs, then the arguments it was given. */
                size_t n = in->argc;

                /* sshd rewrites its process title ("sshd: alice [priv]" and empty words): trailing
                 * empty words say nothing. */
                while (n > 1 && !*in->argv[n - 1])
                        n--;
                c.kind = COMMAND_HOST;
                r = words_add_str(&l, in->exe);
                for (size_t i = 1; r >= 0 && i < n; i++)
                        r = words_add_str(&l, in->argv[i]);
        }
        /* A sudo request with no run-as user runs as root (sudo's default target). */
        if (r >= 0 && !c.run_as && (in->plugin || in->ahead || is_sudo_host(in)))
                c.run_as = "root";

        if (r >= 0 && c.kind == COMMAND_UNPARSED) {
                /* Shown raw, under the program's real name, never as a command that could run. */
                free(l.buf);
                l = (WordList){};
                r = words_add_str(&l, in->plugin ? "sudo" : in->exe && *in->exe ? in->exe : in->service);
                for (size_t i = 1; r >= 0 && i < in->argc; i++)
                        r = words_add_str(&l, in->argv[i]);
                if (r >= 0 && in->plugin && in->command)
                        r = words_add_str(&l, in->command);
                if (r >= 0)
                        c.shown = jit_join_argv(l.buf, l.len, JIT_MAX_COMMAND);
                free(l.buf);
                l = (WordList){};
        } else if (r >= 0 && c.kind != COMMAND_ANY && c.env_set) {
                _cleanup_free_ char *joined = jit_join_argv(l.buf, l.len, JIT_MAX_COMMAND);
                /* Loud: the approver cannot see the variables, only that the user set some. */
                if (joined && asprintf(&c.shown, "%s%s", JIT_COMMAND_ENV_SHOWN, joined) < 0)
                        c.shown = NULL;
        } else if (r >= 0 && c.kind != COMMAND_ANY)
                c.shown = jit_join_argv(l.buf, l.len, JIT_MAX_COMMAND);
        else if (r >= 0)
                c.shown = strdup("");
        if (r >= 0 && !c.shown)
                r = -ENOMEM;
        if (r >= 0 && (c.kind == COMMAND_EXACT || c.kind == COMMAND_TYPED || c.kind == COMMAND_BARE ||
                       c.kind == COMMAND_HOST))
                r = words_take(&l, &c.words, &c.n);
        if (r >= 0 && alias.n > 0)
                r = words_take(&alias, &c.alias, &c.n_alias);
        free(l.buf);
        free(alias.buf);
        if (r < 0) {
                command_done(&c);
                return r;
        }
        *ret = c;
        return 0;
}

void command_done(Command *c)
{
        free(c->words);
        free(c->alias);
        free(c->shown);
        *c = (Command){0};
}
