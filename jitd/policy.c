/* jitd's policy once loaded: what a Policy holds, the rule that decides a request, and who may approve. */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "glob.h"
#include "policy-internal.h"
#include "util.h"

static const char *const action_table[_POLICY_ACTION_MAX] = {
    [POLICY_ACTION_REQUIRE] = "require",
    [POLICY_ACTION_APPROVE] = "approve",
    [POLICY_ACTION_DENY] = "deny",
    [POLICY_ACTION_IGNORE] = "ignore",
};

static const char *const reason_table[_POLICY_REASON_MAX] = {
    [POLICY_REASON_NONE] = "none",
    [POLICY_REASON_PROMPT] = "prompt",
    [POLICY_REASON_REQUIRED] = "required",
};

static const char *const scope_table[_POLICY_SCOPE_MAX] = {
    [POLICY_SCOPE_COMMAND] = "command",
    [POLICY_SCOPE_SERVICE] = "service",
};

const char *policy_action_to_string(PolicyAction a)
{
        return a >= 0 && a < _POLICY_ACTION_MAX ? action_table[a] : NULL;
}

const char *policy_reason_to_string(PolicyReason r)
{
        return r >= 0 && r < _POLICY_REASON_MAX ? reason_table[r] : NULL;
}

const char *policy_scope_to_string(PolicyScope s)
{
        return s >= 0 && s < _POLICY_SCOPE_MAX ? scope_table[s] : NULL;
}

static int table_lookup(const char *const *table, int n, const char *s)
{
        for (int i = 0; i < n; i++)
                if (streq(table[i], s))
                        return i;
        return -1;
}

int policy_action_from_string(const char *s)
{
        return table_lookup(action_table, _POLICY_ACTION_MAX, s);
}

int policy_reason_from_string(const char *s)
{
        return table_lookup(reason_table, _POLICY_REASON_MAX, s);
}

int policy_scope_from_string(const char *s)
{
        return table_lookup(scope_table, _POLICY_SCOPE_MAX, s);
}

/* ---- Lists ----------------------------------------------------------------------------------- */

bool policy_list_contains_n(const PolicyList *l, const char *s, size_t n)
{
        for (size_t i = 0; i < l->n; i++)
                if (strlen(l->items[i]) == n && memcmp(l->items[i], s, n) == 0)
                        return true;
        return false;
}

static bool list_contains(const PolicyList *l, const char *s)
{
        return policy_list_contains_n(l, s, strlen(s));
}

int policy_list_add(PolicyList *l, const char *s, size_t n)
{
        char **items;

        if (policy_list_contains_n(l, s, n))
                return 0; /* "User=bob bob" is one user, and Approvals= counts people */
        items = reallocarray(l->items, l->n + 2, sizeof(char *));
        if (!items)
                return -ENOMEM;
        l->items = items;
        items[l->n] = strndup(s, n);
        if (!items[l->n])
                return -ENOMEM;
        items[++l->n] = NULL;
        return 0;
}

void policy_list_free(PolicyList *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->items[i]);
        free(l->items);
        *l = (PolicyList){};
}

static bool any_in_list(const PolicyList *l, char *const *names)
{
        for (size_t i = 0; names && names[i]; i++)
                if (list_contains(l, names[i]))
                        return true;
        return false;
}

/* ---- What a Policy owns ---------------------------------------------------------------------- */

void policy_rule_done(PolicyRule *r)
{
        free(r->name);
        policy_list_free(&r->users);
        policy_list_free(&r->groups);
        policy_list_free(&r->services);
        policy_list_free(&r->commands);
        policy_list_free(&r->hosts);
        policy_list_free(&r->approver_users);
        policy_list_free(&r->approver_groups);
}

void policy_free(Policy *p)
{
        if (!p)
                return;
        free(p->daemon.approver_group);
        free(p->daemon.state_directory);
        free(p->daemon.journal_file);
        free(p->daemon.public_key_file);
        free(p->daemon.approvers_file);
        for (size_t i = 0; i < p->n_rules; i++)
                policy_rule_done(&p->rules[i]);
        free(p->rules);
        policy_rule_done(&p->default_rule);
        for (size_t i = 0; i < p->n_files; i++)
                free(p->files[i]);
        free(p->files);
        free(p);
}

/* ---- Matching -------------------------------------------------------------------------------- */

bool policy_rule_is_catch_all(const PolicyRule *r)
{
        return r->users.n == 0 && r->groups.n == 0 && r->services.n == 0 && r->commands.n == 0 &&
               r->hosts.n == 0;
}

/* Matching more is safe where it can only add a human decision: deny, and require without
 * break-glass. Elsewhere (approve, ignore, break-glass) a base-name match would let
 * "/home/alice/systemctl status x" pass for "systemctl status *". */
static bool rule_matches_base_name(const PolicyRule *r)
{
        return r->action == POLICY_ACTION_DENY || (r->action == POLICY_ACTION_REQUIRE && !r->break_glass);
}

static bool command_matches_words(const PolicyRule *r, char *const *argv, size_t argc)
{
        const char *prog, *base;
        bool by_base;

        if (argc == 0 || !argv || !argv[0])
                return false;
        prog = argv[0];
        base = strrchr(prog, '/') ? strrchr(prog, '/') + 1 : prog;
        by_base = base != prog && rule_matches_base_name(r);

        for (size_t i = 0; i < r->commands.n; i++) {
                const char *pat = r->commands.items[i];

                if (glob_match_words(pat, argv, argc, prog, false) || glob_match_string(pat, prog, false))
                        return true;
                if (by_base &&
                    (glob_match_words(pat, argv, argc, base, false) || glob_match_string(pat, base, false)))
                        return true;
        }
        return false;
}

static bool command_matches(const PolicyRule *r, const PolicyInput *in)
{
        return command_matches_words(r, in->argv, in->argc) ||
               command_matches_words(r, in->alias_argv, in->alias_argc);
}

static bool rule_matches(const PolicyRule *r, const PolicyInput *in)
{
        if (r->users.n > 0 && !(in->user && list_contains(&r->users, in->user)))
                return false;
        if (r->groups.n > 0 && !any_in_list(&r->groups, in->groups))
                return false;
        if (r->services.n > 0 && !(in->service && list_contains(&r->services, in->service)))
                return false;
        if (r->hosts.n > 0) {
                bool any = false;
                for (size_t i = 0; in->host && i < r->hosts.n && !any; i++)
                        any = glob_match_string(r->hosts.items[i], in->host, true);
                if (!any)
                        return false;
        }
        if (r->commands.n > 0 && (!command_matches(r, in) || (in->env_set && !rule_matches_base_name(r))))
                return false;
        return true;
}

const PolicyRule *policy_match(const Policy *p, const PolicyInput *in)
{
        assert(p);
        assert(in);

        for (size_t i = 0; i < p->n_rules; i++)
                if (rule_matches(&p->rules[i], in))
                        return &p->rules[i];
        return &p->default_rule;
}

bool policy_rule_approver_allowed(const PolicyRule *r, const char *user, char *const *user_groups)
{
        assert(r);

        if (r->action != POLICY_ACTION_REQUIRE)
                return false;
        if (user && list_contains(&r->approver_users, user))
                return true;
        return any_in_list(&r->approver_groups, user_groups);
}

uint64_t policy_clamp_grant(const PolicyRule *r, uint64_t requested_usec)
{
        assert(r);

        if (requested_usec == 0)
                return r->default_grant_usec;
        return min_u64(requested_usec, r->max_grant_usec);
}
