/* What the user sees through the PAM conversation and what goes to the system log. */
#pragma once

#include <stdint.h>
#include <security/pam_modules.h>

#include "client.h"
#include "context.h"
#include "options.h"

/* The id and how to approve it: always shown, whatever PAM_SILENT or quiet say. */
void jit_msg_pending(pam_handle_t *pamh, const JitContext *ctx, const char *id, uint64_t wait_usec);
/* The outcome: denials and approvals after a wait are always shown; the rest is chatter. */
void jit_msg_outcome(pam_handle_t *pamh, int flags, const JitOptions *opts, const JitContext *ctx,
                     const JitOutcome *o);
/* After an empty answer where a reason is required, before the question comes again. */
void jit_msg_reason_again(pam_handle_t *pamh);
/* Why the module could not even ask (bad option, odd PAM items, argv): always denies. */
void jit_msg_bad_option(pam_handle_t *pamh, const char *arg, int error);
void jit_msg_no_context(pam_handle_t *pamh, int error);
void jit_msg_internal(pam_handle_t *pamh, const char *what, int error);
