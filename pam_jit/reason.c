/* Asking the user why they need this, and checking the answer before it goes to jitd. Knows no PAM and
 * no sudo: the question goes through the front end's sink. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "context.h"
#include "jit-limits.h"
#include "messages.h"
#include "reason.h"
#include "sanitize.h"
#include "util.h"
#include "utf8.h"

int jit_reason_check(const char *answer, char **ret)
{
        const unsigned char *p = (const unsigned char *)answer;
        size_t n = strnlen(answer, JIT_MAX_FIELD + 2);

        /* The newline that ended the line, if the conversation left it there. Only one: a second one
         * is part of the answer and refused below like any control character. */
        if (n > 0 && p[n - 1] == '\n') {
                n--;
                if (n > 0 && p[n - 1] == '\r')
                        n--;
        }
        if (n >= JIT_MAX_FIELD)
                return -E2BIG;
        if (!jit_utf8_valid_for_bus(answer, n))
                return -EILSEQ;
        for (size_t i = 0; i < n; i++) {
                /* C1 controls are U+0080..U+009F: 0xc2 0x80..0xc2 0x9f in valid UTF-8. */
                if (p[i] < 0x20 || p[i] == 0x7f || (p[i] == 0xc2 && i + 1 < n && p[i + 1] < 0xa0))
                        return -EINVAL;
        }
        *ret = strndup(answer, n);
        return *ret ? 0 : -ENOMEM;
}

bool jit_reason_blank(const char *s)
{
        return s[strspn(s, " ")] == '\0';
}

int jit_reason_ask(const JitSink *sink, const char *service, bool required, char **ret)
{
        _cleanup_free_ char *shown_service = jit_sanitize(service, strlen(service), JIT_MAX_FIELD);
        char prompt[JIT_MAX_FIELD * 4 + 64];
        int r;

        if (!shown_service)
                return -ENOMEM;
        if (!sink->ask)
                return -EOPNOTSUPP;
        snprintf(prompt, sizeof(prompt), "%sreason for this %s request: ", sink->prefix, shown_service);
        for (unsigned i = 0; i < JIT_REASON_PROMPTS; i++) {
                _cleanup_free_ char *answer = NULL, *reason = NULL;

                /* The question must be seen even under PAM_SILENT, which sudo passes. A conversation
                 * that fails, or answers nothing at all (misc_conv at end of input), cannot ask; an
                 * empty line is an answer. */
                r = sink->ask(sink->userdata, prompt, &answer);
                if (r < 0 || !answer)
                        return -EOPNOTSUPP;
                r = jit_reason_check(answer, &reason);
                if (r < 0)
                        return r;
                if (!required || !jit_reason_blank(reason)) {
                        *ret = TAKE_PTR(reason);
                        return 0;
                }
                if (i + 1 < JIT_REASON_PROMPTS)
                        jit_msg_reason_again(sink);
        }
        return -ENODATA;
}
