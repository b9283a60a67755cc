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
        bool shell; /* sudo runs a shell: -s, -i, or no command at all. With a command, sudo hands the
                     * words to the shell as "-c 'escaped words'": the words are still what policy must
                     * see, and a rule may refuse the shell itself. */
} SudoCommand;

/* Find what sudo will do with argv (as /proc/PID/cmdline of sudo holds it; argv[0] is "sudo" or
 * "sudoedit", or a path ending in /sudo or /sudoedit). Pure and bounded: reads argv[0..argc) and
 * each word up to its NUL, nothing else. The run-as pointers point into argv.
 *
 * Returns -EINVAL when argv is not something sudo would accept and run, and whenever this parser
 * cannot be sure it reads argv the way sudo does (see sudo-argv.c for each case): callers must
 * then treat the request as matching no Command= rule. ret is set only on success. */
int sudo_parse_argv(char *const *argv, size_t argc, SudoCommand *ret);
