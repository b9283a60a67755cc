/* The module's words: lines shown through the conversation, and records for the system log. Every
 * string that came from jitd or from the user's side is sanitised before it is shown or logged. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "duration.h"
#include "jit-bus.h"
#include "jit-limits.h"
#include "messages.h"
#include "reason.h"
#include "sanitize.h"
#include "util.h"

/* How to give a reason when the front end cannot ask for one (sudo -n, no terminal). */
#define REASON_HINT                                                                                         \
        "this request needs a reason; give one ahead of time with: jitctl request --reason TEXT -- COMMAND"

/* A sanitised copy for showing; "?" when memory ran out, so a message is never lost. What jitd sends
 * was sanitised there (backslashes doubled): only what is still unsafe is escaped here, so the user
 * sees the same text as the approver. */
static char *shown(const char *s)
{
        char *r = jit_sanitize_terminal(s ? s : "", s ? strlen(s) : 0, JIT_MAX_FIELD);
        return r ? r : strdup("?");
}

/* One line for the user, behind the front end's prefix. The PAM module sends every line as
 * PAM_ERROR_MSG, approvals included: sudo and misc_conv print PAM_TEXT_INFO on stdout when there is no
 * terminal, where it would end up inside the output of the command being run (sudo -n tar c /
 * >backup.tar) or sit in a buffer until sudo exits; error messages go to the terminal or to stderr at
 * once. pam_error() also ignores PAM_SILENT, which sudo passes to the account phase. */
static void say(const JitSink *sink, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const JitSink *sink, const char *fmt, ...)
{
        char buf[1024];
        size_t n;
        va_list ap;

        n = (size_t)snprintf(buf, sizeof(buf), "%s", sink->prefix);
        if (n >= sizeof(buf))
                n = 0;
        va_start(ap, fmt);
        vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
        va_end(ap);
        sink->say(sink->userdata, buf);
}

/* One record for the system log (the front end adds its own tag). */
static void record(const JitSink *sink, int priority, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void record(const JitSink *sink, int priority, const char *fmt, ...)
{
        char buf[2048];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        sink->log(sink->userdata, priority, buf);
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

void jit_msg_pending(const JitSink *sink, const JitContext *ctx, const char *id, uint64_t wait_usec)
{
        _cleanup_free_ char *service = shown(ctx->service), *user = shown(ctx->user);
        char wait[64];

        /* Whole seconds, rounded up: jitd's deadline is a few milliseconds in the past already. */
        jit_format_duration((wait_usec + USEC_PER_SEC - 1) / USEC_PER_SEC * USEC_PER_SEC, wait,
                            sizeof(wait));
        say(sink, "access to %s needs approval \u2014 request %s (waiting up to %s)", service, id, wait);
        say(sink, "  approve with: jitctl approve %s", id);
        record(sink, LOG_NOTICE, "request %s: %s for %s is pending (waiting up to %s)", id, service, user,
               wait);
}

void jit_msg_reason_again(const JitSink *sink)
{
        say(sink, "a reason is required for this request");
}

static void msg_no_reason(const JitSink *sink, const char *service, const char *user, const JitOutcome *o)
{
        char too_long[64];
        const char *why;

        switch (o->error) {
        case -EOPNOTSUPP:
                say(sink, REASON_HINT);
                record(sink, LOG_NOTICE,
                       "%s for %s denied: a reason is required and the conversation cannot ask for one",
                       service, user);
                return;
        case -ENODATA:
                say(sink, "no reason given; access denied");
                say(sink, REASON_HINT);
                record(sink, LOG_NOTICE, "%s for %s denied: a reason is required, %d empty answers", service,
                       user, JIT_REASON_PROMPTS);
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
                jit_msg_internal(sink, "asking for a reason", o->error);
                return;
        }
        say(sink, "the reason is %s; access denied", why);
        record(sink, LOG_NOTICE, "%s for %s denied: the reason given is %s", service, user, why);
}

static void msg_unreachable(const JitSink *sink, const JitOptions *opts, const char *user,
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
                say(sink, "cannot reach jitd (%s); continuing WITHOUT approval (failmode=open)", why);
                record(sink, LOG_CRIT,
                       "cannot reach jitd (%s); %s let through WITHOUT approval (failmode=open)", why, user);
        } else {
                say(sink, "cannot reach jitd (%s); access denied (failmode=closed)", why);
                record(sink, LOG_ERR, "cannot reach jitd (%s); %s denied (failmode=closed)", why, user);
        }
}

static void msg_decided(const JitSink *sink, bool silent, const JitOptions *opts, const char *service,
                        const char *user, const JitOutcome *o)
{
        _cleanup_free_ char *by = shown(o->by), *comment = shown(o->comment), *state = shown(o->state);
        const char *id = o->id[0] ? o->id : "-";
        bool chatter = !opts->quiet && !silent;
        char until[64] = "";

        if (o->until_usec)
                format_until(o->until_usec, until, sizeof(until));

        if (o->verdict == JIT_VERDICT_APPROVED) {
                if (o->waited) {
                        say(sink, "approved%s%s%s%s", *by ? " by " : "", by, *until ? " until " : "", until);
                        record(sink, LOG_INFO, "request %s: %s for %s approved by %s%s%s", id, service, user,
                               *by ? by : "?", *until ? " until " : "", until);
                } else {
                        if (chatter && (*comment || *until))
                                say(sink, "allowed%s%s%s%s", *until ? " until " : "", until,
                                    *comment ? ": " : "", comment);
                        record(sink, LOG_INFO, "%s for %s allowed by jitd without waiting%s%s", service,
                               user, *comment ? ": " : "", comment);
                }
                return;
        }
        if (o->verdict == JIT_VERDICT_IGNORED) {
                if (opts->debug)
                        record(sink, LOG_DEBUG, "%s for %s: no rule applies (ignored)", service, user);
                return;
        }

        if (!o->waited) {
                say(sink, "access to %s denied%s%s", service, *comment ? ": " : "", comment);
                record(sink, LOG_NOTICE, "%s for %s denied by jitd%s%s", service, user, *comment ? ": " : "",
                       comment);
                return;
        }
        if (streq(state, JIT_STATE_DENIED))
                say(sink, "request %s was denied%s%s%s%s", id, *by ? " by " : "", by, *comment ? ": " : "",
                    comment);
        else if (streq(state, JIT_STATE_EXPIRED))
                say(sink, "request %s expired without an answer; access denied", id);
        else if (streq(state, JIT_STATE_CANCELLED) || streq(state, JIT_STATE_REVOKED))
                say(sink, "request %s was %s%s%s; access denied", id, state, *by ? " by " : "", by);
        else
                say(sink, "request %s ended as '%s'; access denied", id, state);
        record(sink, LOG_NOTICE, "request %s: %s for %s %s%s%s%s%s", id, service, user, state,
               *by ? " by " : "", by, *comment ? ": " : "", comment);
}

void jit_msg_outcome(const JitSink *sink, bool silent, const JitOptions *opts, const JitContext *ctx,
                     const JitOutcome *o)
{
        _cleanup_free_ char *service = shown(ctx->service), *user = shown(ctx->user);
        _cleanup_free_ char *comment = shown(o->comment), *detail = shown(o->detail),
                            *state = shown(o->state);
        const char *id = o->id[0] ? o->id : "-";
        char timeout[64];

        if (o->verdict == JIT_VERDICT_UNREACHABLE) {
                msg_unreachable(sink, opts, user, o);
                return;
        }

        switch (o->reason) {
        case JIT_REASON_DECIDED:
                msg_decided(sink, silent, opts, service, user, o);
                return;
        case JIT_REASON_REFUSED:
                say(sink, "jitd refused the request%s%s; access denied", *comment ? ": " : "", comment);
                record(sink, LOG_NOTICE, "%s for %s: CreateRequest refused (%s); denied", service, user,
                       detail);
                return;
        case JIT_REASON_NO_ANSWER:
                say(sink, "jitd did not answer; access denied");
                record(sink, LOG_ERR, "%s for %s: jitd did not answer CreateRequest in time; denied",
                       service, user);
                return;
        case JIT_REASON_OWNER_CHANGED:
                say(sink, "jitd restarted or stopped while request %s was open; access denied", id);
                record(sink, LOG_WARNING, "request %s: %s for %s denied: jitd changed owner while waiting",
                       id, service, user);
                return;
        case JIT_REASON_BUS_LOST:
                say(sink, "lost the connection to jitd (%s); access denied",
                    strerror(o->error < 0 ? -o->error : EIO));
                record(sink, LOG_ERR, "request %s: %s for %s denied: bus connection failed: %s", id, service,
                       user, strerror(o->error < 0 ? -o->error : EIO));
                return;
        case JIT_REASON_NO_REASON:
                msg_no_reason(sink, service, user, o);
                return;
        case JIT_REASON_UNSAFE_SOCKET:
                /* Someone but root made or serves jitd's socket: never talk to it, never fall back. */
                say(sink, "jitd's private socket is not safe (%s); access denied", detail);
                record(sink, LOG_CRIT, "%s for %s denied: jitd's private socket is not safe: %s", service, user,
                       detail);
                return;
        case JIT_REASON_SIGNAL:
                if (!o->id[0]) {
                        /* Before any request existed (at the reason prompt): nothing to cancel. */
                        say(sink, "interrupted by %s; access denied", signal_name(o->signo));
                        record(sink, LOG_NOTICE, "%s for %s denied: %s before the request was made", service,
                               user, signal_name(o->signo));
                        return;
                }
                say(sink, "interrupted by %s; request %s %s, access denied", signal_name(o->signo), id,
                    o->cancelled ? "cancelled" : "abandoned");
                record(sink, LOG_NOTICE, "request %s: %s for %s denied: %s while waiting (%s)", id, service,
                       user, signal_name(o->signo), o->cancelled ? "cancelled in jitd" : "Cancel failed");
                return;
        case JIT_REASON_TIMEOUT:
                jit_format_duration(opts->timeout_usec, timeout, sizeof(timeout));
                say(sink, "request %s got no answer within %s; access denied", id, timeout);
                record(sink, LOG_NOTICE, "request %s: %s for %s denied: no decision within %s", id, service,
                       user, timeout);
                return;
        case JIT_REASON_UNCONFIRMED:
                say(sink, "the approval of request %s could not be confirmed; access denied", id);
                record(sink, LOG_WARNING,
                       "request %s: %s for %s denied: RequestDecided said approved, GetRequest said '%s'",
                       id, service, user, state);
                return;
        case JIT_REASON_PROTOCOL:
                say(sink, "unexpected answer from jitd; access denied");
                record(sink, LOG_ERR, "%s for %s denied: unexpected answer from jitd (%s)", service, user,
                       strerror(o->error < 0 ? -o->error : EBADMSG));
                return;
        case JIT_REASON_NO_BUS:
        case JIT_REASON_NO_JITD:
        case JIT_REASON_INTERNAL:
        default:
                jit_msg_internal(sink, "asking jitd", o->error);
                return;
        }
}

void jit_msg_bad_option(const JitSink *sink, const char *arg, int error)
{
        _cleanup_free_ char *a = shown(arg);

        record(sink, LOG_ERR, "%s option '%s'; access denied", error == -ERANGE ? "out-of-range" : "unknown",
               a);
        say(sink, "misconfigured (see the system log); access denied");
}

void jit_msg_no_context(const JitSink *sink, int error)
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
        say(sink, "cannot ask for approval: %s; access denied", why);
        record(sink, LOG_NOTICE, "cannot ask for approval: %s; denied", why);
}

void jit_msg_bad_item(const JitSink *sink, const char *item, int error)
{
        const char *why;

        switch (error) {
        case -ENXIO:
                why = "is missing";
                break;
        case -ENAMETOOLONG:
                why = "is too long";
                break;
        case -EILSEQ:
                why = "is not valid UTF-8";
                break;
        case -E2BIG:
                why = "is too long to be approved";
                break;
        case -EINVAL:
                why = "is malformed";
                break;
        default:
                jit_msg_internal(sink, "reading the request", error);
                return;
        }
        say(sink, "cannot ask for approval: %s %s; access denied", item, why);
        record(sink, LOG_NOTICE, "cannot ask for approval: %s %s; denied", item, why);
}

void jit_msg_internal(const JitSink *sink, const char *what, int error)
{
        const char *why = strerror(error < 0 ? -error : EIO);

        say(sink, "internal error (%s); access denied", why);
        record(sink, LOG_ERR, "%s failed: %s; denied", what, why);
}
