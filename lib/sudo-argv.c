/* Finding the command in sudo's argv: sudo 1.9.13's parse_args() rules, re-stated without getopt.
 *
 * Policy matches what sudo will run, so this parser must read argv exactly as sudo does, or refuse.
 * sudo reads its options with glibc's getopt_long() in "+" mode (stop at the first non-option),
 * with the tables below (checked against the strings in Debian 12's /usr/bin/sudo), and lets
 * VAR=value words appear between options. The rules that follow from that, and our decisions:
 *
 *  - Bundles: "-nu bob" and "-nubob" are the same; an option taking a value takes the rest of its
 *    word, or else the whole next word, even one starting with '-' ("-u --" runs as user "--").
 *  - Long options: "--user=bob" or "--user bob"; any unambiguous prefix works ("--us bob"), an
 *    ambiguous one ("--pre", "--h") is an error. "--preserve-env" takes a value only after '='
 *    ("--preserve-env PATH" runs the command PATH).
 *  - "-h" is help, unless it stands alone as "-h" and the next word is neither an option nor a
 *    VAR=value: then that word is a remote host ("-h host cmd"), as are "-hhost" and "--host=host".
 *    Even "-h /bin/ls x" makes /bin/ls the host and x the command, as in sudo. (The sudoers plugin
 *    refuses a remote host when running a command; the front end still parses it this way.)
 *  - "--" ends the options; the next word is the command even if it holds '='. sudo decides this
 *    by looking at the word before the first non-option, so "-u -- X=1 cmd" also makes X=1 the
 *    command; we do the same.
 *  - VAR=value: before the command, sudo takes any word that holds '=' and does not start with '/'
 *    or '=' as an environment assignment. A name sudo takes but a shell would not ("a-b=1",
 *    "./x=1") is -EINVAL here: we do not guess which word is the command. Assignments are counted
 *    (n_env), and -E / --preserve-env[=list] reported (preserve_env), for policy to weigh.
 *  - After the first word of the command nothing is an option: "sudo ls -u bob" runs ls -u bob.
 *  - -s/-i with a command: the command is still argv[command_index..], with shell set (and
 *    login_shell for -i). -s/-i alone, or no command at all (sudo's "implied shell", which the
 *    sudoers plugin refuses unless shell_noargs is set), is SUDO_SHELL with shell set.
 *  - sudoedit (argv[0]'s base name) or -e: SUDO_EDIT, the files follow the options. sudoedit knows
 *    fewer options than sudo (no -b, -E, -e, -H, -i, -l, -P, -s, -U, -v, nor their long forms).
 *  - -l with a command only checks it, -k or -K alone, -v, -V and help run nothing: SUDO_OTHER.
 *    -k with a command runs it (without the cached credentials).
 *  - Everything sudo refuses with a usage error is -EINVAL: an unknown or ambiguous option, a
 *    missing value, a value given to an option that takes none, conflicting modes (-e -l, -i -s,
 *    -i -E, -k -N, -A -S), flags a mode does not allow (-n -h), repeated value options, empty
 *    values sudo refuses, -U without -l, VAR=value with sudoedit, sudoedit without a file, a
 *    command after -v/-V/-h, "--preserve-env=A=B", and -C below 3. We are stricter than sudo in
 *    two corners: -C must be plain digits ("+4" is refused), and "-h ''" is refused.
 *  - -a and -c (BSD auth type and login class) are not built into sudo on Linux: -EINVAL.
 *  - -R/--chroot is -EINVAL: sudo looks the command up inside the new root, so the words would not
 *    name the program that runs. -D/--chdir is accepted: it only moves relative paths, which no
 *    sensible rule names, and a bare name is looked up in secure_path.
 *  - argv[0] is whatever the invoker chose (`exec -a NAME sudo ...`): it never decides whether the
 *    words are parsed, nor which words are the command. Like sudo, we read its base name only to
 *    tell sudoedit (base name exactly "sudoedit") from sudo (any other name, the empty one too). */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "sudo-argv.h"
#include "util.h"

enum {
        ARG_NONE,
        ARG_REQUIRED,
        ARG_OPTIONAL,
};

/* As in sudo: -h is both --help and --host, so --host gets a number of its own. */
#define OPT_HOST 256

typedef struct LongOption {
        const char *name;
        int arg;
        int val;
        bool sudo_only; /* unknown to sudoedit */
} LongOption;

static const LongOption long_options[] = {
    {"background", ARG_NONE, 'b', true},
    {"preserve-env", ARG_OPTIONAL, 'E', true},
    {"edit", ARG_NONE, 'e', true},
    {"set-home", ARG_NONE, 'H', true},
    {"login", ARG_NONE, 'i', true},
    {"remove-timestamp", ARG_NONE, 'K', true},
    {"list", ARG_NONE, 'l', true},
    {"preserve-groups", ARG_NONE, 'P', true},
    {"shell", ARG_NONE, 's', true},
    {"other-user", ARG_REQUIRED, 'U', true},
    {"validate", ARG_NONE, 'v', true},
    {"askpass", ARG_NONE, 'A', false},
    {"auth-type", ARG_REQUIRED, 'a', false},
    {"bell", ARG_NONE, 'B', false},
    {"close-from", ARG_REQUIRED, 'C', false},
    {"login-class", ARG_REQUIRED, 'c', false},
    {"chdir", ARG_REQUIRED, 'D', false},
    {"group", ARG_REQUIRED, 'g', false},
    {"help", ARG_NONE, 'h', false},
    {"host", ARG_REQUIRED, OPT_HOST, false},
    {"reset-timestamp", ARG_NONE, 'k', false},
    {"no-update", ARG_NONE, 'N', false},
    {"non-interactive", ARG_NONE, 'n', false},
    {"prompt", ARG_REQUIRED, 'p', false},
    {"chroot", ARG_REQUIRED, 'R', false},
    {"role", ARG_REQUIRED, 'r', false},
    {"stdin", ARG_NONE, 'S', false},
    {"command-timeout", ARG_REQUIRED, 'T', false},
    {"type", ARG_REQUIRED, 't', false},
    {"user", ARG_REQUIRED, 'u', false},
    {"version", ARG_NONE, 'V', false},
};

/* sudo's getopt strings: "+Aa:BbC:c:D:Eeg:Hh::iKklNnPp:R:r:SsT:t:U:u:Vv" for sudo and
 * "+Aa:BC:c:D:g:h::KkNnp:R:r:ST:t:u:V" for sudoedit. */
static const char short_options[] = "AaBbCcDEegHhiKklNnPpRrSsTtUuVv";
static const char short_sudo_only[] = "bEeHilPsUv";
static const char short_required[] = "aCcDgpRrTtUu";

typedef enum Mode {
        MODE_NONE,
        MODE_RUN,
        MODE_EDIT,
        MODE_HELP,
        MODE_VALIDATE,
        MODE_INVALIDATE,
        MODE_KILL,
        MODE_LIST,
        MODE_CHECK,
        MODE_VERSION,
} Mode;

enum {
        FLAG_BACKGROUND = 1 << 0,
        FLAG_PRESERVE_ENV = 1 << 1,
        FLAG_RESET_HOME = 1 << 2,
        FLAG_LOGIN_SHELL = 1 << 3,
        FLAG_NONINTERACTIVE = 1 << 4,
        FLAG_PRESERVE_GROUPS = 1 << 5,
        FLAG_SHELL = 1 << 6,
        FLAG_LONG_LIST = 1 << 7,
};

#define FLAGS_RUN                                                                                           \
        (FLAG_BACKGROUND | FLAG_PRESERVE_ENV | FLAG_RESET_HOME | FLAG_LOGIN_SHELL | FLAG_NONINTERACTIVE |   \
         FLAG_PRESERVE_GROUPS | FLAG_SHELL)
#define FLAGS_EDIT FLAG_NONINTERACTIVE
#define FLAGS_LIST (FLAG_NONINTERACTIVE | FLAG_LONG_LIST)
#define FLAGS_VALIDATE FLAG_NONINTERACTIVE

typedef struct Parser {
        bool sudoedit;
        Mode mode;
        unsigned flags, valid_flags;
        bool askpass, stdin_password, ignore_ticket, no_update;
        size_t n_env;  /* VAR=value words */
        bool env_list; /* --preserve-env=list naming at least one variable */
        /* Options sudo allows once each. */
        const char *user, *group, *host, *prompt, *chdir, *role, *type, *timeout, *close_from, *list_user;
} Parser;

static const char *base_name(const char *path)
{
        const char *slash = strrchr(path, '/');

        return slash ? slash + 1 : path;
}

/* sudo's test for an environment assignment among the options. */
static bool sudo_is_envar(const char *word)
{
        return word[0] != '/' && word[0] != '=' && strchr(word, '=');
}

/* The names we accept in VAR=value: what a shell accepts as a variable name. */
static bool env_name_is_valid(const char *word)
{
        const char *p = word;

        if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
                return false;
        for (p++; *p && *p != '='; p++)
                if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                      (*p >= '0' && *p <= '9')))
                        return false;
        return *p == '=';
}

/* -C: sudo wants a number from 3 to INT_MAX. We take plain digits only. */
static bool close_from_is_valid(const char *s)
{
        uint64_t v = 0;
        size_t n;

        for (n = 0; s[n]; n++) {
                if (s[n] < '0' || s[n] > '9' || n >= 10)
                        return false;
                v = v * 10 + (uint64_t)(s[n] - '0');
        }
        return n > 0 && v >= 3 && v <= INT_MAX;
}

/* glibc getopt_long(): an exact name wins, else a unique prefix; an ambiguous prefix is an error
 * (no two of sudo's long options share a value, so any two prefix matches are ambiguous). */
static const LongOption *long_option_find(const char *name, size_t len, bool sudoedit)
{
        const LongOption *found = NULL;
        size_t n_found = 0;

        for (size_t r = 0; r < ELEMENTSOF(long_options); r++) {
                const LongOption *o = &long_options[r];

                if (sudoedit && o->sudo_only)
                        continue;
                if (strncmp(o->name, name, len) != 0)
                        continue;
                if (o->name[len] == '\0')
                        return o;
                found = o;
                n_found++;
        }
        return n_found == 1 ? found : NULL;
}

static int short_option_arg(char c, bool sudoedit)
{
        if (c == '\0' || !strchr(short_options, c))
                return -EINVAL;
        if (sudoedit && strchr(short_sudo_only, c))
                return -EINVAL;
        if (c == 'h')
                return ARG_OPTIONAL;
        return strchr(short_required, c) ? ARG_REQUIRED : ARG_NONE;
}

static int set_once(const char **slot, const char *value, bool empty_ok)
{
        assert(value);

        if (*slot || (!empty_ok && value[0] == '\0'))
                return -EINVAL;
        *slot = value;
        return 0;
}

/* sudo allows one of -e, -h (help), -K, -l, -v, -V; -l may repeat, and sudoedit accepts -h and
 * -V after its implied -e. */
static int set_mode(Parser *p, Mode mode, unsigned valid_flags)
{
        if (p->mode != MODE_NONE && p->mode != mode &&
            !(p->sudoedit && (mode == MODE_HELP || mode == MODE_VERSION)))
                return -EINVAL;
        p->mode = mode;
        p->valid_flags = valid_flags;
        return 0;
}

static int apply_option(Parser *p, int c, const char *value)
{
        switch (c) {
        case 'A':
                p->askpass = true;
                return 0;
        case 'a': /* BSD auth type and login class: not built into sudo on Linux. */
        case 'c':
                return -EINVAL;
        case 'B':
                return 0;
        case 'b':
                p->flags |= FLAG_BACKGROUND;
                return 0;
        case 'C':
                if (!close_from_is_valid(value))
                        return -EINVAL;
                return set_once(&p->close_from, value, false);
        case 'D':
                return set_once(&p->chdir, value, false);
        case 'E':
                if (!value) {
                        p->flags |= FLAG_PRESERVE_ENV;
                        return 0;
                }
                /* A comma-separated list of names; sudo refuses any with '='. It copies those
                 * that are set into the command's environment, which counts as VAR=value (refused
                 * with -e): we cannot see sudo's environment, so count any name. */
                if (strchr(value, '='))
                        return -EINVAL;
                if (value[strspn(value, ",")] != '\0')
                        p->env_list = true;
                return 0;
        case 'e':
                return set_mode(p, MODE_EDIT, FLAGS_EDIT);
        case 'g':
                return set_once(&p->group, value, false);
        case 'H':
                p->flags |= FLAG_RESET_HOME;
                return 0;
        case 'h':
                if (!value)
                        return set_mode(p, MODE_HELP, 0);
                __attribute__((fallthrough));
        case OPT_HOST:
                return set_once(&p->host, value, false);
        case 'i':
                p->flags |= FLAG_LOGIN_SHELL;
                return 0;
        case 'K':
                if (set_mode(p, MODE_KILL, 0) < 0)
                        return -EINVAL;
                __attribute__((fallthrough));
        case 'k':
                if (p->no_update)
                        return -EINVAL;
                p->ignore_ticket = true;
                return 0;
        case 'l':
                if (p->mode == MODE_LIST)
                        p->flags |= FLAG_LONG_LIST;
                return set_mode(p, MODE_LIST, FLAGS_LIST);
        case 'N':
                if (p->ignore_ticket)
                        return -EINVAL;
                p->no_update = true;
                return 0;
        case 'n':
                p->flags |= FLAG_NONINTERACTIVE;
                return 0;
        case 'P':
                p->flags |= FLAG_PRESERVE_GROUPS;
                return 0;
        case 'p':
                return set_once(&p->prompt, value, true);
        case 'R':
                /* The command is looked up inside the new root, so its words no longer name the
                 * program that runs ("-R ~/fake systemctl"). sudoers allows -R only with runchroot=*;
                 * we refuse it always. */
                return -EINVAL;
        case 'r':
                return set_once(&p->role, value, false);
        case 'S':
                p->stdin_password = true;
                return 0;
        case 's':
                p->flags |= FLAG_SHELL;
                return 0;
        case 'T':
                return set_once(&p->timeout, value, true);
        case 't':
                return set_once(&p->type, value, false);
        case 'U':
                return set_once(&p->list_user, value, false);
        case 'u':
                return set_once(&p->user, value, false);
        case 'V':
                return set_mode(p, MODE_VERSION, 0);
        case 'v':
                return set_mode(p, MODE_VALIDATE, FLAGS_VALIDATE);
        default:
                return -EINVAL;
        }
}

/* One "--name[=value]" word, and its value word if it takes one. */
static int parse_long(Parser *p, char *const *argv, size_t argc, size_t *i)
{
        const char *name = argv[*i] + 2, *eq = strchr(name, '='), *value = NULL;
        const LongOption *o = long_option_find(name, eq ? (size_t)(eq - name) : strlen(name), p->sudoedit);

        if (!o)
                return -EINVAL;
        (*i)++;
        if (eq) {
                if (o->arg == ARG_NONE)
                        return -EINVAL;
                value = eq + 1;
        } else if (o->arg == ARG_REQUIRED) {
                if (*i >= argc)
                        return -EINVAL;
                value = argv[(*i)++];
        }
        return apply_option(p, o->val, value);
}

/* One "-abc" word, and the value word of its last option if that takes one. */
static int parse_short(Parser *p, char *const *argv, size_t argc, size_t *i)
{
        const char *word = argv[(*i)++];

        for (size_t j = 1; word[j]; j++) {
                int c = (unsigned char)word[j], arg, r;
                const char *value = NULL;

                arg = short_option_arg((char)c, p->sudoedit);
                if (arg < 0)
                        return arg;
                if (arg == ARG_REQUIRED) {
                        if (word[j + 1])
                                value = word + j + 1;
                        else if (*i < argc)
                                value = argv[(*i)++];
                        else
                                return -EINVAL;
                } else if (arg == ARG_OPTIONAL && word[j + 1])
                        value = word + j + 1;

                /* "-h" alone followed by a plain word: the word is a remote host, not the command. */
                if (c == 'h' && !value && j == 1 && word[2] == '\0' && *i < argc && argv[*i][0] != '-' &&
                    !sudo_is_envar(argv[*i])) {
                        c = OPT_HOST;
                        value = argv[(*i)++];
                }

                r = apply_option(p, c, value);
                if (r < 0)
                        return r;
                if (value) /* a value ends the bundle */
                        return 0;
        }
        return 0;
}

/* sudo's checks after the options, in its order. */
static int check_mode(Parser *p, size_t n_args)
{
        if (p->mode == MODE_NONE) {
                if (p->ignore_ticket && n_args == 0 && !(p->flags & (FLAG_SHELL | FLAG_LOGIN_SHELL))) {
                        p->mode = MODE_INVALIDATE; /* -k alone */
                        p->valid_flags = 0;
                } else {
                        p->mode = MODE_RUN;
                        p->valid_flags = FLAGS_RUN;
                }
        }
        if (n_args > 0 && p->mode == MODE_LIST)
                p->mode = MODE_CHECK;

        if (p->flags & FLAG_LOGIN_SHELL) {
                if (p->flags & (FLAG_SHELL | FLAG_PRESERVE_ENV))
                        return -EINVAL;
                p->flags |= FLAG_SHELL;
        }
        if ((p->flags & p->valid_flags) != p->flags)
                return -EINVAL;
        if (p->mode == MODE_EDIT && ((p->flags & FLAG_PRESERVE_ENV) || p->n_env > 0 || p->env_list))
                return -EINVAL;
        if ((p->user || p->group) && p->mode != MODE_EDIT && p->mode != MODE_RUN && p->mode != MODE_CHECK &&
            p->mode != MODE_VALIDATE)
                return -EINVAL;
        if (p->list_user && p->mode != MODE_LIST && p->mode != MODE_CHECK)
                return -EINVAL;
        if (p->stdin_password && p->askpass)
                return -EINVAL;
        if (n_args == 0 && p->mode == MODE_EDIT)
                return -EINVAL;
        if (n_args > 0 && p->mode != MODE_RUN && p->mode != MODE_EDIT && p->mode != MODE_CHECK)
                return -EINVAL;
        if (n_args == 0 && p->mode == MODE_RUN)
                p->flags |= FLAG_SHELL; /* sudo's implied shell */
        return 0;
}

int sudo_parse_argv(char *const *argv, size_t argc, SudoCommand *ret)
{
        Parser p = {};
        const char *base;
        size_t i;
        int r;

        assert(argv || argc == 0);
        assert(ret);

        if (argc == 0)
                return -EINVAL;
        for (i = 0; i < argc; i++)
                if (!argv[i])
                        return -EINVAL;
        base = base_name(argv[0]);
        p.sudoedit = streq(base, "sudoedit");
        if (p.sudoedit) {
                p.mode = MODE_EDIT;
                p.valid_flags = FLAGS_EDIT;
        }

        for (i = 1; i < argc;) {
                const char *word = argv[i];

                if (streq(word, "--")) {
                        i++;
                        break;
                }
                if (word[0] != '-' || word[1] == '\0') {
                        /* A plain word: an environment assignment, or the command. Like sudo, look
                         * for "--" in the word before it, which may have been an option's value. */
                        if (streq(argv[i - 1], "--") || !sudo_is_envar(word))
                                break;
                        if (!env_name_is_valid(word))
                                return -EINVAL;
                        p.n_env++;
                        i++;
                        continue;
                }
                if (word[1] == '-')
                        r = parse_long(&p, argv, argc, &i);
                else
                        r = parse_short(&p, argv, argc, &i);
                if (r < 0)
                        return r;
        }

        r = check_mode(&p, argc - i);
        if (r < 0)
                return r;

        *ret = (SudoCommand){
            .command_index = argc,
            .run_as_user = p.user,
            .run_as_group = p.group,
            .login_shell = p.flags & FLAG_LOGIN_SHELL,
            .shell = p.flags & FLAG_SHELL,
            .n_env = p.n_env,
            .preserve_env = (p.flags & FLAG_PRESERVE_ENV) || p.env_list,
            .chdir = p.chdir,
            .sudoedit = p.mode == MODE_EDIT,
        };
        switch (p.mode) {
        case MODE_RUN:
                ret->mode = i < argc ? SUDO_RUN : SUDO_SHELL;
                ret->command_index = i;
                break;
        case MODE_EDIT:
                ret->mode = SUDO_EDIT;
                ret->command_index = i;
                break;
        default:
                ret->mode = SUDO_OTHER;
        }
        return 0;
}
