/* Matching the policy: rule keys, commands, actions, approvers, grant clamping, the daemon's paths and the
 * documented example. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy-helpers.h"

/* ---- Matching -------------------------------------------------------------------------------- */

static void test_match_keys(Tap *t)
{
        _cleanup_(policy_freep) Policy *p =
            load_ok(t,
                    "[Rule by-user]\nUser=ursula uma\nAction=deny\n"
                    "[Rule by-group]\nGroup=wheel2\nGroup=admins\nAction=deny\n"
                    "[Rule by-service]\nService=login\nAction=deny\n"
                    "[Rule by-host]\nHost=db-*.prod.example.com web[0-9]\nAction=deny\n"
                    "[Rule by-two-keys]\nUser=alice\nService=su\nAction=approve\n",
                    "one rule per match key");
        char *staff_admins[] = {"staff", "admins", NULL}, *staff[] = {"staff", NULL};

        if (!p)
                return;
        matches(t, p, &(PolicyInput){.user = "uma", .service = "sudo"}, "by-user", "User= from a list");
        matches(t, p, &(PolicyInput){.user = "umar", .service = "sudo"}, POLICY_DEFAULT_RULE_NAME,
                "User= is exact, not a prefix");
        matches(t, p, &(PolicyInput){.user = NULL, .service = "sudo"}, POLICY_DEFAULT_RULE_NAME,
                "no user: User= cannot match");
        matches(t, p, &(PolicyInput){.user = "bob", .groups = staff_admins}, "by-group",
                "Group=: any of the requester's groups");
        matches(t, p, &(PolicyInput){.user = "bob", .groups = staff}, POLICY_DEFAULT_RULE_NAME,
                "Group=: none of them");
        matches(t, p, &(PolicyInput){.user = "bob", .groups = NULL}, POLICY_DEFAULT_RULE_NAME,
                "Group=: no groups given");
        matches(t, p, &(PolicyInput){.user = "bob", .service = "login"}, "by-service", "Service=");
        matches(t, p, &(PolicyInput){.user = "bob", .host = "DB-7.Prod.Example.COM"}, "by-host",
                "Host=: a glob, ignoring case");
        matches(t, p, &(PolicyInput){.user = "bob", .host = "web3"}, "by-host",
                "Host=: a second glob in the list");
        matches(t, p, &(PolicyInput){.user = "bob", .host = "web33"}, POLICY_DEFAULT_RULE_NAME,
                "Host=: the glob is anchored");
        matches(t, p, &(PolicyInput){.user = "bob", .host = NULL}, POLICY_DEFAULT_RULE_NAME,
                "Host=: no host given");
        matches(t, p, &(PolicyInput){.user = "alice", .service = "su"}, "by-two-keys",
                "two keys: both match");
        matches(t, p, &(PolicyInput){.user = "alice", .service = "sudo"}, POLICY_DEFAULT_RULE_NAME,
                "two keys: one does not");
}

static void test_commands(Tap *t)
{
        _cleanup_(policy_freep) Policy *p =
            load_ok(t,
                    "[Rule status]\nCommand=systemctl status *\nAction=approve\n"
                    "[Rule no-shells]\nCommand=bash\nCommand=sh -c *\nAction=deny\n"
                    "[Rule deploy]\nCommand=deploy production *\nAction=require\n"
                    "[Rule glass]\nGroup=oncall\nCommand=restart-db\nAction=require\nBreakGlass=yes\n"
                    "[Rule globs]\nCommand=tool-[a-c]?x \\*lit[!x]ral\nAction=deny\n"
                    "[Rule zed-any]\nUser=zed\nCommand=*\nAction=deny\n"
                    "[Rule zed-all]\nUser=zed\nAction=ignore\n",
                    "command rules");
        char *oncall[] = {"oncall", NULL};
        char *status[] = {"systemctl", "status", "nginx"}, *restart[] = {"systemctl", "restart", "nginx"};
        char *status_bare[] = {"systemctl", "status"},
             *status_home[] = {"/home/alice/systemctl", "status", "x"};
        char *status_odd[] = {"systemctl", "status", "a/b", "c d"},
             *status_one_word[] = {"systemctl", "status nginx"};
        char *bash[] = {"bash"}, *bash_c[] = {"bash", "-c", "id"}, *bin_bash[] = {"/bin/bash", "-i"};
        char *bin_sh[] = {"/bin/sh", "-c", "id"}, *sh_bytes[] = {"sh", "-c", "\xff\xfe"}, *empty0[] = {""};
        char *deploy[] = {"deploy", "production", "web"},
             *deploy_path[] = {"/usr/local/bin/deploy", "production", "web"};
        char *glass[] = {"restart-db"}, *glass_path[] = {"/opt/bin/restart-db"};
        char *tool_ok[] = {"tool-bZx", "*literal"}, *tool_range[] = {"tool-dZx", "*literal"};
        char *tool_star[] = {"tool-bZx", "Xliteral"}, *tool_neg[] = {"tool-bZx", "*litxral"};
        char *one[] = {"x"};

#define IN(v, ...)                                                                                          \
        (&(PolicyInput){.user = "alice", .service = "sudo", .argv = (v), .argc = ELEMENTSOF(v), __VA_ARGS__})
        if (!p)
                return;
        matches(t, p, IN(status), "status", "the joined argv against a glob");
        matches(t, p, IN(restart), POLICY_DEFAULT_RULE_NAME, "another subcommand");
        matches(t, p, IN(status_bare), POLICY_DEFAULT_RULE_NAME,
                "'systemctl status *' needs something after 'status '");
        matches(t, p, IN(status_odd), "status", "'*' matches '/' and spaces");
        matches(t, p, IN(status_one_word), "status",
                "argv is joined with spaces: one word 'status nginx' matches too");
        matches(t, p, IN(status_home), POLICY_DEFAULT_RULE_NAME,
                "approve rules never match by base name: /home/alice/systemctl is not systemctl");
        matches(t, p, IN(bash), "no-shells", "the program alone");
        matches(t, p, IN(bash_c), "no-shells", "the program alone, whatever its arguments");
        matches(t, p, IN(bin_bash), "no-shells", "deny rules match the base name: /bin/bash");
        matches(t, p, IN(bin_sh), "no-shells",
                "deny rules match the joined argv with the base name: /bin/sh -c id");
        matches(t, p, IN(sh_bytes), "no-shells", "invalid UTF-8 in argv still matches (byte-wise globs)");
        matches(t, p, IN(empty0), POLICY_DEFAULT_RULE_NAME, "an empty argv[0]");
        matches(t, p, IN(deploy), "deploy", "a require rule");
        matches(t, p, IN(deploy_path), "deploy", "require rules match the base name too");
        matches(t, p, IN(glass, .groups = oncall), "glass", "a break-glass rule");
        matches(t, p, IN(glass_path, .groups = oncall), POLICY_DEFAULT_RULE_NAME,
                "break-glass rules never match by base name");
        matches(t, p, IN(tool_ok), "globs", "[a-c] ? \\* and [!x]");
        matches(t, p, IN(tool_range), POLICY_DEFAULT_RULE_NAME, "[a-c] excludes d");
        matches(t, p, IN(tool_star), POLICY_DEFAULT_RULE_NAME, "\\* is a literal star");
        matches(t, p, IN(tool_neg), POLICY_DEFAULT_RULE_NAME, "[!x] excludes x");

        matches(t, p, &(PolicyInput){.user = "zed", .argv = NULL, .argc = 0}, "zed-all",
                "argc == 0: no Command= rule matches, not even '*'; a rule without Command= does");
        matches(t, p, &(PolicyInput){.user = "zed", .argv = one, .argc = 1}, "zed-any",
                "with a command, '*' matches");
        matches(t, p, &(PolicyInput){.user = "alice", .argv = NULL, .argc = 0}, POLICY_DEFAULT_RULE_NAME,
                "argc == 0 and no other rule: the default");

        /* A long argv against a star-heavy glob: linear backtracking, no recursion. */
        {
                enum { N = 4096 };
                char **argv = calloc(N, sizeof(char *));
                char word[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
                _cleanup_(policy_freep) Policy *q = load_ok(
                    t, "[Rule stars]\nCommand=*a*a*a*a*a*a*a*a*a*a*b\nAction=deny\n", "a star-heavy glob");
                argv[0] = "x";
                for (int i = 1; i < N; i++)
                        argv[i] = word;
                if (q) {
                        matches(t, q, &(PolicyInput){.argv = argv, .argc = N}, POLICY_DEFAULT_RULE_NAME,
                                "a 250 KiB argv that does not match");
                        argv[N - 1] = "ab";
                        matches(t, q, &(PolicyInput){.argv = argv, .argc = N}, "stars",
                                "... and one that does");
                }
                free(argv);
        }
#undef IN
}

static void test_actions(Tap *t)
{
        _cleanup_(policy_freep) Policy *p =
            load_ok(t,
                    "[Daemon]\nApproverGroup=ops\n"
                    "[Rule cron]\nService=cron\nAction=ignore\n"
                    "[Rule ok]\nUser=alice\nAction=approve\nReason=prompt\n"
                    "[Rule glass]\nUser=oscar\nAction=require\nBreakGlass=yes\n"
                    "[Rule two]\nUser=bob\nAction=require\nApprovers=@ops, carol  dave\n"
                    "Approvers=@sre\nApprovals=2\nScope=service\n"
                    "[Rule nobody]\nUser=nobody\nAction=deny\n",
                    "actions");
        const PolicyRule *r;
        char *ops[] = {"users", "ops", NULL}, *sre[] = {"sre", NULL}, *dev[] = {"dev", NULL};

        if (!p)
                return;
        r = policy_match(p, &(PolicyInput){.user = "root", .service = "cron"});
        tap_ok(t, r->action == POLICY_ACTION_IGNORE && streq(policy_action_to_string(r->action), "ignore"),
               "Action=ignore");
        r = policy_match(p, &(PolicyInput){.user = "alice", .service = "sudo"});
        tap_ok(t, r->action == POLICY_ACTION_APPROVE && r->reason == POLICY_REASON_PROMPT,
               "Action=approve, Reason=prompt");
        tap_ok(t, !policy_rule_approver_allowed(r, "carol", ops), "nobody approves under an approve rule");

        r = policy_match(p, &(PolicyInput){.user = "oscar"});
        tap_ok(t, r->break_glass && r->reason == POLICY_REASON_REQUIRED && r->approvals == 1,
               "BreakGlass=yes: the reason becomes required");
        tap_ok(t,
               r->approver_groups.n == 1 && streq(r->approver_groups.items[0], "ops") &&
                   r->approver_users.n == 0,
               "a require rule without Approvers= uses @ApproverGroup");

        r = policy_match(p, &(PolicyInput){.user = "bob"});
        tap_ok(t,
               streq(r->name, "two") && r->approvals == 2 && r->scope == POLICY_SCOPE_SERVICE &&
                   r->approver_users.n == 2 && r->approver_groups.n == 2,
               "Approvers=: commas and spaces, repeated keys; Approvals=2; Scope=service");
        tap_ok(t, policy_rule_approver_allowed(r, "carol", NULL), "an approver by name");
        tap_ok(t, policy_rule_approver_allowed(r, "erin", ops), "an approver by @group");
        tap_ok(t, policy_rule_approver_allowed(r, "erin", sre), "an approver by a second @group");
        tap_ok(t, !policy_rule_approver_allowed(r, "erin", dev), "not listed, not in a listed group");
        tap_ok(t, !policy_rule_approver_allowed(r, "ops", NULL),
               "a user named like a listed group is not that group");
        tap_ok(t, !policy_rule_approver_allowed(r, NULL, NULL), "no user, no groups");

        r = policy_match(p, &(PolicyInput){.user = "nobody"});
        tap_ok(t, r->action == POLICY_ACTION_DENY && streq(r->name, "nobody"), "Action=deny, with its name");

        r = policy_match(p, &(PolicyInput){.user = "zoe", .service = "sudo"});
        tap_ok(t,
               r == &p->default_rule && streq(r->name, POLICY_DEFAULT_RULE_NAME) &&
                   r->action == POLICY_ACTION_REQUIRE && r->approvals == 1 &&
                   r->reason == POLICY_REASON_NONE && r->scope == POLICY_SCOPE_COMMAND && !r->break_glass &&
                   r->file == NULL && policy_rule_is_catch_all(r),
               "no match: the default rule, require 1 approval, no reason");
        tap_ok(t,
               policy_rule_approver_allowed(r, "erin", ops) && !policy_rule_approver_allowed(r, "erin", dev),
               "the default rule's approvers: @ApproverGroup");
}

/* libinih cuts section names at 49 bytes; rule names may have 64, and two may share 44. */
/* Signature=: rules inherit [Daemon]'s, wherever in the files it is set; a rule may say otherwise. */
static void test_signature(Tap *t)
{
        _cleanup_(policy_freep) Policy *p =
            load_ok(t,
                    "[Rule plain]\nUser=alice\nAction=require\n"
                    "[Rule loose]\nUser=bob\nAction=require\nSignature=optional\n"
                    "[Daemon]\nSignature=required\nApproversFile=/srv/approvers\n",
                    "signature");
        _cleanup_(policy_freep) Policy *q = load_ok(t, "[Rule strict]\nUser=carol\nAction=require\nSignature=required\n",
                                                    "signature default");

        if (!p || !q)
                return;
        tap_ok(t, policy_match(p, &(PolicyInput){.user = "alice"})->signature_required,
               "Signature=: a rule without it takes [Daemon]'s, even from a later section");
        tap_ok(t, !policy_match(p, &(PolicyInput){.user = "bob"})->signature_required,
               "Signature=optional in a rule overrides [Daemon] Signature=required");
        tap_ok(t, policy_match(p, &(PolicyInput){.user = "zoe"})->signature_required,
               "the default rule takes [Daemon]'s Signature= too");
        tap_ok(t, streq(p->daemon.approvers_file, "/srv/approvers"), "ApproversFile= is read");
        tap_ok(t, !q->daemon.signature_required && streq(q->daemon.approvers_file, "/etc/jit/approvers"),
               "defaults: Signature=optional, ApproversFile=/etc/jit/approvers");
        tap_ok(t, policy_match(q, &(PolicyInput){.user = "carol"})->signature_required &&
                      !policy_match(q, &(PolicyInput){.user = "zoe"})->signature_required,
               "a rule may require signatures on its own");
}

static void test_long_rule_names(Tap *t)
{
        _cleanup_free_ char *a = repeat('a', 63), *text = NULL;
        _cleanup_(policy_freep) Policy *p = NULL;

        if (asprintf(&text, "[Rule %s1]\nUser=one\nAction=deny\n[Rule %s2]\nUser=two\nAction=approve\n", a,
                     a) < 0)
                abort();
        p = load_ok(t, text, "two 64-byte rule names that share 63 bytes");
        if (!p)
                return;
        tap_ok(t,
               p->n_rules == 2 && strlen(p->rules[0].name) == 64 && p->rules[1].name[63] == '2' &&
                   policy_match(p, &(PolicyInput){.user = "two"}) == &p->rules[1],
               "... are two rules, with their whole names");
}

static void test_grants(Tap *t)
{
        _cleanup_(policy_freep) Policy *p =
            load_ok(t,
                    "[Daemon]\nDefaultGrant=15m\nMaxGrant=8h\n"
                    "[Rule short]\nUser=a\nAction=require\nMaxGrant=10m\n"
                    "[Rule long]\nUser=b\nAction=require\nDefaultGrant=1h\n"
                    "[Rule own]\nUser=c\nAction=require\nDefaultGrant=5m\nMaxGrant=20m\n",
                    "grants");
        const PolicyRule *r;
        const uint64_t m = 60 * USEC_PER_SEC;

        if (!p)
                return;
        r = policy_match(p, &(PolicyInput){.user = "a"});
        tap_ok(t, r->max_grant_usec == 10 * m && r->default_grant_usec == 10 * m,
               "MaxGrant= below [Daemon]'s DefaultGrant= pulls the default down");
        tap_ok(t, policy_clamp_grant(r, 0) == 10 * m, "0 → the rule's default");
        tap_ok(t, policy_clamp_grant(r, 60 * m) == 10 * m, "longer than MaxGrant= → MaxGrant=");
        tap_ok(t, policy_clamp_grant(r, 5 * m) == 5 * m, "shorter → as asked");
        r = policy_match(p, &(PolicyInput){.user = "b"});
        tap_ok(t, policy_clamp_grant(r, 0) == 60 * m && policy_clamp_grant(r, 9 * 60 * m) == 8 * 60 * m,
               "the rule's DefaultGrant=, [Daemon]'s MaxGrant=");
        r = policy_match(p, &(PolicyInput){.user = "c"});
        tap_ok(t, policy_clamp_grant(r, 0) == 5 * m && policy_clamp_grant(r, 21 * m) == 20 * m,
               "the rule's own two");
        r = policy_match(p, &(PolicyInput){.user = "d"});
        tap_ok(t, policy_clamp_grant(r, 0) == 15 * m && policy_clamp_grant(r, 9 * 60 * m) == 8 * 60 * m,
               "the default rule: [Daemon]'s");
        tap_ok(t,
               p->daemon.request_timeout_usec == 5 * m && p->daemon.epoch_length_usec == 60 * m &&
                   streq(p->daemon.state_directory, "/var/lib/jit") &&
                   streq(p->daemon.journal_file, "/var/lib/jit/journal.jsonl") &&
                   streq(p->daemon.public_key_file, "/var/lib/jit/journal.pub") &&
                   streq(p->daemon.approver_group, "jit-approvers"),
               "[Daemon] defaults");
}

static void test_daemon_paths(Tap *t)
{
        _cleanup_(policy_freep) Policy *p =
            load_ok(t,
                    "[Daemon]\nStateDirectory=/srv/jit\nPublicKeyFile=/srv/jit.pub\n"
                    "EpochLength=10m\nRequestTimeout=90s\n",
                    "[Daemon] paths");
        if (!p)
                return;
        tap_ok(t,
               streq(p->daemon.journal_file, "/srv/jit/journal.jsonl") &&
                   streq(p->daemon.public_key_file, "/srv/jit.pub") &&
                   p->daemon.epoch_length_usec == 600 * USEC_PER_SEC &&
                   p->daemon.request_timeout_usec == 90 * USEC_PER_SEC,
               "JournalFile= follows StateDirectory= unless set");
}

/* ---- The documented example ------------------------------------------------------------------ */

static void test_example(Tap *t)
{
        _cleanup_free_ char *src = src_path("tests/data/policy/example.conf"),
                            *doc_path = src_path("docs/jitd.conf.5.md");
        _cleanup_free_ char *d = fresh_dir(), *path = copy_into(src, d, "jitd.conf");
        _cleanup_free_ char *example = read_whole(src, NULL), *doc = read_whole(doc_path, NULL);
        _cleanup_(policy_freep) Policy *p = NULL;
        PolicyError e = {};
        char *status[] = {"systemctl", "status", "nginx"}, *status_bare[] = {"systemctl", "status"};
        char *bash[] = {"/bin/bash"}, *sudo_su[] = {"su", "-"}, *su[] = {"su", "-"};
        char *deploy[] = {"/usr/local/bin/deploy", "production", "api"},
             *restart[] = {"systemctl", "restart", "nginx"};
        char *deployers[] = {"deployers", NULL}, *oncall[] = {"users", "oncall", NULL},
             *leads[] = {"ops-leads", NULL};
        const PolicyRule *r;
        int k = policy_load(path, NULL, &p, &e);

        if (!tap_ok(t, k == 0, "the documented example loads")) {
                printf("#   %s\n", e.message ? e.message : "?");
                policy_error_done(&e);
                return;
        }
        tap_ok(t, example && doc && strstr(doc, example),
               "docs/jitd.conf.5.md shows tests/data/policy/example.conf verbatim");

        /* Every ```ini block of the document is a valid file on its own. */
        for (const char *b = doc ? strstr(doc, "```ini\n") : NULL; b; b = strstr(b, "```ini\n")) {
                const char *end = strstr(b + 7, "```");
                _cleanup_free_ char *block = strndup(b + 7, end ? (size_t)(end - b - 7) : 0);
                Policy *q = NULL;
                PolicyError qe = {};
                int qr = load_text(block, &q, &qe, NULL);

                if (!tap_ok(t, qr == 0, "the document's ini block at byte %td loads", b - doc))
                        printf("#   %s\n", qe.message ? qe.message : "?");
                policy_free(q);
                policy_error_done(&qe);
                b = end ? end + 3 : b + 7;
        }

#define IN_AS(u, s, v, ...)                                                                                 \
        (&(PolicyInput){.user = (u), .service = (s), .argv = (v), .argc = ELEMENTSOF(v), __VA_ARGS__})
#define IN(v, ...) IN_AS("erin", "sudo", v, __VA_ARGS__)
        matches(t, p, &(PolicyInput){.user = "root", .service = "cron"}, "cron", "cron is ignored");
        matches(t, p, IN_AS("root", "sudo", status), "root", "root is ignored");
        matches(t, p, IN(status), "status", "systemctl status nginx is approved at once");
        matches(t, p, IN(status_bare), "status", "systemctl status is approved at once");
        matches(t, p, IN(bash), "no-shells", "sudo /bin/bash is denied");
        matches(t, p, IN(sudo_su), "no-shells", "sudo su - is denied");
        r = policy_match(p, IN(deploy, .groups = deployers));
        tap_ok(t,
               streq(r->name, "deploy-production") && r->approvals == 2 && r->approver_users.n == 3 &&
                   r->reason == POLICY_REASON_REQUIRED && policy_clamp_grant(r, 0) == 30 * 60 * USEC_PER_SEC,
               "a production deploy needs 2 of alice, bob, carol and a reason");
        tap_ok(t, !policy_rule_approver_allowed(r, "dave", leads), "... and no one else, leads included");
        r = policy_match(p, IN_AS("erin", "su", su));
        tap_ok(t,
               streq(r->name, "su") && r->reason == POLICY_REASON_REQUIRED &&
                   policy_rule_approver_allowed(r, "dave", leads),
               "su needs a reason and a lead");
        r = policy_match(p, IN(restart, .groups = oncall));
        tap_ok(t,
               streq(r->name, "on-call-break-glass") && r->break_glass &&
                   policy_clamp_grant(r, 0) == 15 * 60 * USEC_PER_SEC &&
                   policy_clamp_grant(r, 3 * 3600 * USEC_PER_SEC) == 3600 * USEC_PER_SEC,
               "on-call may break the glass, for an hour at most");
        matches(t, p, IN(bash, .groups = oncall), "no-shells", "... but not into a shell");
        r = policy_match(p, IN(restart));
        tap_ok(t, r == &p->default_rule && policy_rule_approver_allowed(r, "dave", leads),
               "anything else: one approval from @ops-leads");
#undef IN
}

int main(void)
{
        Tap t = {};
        int r;

        if (!policy_test_begin(&r))
                return r;
        test_match_keys(&t);
        test_commands(&t);
        test_actions(&t);
        test_signature(&t);
        test_long_rule_names(&t);
        test_grants(&t);
        test_daemon_paths(&t);
        test_example(&t);
        return policy_test_end(&t);
}
