/* What a front end (the PAM module, the sudo plugin) tells jitd about a request. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef enum JitFront {
        JIT_FRONT_PAM,         /* pam_jit.so: the command as typed, from the host's argv */
        JIT_FRONT_SUDO_PLUGIN, /* sudo_jit.so: the command sudo will really run */
} JitFront;

typedef struct JitContext {
        JitFront front;
        /* Owned by the host (PAM items, sudo's user_info) or by this struct (the rest); all valid
         * UTF-8 and bounded. */
        const char *user;    /* the target account: PAM_USER, or sudo's runas user */
        const char *service; /* PAM_SERVICE; "sudo" for the plugin */
        uid_t ruid;          /* the person who typed the command (the host's real uid for sudo and su) */
        char *tty;           /* NULL when unset */
        char *rhost;         /* NULL when unset */
        char *ruser;         /* NULL when unset */
        char *cwd;           /* the requester's working directory, exactly; NULL when it cannot be had */
        char *argv; /* NUL-separated words, every word ends in NUL: /proc/self/cmdline (PAM), run_argv
                     * (plugin) */
        size_t argv_len;
        size_t argc; /* 0 is possible (execve with an empty argv) */
        char *exe;   /* PAM: the host's program as the kernel names it (/proc/self/exe); NULL if unknown */

        /* The sudo plugin only: what sudo resolved after its policy accepted the command. */
        char *command;     /* the program's absolute path (command_info "command=") */
        char *runas_user;  /* runas_user=, or NULL */
        char *runas_group; /* runas_group=, or NULL */
        char *runcwd;      /* where the command runs (runcwd=, else cwd=), or NULL */
        bool sudoedit;     /* sudoedit=true: argv holds the files to edit */
        bool env_set; /* the user sets the command's environment (VAR=value, -E): LD_PRELOAD and the like */
} JitContext;

void jit_context_done(JitContext *c);
/* A copy of an item that is only shown (tty, rhost, ruser): as it is when it is valid UTF-8 and shorter
 * than max, else its sanitised, bounded form. NULL in gives NULL out. 0 or -ENOMEM. */
int jit_context_copy_shown(const char *in, size_t max, char **ret);
