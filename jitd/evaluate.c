/* Deciding a new request: the first matching rule, then a live grant, then the reason the rule
 * asks for. Every decision made here is recorded before the caller hears of it (record.c). */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "duration.h"
#include "jit-bus.h"
#include "jitd.h"
#include "sudo-argv.h"
#include "util.h"

static void hash_str(crypto_hash_sha256_state *st, const char *s)
{
        /* Each word with its NUL, so word boundaries are part of what is hashed. */
        crypto_hash_sha256_update(st, (const unsigned char *)(s ? s : ""), strlen(s ? s : "") + 1);
}

static bool is_sudo(const char *argv0)
{
        const char *base = strrchr(argv0, '/');

        base = base ? base + 1 : argv0;
        return streq(base, "sudo") || streq(base, "sudoedit");
}

/* What policy and grants look at is the command sudo will run and for whom, not sudo's own
 * options: `sudo -n systemctl restart nginx` and `sudo systemctl restart nginx` are one action,
 * `sudo -u postgres psql` and `sudo psql` are two. Other services are taken as they are. */
int request_set_scope(Request *r, char *const *argv, size_t argc, char *const **ret_cmd, size_t *ret_n)
{
        crypto_hash_sha256_state st;
        const char *run_as = r->target ? r->target : r->user, *run_group = "";
        char *const *cmd = argv;
        size_t n = argc;
        SudoCommand sc;

        /* A request for sudo with no command (jitctl request without one) means sudo's default: root. */
        if (argc == 0 && streq(r->service, "sudo"))
                run_as = "root";
        if (argc > 0 && is_sudo(argv[0]) && sudo_parse_argv(argv, argc, &sc) >= 0) {
                cmd = argv + sc.command_index;
                n = argc - sc.command_index;
                run_as = sc.run_as_user ? sc.run_as_user : "root";
                run_group = sc.run_as_group ? sc.run_as_group : "";
                /* A shell (-s, -i: what runs is "$SHELL -c ..."), sudoedit, -l or -v, or a command whose
                 * environment the user shapes (VAR=value, -E: LD_PRELOAD, BASH_ENV, PAGER change
                 * what runs) is not the plain command a Command= rule names: it is matched as the
                 * whole argv, which only a rule written for it ("sudo -s*") matches. */
                if (sc.mode != SUDO_RUN || sc.shell || sc.n_env > 0 || sc.preserve_env) {
                        cmd = argv;
                        n = argc;
                }
        }

        crypto_hash_sha256_init(&st);
        hash_str(&st, "service");
        hash_str(&st, r->service);
        hash_str(&st, run_as);
        hash_str(&st, run_group);
        crypto_hash_sha256_final(&st, r->hash_service);

        crypto_hash_sha256_init(&st);
        hash_str(&st, "command");
        hash_str(&st, r->service);
        hash_str(&st, run_as);
        hash_str(&st, run_group);
        for (size_t i = 0; i < n; i++)
                hash_str(&st, cmd[i]);
        crypto_hash_sha256_final(&st, r->hash_command);

        *ret_cmd = cmd;
        *ret_n = n;
        return 0;
}

static bool policy_uses_groups(const Policy *p)
{
        for (size_t i = 0; i < p->n_rules; i++)
                if (p->rules[i].groups.n > 0)
                        return true;
        return false;
}

static int decide_at_once(Context *ctx, Request *r, RequestState state, const char *comment)
{
        _cleanup_free_ char *by = NULL;
        int k;

        if (asprintf(&by, "rule %s", r->rule->name) < 0)
                return -ENOMEM;
        k = record_emit(ctx, RECORD_REQUEST, r);
        if (k < 0)
                return k;
        return request_decide(r, state, by, comment);
}

int request_evaluate(Context *ctx, Request *r, char *const *argv, size_t argc, bool have_reason,
                     sd_bus_error *error)
{
        char **groups = NULL;
        char *const *cmd;
        size_t n_cmd;
        Grant *g;
        int k;

        k = request_set_scope(r, argv, argc, &cmd, &n_cmd);
        if (k < 0)
                return k;
        /* A rule may match on Group=: a lookup failure must not skip a deny rule. Without any
         * Group= rule the lookup (several NSS calls on every sudo) is not needed. */
        if (policy_uses_groups(ctx->config->p)) {
                k = user_group_names(r->uid, &groups);
                if (k < 0)
                        return sd_bus_error_set(error, JIT_ERROR_ACCESS_DENIED,
                                                "Cannot look up the requester's groups.");
        }
        PolicyInput in = {
            .user = r->user,
            .groups = groups,
            .service = r->service,
            .argv = cmd,
            .argc = n_cmd,
            .host = ctx->host,
        };
        r->config = config_ref(ctx->config);
        r->rule = policy_match(ctx->config->p, &in);
        strv_free(groups);

        switch (r->rule->action) {
        case POLICY_ACTION_IGNORE:
                request_settle(r, REQUEST_IGNORED, "", "");
                return 0;
        case POLICY_ACTION_DENY: {
                _cleanup_free_ char *why = NULL;
                if (asprintf(&why, "denied by rule %s", r->rule->name) < 0)
                        return -ENOMEM;
                return decide_at_once(ctx, r, REQUEST_DENIED, why);
        }
        default:
                break;
        }

        g = grant_find_live(ctx, r);
        if (g) {
                g->uses++;
                r->until_usec = g->until_usec;
                memcpy(r->grant_id, g->id, sizeof(r->grant_id));
                k = request_settle(r, REQUEST_APPROVED, g->by, "within a live grant");
                if (k < 0)
                        return k;
                return record_emit(ctx, RECORD_GRANT_USE, r);
        }

        if (r->rule->reason == POLICY_REASON_REQUIRED && (!r->reason || !*r->reason))
                return sd_bus_error_setf(error, JIT_ERROR_REASON_REQUIRED,
                                         "Rule %s needs a reason for this request.", r->rule->name);
        if (r->rule->reason == POLICY_REASON_PROMPT && !have_reason)
                return sd_bus_error_setf(error, JIT_ERROR_REASON_WANTED, "Rule %s asks for a reason.",
                                         r->rule->name);

        if (r->rule->action == POLICY_ACTION_APPROVE)
                return decide_at_once(ctx, r, REQUEST_APPROVED, "");
        return record_emit(ctx, RECORD_REQUEST, r);
}
