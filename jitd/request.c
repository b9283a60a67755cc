/* The table of requests: creation, lookup, counting and freeing. Their states change in decide.c. */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "id.h"
#include "jit-command.h"
#include "jitd.h"
#include "statement.h"
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
        return request_index_find(&ctx->ids, id);
}

bool request_pending_cap_reached(Context *ctx, uid_t uid)
{
        size_t n = 0;

        /* Fewer pending in all than one uid may hold: the common case needs no walk through the
         * decided requests kept for show and list (the walk showed in jitd's profile under load). */
        if (ctx->n_pending < JIT_MAX_PENDING_PER_UID)
                return false;
        for (Request *r = ctx->requests; r; r = r->next)
                if (r->state == REQUEST_PENDING && r->uid == uid && ++n >= JIT_MAX_PENDING_PER_UID)
                        return true;
        return false;
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

        k = request_index_add(&ctx->ids, r);
        if (k < 0) {
                free(r);
                return k;
        }
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

void request_left_pending(Request *r)
{
        Context *ctx = r->ctx;

        assert(r->state != REQUEST_PENDING);
        ctx->n_pending--;
        ctx->n_done++;
        request_trim_done(ctx, r);
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

int request_statement(const Request *r, const char *origin, char **ret)
{
        char uid[16], deadline[24], requested[24];

        /* The same values, spelt the same way, as the request's journal record holds (record.c), so
         * `jitctl verify` rebuilds this text from the record alone. */
        snprintf(uid, sizeof(uid), "%u", (unsigned)r->uid);
        snprintf(deadline, sizeof(deadline), "%" PRIu64, r->deadline_usec);
        snprintf(requested, sizeof(requested), "%" PRIu64, r->requested_usec);
        StatementFields f = {
            .origin = origin,
            .id = r->id,
            .user = r->user,
            .uid = uid,
            .target = r->target,
            .runas = r->runas,
            .rungroup = r->rungroup,
            .service = r->service,
            .command_kind = command_kind_to_string(r->command_kind),
            .command = r->command,
            .cwd = r->cwd,
            .runcwd = r->runcwd,
            .deadline_usec = deadline,
            .scope = r->rule ? policy_scope_to_string(request_scope(r)) : NULL,
            .requested_usec = requested,
            .rule = r->rule ? r->rule->name : NULL,
        };
        return statement_build(&f, ret);
}

void request_free(Request *r)
{
        Context *ctx;

        if (!r)
                return;
        ctx = r->ctx;
        request_index_remove(&ctx->ids, r);
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
        free(r->waiter);
        peer_watch_free(r->peer);
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
        free(r->runas);
        free(r->rungroup);
        free(r->reason);
        free(r->by);
        free(r->comment);
        free(r);
}

void request_free_all(Context *ctx)
{
        while (ctx->requests)
                request_free(ctx->requests);
        request_index_done(&ctx->ids);
}
