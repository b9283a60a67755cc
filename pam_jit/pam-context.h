/* Gathering the request's context inside a PAM host. */
#pragma once

#include <security/pam_modules.h>

#include "context.h"

/* Gather everything anew (PAM_USER may have been changed by an earlier module). Returns 0, or:
 * -ENXIO no PAM_USER or PAM_SERVICE, -ENAMETOOLONG user or service too long, -EILSEQ user,
 * service or argv not valid UTF-8, -E2BIG argv longer than JIT_MAX_ARGV_READ, -ENOMEM, -EIO.
 * Never logs. *ret is always initialised and must be released with jit_context_done(). */
int jit_context_gather(pam_handle_t *pamh, JitContext *ret);
