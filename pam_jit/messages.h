/* What the user sees and what goes to the system log, for every front end (PAM module, sudo plugin). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "client.h"
#include "context.h"
#include "options.h"

/* Where a front end's words go: its conversation with the user, and its system log. The PAM module
 * passes pam_error()/pam_syslog()/pam_prompt(); the sudo plugin sudo's printf and conversation and
 * syslog(3). Lines come without a trailing newline. */
typedef struct JitSink {
        const char *prefix; /* starts every line the user sees: "pam_jit: " or "sudo_jit: " */
        void (*say)(void *userdata, const char *line);
        void (*log)(void *userdata, int priority, const char *line);
        /* Ask a question, the answer echoed. 0 with a malloc'd answer in *ret (NULL: no answer at all,
         * as at end of input), or a negative errno when the user cannot be asked. NULL: never. */
        int (*ask)(void *userdata, const char *prompt, char **ret);
        void *userdata;
} JitSink;

/* The id and how to approve it: always shown, whatever PAM_SILENT or quiet say. */
void jit_msg_pending(const JitSink *sink, const JitContext *ctx, const char *id, uint64_t wait_usec);
/* The outcome: denials and approvals after a wait are always shown; the rest is chatter, left out when
 * silent (PAM_SILENT) or quiet. */
void jit_msg_outcome(const JitSink *sink, bool silent, const JitOptions *opts, const JitContext *ctx,
                     const JitOutcome *o);
/* After an empty answer where a reason is required, before the question comes again. */
void jit_msg_reason_again(const JitSink *sink);
/* Why the front end could not even ask (bad option, odd PAM items or sudo data, argv): always denies. */
void jit_msg_bad_option(const JitSink *sink, const char *arg, int error);
void jit_msg_no_context(const JitSink *sink, int error);
/* One item the host handed over is odd (the sudo plugin: "command=", "run_argv"...): always denies. */
void jit_msg_bad_item(const JitSink *sink, const char *item, int error);
void jit_msg_internal(const JitSink *sink, const char *what, int error);
