/* Finding the command in sudo's argv, following the option grammar of sudo 1.9.13 (Debian 12). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef enum SudoMode {
        SUDO_RUN,   /* a command runs: argv[command_index..argc) */
        SUDO_SHELL, /* a shell runs without a command: -s or -i alone, or no command at all */
        SUDO_EDIT,  /* -e or sudoedit: the files to edit are argv[command_index..argc) */
        SUDO_OTHER, /* -l (with or without a command), -v, -k or -K alone, -V, -h (help): nothing runs */
} SudoMode;

typedef struct SudoCommand {
        SudoMode mode;
        size_t command_index; /* first word of the command (SUDO_RUN) or first file (SUDO_EDIT); else argc */
        const char *run_as_user, *run_as_group; /* -u/-g values (pointers into argv) or NULL */
        bool login_shell;                       /* -i */
        /* sudo runs a shell: -s, -i, or no command at all. With a command, sudo runs
         * "SHELL -c 'escaped words'": the words are what policy matches, but they are not exactly what
         * runs. With -s the shell is the invoking user's $SHELL (any program the user names), and sudo
         * leaves '$' unescaped, so "$NAME" in a word is expanded by that shell. Never auto-approve a
         * command with shell set. */
        bool shell;
        /* The invoking user can shape the command's environment: n_env VAR=value words stand before
         * the command (argv[command_index - n_env..] is not guaranteed: options may sit between them),
         * or -E / --preserve-env[=list] was given. Where sudoers lets the user set variables (SETENV,
         * or a rule matching ALL), LD_PRELOAD=..., PAGER=... or BASH_ENV=... change what the approved
         * program does: rules that auto-approve should refuse these. */
        size_t n_env;
        bool preserve_env;
        /* -D/--chdir: sudo runs the command in this directory (a pointer into argv), or NULL. */
        const char *chdir;
        bool sudoedit; /* sudoedit, or sudo -e */
} SudoCommand;

/* Find what sudo will do with argv (as /proc/PID/cmdline of sudo holds it). argv[0] only tells
 * sudoedit (base name "sudoedit") from sudo (any other name), as in sudo; the caller must know from
 * the kernel that the program is sudo. Pure and bounded: reads argv[0..argc) and
 * each word up to its NUL, nothing else; no allocation. The run-as pointers point into argv.
 *
 * Returns -EINVAL when argv is not something sudo would accept, and whenever this parser cannot be
 * sure the words name what sudo runs (see sudo-argv.c for each case): the caller must then treat
 * the request as matching no Command= rule. ret is set only on success. */
int sudo_parse_argv(char *const *argv, size_t argc, SudoCommand *ret);
