/* The table of requests: creation, lookup, expiry and the move from pending to decided. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "duration.h"
#include "id.h"
#include "jit-command.h"
#include "jitd.h"
#include "log.h"
#include "util.h"

const char *request_state_to_string(RequestState s)
{
        static const char *const names[] = {
            [REQUEST_PENDING] = "pending", [REQUEST_APPROVED] = "approved",   [REQUEST_DENIED] = "denied",
            [REQUEST_EXPIRED] = "expired", [REQUEST_CANCELLED] = "cancelled", [REQUEST_REVOKED] = "revoked",
            [REQUEST_IGNORED] = "ignored",
        };
        return (size_t)s < ELEMENTSOF(names) ? names[s] : "invalid";
}

Request *request_find(Context *ctx, const char *id)
{
        for (Request *r = ctx->requests; r; r = r->next)
                if (streq(r->id, id))
                        return r;
        return NULL;
}

size_t request_count_pending_for(Context *ctx, uid_t uid)
{
        size_t n = 0;

        for (Request *r = ctx->requests; r; r = r->next)
                if (r->state == REQUEST_PENDING && r->uid == uid)
                        n++;
        return n;
}

/* A new pending request with the given id, or (id NULL) a fresh random one. */
int request_new(Context *ctx, const char *id, Request **ret)
{
        Request *r;
        int k;

        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        if (id)
                snprintf(r->id, sizeof(r->id), "%s", id);
        else
                /* 40 random bits make a collision unlikely, not impossible: never hand out a live id twice.
                 */
                do {
                        k = jit_id_new(r->id);
                        if (k < 0) {
                                free(r);
                                return k;
                        }
                } while (request_find(ctx, r->id));

        r->ctx = ctx;
        r->state = REQUEST_PENDING;
        r->uid = (uid_t)-1;
        r->next = ctx->requests;
        if (ctx->requests)
                ctx->requests->prev = r;
        else
                ctx->requests_oldest = r;
        ctx->requests = r;
        ctx->n_pending++;
        *ret = r;
        return 0;
}

static int on_expire(sd_event_source *s, uint64_t usec, void *userdata)
{
        Request *r = userdata;
        int k;

        k = request_decide(r, REQUEST_EXPIRED, "", "no decision before the deadline");
        if (k < 0)
                log_error_errno(k, "Failed to expire request %s", r->id);
        return 0;
}

int request_arm_expiry(Request *r)
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

/* Forget old decided requests beyond the bound, oldest first, so memory stays bounded. */
static void request_trim_done(Context *ctx, const Request *keep)
{
        Request *r;

        if (ctx->n_done <= JIT_MAX_DONE_KEPT)
                return;
        for (r = ctx->requests_oldest; r && ctx->n_done > JIT_MAX_DONE_KEPT;) {
                Request *p = r->prev;
                if (r->state != REQUEST_PENDING && r != keep)
                        request_free(r);
                r = p;
        }
}

int request_settle(Request *r, RequestState state, const char *by, const char *comment)
{
        Context *ctx = r->ctx;

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
        r->track = sd_bus_track_unref(r->track);
        ctx->n_pending--;
        ctx->n_done++;
        request_trim_done(ctx, r);
        return 0;
}

int request_decide(Request *r, RequestState state, const char *by, const char *comment)
{
        Context *ctx = r->ctx;
        static const RecordType types[] = {
            [REQUEST_APPROVED] = RECORD_APPROVE,
            [REQUEST_DENIED] = RECORD_DENY,
            [REQUEST_EXPIRED] = RECORD_EXPIRE,
            [REQUEST_CANCELLED] = RECORD_CANCEL,
        };
        int k;

        assert(state >= REQUEST_APPROVED && state <= REQUEST_CANCELLED);
        k = request_settle(r, state, by, comment);
        if (k < 0)
                return k;
        k = record_emit(ctx, types[state], r);
        if (k < 0) {
                record_fail_closed(ctx, types[state], r->id);
                return k;
        }
        /* An approval that needed people opens a grant; an automatic one needs none. */
        if (state == REQUEST_APPROVED && r->rule && r->rule->action == POLICY_ACTION_REQUIRE) {
                k = grant_open(ctx, r);
                if (k < 0)
                        return k;
        }
        return bus_emit_decided(ctx, r);
}

const char *request_command_shown(const Request *r)
{
        return r->command_kind == COMMAND_ANY ? JIT_COMMAND_ANY_SHOWN : r->command;
}

const char *request_front(const Request *r)
{
        return r->plugin ? "sudo-plugin" : r->ahead ? "ahead" : "pam";
}

PolicyScope request_scope(const Request *r)
{
        if (r->any_command || r->command_kind == COMMAND_ANY)
                return POLICY_SCOPE_SERVICE;
        return r->rule ? r->rule->scope : POLICY_SCOPE_COMMAND;
}

void request_free(Request *r)
{
        Context *ctx;

        if (!r)
                return;
        ctx = r->ctx;
        if (r->prev)
                r->prev->next = r->next;
        else
                ctx->requests = r->next;
        if (r->next)
                r->next->prev = r->prev;
        else
                ctx->requests_oldest = r->prev;
        if (r->state == REQUEST_PENDING)
                ctx->n_pending--;
        else
                ctx->n_done--;
        sd_event_source_disable_unref(r->expire_source);
        sd_bus_track_unref(r->track);
        config_unref(r->config);
        free(r->user);
        free(r->target);
        free(r->service);
        free(r->command);
        free(r->tty);
        free(r->rhost);
        free(r->ruser);
        free(r->cwd);
        free(r->runcwd);
        free(r->reason);
        free(r->by);
        free(r->comment);
        free(r);
}

void request_free_all(Context *ctx)
{
        while (ctx->requests)
                request_free(ctx->requests);
}
