/* What policy says about a new request: the first matching rule, then a live grant, then the
 * reason the rule asks for. Only the verdict: decide.c acts on it and records it. */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "duration.h"
#include "jit-bus.h"
#include "jitd.h"
#include "util.h"

static void hash_str(crypto_hash_sha256_state *st, const char *s)
{
        /* Each word with its NUL, so word boundaries are part of what is hashed. */
        crypto_hash_sha256_update(st, (const unsigned char *)(s ? s : ""), strlen(s ? s : "") + 1);
}

/* What policy and grants look at is the command that will run and for whom, not sudo's own
 * options: `sudo -n systemctl restart nginx` and `sudo systemctl restart nginx` are one action,
 * `sudo -u postgres psql` and `sudo psql` are two, and so are `./run.sh` in two directories. */
static void scope_hash(uint8_t out[SCOPE_HASH_LEN], const char *what, const Request *req, const char *run_as,
                       const char *run_group, char *const *words, size_t n)
{
        crypto_hash_sha256_state st;

        crypto_hash_sha256_init(&st);
        hash_str(&st, what);
        hash_str(&st, req->service);
        hash_str(&st, run_as);
        hash_str(&st, run_group);
        for (size_t i = 0; i < n; i++)
                hash_str(&st, words[i]);
        crypto_hash_sha256_final(&st, out);
}

static void request_set_scope(Request *req, const Command *c)
{
        const char *run_as = c->run_as ? c->run_as : req->target ? req->target : req->user;
        const char *run_group = c->run_group ? c->run_group : "";

        scope_hash(req->hash_service, "service", req, run_as, run_group, NULL, 0);
        /* An unparsed command gets a scope nothing else has (the hash of its raw words under another
         * label): grant_find_live() never lets it use a command grant anyway. */
        /* A command whose environment the user sets is another action than the same words without
         * (LD_PRELOAD= runs the user's code inside it): its grants are its own, and it uses no grant
         * of the plain command, under either name. */
        scope_hash(req->hash_command,
                   c->kind == COMMAND_UNPARSED ? "unparsed"
                   : c->env_set                ? "command+env"
                                               : "command",
                   req, run_as, run_group, c->words, c->n);
        req->has_alias = c->n_alias > 0 && !c->env_set;
        if (req->has_alias)
                scope_hash(req->hash_alias, "command", req, run_as, run_group, c->alias, c->n_alias);
}

static bool policy_uses_groups(const Policy *p)
{
        for (size_t i = 0; i < p->n_rules; i++)
                if (p->rules[i].groups.n > 0)
                        return true;
        return false;
}

int evaluate_request(Context *ctx, Request *req, const Command *c, bool have_reason, Verdict *ret,
                     Grant **ret_grant, sd_bus_error *error)
{
        char **groups = NULL;
        Grant *g;
        int r;

        request_set_scope(req, c);
        /* A rule may match on Group=: a lookup failure must not skip a deny rule. Without any
         * Group= rule the lookup (several NSS calls on every sudo) is not needed. */
        if (policy_uses_groups(ctx->config->p)) {
                r = user_cache_groups(&ctx->users, req->uid, &groups);
                if (r < 0)
                        return sd_bus_error_set(error, JIT_ERROR_ACCESS_DENIED,
                                                "Cannot look up the requester's groups.");
        }
        PolicyInput in = {
            .user = req->user,
            .groups = groups,
            .service = req->service,
            .argv = c->words,
            .argc = c->n,
            .alias_argv = c->alias,
            .alias_argc = c->n_alias,
            .env_set = c->env_set,
            .host = ctx->host,
        };
        req->config = config_ref(ctx->config);
        req->rule = policy_match(ctx->config->p, &in);
        strv_free(groups);

        *ret_grant = NULL;
        if (req->rule->action == POLICY_ACTION_IGNORE) {
                *ret = VERDICT_IGNORE;
                return 0;
        }
        if (req->rule->action == POLICY_ACTION_DENY) {
                *ret = VERDICT_DENY;
                return 0;
        }
        g = grant_find_live(ctx, req);
        if (g) {
                *ret = VERDICT_GRANT;
                *ret_grant = g;
                return 0;
        }
        /* A live grant needs no reason: the approval that opened it had one. */
        if (req->rule->reason == POLICY_REASON_REQUIRED && (!req->reason || !*req->reason))
                return sd_bus_error_setf(error, JIT_ERROR_REASON_REQUIRED,
                                         "Rule %s needs a reason for this request.", req->rule->name);
        if (req->rule->reason == POLICY_REASON_PROMPT && !have_reason)
                return sd_bus_error_setf(error, JIT_ERROR_REASON_WANTED, "Rule %s asks for a reason.",
                                         req->rule->name);
        *ret = req->rule->action == POLICY_ACTION_APPROVE ? VERDICT_APPROVE : VERDICT_PENDING;
        return 0;
}
