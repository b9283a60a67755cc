/* From sudo's name=value vectors (user_info, settings, command_info) and run_argv to a JitContext. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "../pam_jit/context.h"

/* What open() learns about the invoking user; owned by the plugin's context until close(). */
typedef struct SudoUser {
        uid_t uid;           /* user_info uid=: the person who typed the command */
        char *cwd;           /* user_info cwd=, exactly; NULL when sudo sent none */
        char *tty;           /* user_info tty=, as shown (sanitised if odd); NULL without a tty */
        bool noninteractive; /* settings noninteractive=true (sudo -n): nobody can be asked anything */
        bool env_set;        /* VAR=value words or -E on sudo's command line (or argv sudo's grammar
                              * cannot read): the command's environment is the user's to shape */
} SudoUser;

/* Does the user set the command's environment? From sudo's own argv (submit_argv) read with sudo's
 * grammar, and settings' preserve_environment=; an argv that cannot be read counts as yes. */
bool jit_sudo_user_sets_env(char *const submit_argv[], char *const settings[]);

/* The value of "name=" in a NULL-terminated vector (split on the first '='), or NULL. */
const char *jit_sudo_lookup(char *const vec[], const char *name);

/* Parse user_info and settings into *ret. Returns 0, or a negative errno with *ret_item naming the
 * odd item: -ENXIO missing, -EINVAL malformed (uid=, a relative cwd=), -ENAMETOOLONG, -EILSEQ, -ENOMEM.
 * Pure: never logs, never talks. Release with jit_sudo_user_done(). */
int jit_sudo_user_parse(char *const user_info[], char *const settings[], SudoUser *ret,
                        const char **ret_item);
void jit_sudo_user_done(SudoUser *u);

/* Fill *ret for one check(): front sudo-plugin, service "sudo", user = the runas user, the resolved
 * command, runas user and group, runcwd (runcwd=, else command_info cwd=), sudoedit, and run_argv as
 * the argv. Every string is bounded and valid UTF-8 or the call fails with the errors above (-E2BIG for
 * an argv longer than JIT_MAX_ARGV_READ bytes) and *ret_item naming it. Release with
 * jit_context_done(). */
int jit_sudo_context_build(const SudoUser *u, char *const command_info[], char *const run_argv[],
                           JitContext *ret, const char **ret_item);
