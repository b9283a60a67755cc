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

int decide_check_pending(const Request *req, sd_bus_error *error)
{
        if (req->state == REQUEST_PENDING)
                return 0;
        if (req->state == REQUEST_EXPIRED)
                return sd_bus_error_setf(error, JIT_ERROR_EXPIRED, "Request %s has expired.", req->id);
        return sd_bus_error_setf(error, JIT_ERROR_ALREADY_DECIDED, "Request %s is already %s.", req->id,
                                 request_state_to_string(req->state));
}

static int record(Context *ctx, RecordType type, const Request *req, RecordUndo undo)
{
        return ctx->replaying ? 0 : record_emit(ctx, type, req, undo);
}

/* Undo of a request record: its creator gets JournalUnavailable instead of an id, so nobody may
 * approve it. Whatever happened to it in the same commit group (a rule's decision, an approval and
 * its grant) rests on a record that is not there either: the request goes, whatever its state, so
 * jitd holds nothing the journal does not. The later records' undos then find no request. */
static void undo_request(Context *ctx, RecordType type, const char *request_id)
{
        Request *req = request_id[0] ? request_find(ctx, request_id) : NULL;

        if (!req)
                return;
        grant_free(grant_find(ctx, req->id));
        request_free(req);
}

/* Undo of a grant use: the request it allowed never existed, and the grant was not used. */
static void undo_grant_use(Context *ctx, RecordType type, const char *request_id)
{
        Request *req = request_id[0] ? request_find(ctx, request_id) : NULL;
        Grant *g = req && req->grant_id[0] ? grant_find(ctx, req->grant_id) : NULL;

        if (g && g->uses > 0)
                g->uses--;
        if (req)
                request_free(req);
}

/* Undo of an approval: whatever it allowed must not stand, so the grant it opened goes too (no use
 * without the approval on record) and the request is denied. */
static void undo_approve(Context *ctx, RecordType type, const char *request_id)
{
        Request *req = request_id[0] ? request_find(ctx, request_id) : NULL;

        if (req && req->state == REQUEST_PENDING && req->n_approvals > 0) {
                /* One of N approvals: it does not count, nor does its key. Undos run oldest first
                 * and approvals are counted in order, so each undo takes back the newest
                 * uncommitted one. */
                req->n_approvals--;
                if (req->approval_signed[req->n_approvals] && req->n_signer_keys > 0)
                        req->n_signer_keys--;
                return;
        }
        if (!req || req->state != REQUEST_APPROVED)
                return;
        grant_free(grant_find(ctx, req->id));
        req->state = REQUEST_DENIED;
        req->until_usec = 0;
        free(req->comment);
        req->comment = strdup("the journal is unavailable");
        signal_denied_now(ctx, req->id);
}

/* Leave pending in memory; the caller records it. */
static int settle(Request *req, RequestState state, const char *by, const char *comment)
{
        assert(req->state == REQUEST_PENDING && state != REQUEST_PENDING);
        free(req->by);
        free(req->comment);
        req->by = strdup(by ? by : "");
        req->comment = strdup(comment ? comment : "");
        if (!req->by || !req->comment)
                return -ENOMEM;
        req->state = state;
        req->decided_usec = jit_now_usec(CLOCK_REALTIME);
        req->expire_source = sd_event_source_disable_unref(req->expire_source);
        free(req->waiter);
        req->waiter = NULL;
        request_left_pending(req);
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
static int grant_open(Context *ctx, const Request *req)
{
        Grant *g;
        int r;

        if (req->until_usec <= jit_now_usec(CLOCK_REALTIME))
                return 0;
        /* Nothing could use it (grant_covers): an unparsed command opens no command grant. */
        if (request_scope(req) == POLICY_SCOPE_COMMAND && req->command_kind == COMMAND_UNPARSED)
                return 0;
        r = grant_new(ctx, req, &g);
        if (r < 0)
                return r;
        /* The lookup checks until_usec itself; the timer only keeps the list short. */
        r = sd_event_add_time(ctx->event, &g->expire_source, CLOCK_REALTIME, g->until_usec, USEC_PER_SEC,
                              on_grant_expire, g);
        if (r < 0)
                grant_free(g);
        return r;
}

int decide_end(Context *ctx, Request *req, RequestState state, const char *by, const char *comment)
{
        static const RecordType types[] = {
            [REQUEST_APPROVED] = RECORD_APPROVE,
            [REQUEST_DENIED] = RECORD_DENY,
            [REQUEST_EXPIRED] = RECORD_EXPIRE,
            [REQUEST_CANCELLED] = RECORD_CANCEL,
        };
        RecordUndo undo = state == REQUEST_APPROVED ? undo_approve : NULL;
        int r;

        assert(state >= REQUEST_APPROVED && state <= REQUEST_CANCELLED);
        r = settle(req, state, by, comment);
        if (r < 0)
                return r;
        r = record(ctx, types[state], req, undo);
        if (r < 0) {
                if (undo)
                        undo(ctx, types[state], req->id);
                return r;
        }
        /* An approval that needed people opens a grant; an automatic one needs none. */
        if (state == REQUEST_APPROVED && req->rule && req->rule->action == POLICY_ACTION_REQUIRE) {
                r = grant_open(ctx, req);
                if (r < 0)
                        return r;
        }
        return signal_decided(ctx, req);
}

static int on_expire(sd_event_source *s, uint64_t usec, void *userdata)
{
        Request *req = userdata;
        int r;

        r = decide_end(req->ctx, req, REQUEST_EXPIRED, "", "no decision before the deadline");
        if (r < 0)
                log_error_errno(r, "Failed to expire request %s", req->id);
        return 0;
}

int decide_arm_expiry(Request *req)
{
        uint64_t now_rt = jit_now_usec(CLOCK_REALTIME), now_mono, left;
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        now_mono = (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
        left = req->deadline_usec > now_rt ? req->deadline_usec - now_rt : 0;
        /* The timer runs on CLOCK_MONOTONIC so a wall-clock jump neither ends nor stretches a wait. */
        return sd_event_add_time(req->ctx->event, &req->expire_source, CLOCK_MONOTONIC, now_mono + left, 1,
                                 on_expire, req);
}

static Request *find_waiting_on(Context *ctx, const char *name)
{
        for (Request *req = ctx->requests; req; req = req->next)
                if (req->state == REQUEST_PENDING && req->waiter && streq(req->waiter, name))
                        return req;
        return NULL;
}

void decide_peer_gone(Context *ctx, const char *name)
{
        Request *req;

        if (ctx->n_pending == 0)
                return;
        /* One at a time: a cancellation may trim old decided requests from the table. */
        while ((req = find_waiting_on(ctx, name))) {
                int r = decide_end(ctx, req, REQUEST_CANCELLED, "", "the requester went away");
                if (r < 0) {
                        log_error_errno(r, "Failed to cancel request %s", req->id);
                        if (req->state == REQUEST_PENDING)
                                break; /* not even settled: the expiry timer ends it */
                }
        }
}

/* The same for a module on the private socket, whose connection closed. */
static void on_private_requester_gone(void *userdata)
{
        Request *req = userdata;
        int r;

        if (req->state != REQUEST_PENDING)
                return;
        r = decide_end(req->ctx, req, REQUEST_CANCELLED, "", "the requester went away");
        if (r < 0)
                log_error_errno(r, "Failed to cancel request %s", req->id);
}

int decide_grant_use(Context *ctx, Grant *g, Request *req)
{
        int r;

        g->uses++;
        if (!req)
                return 0;
        req->until_usec = g->until_usec;
        memcpy(req->grant_id, g->id, sizeof(req->grant_id));
        r = settle(req, REQUEST_APPROVED, g->by, "within a live grant");
        if (r < 0)
                return r;
        return record(ctx, RECORD_GRANT_USE, req, undo_grant_use);
}

/* A rule decides at once: the request and its decision are both on record. */
static int decide_by_rule(Context *ctx, Request *req, RequestState state, const char *comment)
{
        _cleanup_free_ char *by = NULL;
        int r;

        if (asprintf(&by, "rule %s", req->rule->name) < 0)
                return -ENOMEM;
        r = record(ctx, RECORD_REQUEST, req, undo_request);
        if (r < 0)
                return r;
        return decide_end(ctx, req, state, by, comment);
}

int decide_create(Context *ctx, Request *req, const Command *c, bool have_reason, sd_bus_error *error)
{
        _cleanup_free_ char *why = NULL;
        Verdict v;
        Grant *g;
        int r;

        r = evaluate_request(ctx, req, c, have_reason, &v, &g, error);
        if (r < 0)
                return r;
        switch (v) {
        case VERDICT_IGNORE:
                return settle(req, REQUEST_IGNORED, "", "");
        case VERDICT_DENY:
                if (asprintf(&why, "denied by rule %s", req->rule->name) < 0)
                        return -ENOMEM;
                return decide_by_rule(ctx, req, REQUEST_DENIED, why);
        case VERDICT_GRANT:
                return decide_grant_use(ctx, g, req);
        case VERDICT_APPROVE:
                return decide_by_rule(ctx, req, REQUEST_APPROVED, "");
        case VERDICT_PENDING:
                break;
        }

        return record(ctx, RECORD_REQUEST, req, undo_request);
}

int decide_wait(Context *ctx, Request *req, sd_bus_message *waiter)
{
        int r;

        assert(req->state == REQUEST_PENDING);
        r = decide_arm_expiry(req);
        /* The module's connection is watched: when it goes, nobody waits, so nobody may approve.
         * On the system bus jitd hears every connection leave (one NameOwnerChanged match, bus.c)
         * after any call it made, so naming the connection here is enough: no call to dbus-daemon,
         * which would stall the event loop for a round trip per pending request. A connection on the
         * private socket has no bus name: its closing tells instead, and RequestDecided reaches it
         * there (signals.c). */
        if (r >= 0 && waiter && sd_bus_message_get_bus(waiter) != ctx->bus)
                r = peer_watch_new(ctx, sd_bus_message_get_bus(waiter), on_private_requester_gone, req,
                                   &req->peer);
        else if (r >= 0 && waiter) {
                const char *sender = sd_bus_message_get_sender(waiter);

                if (!sender)
                        r = -EINVAL;
                else if (!(req->waiter = strdup(sender)))
                        r = -ENOMEM;
        }
        if (r >= 0)
                r = signal_created(ctx, req);
        return r;
}

/* "bob" or, for N-of-M, "bob,carol": everyone whose approval counted. */
static char *approver_names(const Request *req)
{
        char *out = strdup("");

        for (size_t i = 0; out && i < req->n_approvals; i++) {
                _cleanup_free_ char *name = NULL, *prev = out;
                if (user_cache_name(&req->ctx->users, req->approvals[i], &name) < 0 &&
                    asprintf(&name, "uid %u", (unsigned)req->approvals[i]) < 0)
                        return NULL;
                if (asprintf(&out, "%s%s%s", prev, i ? "," : "", name) < 0)
                        out = NULL;
        }
        return out;
}

static bool approval_seen(const Request *req, uid_t uid)
{
        for (size_t i = 0; i < req->n_approvals; i++)
                if (req->approvals[i] == uid)
                        return true;
        return false;
}

/* N-of-M: this approval is recorded (who, and their comment); the request stays pending. */
static int approve_partial(Context *ctx, Request *req, const char *name, const char *comment)
{
        free(req->by);
        free(req->comment);
        req->by = strdup(name);
        req->comment = strdup(comment);
        if (!req->by || !req->comment)
                return -ENOMEM;
        return record(ctx, RECORD_APPROVE, req, undo_approve);
}

static bool key_seen(const Request *req, const uint8_t key[32])
{
        for (size_t i = 0; i < req->n_signer_keys; i++)
                if (memcmp(req->signer_keys[i], key, 32) == 0)
                        return true;
        return false;
}

/* The approval proper; decide_approve() wraps it so that the signature rides only on its records. */
static int approve(Context *ctx, Request *req, uid_t uid, const char *name, const char *comment,
                   uint64_t duration_usec, bool break_glass, const Signed *sig, sd_bus_error *error)
{
        _cleanup_free_ char *by = NULL;
        unsigned needed = req->rule ? req->rule->approvals : 1;
        int r;

        if (break_glass) {
                /* Break-glass: the requester may approve themself, with a reason, loudly. */
                assert(uid == req->uid && req->rule && req->rule->break_glass);
                if (comment[strspn(comment, " \t")] == '\0')
                        return sd_bus_error_set(error, JIT_ERROR_INVALID_ARGUMENT,
                                                "Break-glass needs a reason: --comment TEXT.");
                r = decide_check_pending(req, error);
                if (r < 0)
                        return r;
                req->break_glass = true;
        } else {
                r = decide_check_pending(req, error);
                if (r < 0)
                        return r;
                if (approval_seen(req, uid))
                        return sd_bus_error_setf(error, JIT_ERROR_ALREADY_DECIDED,
                                                 "You have already approved %s; it needs other approvers.",
                                                 req->id);
                /* N-of-M counts distinct signing keys too: one key listed for two people is one. */
                if (sig && key_seen(req, sig->key))
                        return sd_bus_error_setf(error, JIT_ERROR_ALREADY_DECIDED,
                                                 "This key has already signed an approval of %s; it needs "
                                                 "other approvers.",
                                                 req->id);
        }

        /* Never full while pending (needed <= POLICY_MAX_APPROVALS); keys are at most one each. */
        if (req->n_approvals >= ELEMENTSOF(req->approvals))
                return -E2BIG;
        req->approval_signed[req->n_approvals] = sig != NULL;
        req->approvals[req->n_approvals++] = uid;
        if (sig)
                memcpy(req->signer_keys[req->n_signer_keys++], sig->key, 32);
        if (!req->break_glass && req->n_approvals < needed)
                r = approve_partial(ctx, req, name, comment);
        else {
                if (duration_usec == 0)
                        duration_usec = req->requested_usec;
                duration_usec = req->rule ? policy_clamp_grant(req->rule, duration_usec)
                                          : settings(ctx)->default_grant_usec;
                req->until_usec = jit_now_usec(CLOCK_REALTIME) + duration_usec;
                by = approver_names(req);
                r = by ? decide_end(ctx, req, REQUEST_APPROVED, by, comment) : -ENOMEM;
        }
        if (r < 0 && req->state == REQUEST_PENDING) {
                /* Nothing recorded, so not counted. (A failed record of the final approval already
                 * denied the request; an undo takes back one whose commit fails later.) */
                req->n_approvals--;
                if (sig)
                        req->n_signer_keys--;
        }
        return r;
}

int decide_approve(Context *ctx, Request *req, uid_t uid, const char *name, const char *comment,
                   uint64_t duration_usec, bool break_glass, const Signed *sig, sd_bus_error *error)
{
        int r;

        req->sig = sig;
        r = approve(ctx, req, uid, name, comment, duration_usec, break_glass, sig, error);
        req->sig = NULL;
        return r;
}

int decide_deny(Context *ctx, Request *req, const char *by, const char *comment, const Signed *sig)
{
        int r;

        req->sig = sig;
        r = decide_end(ctx, req, REQUEST_DENIED, by, comment);
        req->sig = NULL;
        return r;
}

int decide_revoke(Context *ctx, Grant *g, Request *req, const char *by, const char *comment)
{
        int r;

        if (req && req->state == REQUEST_APPROVED) {
                char *new_by = strdup(by), *new_comment = strdup(comment);
                char *old_by = req->by, *old_comment = req->comment;

                if (!new_by || !new_comment) {
                        free(new_by);
                        free(new_comment);
                        return -ENOMEM;
                }
                req->state = REQUEST_REVOKED;
                req->by = new_by;
                req->comment = new_comment;
                r = record(ctx, RECORD_REVOKE, req, NULL);
                if (r < 0) {
                        /* Not even appended: the grant stands, and so does the request. */
                        req->state = REQUEST_APPROVED;
                        req->by = old_by;
                        req->comment = old_comment;
                        free(new_by);
                        free(new_comment);
                        return r;
                }
                free(old_by);
                free(old_comment);
        } else if (g && !ctx->replaying) {
                /* The request left memory long ago: the record holds what the grant kept. */
                Request gone;

                grant_as_request(g, &gone);
                gone.state = REQUEST_REVOKED;
                gone.by = (char *)by;
                gone.comment = (char *)comment;
                r = record(ctx, RECORD_REVOKE, &gone, NULL);
                if (r < 0)
                        return r;
        }
        grant_free(g);
        return 0;
}

int decide_reply(Context *ctx, sd_bus_message *call, sd_bus_message *reply)
{
        return record_send_after_commit(ctx, call, reply);
}
