/* The bus client's request flow: CreateRequest (asking for a reason when jitd wants one), the wait for
 * the decision, its confirmation with GetRequest, and Cancel. The connection is bus-wait.c's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <systemd/sd-bus.h>

#include "asv.h"
#include "client-internal.h"
#include "client.h"
#include "duration.h"
#include "id.h"
#include "jit-bus.h"
#include "util.h"

/* What GetRequest's answer says about the request; the strings point into the reply, which the
 * struct holds. */
typedef struct RequestInfo {
        sd_bus_message *reply;
        const char *id;
        const char *state;
        const char *by;
        const char *comment;
        uint64_t until_usec;
} RequestInfo;

static void request_info_done(RequestInfo *i)
{
        sd_bus_message_unref(i->reply);
        *i = (RequestInfo){0};
}

static int append_entry(sd_bus_message *m, const char *key, const char *value)
{
        if (!value)
                return 0;
        return sd_bus_message_append(m, "{sv}", key, "s", value);
}

/* The context as docs/dbus-api.md lists it; reason is left out when NULL (not yet asked). */
static int build_create_request(Client *cl, const JitContext *ctx, const char *reason, uint64_t timeout_usec,
                                sd_bus_message **ret)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(cl->bus, &m, JIT_BUS_NAME, JIT_BUS_PATH, JIT_BUS_INTERFACE,
                                           "CreateRequest");
        if (r < 0)
                return r;
        /* No bus activation: a jitd that is not running is reported at once, not after the daemon's
         * activation timeout. */
        r = sd_bus_message_set_auto_start(m, 0);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        if ((r = append_entry(m, "user", ctx->user)) < 0 ||
            (r = append_entry(m, "service", ctx->service)) < 0 ||
            (r = append_entry(m, "tty", ctx->tty)) < 0 || (r = append_entry(m, "rhost", ctx->rhost)) < 0 ||
            (r = append_entry(m, "ruser", ctx->ruser)) < 0 || (r = append_entry(m, "cwd", ctx->cwd)) < 0 ||
            (r = append_entry(m, "reason", reason)) < 0 || (r = append_entry(m, "exe", ctx->exe)) < 0 ||
            (r = append_entry(m, "command", ctx->command)) < 0 ||
            (r = append_entry(m, "runas_user", ctx->runas_user)) < 0 ||
            (r = append_entry(m, "runas_group", ctx->runas_group)) < 0 ||
            (r = append_entry(m, "runcwd", ctx->runcwd)) < 0)
                return r;
        r = sd_bus_message_append(m, "{sv}", "front", "s",
                                  ctx->front == JIT_FRONT_SUDO_PLUGIN ? "sudo-plugin" : "pam");
        if (r >= 0 && ctx->front == JIT_FRONT_SUDO_PLUGIN)
                r = sd_bus_message_append(m, "{sv}", "sudoedit", "b", (int)ctx->sudoedit);
        if (r >= 0 && ctx->front == JIT_FRONT_SUDO_PLUGIN)
                r = sd_bus_message_append(m, "{sv}", "env_set", "b", (int)ctx->env_set);
        if (r < 0)
                return r;

        r = sd_bus_message_append(m, "{sv}", "ruid", "u", (uint32_t)ctx->ruid);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "{sv}", "timeout_usec", "t", timeout_usec);
        if (r < 0)
                return r;

        if ((r = sd_bus_message_open_container(m, 'e', "sv")) < 0 ||
            (r = sd_bus_message_append(m, "s", "argv")) < 0 ||
            (r = sd_bus_message_open_container(m, 'v', "as")) < 0 ||
            (r = sd_bus_message_open_container(m, 'a', "s")) < 0)
                return r;
        for (size_t i = 0; i < ctx->argv_len; i += strlen(ctx->argv + i) + 1) {
                r = sd_bus_message_append_basic(m, 's', ctx->argv + i);
                if (r < 0)
                        return r;
        }
        if ((r = sd_bus_message_close_container(m)) < 0 || (r = sd_bus_message_close_container(m)) < 0 ||
            (r = sd_bus_message_close_container(m)) < 0)
                return r;

        r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

enum {
        CREATE_DONE = 0,        /* jitd answered for good; *o says how */
        CREATE_PENDING,         /* wait for the decision */
        CREATE_REASON_REQUIRED, /* ask for a reason, a non-empty one */
        CREATE_REASON_WANTED,   /* ask for a reason; none is fine too */
};

/* CreateRequest, with reason NULL the first time. Returns a CREATE_* code or, on failure, a negative
 * errno with *o saying how. Only a call without a reason may come back asking for one: a second
 * ReasonRequired or ReasonWanted is a refusal like any other error, so the module never loops. */
static int client_create(Client *cl, const JitContext *ctx, const char *reason, JitOutcome *o,
                         uint64_t *ret_deadline_usec)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        const char *id, *state, *message;
        uint64_t deadline, until;
        int r;

        r = build_create_request(cl, ctx, reason, cl->opts->timeout_usec, &m);
        if (r < 0) {
                outcome_set(o, JIT_VERDICT_DENIED, JIT_REASON_INTERNAL, r, NULL);
                return r;
        }

        r = client_call(cl, m, JIT_CALL_TIMEOUT_USEC, &e, &reply);
        if (r == ERR_REMOTE && (sd_bus_error_has_name(&e, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
                                sd_bus_error_has_name(&e, SD_BUS_ERROR_NAME_HAS_NO_OWNER))) {
                outcome_set(o, JIT_VERDICT_UNREACHABLE, JIT_REASON_NO_JITD, 0, &e);
                return -ESRCH;
        }
        if (r == ERR_REMOTE && !reason && sd_bus_error_has_name(&e, JIT_ERROR_REASON_REQUIRED))
                return CREATE_REASON_REQUIRED;
        if (r == ERR_REMOTE && !reason && sd_bus_error_has_name(&e, JIT_ERROR_REASON_WANTED))
                return CREATE_REASON_WANTED;
        if (r == ERR_REMOTE) {
                /* jitd (or the bus policy) refused: a denial, never a reason for failmode=open. */
                if (strdup_to(&o->comment, e.message) < 0)
                        r = -ENOMEM;
                outcome_set(o, JIT_VERDICT_DENIED, r == -ENOMEM ? JIT_REASON_INTERNAL : JIT_REASON_REFUSED,
                            r, &e);
                return r;
        }
        if (r == -ETIMEDOUT) {
                outcome_set(o, JIT_VERDICT_DENIED, JIT_REASON_NO_ANSWER, r, NULL);
                return r;
        }
        if (r < 0) {
                outcome_set(o, JIT_VERDICT_DENIED, JIT_REASON_BUS_LOST, r, NULL);
                return r;
        }

        if (!client_from_jitd(cl, reply)) {
                outcome_set(o, JIT_VERDICT_DENIED, JIT_REASON_OWNER_CHANGED, 0, NULL);
                return -ESRCH;
        }
        r = sd_bus_message_read(reply, "sstts", &id, &state, &deadline, &until, &message);
        if (r < 0) {
                outcome_set(o, JIT_VERDICT_DENIED, JIT_REASON_PROTOCOL, r, NULL);
                return r;
        }
        client_debug(cl, "CreateRequest: id=%s state=%s", jit_id_valid(id) ? id : "(invalid)", state);

        if (strdup_to(&o->state, state) < 0 || (message[0] && strdup_to(&o->comment, message) < 0)) {
                outcome_set(o, JIT_VERDICT_DENIED, JIT_REASON_INTERNAL, -ENOMEM, NULL);
                return -ENOMEM;
        }
        o->until_usec = until;
        if (jit_id_valid(id))
                memcpy(o->id, id, JIT_ID_LEN + 1);

        if (streq(state, JIT_STATE_APPROVED)) {
                outcome_set(o, JIT_VERDICT_APPROVED, JIT_REASON_DECIDED, 0, NULL);
                return CREATE_DONE;
        }
        if (streq(state, JIT_STATE_IGNORED)) {
                outcome_set(o, JIT_VERDICT_IGNORED, JIT_REASON_DECIDED, 0, NULL);
                return CREATE_DONE;
        }
        if (streq(state, JIT_STATE_DENIED)) {
                outcome_set(o, JIT_VERDICT_DENIED, JIT_REASON_DECIDED, 0, NULL);
                return CREATE_DONE;
        }
        if (!streq(state, JIT_STATE_PENDING) || !jit_id_valid(id)) {
                outcome_set(o, JIT_VERDICT_DENIED, JIT_REASON_PROTOCOL, -EBADMSG, NULL);
                return -EBADMSG;
        }
        /* A pending request whose jitd went away since GetNameOwner cannot be decided any more. */
        if (cl->owner_changed) {
                outcome_set(o, JIT_VERDICT_DENIED, JIT_REASON_OWNER_CHANGED, 0, NULL);
                return -ESRCH;
        }
        memcpy(cl->id, id, JIT_ID_LEN + 1);
        *ret_deadline_usec = deadline;
        return CREATE_PENDING;
}

/* jitd asked for a reason: ask the user, with the host's signal mask back in place so that Ctrl-C at
 * the prompt reaches the host's conversation (sudo's gives up and re-raises it; pamtester dies of it)
 * rather than waiting behind our block for Enter. No request exists yet, so there is nothing to
 * cancel. Returns 0 and the reason to send, or < 0 with *o saying why the module denies. */
static int client_ask_reason(Client *cl, const SigWatch *sw, bool required, JitOutcome *o, char **ret)
{
        _cleanup_free_ char *reason = NULL;
        int r, k;

        /* A cancel signal that came during CreateRequest would be the host's the moment the mask is
         * restored; it ends the request here instead, as it would have ended the wait. */
        o->signo = jit_sigwatch_pending(sw);
        if (o->signo) {
                outcome_set(o, JIT_VERDICT_DENIED, JIT_REASON_SIGNAL, 0, NULL);
                return -ECANCELED;
        }

        jit_sigwatch_pause(sw);
        r = cl->hooks->ask_reason ? cl->hooks->ask_reason(cl->hooks->userdata, required, &reason)
                                  : -EOPNOTSUPP;
        k = jit_sigwatch_resume(sw);
        if (k < 0) {
                outcome_set(o, JIT_VERDICT_DENIED, JIT_REASON_INTERNAL, k, NULL);
                return k;
        }

        /* A wanted reason is optional: a user who cannot be asked gives an empty one. */
        if (r == -EOPNOTSUPP && !required) {
                client_debug(cl, "cannot ask for the wanted reason; sending an empty one");
                reason = strdup("");
                r = reason ? 0 : -ENOMEM;
        }
        if (r < 0) {
                outcome_set(o, JIT_VERDICT_DENIED, r == -ENOMEM ? JIT_REASON_INTERNAL : JIT_REASON_NO_REASON,
                            r, NULL);
                return r;
        }
        *ret = TAKE_PTR(reason);
        return 0;
}

/* The keys of GetRequest's answer the module uses. A newer jitd may send more: they are skipped
 * (lib/asv.h); id and state must come. */
static int read_request_info(sd_bus_message *m, RequestInfo *ret, sd_bus_error *e)
{
        static const AsvField fields[] = {
            {"id", ASV_STRING, offsetof(RequestInfo, id)},
            {"state", ASV_STRING, offsetof(RequestInfo, state)},
            {"by", ASV_STRING, offsetof(RequestInfo, by)},
            {"comment", ASV_STRING, offsetof(RequestInfo, comment)},
            {"until_usec", ASV_UINT64, offsetof(RequestInfo, until_usec)},
        };
        static const AsvTable table = ASV_TABLE(fields, ASV_SKIP_UNKNOWN);
        int r;

        r = asv_read(m, &table, ret, NULL, e);
        if (r == 0)
                return -EBADMSG;
        return r < 0 ? r : 0;
}

/* GetRequest(id) from the jitd that owns the request. */
static int client_get_request(Client *cl, uint64_t timeout, RequestInfo *ret)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_message_new_method_call(cl->bus, &m, JIT_BUS_NAME, JIT_BUS_PATH, JIT_BUS_INTERFACE,
                                           "GetRequest");
        if (r >= 0)
                r = sd_bus_message_set_auto_start(m, 0);
        if (r >= 0)
                r = sd_bus_message_append(m, "s", cl->id);
        if (r < 0)
                return r;
        r = client_call(cl, m, timeout, &e, &reply);
        if (r < 0) {
                client_debug(cl, "GetRequest %s failed: %s", cl->id,
                             r == ERR_REMOTE ? e.name : strerror(-r));
                return r;
        }
        if (!client_from_jitd(cl, reply))
                return -ESRCH;
        ret->reply = sd_bus_message_ref(reply);
        r = read_request_info(reply, ret, &e);
        if (r < 0) {
                client_debug(cl, "GetRequest %s: malformed answer: %s", cl->id,
                             e.message ? e.message : strerror(-r));
                return r;
        }
        if (!ret->id || !streq(ret->id, cl->id) || !ret->state)
                return -EBADMSG;
        return 0;
}

/* Best effort: jitd also cancels the request when our connection goes away. */
static void client_cancel(Client *cl, JitOutcome *o)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_message_new_method_call(cl->bus, &m, JIT_BUS_NAME, JIT_BUS_PATH, JIT_BUS_INTERFACE,
                                           "Cancel");
        if (r >= 0)
                r = sd_bus_message_set_auto_start(m, 0);
        if (r >= 0)
                r = sd_bus_message_append(m, "s", cl->id);
        if (r >= 0)
                r = client_call(cl, m, JIT_CANCEL_TIMEOUT_USEC, &e, &reply);
        if (r < 0) {
                client_debug(cl, "Cancel %s failed: %s", cl->id, r == ERR_REMOTE ? e.name : strerror(-r));
                return;
        }
        o->cancelled = true;
}

static void client_wait(Client *cl, const SigWatch *sw, uint64_t deadline_realtime, JitOutcome *o)
{
        _cleanup_(request_info_done) RequestInfo info = {0};
        uint64_t wait = cl->opts->timeout_usec, now_rt = jit_now_usec(CLOCK_REALTIME);
        bool approved;
        int r;

        /* jitd's deadline may be sooner than ours (its own RequestTimeout=). */
        if (deadline_realtime > now_rt && deadline_realtime - now_rt < wait)
                wait = deadline_realtime - now_rt;
        memcpy(o->id, cl->id, JIT_ID_LEN + 1);
        o->waited = true;
        cl->hooks->pending(cl->hooks->userdata, cl->id, wait);

        r = client_pump(cl, &cl->wake,
                        jit_now_usec(CLOCK_MONOTONIC) + cl->opts->timeout_usec + JIT_WAIT_GRACE_USEC, sw);
        if (r == -ECANCELED) {
                o->signo = jit_sigwatch_pending(sw);
                client_debug(cl, "signal %d while waiting for %s; cancelling", o->signo, cl->id);
                client_cancel(cl, o);
                outcome_set(o, JIT_VERDICT_DENIED, JIT_REASON_SIGNAL, 0, NULL);
                return;
        }
        if (r == -ETIMEDOUT) {
                client_cancel(cl, o);
                outcome_set(o, JIT_VERDICT_DENIED, JIT_REASON_TIMEOUT, 0, NULL);
                return;
        }
        if (r < 0) {
                outcome_set(o, JIT_VERDICT_DENIED, JIT_REASON_BUS_LOST, r, NULL);
                return;
        }
        if (cl->oom) {
                outcome_set(o, JIT_VERDICT_DENIED, JIT_REASON_INTERNAL, -ENOMEM, NULL);
                return;
        }
        if (cl->owner_changed) {
                /* Whoever owns the name now may have rebuilt the request from its journal. */
                client_cancel(cl, o);
                outcome_set(o, JIT_VERDICT_DENIED, JIT_REASON_OWNER_CHANGED, 0, NULL);
                return;
        }

        client_debug(cl, "RequestDecided %s: %s", cl->id, cl->decided_state);
        if (strdup_to(&o->state, cl->decided_state) < 0 || strdup_to(&o->by, cl->decided_by) < 0) {
                outcome_set(o, JIT_VERDICT_DENIED, JIT_REASON_INTERNAL, -ENOMEM, NULL);
                return;
        }
        o->until_usec = cl->decided_until;
        approved = streq(cl->decided_state, JIT_STATE_APPROVED);

        /* Defence in depth: an approval counts only when jitd confirms it when asked directly. For any
         * other decision the answer only adds who decided and their comment. */
        r = client_get_request(cl, approved ? JIT_CALL_TIMEOUT_USEC : JIT_CANCEL_TIMEOUT_USEC, &info);
        if (approved && (r < 0 || !streq(info.state, JIT_STATE_APPROVED))) {
                outcome_set(o, JIT_VERDICT_DENIED, JIT_REASON_UNCONFIRMED, r < 0 ? r : 0, NULL);
                if (r >= 0)
                        strdup_to(&o->state, info.state);
                return;
        }
        if (r >= 0 && streq(info.state, o->state)) {
                if ((info.by && strdup_to(&o->by, info.by) < 0) ||
                    (info.comment && strdup_to(&o->comment, info.comment) < 0)) {
                        outcome_set(o, JIT_VERDICT_DENIED, JIT_REASON_INTERNAL, -ENOMEM, NULL);
                        return;
                }
                if (info.until_usec)
                        o->until_usec = info.until_usec;
        }
        outcome_set(o, approved ? JIT_VERDICT_APPROVED : JIT_VERDICT_DENIED, JIT_REASON_DECIDED, 0, NULL);
}

static void client_flow(Client *cl, const JitContext *ctx, const SigWatch *sw, JitOutcome *o)
{
        uint64_t deadline = 0;
        int r;

        r = client_connect(cl, o);
        if (r < 0)
                return;
        r = client_watch(cl, o);
        if (r < 0)
                return;
        r = client_create(cl, ctx, NULL, o, &deadline);
        if (r == CREATE_REASON_REQUIRED || r == CREATE_REASON_WANTED) {
                _cleanup_free_ char *reason = NULL;

                client_debug(cl, "jitd %s a reason", r == CREATE_REASON_REQUIRED ? "requires" : "wants");
                if (client_ask_reason(cl, sw, r == CREATE_REASON_REQUIRED, o, &reason) < 0)
                        return;
                r = client_create(cl, ctx, reason, o, &deadline);
        }
        if (r != CREATE_PENDING)
                return;
        client_wait(cl, sw, deadline, o);
}

void jit_client_run(const JitContext *ctx, const JitOptions *opts, const SigWatch *sw,
                    const JitClientHooks *hooks, JitOutcome *ret)
{
        Client cl = {.opts = opts, .hooks = hooks, .started_usec = jit_now_usec(CLOCK_MONOTONIC)};

        *ret = (JitOutcome){.verdict = JIT_VERDICT_DENIED, .reason = JIT_REASON_INTERNAL};
        client_flow(&cl, ctx, sw, ret);

        /* Slots first, then the connection; no flush: every call that mattered was answered, and a
         * flush could block on a bus that stopped reading. */
        sd_bus_slot_unref(cl.slot_decided);
        sd_bus_slot_unref(cl.slot_owner);
        sd_bus_close_unref(cl.bus);
        client_debug(&cl, "closed the connection");
        free(cl.owner);
        free(cl.decided_state);
        free(cl.decided_by);
}

void jit_outcome_done(JitOutcome *o)
{
        free(o->state);
        free(o->by);
        free(o->comment);
        free(o->detail);
        *o = (JitOutcome){0};
}
