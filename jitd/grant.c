/* The table of grants: the time-boxed window an approval opens, within which the same action
 * needs no new approval. Opening, use, expiry and revocation are transitions (decide.c); a grant
 * ends on time or when revoked, and the next sudo then needs a new approval, whatever sudo's own
 * cache says. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "duration.h"
#include "jitd.h"
#include "util.h"

Grant *grant_find(Context *ctx, const char *id)
{
        for (Grant *g = ctx->grants; g; g = g->next)
                if (streq(g->id, id))
                        return g;
        return NULL;
}

/* Does a live grant g cover r? Anything through the service under Scope=service; else the same
 * command (as it will run, for the same target account), also under its bare name for an exact
 * command in secure_path. A command that could not be parsed uses no command grant. */
static bool grant_covers(const Grant *g, const Request *req)
{
        if (g->scope == POLICY_SCOPE_SERVICE)
                return memcmp(g->hash, req->hash_service, SCOPE_HASH_LEN) == 0;
        if (req->command_kind == COMMAND_UNPARSED)
                return false;
        return memcmp(g->hash, req->hash_command, SCOPE_HASH_LEN) == 0 ||
               (req->has_alias && memcmp(g->hash, req->hash_alias, SCOPE_HASH_LEN) == 0);
}

/* A live grant of the same person that covers this request. */
Grant *grant_find_live(Context *ctx, const Request *req)
{
        uint64_t now = jit_now_usec(CLOCK_REALTIME);

        for (Grant *g = ctx->grants; g; g = g->next)
                if (g->uid == req->uid && g->until_usec > now && grant_covers(g, req))
                        return g;
        return NULL;
}

void grant_as_request(const Grant *g, Request *ret)
{
        *ret = (Request){
            .ctx = g->ctx,
            .uid = g->uid,
            .user = g->user,
            .service = g->service,
            .command = g->command,
            .command_kind = g->command_kind,
            .any_command = g->scope == POLICY_SCOPE_SERVICE,
        };
        memcpy(ret->id, g->id, sizeof(ret->id));
}

void grant_free(Grant *g)
{
        if (!g)
                return;
        for (Grant **p = &g->ctx->grants; *p; p = &(*p)->next)
                if (*p == g) {
                        *p = g->next;
                        break;
                }
        sd_event_source_disable_unref(g->expire_source);
        free(g->user);
        free(g->service);
        free(g->command);
        free(g->by);
        free(g);
}

void grant_free_all(Context *ctx)
{
        while (ctx->grants)
                grant_free(ctx->grants);
}

int grant_new(Context *ctx, const Request *req, Grant **ret)
{
        Grant *g;

        grant_free(grant_find(ctx, req->id));
        g = calloc(1, sizeof(*g));
        if (!g)
                return -ENOMEM;
        g->ctx = ctx;
        memcpy(g->id, req->id, sizeof(g->id));
        g->uid = req->uid;
        g->scope = request_scope(req);
        memcpy(g->hash, g->scope == POLICY_SCOPE_SERVICE ? req->hash_service : req->hash_command,
               SCOPE_HASH_LEN);
        g->until_usec = req->until_usec;
        g->user = strdup(req->user);
        g->service = strdup(req->service);
        g->command = strdup(g->scope == POLICY_SCOPE_SERVICE ? "" : req->command);
        g->command_kind = g->scope == POLICY_SCOPE_SERVICE ? COMMAND_ANY : req->command_kind;
        g->by = strdup(req->by ? req->by : "");
        g->next = ctx->grants;
        ctx->grants = g;
        if (!g->user || !g->service || !g->command || !g->by) {
                grant_free(g);
                return -ENOMEM;
        }
        *ret = g;
        return 0;
}
