/* What the module tells jitd about a request: PAM items, the host's argv and its cwd. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <security/pam_modules.h>

typedef struct JitContext {
        /* Owned by PAM (user, service) or by this struct (the rest); all valid UTF-8 and bounded. */
        const char *user;
        const char *service;
        uid_t ruid;  /* the host's real uid: for sudo and su, the person who typed the command */
        char *tty;   /* NULL when unset */
        char *rhost; /* NULL when unset */
        char *ruser; /* NULL when unset */
        char *cwd;   /* NULL when it cannot be had */
        char *argv;  /* NUL-separated words as in /proc/self/cmdline, every word ends in NUL */
        size_t argv_len;
        size_t argc; /* 0 is possible (execve with an empty argv) */
} JitContext;

/* Gather everything anew (PAM_USER may have been changed by an earlier module). Returns 0, or:
 * -ENXIO no PAM_USER or PAM_SERVICE, -ENAMETOOLONG user or service too long, -EILSEQ user,
 * service or argv not valid UTF-8, -E2BIG argv longer than JIT_MAX_ARGV_READ, -ENOMEM, -EIO.
 * Never logs. *ret is always initialised and must be released with jit_context_done(). */
int jit_context_gather(pam_handle_t *pamh, JitContext *ret);
void jit_context_done(JitContext *c);
/* Valid UTF-8 by sd-bus's rules (which also refuse non-characters); exposed for the unit test. */
bool jit_utf8_valid(const char *s, size_t n);
