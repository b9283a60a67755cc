/* Grants: the time-boxed window an approval opens, within which the same action needs no new
 * approval. Every use is recorded before it is allowed (evaluate.c); a grant ends on time or
 * when revoked, and the next sudo then needs a new approval, whatever sudo's own cache says. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "duration.h"
#include "jitd.h"
#include "log.h"
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
static bool grant_covers(const Grant *g, const Request *r)
{
        if (g->scope == POLICY_SCOPE_SERVICE)
                return memcmp(g->hash, r->hash_service, SCOPE_HASH_LEN) == 0;
        if (r->command_kind == COMMAND_UNPARSED)
                return false;
        return memcmp(g->hash, r->hash_command, SCOPE_HASH_LEN) == 0 ||
               (r->has_alias && memcmp(g->hash, r->hash_alias, SCOPE_HASH_LEN) == 0);
}

/* A live grant of the same person that covers this request. */
Grant *grant_find_live(Context *ctx, const Request *r)
{
        uint64_t now = jit_now_usec(CLOCK_REALTIME);

        for (Grant *g = ctx->grants; g; g = g->next)
                if (g->uid == r->uid && g->until_usec > now && grant_covers(g, r))
                        return g;
        return NULL;
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

static int on_grant_expire(sd_event_source *s, uint64_t usec, void *userdata)
{
        Grant *g = userdata;

        log_info("Grant %s of %s ended", g->id, g->user);
        grant_free(g);
        return 0;
}

int grant_open(Context *ctx, const Request *r)
{
        Grant *g;
        int k;

        if (r->until_usec <= jit_now_usec(CLOCK_REALTIME))
                return 0;
        /* Nothing could use it (grant_covers): an unparsed command opens no command grant. */
        if (request_scope(r) == POLICY_SCOPE_COMMAND && r->command_kind == COMMAND_UNPARSED)
                return 0;
        g = grant_find(ctx, r->id);
        if (g)
                grant_free(g);
        g = calloc(1, sizeof(*g));
        if (!g)
                return -ENOMEM;
        g->ctx = ctx;
        memcpy(g->id, r->id, sizeof(g->id));
        g->uid = r->uid;
        g->scope = request_scope(r);
        memcpy(g->hash, g->scope == POLICY_SCOPE_SERVICE ? r->hash_service : r->hash_command,
               SCOPE_HASH_LEN);
        g->until_usec = r->until_usec;
        g->user = strdup(r->user);
        g->service = strdup(r->service);
        g->command = strdup(g->scope == POLICY_SCOPE_SERVICE ? "" : r->command);
        g->command_kind = g->scope == POLICY_SCOPE_SERVICE ? COMMAND_ANY : r->command_kind;
        g->by = strdup(r->by ? r->by : "");
        g->next = ctx->grants;
        ctx->grants = g;
        if (!g->user || !g->service || !g->command || !g->by) {
                grant_free(g);
                return -ENOMEM;
        }
        /* The lookup checks until_usec itself; the timer only keeps the list short. */
        k = sd_event_add_time(ctx->event, &g->expire_source, CLOCK_REALTIME, g->until_usec, USEC_PER_SEC,
                              on_grant_expire, g);
        if (k < 0) {
                grant_free(g);
                return k;
        }
        return 0;
}
