/* Who is calling jitd, what they may do, and what their calls may cost. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "duration.h"
#include "id.h"
#include "jit-bus.h"
#include "sanitize.h"
#include "util.h"
#include "bus.h"

void caller_done(Caller *c)
{
        free(c->name);
        strv_free(c->groups);
}

static CallerCacheEntry *cache_find(CallerCache *c, const char *name)
{
        for (size_t i = 0; i < c->n; i++)
                if (streq(c->e[i].name, name))
                        return &c->e[i];
        return NULL;
}

/* A full cache forgets the entry used longest ago: an entry is only ever a saved question, never the
 * only source of an answer. */
static void cache_put(CallerCache *c, const char *name, uid_t uid)
{
        CallerCacheEntry *e;

        if (strlen(name) >= sizeof(c->e[0].name))
                return;
        if (c->n < ELEMENTSOF(c->e))
                e = &c->e[c->n++];
        else {
                e = &c->e[0];
                for (size_t i = 1; i < c->n; i++)
                        if (c->e[i].used < e->used)
                                e = &c->e[i];
        }
        snprintf(e->name, sizeof(e->name), "%s", name);
        e->uid = uid;
        e->used = ++c->clock;
}

void caller_forget(Context *ctx, const char *name)
{
        CallerCache *c = &ctx->callers;
        CallerCacheEntry *e = cache_find(c, name);

        if (e)
                *e = c->e[--c->n];
}

/* Identify the caller from the bus credentials, never from /proc and never from the message body.
 * Any failure refuses the call: a sender that already left (A01) is nobody, not uid 0.
 *
 * On the system bus the uid comes from dbus-daemon (GetConnectionCredentials: the uid the sender's
 * socket was connected with), asked once per unique name and then kept: a unique name is never
 * reused and its uid never changes, so a second call on the same connection costs jitd no round trip.
 * On a private connection (no sender) sd-bus answers from the socket's own SO_PEERCRED. */
int caller_get_uid(Context *ctx, sd_bus_message *m, uid_t *ret, sd_bus_error *error)
{
        const char *sender = sd_bus_message_get_sender(m);
        bool system = sender && sd_bus_message_get_bus(m) == ctx->bus;
        sd_bus_creds *creds = NULL;
        CallerCacheEntry *e;
        uid_t uid;
        int r;

        e = system ? cache_find(&ctx->callers, sender) : NULL;
        if (e) {
                e->used = ++ctx->callers.clock;
                *ret = e->uid;
                return 0;
        }
        r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID, &creds);
        if (r >= 0) {
                r = sd_bus_creds_get_euid(creds, &uid);
                /* An augmented value was read from /proc/PID, which a racing exec can fake. */
                if (r >= 0 && (sd_bus_creds_get_augmented_mask(creds) & SD_BUS_CREDS_EUID))
                        r = -EPERM;
        }
        sd_bus_creds_unref(creds);
        if (r < 0 || !uid_is_valid(uid))
                return sd_bus_error_set(error, JIT_ERROR_ACCESS_DENIED, "Cannot determine the caller.");
        if (system)
                cache_put(&ctx->callers, sender, uid);
        *ret = uid;
        return 0;
}

/* Budgets per uid (ratelimit.c; A41, A42). uid 0 is exempt: it is the PAM module inside sudo, su,
 * login and sshd on behalf of everyone, and the administrator; another account's churn never
 * touches its calls, since every account has its own bucket. */
int bus_rate_check(Context *ctx, RateLimit *rl, uid_t uid, sd_bus_error *error)
{
        uint64_t wait = 0;

        if (uid == 0 || ratelimit_check(rl, uid, jit_now_usec(CLOCK_MONOTONIC), &wait) >= 0)
                return 0;
        return sd_bus_error_setf(error, JIT_ERROR_LIMIT_EXCEEDED,
                                 "Too many requests from uid %u; try again in %llu s.", (unsigned)uid,
                                 (unsigned long long)((wait + USEC_PER_SEC - 1) / USEC_PER_SEC));
}

/* Check, then spend one unit. */
int bus_rate_spend(Context *ctx, RateLimit *rl, uid_t uid, sd_bus_error *error)
{
        int r = bus_rate_check(ctx, rl, uid, error);

        if (r >= 0 && uid != 0)
                ratelimit_charge(rl, uid, jit_now_usec(CLOCK_MONOTONIC), 1);
        return r;
}

/* Before building a reply to a read: the caller's read budget, and room in jitd's own queue to
 * dbus-daemon. Every reply jitd sends, a decision's too, waits behind what is queued there, so a
 * reader that makes jitd queue faster than dbus-daemon takes (its clients never read) is refused
 * here instead of delaying everyone (A42). uid 0 (the module's GetRequest) always passes. */
static int bus_read_gate(Context *ctx, uid_t uid, sd_bus_error *error)
{
        uint64_t queued = 0;

        if (uid == 0)
                return 0;
        if (sd_bus_get_n_queued_write(ctx->bus, &queued) >= 0 && queued >= JIT_MAX_QUEUED_WRITES)
                return sd_bus_error_set(error, JIT_ERROR_LIMIT_EXCEEDED,
                                        "jitd is busy sending earlier replies; try again in 1 s.");
        return bus_rate_check(ctx, &ctx->reads, uid, error);
}

/* A read costs one unit plus one per JIT_RATE_READ_UNIT_BYTES of reply. */
void bus_read_charge(Context *ctx, uid_t uid, size_t bytes)
{
        if (uid != 0)
                ratelimit_charge(&ctx->reads, uid, jit_now_usec(CLOCK_MONOTONIC),
                                 1 + bytes / JIT_RATE_READ_UNIT_BYTES);
}

/* The caller's uid, and their account and groups for the approver checks. */
static int caller_fill(Context *ctx, uid_t uid, Caller *ret, sd_bus_error *error)
{
        int r;

        *ret = (Caller){.uid = uid};
        r = user_name_from_uid(uid, &ret->name);
        if (r < 0)
                return sd_bus_error_set(error, JIT_ERROR_ACCESS_DENIED, "The caller has no account.");
        r = user_in_group(uid, settings(ctx)->approver_group);
        if (r >= 0) {
                ret->approver = r > 0;
                r = user_group_names(uid, &ret->groups);
        }
        if (r < 0) {
                caller_done(ret);
                return sd_bus_error_set(error, JIT_ERROR_ACCESS_DENIED,
                                        "Cannot look up the caller's groups.");
        }
        return 0;
}

/* The account a token names (its signer), looked up as a caller would be: the approver checks apply
 * to that name, never to whoever handed the token in. */
int caller_for_name(Context *ctx, const char *name, Caller *ret, sd_bus_error *error)
{
        uid_t uid;

        *ret = (Caller){.uid = (uid_t)-1};
        if (user_uid_from_name(name, &uid) < 0)
                return sd_bus_error_setf(error, JIT_ERROR_ACCESS_DENIED, "The token's signer has no account here.");
        return caller_fill(ctx, uid, ret, error);
}

int caller_get(Context *ctx, sd_bus_message *m, Caller *ret, sd_bus_error *error)
{
        uid_t uid;
        int r;

        *ret = (Caller){.uid = (uid_t)-1};
        r = caller_get_uid(ctx, m, &uid, error);
        if (r < 0)
                return r;
        return caller_fill(ctx, uid, ret, error);
}

/* For calls that are budgeted: the uid first, so a caller over budget is refused before jitd
 * spends account and group lookups on them. */
int caller_get_budgeted(Context *ctx, sd_bus_message *m, bool read, Caller *ret, sd_bus_error *error)
{
        uid_t uid;
        int r;

        *ret = (Caller){.uid = (uid_t)-1};
        r = caller_get_uid(ctx, m, &uid, error);
        if (r < 0)
                return r;
        r = read ? bus_read_gate(ctx, uid, error) : bus_rate_spend(ctx, &ctx->churn, uid, error);
        if (r < 0)
                return r;
        return caller_fill(ctx, uid, ret, error);
}

/* May c approve r? The rule's Approvers= decide; the daemon's group stands in for the default rule. */
bool caller_may_approve(const Caller *c, const Request *req)
{
        return req && req->rule ? policy_rule_approver_allowed(req->rule, c->name, c->groups) : c->approver;
}

int caller_check(const Caller *c, Access access, const Request *req, sd_bus_error *error)
{
        switch (access) {
        case ACCESS_APPROVER:
                if (req && c->uid == req->uid)
                        return sd_bus_error_set(error, JIT_ERROR_SELF_APPROVAL,
                                                "Nobody may decide their own request.");
                if (caller_may_approve(c, req))
                        return 0;
                break;
        case ACCESS_DENIER: /* one deny denies: any approver of the rule or of the daemon */
                if (req && c->uid == req->uid)
                        return sd_bus_error_set(error, JIT_ERROR_SELF_APPROVAL,
                                                "Nobody may decide their own request.");
                if (c->approver || caller_may_approve(c, req))
                        return 0;
                break;
        case ACCESS_REQUESTER:
                if (c->uid == 0 || (req && c->uid == req->uid))
                        return 0;
                break;
        }
        return sd_bus_error_set(error, JIT_ERROR_ACCESS_DENIED, "Not allowed.");
}

bool caller_may_see(const Caller *c, const Request *req)
{
        return c->uid == 0 || c->approver || c->uid == req->uid || caller_may_approve(c, req);
}

/* Unknown, stale, malformed and foreign ids all get the same answer (A06). */
int caller_find_request(Context *ctx, const char *id, const Caller *c, Request **ret, sd_bus_error *error)
{
        char canon[JIT_ID_LEN + 1];
        Request *req = NULL;

        if (jit_id_normalize(id, canon) >= 0)
                req = request_find(ctx, canon);
        if (!req || (c && !caller_may_see(c, req)))
                return sd_bus_error_set(error, JIT_ERROR_NOT_FOUND, "No such request.");
        *ret = req;
        return 0;
}

/* A record that could not be written: the caller is told, in our own words (A35). */
int bus_record_error(sd_bus_error *error, int r)
{
        if (r == -ENOMEM)
                return r;
        return sd_bus_error_setf(error, JIT_ERROR_JOURNAL_UNAVAILABLE, "The journal cannot be written: %s.",
                                 strerror(-r));
}

char *bus_field_dup(const char *s, size_t max)
{
        return jit_sanitize(s, strlen(s), max);
}
