/* The reason for a request: asked through the front end's conversation and checked before it is sent. */
#pragma once

#include <stdbool.h>

#include "messages.h"

/* How many times an empty answer is met with the question again when a reason is required. */
#define JIT_REASON_PROMPTS 3

/* The answer as it will be sent: one trailing "\n" or "\r\n" removed; then it must be shorter than
 * JIT_MAX_FIELD bytes (-E2BIG: refused, never cut), valid UTF-8 (-EILSEQ) and free of control
 * characters, C0, DEL and C1 alike (-EINVAL). Returns 0 and a malloc'd copy in *ret (possibly empty),
 * or a negative errno (-ENOMEM too). Pure: never logs, never talks. */
int jit_reason_check(const char *answer, char **ret);
/* True if s holds nothing but spaces: no reason at all, as far as a required reason goes. */
bool jit_reason_blank(const char *s);

/* Ask for the reason through the sink's conversation, even under PAM_SILENT (the user must answer). When
 * required, an empty answer is refused and asked again, JIT_REASON_PROMPTS times in all. Returns 0 and
 * the checked reason in *ret (empty is possible only when !required), or: -EOPNOTSUPP the conversation
 * cannot ask (none set, sudo -n, no terminal, end of input, an error or a signal), -ENODATA only empty
 * answers, or jit_reason_check()'s errors for the last answer. */
int jit_reason_ask(const JitSink *sink, const char *service, bool required, char **ret);
