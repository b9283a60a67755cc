/* The module's words: lines shown through the conversation, and records for the system log. Every
 * string that came from jitd or from the user's side is sanitised before it is shown or logged. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <security/pam_ext.h>

#include "duration.h"
#include "jit-bus.h"
#include "jit-limits.h"
#include "messages.h"
#include "reason.h"
#include "sanitize.h"
#include "util.h"

#define PREFIX "pam_jit: "
/* How to give a reason when the module cannot ask for one (sudo -n, no terminal). */
#define REASON_HINT                                                                                         \
        PREFIX "this request needs a reason; give one ahead of time with: jitctl request --reason TEXT -- " \
               "COMMAND"

/* A sanitised copy for showing; "?" when memory ran out, so a message is never lost. */
static char *shown(const char *s)
{
        char *r = jit_sanitize(s ? s : "", s ? strlen(s) : 0, JIT_MAX_FIELD);
        return r ? r : strdup("?");
}

/* Every line goes out as PAM_ERROR_MSG, approvals included: sudo and misc_conv print PAM_TEXT_INFO on
 * stdout when there is no terminal, where it would end up inside the output of the command being run
 * (sudo -n tar c / >backup.tar) or sit in a buffer until sudo exits; error messages go to the terminal
 * or to stderr at once. pam_error() also ignores PAM_SILENT, which sudo passes to the account phase. */
static void say(pam_handle_t *pamh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(pam_handle_t *pamh, const char *fmt, ...)
{
        char buf[1024];
        va_list ap;
        int r;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        r = pam_error(pamh, "%s", buf);
        if (r != PAM_SUCCESS)
                pam_syslog(pamh, LOG_DEBUG, "conversation failed (%s) for: %s", pam_strerror(pamh, r), buf);
}

/* "until 14:32:05 UTC" today, with the date otherwise. */
static void format_until(uint64_t usec, char *buf, size_t n)
{
        char today[64];

        jit_format_time(usec, buf, n);
        jit_format_time(jit_now_usec(CLOCK_REALTIME), today, sizeof(today));
        if (strlen(buf) > 11 && strncmp(buf, today, 11) == 0)
                memmove(buf, buf + 11, strlen(buf + 11) + 1);
}

static const char *signal_name(int signo)
{
        switch (signo) {
        case SIGINT:
                return "SIGINT";
        case SIGTERM:
                return "SIGTERM";
        case SIGHUP:
                return "SIGHUP";
        case SIGTSTP:
                return "SIGTSTP";
        case SIGQUIT:
                return "SIGQUIT";
        default:
                return "a signal";
        }
}

void jit_msg_pending(pam_handle_t *pamh, const JitContext *ctx, const char *id, uint64_t wait_usec)
{
        _cleanup_free_ char *service = shown(ctx->service), *user = shown(ctx->user);
        char wait[64];

        /* Whole seconds, rounded up: jitd's deadline is a few milliseconds in the past already. */
        jit_format_duration((wait_usec + USEC_PER_SEC - 1) / USEC_PER_SEC * USEC_PER_SEC, wait,
                            sizeof(wait));
        say(pamh, PREFIX "access to %s needs approval \u2014 request %s (waiting up to %s)", service, id,
            wait);
        say(pamh, PREFIX "  approve with: jitctl approve %s", id);
        pam_syslog(pamh, LOG_NOTICE, "request %s: %s for %s is pending (waiting up to %s)", id, service,
                   user, wait);
}

void jit_msg_reason_again(pam_handle_t *pamh)
{
        say(pamh, PREFIX "a reason is required for this request");
}

static void msg_no_reason(pam_handle_t *pamh, const char *service, const char *user, const JitOutcome *o)
{
        char too_long[64];
        const char *why;

        switch (o->error) {
        case -EOPNOTSUPP:
                say(pamh, REASON_HINT);
                pam_syslog(pamh, LOG_NOTICE,
                           "%s for %s denied: a reason is required and the conversation cannot ask for one",
                           service, user);
                return;
        case -ENODATA:
                say(pamh, PREFIX "no reason given; access denied");
                say(pamh, REASON_HINT);
                pam_syslog(pamh, LOG_NOTICE, "%s for %s denied: a reason is required, %d empty answers",
                           service, user, JIT_REASON_PROMPTS);
                return;
        case -E2BIG:
                snprintf(too_long, sizeof(too_long), "longer than %d bytes", JIT_MAX_FIELD - 1);
                why = too_long;
                break;
        case -EILSEQ:
                why = "not valid UTF-8";
                break;
        case -EINVAL:
                why = "holding control characters";
                break;
        default:
                jit_msg_internal(pamh, "asking for a reason", o->error);
                return;
        }
        say(pamh, PREFIX "the reason is %s; access denied", why);
        pam_syslog(pamh, LOG_NOTICE, "%s for %s denied: the reason given is %s", service, user, why);
}

static void msg_unreachable(pam_handle_t *pamh, const JitOptions *opts, const char *user,
                            const JitOutcome *o)
{
        _cleanup_free_ char *detail = o->detail ? shown(o->detail) : NULL;
        char why[512];

        if (o->reason == JIT_REASON_NO_JITD)
                snprintf(why, sizeof(why), "jitd is not running");
        else if (detail)
                snprintf(why, sizeof(why), "system bus: %s", detail);
        else
                snprintf(why, sizeof(why), "system bus: %s", strerror(o->error < 0 ? -o->error : EIO));

        if (opts->failmode_open) {
                say(pamh, PREFIX "cannot reach jitd (%s); continuing WITHOUT approval (failmode=open)", why);
                pam_syslog(pamh, LOG_CRIT,
                           "cannot reach jitd (%s); %s let through WITHOUT approval (failmode=open)", why,
                           user);
        } else {
                say(pamh, PREFIX "cannot reach jitd (%s); access denied (failmode=closed)", why);
                pam_syslog(pamh, LOG_ERR, "cannot reach jitd (%s); %s denied (failmode=closed)", why, user);
        }
}

static void msg_decided(pam_handle_t *pamh, int flags, const JitOptions *opts, const char *service,
                        const char *user, const JitOutcome *o)
{
        _cleanup_free_ char *by = shown(o->by), *comment = shown(o->comment), *state = shown(o->state);
        const char *id = o->id[0] ? o->id : "-";
        bool chatter = !opts->quiet && !(flags & PAM_SILENT);
        char until[64] = "";

        if (o->until_usec)
                format_until(o->until_usec, until, sizeof(until));

        if (o->verdict == JIT_VERDICT_APPROVED) {
                if (o->waited) {
                        say(pamh, PREFIX "approved%s%s%s%s", *by ? " by " : "", by, *until ? " until " : "",
                            until);
                        pam_syslog(pamh, LOG_INFO, "request %s: %s for %s approved by %s%s%s", id, service,
                                   user, *by ? by : "?", *until ? " until " : "", until);
                } else {
                        if (chatter && (*comment || *until))
                                say(pamh, PREFIX "allowed%s%s%s%s", *until ? " until " : "", until,
                                    *comment ? ": " : "", comment);
                        pam_syslog(pamh, LOG_INFO, "%s for %s allowed by jitd without waiting%s%s", service,
                                   user, *comment ? ": " : "", comment);
                }
                return;
        }
        if (o->verdict == JIT_VERDICT_IGNORED) {
                if (opts->debug)
                        pam_syslog(pamh, LOG_DEBUG, "%s for %s: no rule applies (ignored)", service, user);
                return;
        }

        if (!o->waited) {
                say(pamh, PREFIX "access to %s denied%s%s", service, *comment ? ": " : "", comment);
                pam_syslog(pamh, LOG_NOTICE, "%s for %s denied by jitd%s%s", service, user,
                           *comment ? ": " : "", comment);
                return;
        }
        if (streq(state, JIT_STATE_DENIED))
                say(pamh, PREFIX "request %s was denied%s%s%s%s", id, *by ? " by " : "", by,
                    *comment ? ": " : "", comment);
        else if (streq(state, JIT_STATE_EXPIRED))
                say(pamh, PREFIX "request %s expired without an answer; access denied", id);
        else if (streq(state, JIT_STATE_CANCELLED) || streq(state, JIT_STATE_REVOKED))
                say(pamh, PREFIX "request %s was %s%s%s; access denied", id, state, *by ? " by " : "", by);
        else
                say(pamh, PREFIX "request %s ended as '%s'; access denied", id, state);
        pam_syslog(pamh, LOG_NOTICE, "request %s: %s for %s %s%s%s%s%s", id, service, user, state,
                   *by ? " by " : "", by, *comment ? ": " : "", comment);
}

void jit_msg_outcome(pam_handle_t *pamh, int flags, const JitOptions *opts, const JitContext *ctx,
                     const JitOutcome *o)
{
        _cleanup_free_ char *service = shown(ctx->service), *user = shown(ctx->user);
        _cleanup_free_ char *comment = shown(o->comment), *detail = shown(o->detail),
                            *state = shown(o->state);
        const char *id = o->id[0] ? o->id : "-";
        char timeout[64];

        if (o->verdict == JIT_VERDICT_UNREACHABLE) {
                msg_unreachable(pamh, opts, user, o);
                return;
        }

        switch (o->reason) {
        case JIT_REASON_DECIDED:
                msg_decided(pamh, flags, opts, service, user, o);
                return;
        case JIT_REASON_REFUSED:
                say(pamh, PREFIX "jitd refused the request%s%s; access denied", *comment ? ": " : "",
                    comment);
                pam_syslog(pamh, LOG_NOTICE, "%s for %s: CreateRequest refused (%s); denied", service, user,
                           detail);
                return;
        case JIT_REASON_NO_ANSWER:
                say(pamh, PREFIX "jitd did not answer; access denied");
                pam_syslog(pamh, LOG_ERR, "%s for %s: jitd did not answer CreateRequest in time; denied",
                           service, user);
                return;
        case JIT_REASON_OWNER_CHANGED:
                say(pamh, PREFIX "jitd restarted or stopped while request %s was open; access denied", id);
                pam_syslog(pamh, LOG_WARNING,
                           "request %s: %s for %s denied: jitd changed owner while waiting", id, service,
                           user);
                return;
        case JIT_REASON_BUS_LOST:
                say(pamh, PREFIX "lost the connection to jitd (%s); access denied",
                    strerror(o->error < 0 ? -o->error : EIO));
                pam_syslog(pamh, LOG_ERR, "request %s: %s for %s denied: bus connection failed: %s", id,
                           service, user, strerror(o->error < 0 ? -o->error : EIO));
                return;
        case JIT_REASON_NO_REASON:
                msg_no_reason(pamh, service, user, o);
                return;
        case JIT_REASON_SIGNAL:
                if (!o->id[0]) {
                        /* Before any request existed (at the reason prompt): nothing to cancel. */
                        say(pamh, PREFIX "interrupted by %s; access denied", signal_name(o->signo));
                        pam_syslog(pamh, LOG_NOTICE, "%s for %s denied: %s before the request was made",
                                   service, user, signal_name(o->signo));
                        return;
                }
                say(pamh, PREFIX "interrupted by %s; request %s %s, access denied", signal_name(o->signo),
                    id, o->cancelled ? "cancelled" : "abandoned");
                pam_syslog(pamh, LOG_NOTICE, "request %s: %s for %s denied: %s while waiting (%s)", id,
                           service, user, signal_name(o->signo),
                           o->cancelled ? "cancelled in jitd" : "Cancel failed");
                return;
        case JIT_REASON_TIMEOUT:
                jit_format_duration(opts->timeout_usec, timeout, sizeof(timeout));
                say(pamh, PREFIX "request %s got no answer within %s; access denied", id, timeout);
                pam_syslog(pamh, LOG_NOTICE, "request %s: %s for %s denied: no decision within %s", id,
                           service, user, timeout);
                return;
        case JIT_REASON_UNCONFIRMED:
                say(pamh, PREFIX "the approval of request %s could not be confirmed; access denied", id);
                pam_syslog(
                    pamh, LOG_WARNING,
                    "request %s: %s for %s denied: RequestDecided said approved, GetRequest said '%s'", id,
                    service, user, state);
                return;
        case JIT_REASON_PROTOCOL:
                say(pamh, PREFIX "unexpected answer from jitd; access denied");
                pam_syslog(pamh, LOG_ERR, "%s for %s denied: unexpected answer from jitd (%s)", service,
                           user, strerror(o->error < 0 ? -o->error : EBADMSG));
                return;
        case JIT_REASON_NO_BUS:
        case JIT_REASON_NO_JITD:
        case JIT_REASON_INTERNAL:
        default:
                jit_msg_internal(pamh, "asking jitd", o->error);
                return;
        }
}

void jit_msg_bad_option(pam_handle_t *pamh, const char *arg, int error)
{
        _cleanup_free_ char *a = shown(arg);

        pam_syslog(pamh, LOG_ERR, "%s option '%s'; access denied",
                   error == -ERANGE ? "out-of-range" : "unknown", a);
        say(pamh, PREFIX "misconfigured (see the system log); access denied");
}

void jit_msg_no_context(pam_handle_t *pamh, int error)
{
        const char *why;

        switch (error) {
        case -ENXIO:
                why = "no user or service name";
                break;
        case -ENAMETOOLONG:
                why = "user or service name too long";
                break;
        case -EILSEQ:
                why = "the command line, user or service name is not valid UTF-8";
                break;
        case -E2BIG:
                why = "the command line is too long to be approved";
                break;
        default:
                why = strerror(error < 0 ? -error : EIO);
                break;
        }
        say(pamh, PREFIX "cannot ask for approval: %s; access denied", why);
        pam_syslog(pamh, LOG_NOTICE, "cannot ask for approval: %s; denied", why);
}

void jit_msg_internal(pam_handle_t *pamh, const char *what, int error)
{
        const char *why = strerror(error < 0 ? -error : EIO);

        say(pamh, PREFIX "internal error (%s); access denied", why);
        pam_syslog(pamh, LOG_ERR, "%s failed: %s; denied", what, why);
}
