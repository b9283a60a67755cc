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
        for (Request *req = ctx->requests; req; req = req->next)
                if (req->state == REQUEST_PENDING && req->uid == uid && ++n >= JIT_MAX_PENDING_PER_UID)
                        return true;
        return false;
}

/* A new pending request with the given id, or (id NULL) a fresh random one. */
int request_new(Context *ctx, const char *id, Request **ret)
{
        Request *req;
        int r;

        req = calloc(1, sizeof(*req));
        if (!req)
                return -ENOMEM;
        if (id)
                snprintf(req->id, sizeof(req->id), "%s", id);
        else
                /* 40 random bits make a collision unlikely, not impossible: never hand out a live id twice.
                 */
                do {
                        r = jit_id_new(req->id);
                        if (r < 0) {
                                free(req);
                                return r;
                        }
                } while (request_find(ctx, req->id));

        r = request_index_add(&ctx->ids, req);
        if (r < 0) {
                free(req);
                return r;
        }
        req->ctx = ctx;
        req->state = REQUEST_PENDING;
        req->uid = (uid_t)-1;
        req->next = ctx->requests;
        if (ctx->requests)
                ctx->requests->prev = req;
        else
                ctx->requests_oldest = req;
        ctx->requests = req;
        ctx->n_pending++;
        *ret = req;
        return 0;
}

/* Forget old decided requests beyond the bound, oldest first, so memory stays bounded. */
static void request_trim_done(Context *ctx, const Request *keep)
{
        Request *req;

        if (ctx->n_done <= JIT_MAX_DONE_KEPT)
                return;
        for (req = ctx->requests_oldest; req && ctx->n_done > JIT_MAX_DONE_KEPT;) {
                Request *p = req->prev;
                if (req->state != REQUEST_PENDING && req != keep)
                        request_free(req);
                req = p;
        }
}

void request_left_pending(Request *req)
{
        Context *ctx = req->ctx;

        assert(req->state != REQUEST_PENDING);
        ctx->n_pending--;
        ctx->n_done++;
        request_trim_done(ctx, req);
}

const char *request_command_shown(const Request *req)
{
        return req->command_kind == COMMAND_ANY ? JIT_COMMAND_ANY_SHOWN : req->command;
}

const char *request_front(const Request *req)
{
        return req->plugin ? "sudo-plugin" : req->ahead ? "ahead" : "pam";
}

PolicyScope request_scope(const Request *req)
{
        if (req->any_command || req->command_kind == COMMAND_ANY)
                return POLICY_SCOPE_SERVICE;
        return req->rule ? req->rule->scope : POLICY_SCOPE_COMMAND;
}

int request_statement(const Request *req, const char *origin, char **ret)
{
        char uid[16], deadline[24], requested[24];

        /* The same values, spelt the same way, as the request's journal record holds (record.c), so
         * `jitctl verify` rebuilds this text from the record alone. */
        snprintf(uid, sizeof(uid), "%u", (unsigned)req->uid);
        snprintf(deadline, sizeof(deadline), "%" PRIu64, req->deadline_usec);
        snprintf(requested, sizeof(requested), "%" PRIu64, req->requested_usec);
        StatementFields f = {
            .origin = origin,
            .id = req->id,
            .user = req->user,
            .uid = uid,
            .target = req->target,
            .runas = req->runas,
            .rungroup = req->rungroup,
            .service = req->service,
            .command_kind = command_kind_to_string(req->command_kind),
            .command = req->command,
            .cwd = req->cwd,
            .runcwd = req->runcwd,
            .deadline_usec = deadline,
            .scope = req->rule ? policy_scope_to_string(request_scope(req)) : NULL,
            .requested_usec = requested,
            .rule = req->rule ? req->rule->name : NULL,
        };
        return statement_build(&f, ret);
}

void request_free(Request *req)
{
        Context *ctx;

        if (!req)
                return;
        ctx = req->ctx;
        request_index_remove(&ctx->ids, req);
        if (req->prev)
                req->prev->next = req->next;
        else
                ctx->requests = req->next;
        if (req->next)
                req->next->prev = req->prev;
        else
                ctx->requests_oldest = req->prev;
        if (req->state == REQUEST_PENDING)
                ctx->n_pending--;
        else
                ctx->n_done--;
        sd_event_source_disable_unref(req->expire_source);
        free(req->waiter);
        peer_watch_free(req->peer);
        config_unref(req->config);
        free(req->user);
        free(req->target);
        free(req->service);
        free(req->command);
        free(req->tty);
        free(req->rhost);
        free(req->ruser);
        free(req->cwd);
        free(req->runcwd);
        free(req->runas);
        free(req->rungroup);
        free(req->reason);
        free(req->by);
        free(req->comment);
        free(req);
}

void request_free_all(Context *ctx)
{
        while (ctx->requests)
                request_free(ctx->requests);
        request_index_done(&ctx->ids);
}
