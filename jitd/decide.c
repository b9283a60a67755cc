/* The one place a request or a grant changes state.
 *
 * Every transition checks that it may happen, changes the state, appends its record with an undo
 * action for a commit that fails, and queues its signal; the bus layer queues the reply after it.
 * Nothing leaves jitd before the records are durable (record.c). Replay at start-up runs the same
 * transitions with ctx->replaying set: the journal already holds their records and the listeners
 * of the time heard their signals. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "duration.h"
#include "jit-bus.h"
#include "jitd.h"
#include "log.h"
#include "util.h"

int decide_check_pending(const Request *r, sd_bus_error *error)
{
        if (r->state == REQUEST_PENDING)
                return 0;
        if (r->state == REQUEST_EXPIRED)
                return sd_bus_error_setf(error, JIT_ERROR_EXPIRED, "Request %s has expired.", r->id);
        return sd_bus_error_setf(error, JIT_ERROR_ALREADY_DECIDED, "Request %s is already %s.", r->id,
                                 request_state_to_string(r->state));
}

static int record(Context *ctx, RecordType type, const Request *r, RecordUndo undo)
{
        return ctx->replaying ? 0 : record_emit(ctx, type, r, undo);
}

/* Undo of a request record: its creator gets JournalUnavailable instead of an id, so nobody may
 * approve it. Whatever happened to it in the same commit group (a rule's decision, an approval and
 * its grant) rests on a record that is not there either: the request goes, whatever its state, so
 * jitd holds nothing the journal does not. The later records' undos then find no request. */
static void undo_request(Context *ctx, RecordType type, const char *request_id)
{
        Request *r = request_id[0] ? request_find(ctx, request_id) : NULL;

        if (!r)
                return;
        grant_free(grant_find(ctx, r->id));
        request_free(r);
}

/* Undo of a grant use: the request it allowed never existed, and the grant was not used. */
static void undo_grant_use(Context *ctx, RecordType type, const char *request_id)
{
        Request *r = request_id[0] ? request_find(ctx, request_id) : NULL;
        Grant *g = r && r->grant_id[0] ? grant_find(ctx, r->grant_id) : NULL;

        if (g && g->uses > 0)
                g->uses--;
        if (r)
                request_free(r);
}

/* Undo of an approval: whatever it allowed must not stand, so the grant it opened goes too (no use
 * without the approval on record) and the request is denied. */
static void undo_approve(Context *ctx, RecordType type, const char *request_id)
{
        Request *r = request_id[0] ? request_find(ctx, request_id) : NULL;

        if (r && r->state == REQUEST_PENDING && r->n_approvals > 0) {
                /* One of N approvals: it does not count. Undos run oldest first and approvals
                 * are counted in order, so each undo takes back the newest uncommitted one. */
                r->n_approvals--;
                return;
        }
        if (!r || r->state != REQUEST_APPROVED)
                return;
        grant_free(grant_find(ctx, r->id));
        r->state = REQUEST_DENIED;
        r->until_usec = 0;
        free(r->comment);
        r->comment = strdup("the journal is unavailable");
        signal_denied_now(ctx, r->id);
}

/* Leave pending in memory; the caller records it. */
static int settle(Request *r, RequestState state, const char *by, const char *comment)
{
        assert(r->state == REQUEST_PENDING && state != REQUEST_PENDING);
        free(r->by);
        free(r->comment);
        r->by = strdup(by ? by : "");
        r->comment = strdup(comment ? comment : "");
        if (!r->by || !r->comment)
                return -ENOMEM;
        r->state = state;
        r->decided_usec = jit_now_usec(CLOCK_REALTIME);
        r->expire_source = sd_event_source_disable_unref(r->expire_source);
        free(r->waiter);
        r->waiter = NULL;
        request_left_pending(r);
        return 0;
}

static int on_grant_expire(sd_event_source *s, uint64_t usec, void *userdata)
{
        Grant *g = userdata;

        log_info("Grant %s of %s ended", g->id, g->user);
        grant_free(g);
        return 0;
}

/* An approval that needed people opens a grant for the same action until r->until_usec. */
static int grant_open(Context *ctx, const Request *r)
{
        Grant *g;
        int k;

        if (r->until_usec <= jit_now_usec(CLOCK_REALTIME))
                return 0;
        /* Nothing could use it (grant_covers): an unparsed command opens no command grant. */
        if (request_scope(r) == POLICY_SCOPE_COMMAND && r->command_kind == COMMAND_UNPARSED)
                return 0;
        k = grant_new(ctx, r, &g);
        if (k < 0)
                return k;
        /* The lookup checks until_usec itself; the timer only keeps the list short. */
        k = sd_event_add_time(ctx->event, &g->expire_source, CLOCK_REALTIME, g->until_usec, USEC_PER_SEC,
                              on_grant_expire, g);
        if (k < 0)
                grant_free(g);
        return k;
}

int decide_end(Context *ctx, Request *r, RequestState state, const char *by, const char *comment)
{
        static const RecordType types[] = {
            [REQUEST_APPROVED] = RECORD_APPROVE,
            [REQUEST_DENIED] = RECORD_DENY,
            [REQUEST_EXPIRED] = RECORD_EXPIRE,
            [REQUEST_CANCELLED] = RECORD_CANCEL,
        };
        RecordUndo undo = state == REQUEST_APPROVED ? undo_approve : NULL;
        int k;

        assert(state >= REQUEST_APPROVED && state <= REQUEST_CANCELLED);
        k = settle(r, state, by, comment);
        if (k < 0)
                return k;
        k = record(ctx, types[state], r, undo);
        if (k < 0) {
                if (undo)
                        undo(ctx, types[state], r->id);
                return k;
        }
        /* An approval that needed people opens a grant; an automatic one needs none. */
        if (state == REQUEST_APPROVED && r->rule && r->rule->action == POLICY_ACTION_REQUIRE) {
                k = grant_open(ctx, r);
                if (k < 0)
                        return k;
        }
        return signal_decided(ctx, r);
}

static int on_expire(sd_event_source *s, uint64_t usec, void *userdata)
{
        Request *r = userdata;
        int k;

        k = decide_end(r->ctx, r, REQUEST_EXPIRED, "", "no decision before the deadline");
        if (k < 0)
                log_error_errno(k, "Failed to expire request %s", r->id);
        return 0;
}

int decide_arm_expiry(Request *r)
{
        uint64_t now_rt = jit_now_usec(CLOCK_REALTIME), now_mono, left;
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        now_mono = (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
        left = r->deadline_usec > now_rt ? r->deadline_usec - now_rt : 0;
        /* The timer runs on CLOCK_MONOTONIC so a wall-clock jump neither ends nor stretches a wait. */
        return sd_event_add_time(r->ctx->event, &r->expire_source, CLOCK_MONOTONIC, now_mono + left, 1,
                                 on_expire, r);
}

static Request *find_waiting_on(Context *ctx, const char *name)
{
        for (Request *r = ctx->requests; r; r = r->next)
                if (r->state == REQUEST_PENDING && r->waiter && streq(r->waiter, name))
                        return r;
        return NULL;
}

void decide_peer_gone(Context *ctx, const char *name)
{
        Request *r;

        if (ctx->n_pending == 0)
                return;
        /* One at a time: a cancellation may trim old decided requests from the table. */
        while ((r = find_waiting_on(ctx, name))) {
                int k = decide_end(ctx, r, REQUEST_CANCELLED, "", "the requester went away");
                if (k < 0) {
                        log_error_errno(k, "Failed to cancel request %s", r->id);
                        if (r->state == REQUEST_PENDING)
                                break; /* not even settled: the expiry timer ends it */
                }
        }
}

/* The same for a module on the private socket, whose connection closed. */
static void on_private_requester_gone(void *userdata)
{
        Request *r = userdata;
        int k;

        if (r->state != REQUEST_PENDING)
                return;
        k = decide_end(r->ctx, r, REQUEST_CANCELLED, "", "the requester went away");
        if (k < 0)
                log_error_errno(k, "Failed to cancel request %s", r->id);
}

int decide_grant_use(Context *ctx, Grant *g, Request *r)
{
        int k;

        g->uses++;
        if (!r)
                return 0;
        r->until_usec = g->until_usec;
        memcpy(r->grant_id, g->id, sizeof(r->grant_id));
        k = settle(r, REQUEST_APPROVED, g->by, "within a live grant");
        if (k < 0)
                return k;
        return record(ctx, RECORD_GRANT_USE, r, undo_grant_use);
}

/* A rule decides at once: the request and its decision are both on record. */
static int decide_by_rule(Context *ctx, Request *r, RequestState state, const char *comment)
{
        _cleanup_free_ char *by = NULL;
        int k;

        if (asprintf(&by, "rule %s", r->rule->name) < 0)
                return -ENOMEM;
        k = record(ctx, RECORD_REQUEST, r, undo_request);
        if (k < 0)
                return k;
        return decide_end(ctx, r, state, by, comment);
}

int decide_create(Context *ctx, Request *r, const Command *c, bool have_reason, sd_bus_error *error)
{
        _cleanup_free_ char *why = NULL;
        Verdict v;
        Grant *g;
        int k;

        k = evaluate_request(ctx, r, c, have_reason, &v, &g, error);
        if (k < 0)
                return k;
        switch (v) {
        case VERDICT_IGNORE:
                return settle(r, REQUEST_IGNORED, "", "");
        case VERDICT_DENY:
                if (asprintf(&why, "denied by rule %s", r->rule->name) < 0)
                        return -ENOMEM;
                return decide_by_rule(ctx, r, REQUEST_DENIED, why);
        case VERDICT_GRANT:
                return decide_grant_use(ctx, g, r);
        case VERDICT_APPROVE:
                return decide_by_rule(ctx, r, REQUEST_APPROVED, "");
        case VERDICT_PENDING:
                break;
        }

        return record(ctx, RECORD_REQUEST, r, undo_request);
}

int decide_wait(Context *ctx, Request *r, sd_bus_message *waiter)
{
        int k;

        assert(r->state == REQUEST_PENDING);
        k = decide_arm_expiry(r);
        /* The module's connection is watched: when it goes, nobody waits, so nobody may approve.
         * On the system bus jitd hears every connection leave (one NameOwnerChanged match, bus.c)
         * after any call it made, so naming the connection here is enough: no call to dbus-daemon,
         * which would stall the event loop for a round trip per pending request. A connection on the
         * private socket has no bus name: its closing tells instead, and RequestDecided reaches it
         * there (signals.c). */
        if (k >= 0 && waiter && sd_bus_message_get_bus(waiter) != ctx->bus)
                k = peer_watch_new(ctx, sd_bus_message_get_bus(waiter), on_private_requester_gone, r,
                                   &r->peer);
        else if (k >= 0 && waiter) {
                const char *sender = sd_bus_message_get_sender(waiter);

                if (!sender)
                        k = -EINVAL;
                else if (!(r->waiter = strdup(sender)))
                        k = -ENOMEM;
        }
        if (k >= 0)
                k = signal_created(ctx, r);
        return k;
}

/* "bob" or, for N-of-M, "bob,carol": everyone whose approval counted. */
static char *approver_names(const Request *r)
{
        char *out = strdup("");

        for (size_t i = 0; out && i < r->n_approvals; i++) {
                _cleanup_free_ char *name = NULL, *prev = out;
                if (user_cache_name(&r->ctx->users, r->approvals[i], &name) < 0 &&
                    asprintf(&name, "uid %u", (unsigned)r->approvals[i]) < 0)
                        return NULL;
                if (asprintf(&out, "%s%s%s", prev, i ? "," : "", name) < 0)
                        out = NULL;
        }
        return out;
}

static bool approval_seen(const Request *r, uid_t uid)
{
        for (size_t i = 0; i < r->n_approvals; i++)
                if (r->approvals[i] == uid)
                        return true;
        return false;
}

/* N-of-M: this approval is recorded (who, and their comment); the request stays pending. */
static int approve_partial(Context *ctx, Request *r, const char *name, const char *comment)
{
        int k;

        free(r->by);
        free(r->comment);
        r->by = strdup(name);
        r->comment = strdup(comment);
        if (!r->by || !r->comment)
                return -ENOMEM;
        k = record(ctx, RECORD_APPROVE, r, undo_approve);
        if (k < 0)
                r->n_approvals--;
        return k;
}

static bool key_seen(const Request *r, const uint8_t key[32])
{
        for (size_t i = 0; i < r->n_signer_keys; i++)
                if (memcmp(r->signer_keys[i], key, 32) == 0)
                        return true;
        return false;
}

/* The approval proper; decide_approve() wraps it so that the signature rides only on its records. */
static int approve(Context *ctx, Request *r, uid_t uid, const char *name, const char *comment,
                   uint64_t duration_usec, bool break_glass, const Signed *sig, sd_bus_error *error)
{
        _cleanup_free_ char *by = NULL;
        unsigned needed = r->rule ? r->rule->approvals : 1;
        int k;

        if (break_glass) {
                /* Break-glass: the requester may approve themself, with a reason, loudly. */
                assert(uid == r->uid && r->rule && r->rule->break_glass);
                if (comment[strspn(comment, " \t")] == '\0')
                        return sd_bus_error_set(error, JIT_ERROR_INVALID_ARGUMENT,
                                                "Break-glass needs a reason: --comment TEXT.");
                k = decide_check_pending(r, error);
                if (k < 0)
                        return k;
                r->break_glass = true;
        } else {
                k = decide_check_pending(r, error);
                if (k < 0)
                        return k;
                if (approval_seen(r, uid))
                        return sd_bus_error_setf(error, JIT_ERROR_ALREADY_DECIDED,
                                                 "You have already approved %s; it needs other approvers.",
                                                 r->id);
                /* N-of-M counts distinct signing keys too: one key listed for two people is one. */
                if (sig && key_seen(r, sig->key))
                        return sd_bus_error_setf(error, JIT_ERROR_ALREADY_DECIDED,
                                                 "This key has already signed an approval of %s; it needs "
                                                 "other approvers.",
                                                 r->id);
        }

        if (r->n_approvals < ELEMENTSOF(r->approvals))
                r->approvals[r->n_approvals++] = uid;
        if (sig && r->n_signer_keys < ELEMENTSOF(r->signer_keys))
                memcpy(r->signer_keys[r->n_signer_keys++], sig->key, 32);
        if (!r->break_glass && r->n_approvals < needed) {
                k = approve_partial(ctx, r, name, comment);
                if (k < 0 && sig)
                        r->n_signer_keys--;
                return k;
        }

        if (duration_usec == 0)
                duration_usec = r->requested_usec;
        duration_usec =
            r->rule ? policy_clamp_grant(r->rule, duration_usec) : settings(ctx)->default_grant_usec;
        r->until_usec = jit_now_usec(CLOCK_REALTIME) + duration_usec;
        by = approver_names(r);
        if (!by)
                return -ENOMEM;
        return decide_end(ctx, r, REQUEST_APPROVED, by, comment);
}

int decide_approve(Context *ctx, Request *r, uid_t uid, const char *name, const char *comment,
                   uint64_t duration_usec, bool break_glass, const Signed *sig, sd_bus_error *error)
{
        int k;

        r->sig = sig;
        k = approve(ctx, r, uid, name, comment, duration_usec, break_glass, sig, error);
        r->sig = NULL;
        return k;
}

int decide_deny(Context *ctx, Request *r, const char *by, const char *comment, const Signed *sig)
{
        int k;

        r->sig = sig;
        k = decide_end(ctx, r, REQUEST_DENIED, by, comment);
        r->sig = NULL;
        return k;
}

int decide_revoke(Context *ctx, Grant *g, Request *r, const char *by, const char *comment)
{
        int k;

        if (r && r->state == REQUEST_APPROVED) {
                char *new_by = strdup(by), *new_comment = strdup(comment);
                char *old_by = r->by, *old_comment = r->comment;

                if (!new_by || !new_comment) {
                        free(new_by);
                        free(new_comment);
                        return -ENOMEM;
                }
                r->state = REQUEST_REVOKED;
                r->by = new_by;
                r->comment = new_comment;
                k = record(ctx, RECORD_REVOKE, r, NULL);
                if (k < 0) {
                        /* Not even appended: the grant stands, and so does the request. */
                        r->state = REQUEST_APPROVED;
                        r->by = old_by;
                        r->comment = old_comment;
                        free(new_by);
                        free(new_comment);
                        return k;
                }
                free(old_by);
                free(old_comment);
        } else if (g && !ctx->replaying) {
                /* The request left memory long ago: the record holds what the grant kept. */
                Request gone = {.ctx = ctx,
                                .uid = g->uid,
                                .user = g->user,
                                .service = g->service,
                                .command = g->command,
                                .state = REQUEST_REVOKED,
                                .by = (char *)by,
                                .comment = (char *)comment};
                memcpy(gone.id, g->id, sizeof(gone.id));
                k = record(ctx, RECORD_REVOKE, &gone, NULL);
                if (k < 0)
                        return k;
        }
        grant_free(g);
        return 0;
}

int decide_reply(Context *ctx, sd_bus_message *call, sd_bus_message *reply)
{
        return record_send_after_commit(ctx, call, reply);
}
