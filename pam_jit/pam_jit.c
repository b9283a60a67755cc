/* PAM glue: the pam_sm_* entry points, and the one place internal results become PAM codes. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "client.h"
#include "pam-context.h"
#include "messages.h"
#include "options.h"
#include "reason.h"
#include "sigwatch.h"
#include "syslog-nb.h"
#include "util.h"

#define PUBLIC __attribute__((visibility("default")))

typedef struct Call {
        pam_handle_t *pamh;
        const JitContext *ctx;
        const JitSink *sink;
} Call;

/* Records go to the system log the way pam_syslog() writes them ("pam_jit(SERVICE:account): ...",
 * LOG_AUTHPRIV, the host's name), but never blocking: pam_syslog() stalls sudo while journald is
 * stopped (A37). */
static void log_line(pam_handle_t *pamh, int priority, const char *line)
{
        const void *service = NULL;

        if (pam_get_item(pamh, PAM_SERVICE, &service) != PAM_SUCCESS || !service)
                service = "?";
        jit_syslog(LOG_AUTHPRIV | priority, program_invocation_short_name, "pam_jit(%s:account): %s",
                   (const char *)service, line);
}

/* The sink: every line as PAM_ERROR_MSG (see messages.c), records through the system log, questions
 * through pam_prompt(), which ignores PAM_SILENT. */
static void sink_say(void *userdata, const char *line)
{
        pam_handle_t *pamh = userdata;
        char why[1024];
        int r;

        r = pam_error(pamh, "%s", line);
        if (r != PAM_SUCCESS) {
                snprintf(why, sizeof(why), "conversation failed (%s) for: %s", pam_strerror(pamh, r), line);
                log_line(pamh, LOG_DEBUG, why);
        }
}

static void sink_log(void *userdata, int priority, const char *line)
{
        log_line(userdata, priority, line);
}

static int sink_ask(void *userdata, const char *prompt, char **ret)
{
        *ret = NULL;
        return pam_prompt(userdata, PAM_PROMPT_ECHO_ON, ret, "%s", prompt) == PAM_SUCCESS ? 0 : -EOPNOTSUPP;
}

static void hook_pending(void *userdata, const char *id, uint64_t wait_usec)
{
        Call *c = userdata;

        jit_msg_pending(c->sink, c->ctx, id, wait_usec);
}

static int hook_ask_reason(void *userdata, bool required, char **ret)
{
        Call *c = userdata;

        return jit_reason_ask(c->sink, c->ctx->service, required, ret);
}

static void hook_debug(void *userdata, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void hook_debug(void *userdata, const char *fmt, ...)
{
        Call *c = userdata;
        char line[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        log_line(c->pamh, LOG_DEBUG, line);
}

/* The only mapping from what happened to a PAM code. Everything that is not an approval, an explicit
 * "not my business" from jitd, or an unreachable jitd under failmode=open denies. failmode=open makes
 * the module step aside (PAM_IGNORE): it lets the rest of the stack decide and never grants by itself. */
static int to_pam_code(JitVerdict verdict, bool failmode_open)
{
        switch (verdict) {
        case JIT_VERDICT_APPROVED:
                return PAM_SUCCESS;
        case JIT_VERDICT_IGNORED:
                return PAM_IGNORE;
        case JIT_VERDICT_UNREACHABLE:
                return failmode_open ? PAM_IGNORE : PAM_AUTHINFO_UNAVAIL;
        case JIT_VERDICT_DENIED:
        default:
                return PAM_PERM_DENIED;
        }
}

/* The account and auth phases run the same flow; options and context are read afresh every time. */
static int run(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        _cleanup_(jit_context_done) JitContext ctx = {0};
        _cleanup_(jit_outcome_done) JitOutcome outcome = {0};
        JitOptions opts;
        SigWatch sw;
        const char *bad;
        const JitSink sink = {
            .prefix = "pam_jit: ", .say = sink_say, .log = sink_log, .ask = sink_ask, .userdata = pamh};
        Call call = {.pamh = pamh, .ctx = &ctx, .sink = &sink};
        JitClientHooks hooks = {
            .pending = hook_pending, .ask_reason = hook_ask_reason, .debug = hook_debug, .userdata = &call};
        int r;

        r = jit_options_parse(argc, argv, &opts, &bad);
        if (r < 0) {
                jit_msg_bad_option(&sink, bad, r);
                return to_pam_code(JIT_VERDICT_DENIED, false);
        }
        r = jit_context_gather(pamh, &ctx);
        if (r < 0) {
                jit_msg_no_context(&sink, r);
                return to_pam_code(JIT_VERDICT_DENIED, false);
        }
        r = jit_sigwatch_begin(&sw);
        if (r < 0) {
                jit_msg_internal(&sink, "blocking signals", r);
                return to_pam_code(JIT_VERDICT_DENIED, false);
        }

        jit_client_run(&ctx, &opts, &sw, &hooks, &outcome);
        /* Tell the user before the mask is restored: a pending SIGINT may end the host right then. */
        jit_msg_outcome(&sink, flags & PAM_SILENT, &opts, &ctx, &outcome);
        jit_sigwatch_end(&sw);

        return to_pam_code(outcome.verdict, opts.failmode_open);
}

PUBLIC int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        return run(pamh, flags, argc, argv);
}

PUBLIC int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        return run(pamh, flags, argc, argv);
}

/* Nothing to establish: the decision was made in authenticate; succeeding here grants nothing. */
PUBLIC int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        return PAM_SUCCESS;
}
