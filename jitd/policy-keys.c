/* What jitd.conf's sections and keys mean: each line libinih reads becomes part of a rule or of [Daemon]. */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "duration.h"
#include "glob.h"
#include "policy-internal.h"
#include "journal-util.h"
#include "util.h"

static bool rule_name_valid(const char *s, size_t n)
{
        if (n == 0 || n > POLICY_MAX_RULE_NAME)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
                      (s[i] >= '0' && s[i] <= '9') || strchr("_.-", s[i])))
                        return false;
        return true;
}

/* A user, group or service name: liberal (NSS names may hold '@', '\' or UTF-8), but no separators,
 * no glob characters (these keys match exactly, and "User=adm*" would otherwise look like a glob),
 * and no leading '-' or '@'. Returns what is wrong, or NULL. */
static const char *name_problem(const char *s, size_t n)
{
        if (n == 0)
                return "is empty";
        if (s[0] == '-')
                return "starts with '-'";
        if (s[0] == '@')
                return "starts with '@' (only Approvers= marks groups with '@')";
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c <= ' ' || c == 0x7f)
                        return "holds whitespace or a control character";
                if (strchr(",:/*?[]", c))
                        return "holds one of , : / * ? [ ] (these keys match names exactly, not globs)";
        }
        return NULL;
}

/* ---- Sections -------------------------------------------------------------------------------- */

static int rule_new(Parser *p, const char *name, size_t n)
{
        Policy *pol = p->policy;
        PolicyRule *rules;
        KeyLines *lines;

        if (pol->n_rules >= POLICY_MAX_RULES)
                return parser_fail(p, -E2BIG, "more than %d rules", POLICY_MAX_RULES);
        for (size_t i = 0; i < pol->n_rules; i++)
                if (strlen(pol->rules[i].name) == n && memcmp(pol->rules[i].name, name, n) == 0)
                        return parser_fail(p, -EINVAL, "rule %.*s is already defined at %s:%u", (int)n, name,
                                           pol->rules[i].file, pol->rules[i].line);

        rules = reallocarray(pol->rules, pol->n_rules + 1, sizeof(PolicyRule));
        if (!rules)
                return parser_fail(p, -ENOMEM, "out of memory");
        pol->rules = rules;
        lines = reallocarray(p->key_lines, pol->n_rules + 1, sizeof(KeyLines));
        if (!lines)
                return parser_fail(p, -ENOMEM, "out of memory");
        p->key_lines = lines;

        rules[pol->n_rules] = (PolicyRule){
            .name = strndup(name, n),
            .file = p->path,
            .line = p->line,
            .action = POLICY_ACTION_REQUIRE,
            .approvals = 1,
            .reason = POLICY_REASON_NONE,
            .scope = POLICY_SCOPE_COMMAND,
        };
        lines[pol->n_rules] = (KeyLines){};
        if (!rules[pol->n_rules].name)
                return parser_fail(p, -ENOMEM, "out of memory");
        p->rule = pol->n_rules++;
        p->section = SECTION_RULE;
        return 0;
}

/* The checks a rule's own keys allow, made when its section ends. */
static int rule_finish(Parser *p, size_t i)
{
        PolicyRule *r = &p->policy->rules[i];
        const KeyLines *k = &p->key_lines[i];
        const char *action = policy_action_to_string(r->action);

        if (!k->action)
                return parser_fail_at(p, -EINVAL, r->file, r->line, "rule %s has no Action=", r->name);

        if (r->action != POLICY_ACTION_REQUIRE) {
                struct {
                        const char *key;
                        unsigned line;
                } only_require[] = {
                    {"Approvers", k->approvers},    {"Approvals", k->approvals},
                    {"BreakGlass", k->break_glass}, {"DefaultGrant", k->default_grant},
                    {"MaxGrant", k->max_grant},     {"Scope", k->scope},
                    {"Signature", k->signature},
                };
                for (size_t j = 0; j < ELEMENTSOF(only_require); j++)
                        if (only_require[j].line)
                                return parser_fail_at(p, -EINVAL, r->file, only_require[j].line,
                                                      "%s= needs Action=require, but rule %s has Action=%s",
                                                      only_require[j].key, r->name, action);
                if (k->reason && r->action != POLICY_ACTION_APPROVE)
                        return parser_fail_at(p, -EINVAL, r->file, k->reason,
                                              "Reason= has no effect with Action=%s (rule %s)", action,
                                              r->name);
                return 0;
        }

        if (r->break_glass) {
                if (r->approvals > 1)
                        return parser_fail_at(
                            p, -EINVAL, r->file, k->approvals,
                            "BreakGlass=yes lets the requester approve alone; it cannot be "
                            "combined with Approvals=%u (rule %s)",
                            r->approvals, r->name);
                if (k->reason && r->reason != POLICY_REASON_REQUIRED)
                        return parser_fail_at(
                            p, -EINVAL, r->file, k->reason,
                            "BreakGlass=yes needs a reason: Reason=%s is not allowed (rule %s)",
                            policy_reason_to_string(r->reason), r->name);
                r->reason = POLICY_REASON_REQUIRED;
        }
        if (r->approver_groups.n == 0 && r->approver_users.n > 0 && r->approvals > r->approver_users.n)
                return parser_fail_at(p, -EINVAL, r->file, k->approvals ? k->approvals : k->approvers,
                                      "Approvals=%u, but Approvers= names only %zu people (rule %s)",
                                      r->approvals, r->approver_users.n, r->name);
        return 0;
}

int parser_section_close(Parser *p)
{
        int r = 0;

        if (p->section == SECTION_RULE)
                r = rule_finish(p, p->rule);
        p->section = SECTION_NONE;
        p->section_text[0] = '\0';
        return r;
}

/* The name comes from the line, whole: libinih keeps 49 bytes of it, and a rule name may have 64. What
 * libinih lets pass (text after the ']', brackets inside) is refused, so that the header is the
 * section libinih saw. */
int parser_section_open(Parser *p, const char *s, size_t len)
{
        const char *text = s + 1;
        size_t n;
        int r;

        assert(len > 0 && s[0] == '[');
        if (len < 2 || s[len - 1] != ']')
                return parser_fail(p, -EINVAL, "a section header must end with ']' (nothing may follow it)");
        n = len - 2;
        if (memchr(text, '[', n) || memchr(text, ']', n))
                return parser_fail(p, -EINVAL, "malformed section header");

        r = parser_section_close(p);
        if (r < 0)
                return r;

        if (n == 6 && memcmp(text, "Daemon", 6) == 0) {
                p->section = SECTION_DAEMON;
                memcpy(p->section_text, text, n);
                p->section_text[n] = '\0';
                return 0;
        }
        if (n >= 4 && memcmp(text, "Rule", 4) == 0 && (n == 4 || text[4] == ' ' || text[4] == '\t')) {
                const char *name = text + 5;
                size_t name_len = n > 5 ? n - 5 : 0;

                if (name_len == 0)
                        return parser_fail(p, -EINVAL, "a rule needs a name: [Rule NAME]");
                if (!rule_name_valid(name, name_len))
                        return parser_fail(
                            p, -EINVAL,
                            "invalid rule name \"%.*s\": use 1 to %d of A-Z a-z 0-9 _ . - after exactly "
                            "one space",
                            (int)name_len, name, POLICY_MAX_RULE_NAME);
                r = rule_new(p, name, name_len);
                if (r < 0)
                        return r;
                memcpy(p->section_text, text, n);
                p->section_text[n] = '\0';
                return 0;
        }
        return parser_fail(p, -EINVAL, "unknown section [%.*s]; expected [Daemon] or [Rule NAME]", (int)n,
                           text);
}

/* ---- Keys ------------------------------------------------------------------------------------ */

static const char *const daemon_keys[] = {
    "ApproverGroup",  "RequestTimeout", "DefaultGrant", "MaxGrant",    "JournalFile",
    "StateDirectory", "PublicKeyFile",  "EpochLength",  "MirrorQueue", "MaxFileSize",
    "Signature",      "ApproversFile",
};

static const char *const rule_keys[] = {
    "User",      "Group",  "Service",      "Command",  "Host",  "Action",     "Approvers",
    "Approvals", "Reason", "DefaultGrant", "MaxGrant", "Scope", "BreakGlass", "Signature",
};

static bool key_in(const char *const *keys, size_t n, const char *key)
{
        for (size_t i = 0; i < n; i++)
                if (streq(keys[i], key))
                        return true;
        return false;
}

static int unknown_key(Parser *p, const char *key)
{
        const char *const *keys = p->section == SECTION_DAEMON ? daemon_keys : rule_keys;
        size_t n = p->section == SECTION_DAEMON ? ELEMENTSOF(daemon_keys) : ELEMENTSOF(rule_keys);

        if (p->section == SECTION_DAEMON && key_in(rule_keys, ELEMENTSOF(rule_keys), key))
                return parser_fail(p, -EINVAL, "%s= belongs in a [Rule NAME] section, not in [Daemon]", key);
        if (p->section == SECTION_RULE && key_in(daemon_keys, ELEMENTSOF(daemon_keys), key))
                return parser_fail(p, -EINVAL, "%s= belongs in the [Daemon] section, not in [%s]", key,
                                   p->section_text);
        for (size_t i = 0; i < n; i++)
                if (strcasecmp(keys[i], key) == 0)
                        return parser_fail(p, -EINVAL,
                                           "unknown key %s= in [%s] (keys are case-sensitive: %s=)", key,
                                           p->section_text, keys[i]);
        return parser_fail(p, -EINVAL, "unknown key %s= in [%s]", key, p->section_text);
}

static int parse_duration_value(Parser *p, const char *key, const char *value, uint64_t *ret)
{
        if (jit_parse_duration(value, ret) < 0)
                return parser_fail(
                    p, -EINVAL, "%s=%s is not a valid duration (e.g. 90s, 15m, 2h, 1h30m, 1d; at most 7d)",
                    key, value);
        return 0;
}

/* A size in bytes, with an optional K, M or G (powers of 1024), as systemd's SystemMaxUse=. */
static int parse_size_value(Parser *p, const char *key, const char *value, uint64_t *ret)
{
        static const struct {
                char suffix;
                uint64_t factor;
        } units[] = {{'K', 1ULL << 10}, {'M', 1ULL << 20}, {'G', 1ULL << 30}};
        uint64_t n, factor = 1;
        size_t len = strlen(value);

        for (size_t i = 0; i < ELEMENTSOF(units) && len > 1; i++)
                if (value[len - 1] == units[i].suffix) {
                        factor = units[i].factor;
                        len--;
                }
        if (jit_parse_u64_strict(value, len, UINT64_C(1) << 50, &n) < 0 ||
            n > (UINT64_C(1) << 50) / factor || (n > 0 && n * factor < POLICY_MIN_MAX_FILE_SIZE))
                return parser_fail(p, -EINVAL,
                                   "%s=%s: expected a size of at least 64K (a number of bytes, or with K, M "
                                   "or G), or 0 to never rotate",
                                   key, value);
        *ret = n * factor;
        return 0;
}

static int set_string(Parser *p, char **dst, const char *value)
{
        char *v = strdup(value);

        if (!v)
                return parser_fail(p, -ENOMEM, "out of memory");
        free(*dst);
        *dst = v;
        return 0;
}

static int parse_signature_value(Parser *p, const char *value, bool *ret)
{
        if (!streq(value, "required") && !streq(value, "optional"))
                return parser_fail(p, -EINVAL, "Signature=%s: expected required or optional", value);
        *ret = streq(value, "required");
        return 0;
}

static int daemon_key(Parser *p, const char *key, const char *value)
{
        PolicyDaemon *d = &p->policy->daemon;
        const char *problem;
        int r;

        if (!key_in(daemon_keys, ELEMENTSOF(daemon_keys), key))
                return unknown_key(p, key);
        if (!*value)
                return parser_fail(p, -EINVAL, "%s= needs a value", key);

        if (streq(key, "ApproverGroup")) {
                problem = name_problem(value, strlen(value));
                if (problem)
                        return parser_fail(p, -EINVAL, "ApproverGroup=%s: the group name %s", value,
                                           problem);
                return set_string(p, &d->approver_group, value);
        }
        if (streq(key, "RequestTimeout"))
                return parse_duration_value(p, key, value, &d->request_timeout_usec);
        if (streq(key, "EpochLength"))
                return parse_duration_value(p, key, value, &d->epoch_length_usec);
        if (streq(key, "DefaultGrant")) {
                r = parse_duration_value(p, key, value, &d->default_grant_usec);
                p->default_grant_file = p->path;
                p->default_grant_line = p->line;
                return r;
        }
        if (streq(key, "MaxGrant")) {
                r = parse_duration_value(p, key, value, &d->max_grant_usec);
                p->max_grant_file = p->path;
                p->max_grant_line = p->line;
                return r;
        }
        if (streq(key, "MirrorQueue")) {
                char *end;
                unsigned long long n;

                errno = 0;
                n = strtoull(value, &end, 10);
                if (errno || *end || value[0] < '0' || value[0] > '9' || n > POLICY_MAX_MIRROR_QUEUE)
                        return parser_fail(p, -EINVAL,
                                           "MirrorQueue=%s: expected a number of entries from 0 to %d",
                                           value, POLICY_MAX_MIRROR_QUEUE);
                d->mirror_queue = (size_t)n;
                return 0;
        }
        if (streq(key, "MaxFileSize"))
                return parse_size_value(p, key, value, &d->max_file_size);
        if (streq(key, "Signature"))
                return parse_signature_value(p, value, &d->signature_required);
        /* The remaining keys are paths. */
        if (value[0] != '/')
                return parser_fail(p, -EINVAL, "%s=%s: must be an absolute path", key, value);
        if (streq(key, "JournalFile"))
                return set_string(p, &d->journal_file, value);
        if (streq(key, "ApproversFile"))
                return set_string(p, &d->approvers_file, value);
        if (streq(key, "StateDirectory"))
                return set_string(p, &d->state_directory, value);
        return set_string(p, &d->public_key_file, value);
}

static int scalar_once(Parser *p, unsigned *line, const char *key)
{
        if (*line)
                return parser_fail(p, -EINVAL, "%s= is set twice in rule %s (first on line %u)", key,
                                   p->policy->rules[p->rule].name, *line);
        *line = p->line;
        return 0;
}

/* User=, Group=, Service=, Host=: a space-separated list, and the key may repeat. */
static int rule_add_words(Parser *p, PolicyList *l, const char *key, const char *value, bool glob)
{
        const char *s = value;
        int r;

        for (;;) {
                size_t n;
                const char *problem;
                _cleanup_free_ char *word = NULL;

                s += strspn(s, " \t");
                if (!*s)
                        return 0;
                n = strcspn(s, " \t");
                if (glob) {
                        word = strndup(s, n);
                        if (!word)
                                return parser_fail(p, -ENOMEM, "out of memory");
                        problem = glob_problem(word);
                } else
                        problem = name_problem(s, n);
                if (problem)
                        return parser_fail(p, -EINVAL, "%s=: \"%.*s\" %s", key, (int)n, s, problem);
                if (l->n >= POLICY_MAX_VALUES && !policy_list_contains_n(l, s, n))
                        return parser_fail(p, -E2BIG, "%s= has more than %d values in rule %s", key,
                                           POLICY_MAX_VALUES, p->policy->rules[p->rule].name);
                r = policy_list_add(l, s, n);
                if (r < 0)
                        return parser_fail(p, r, "out of memory");
                s += n;
        }
}

/* Approvers=: users and @groups, separated by commas and/or spaces; an empty entry is an error. */
static int rule_add_approvers(Parser *p, PolicyRule *rule, const char *value)
{
        const char *s = value;
        bool need_entry = true; /* at the start, and after a comma */
        int r;

        for (;;) {
                bool group;
                size_t n;
                const char *problem;
                PolicyList *l;

                s += strspn(s, " \t");
                if (*s == ',' || !*s) {
                        if (need_entry)
                                return parser_fail(p, -EINVAL, "Approvers=%s: an empty entry", value);
                        if (!*s)
                                return 0;
                        need_entry = true;
                        s++;
                        continue;
                }
                group = *s == '@';
                if (group)
                        s++;
                n = strcspn(s, ", \t");
                problem = name_problem(s, n);
                if (problem)
                        return parser_fail(p, -EINVAL, "Approvers=: %s\"%.*s\" %s", group ? "@" : "", (int)n,
                                           s, problem);
                l = group ? &rule->approver_groups : &rule->approver_users;
                if (rule->approver_users.n + rule->approver_groups.n >= POLICY_MAX_VALUES &&
                    !policy_list_contains_n(l, s, n))
                        return parser_fail(p, -E2BIG, "Approvers= has more than %d values in rule %s",
                                           POLICY_MAX_VALUES, rule->name);
                r = policy_list_add(l, s, n);
                if (r < 0)
                        return parser_fail(p, r, "out of memory");
                s += n;
                need_entry = false;
        }
}

static int rule_key(Parser *p, const char *key, const char *value)
{
        PolicyRule *rule = &p->policy->rules[p->rule];
        KeyLines *k = &p->key_lines[p->rule];
        int r, i;

        if (!key_in(rule_keys, ELEMENTSOF(rule_keys), key))
                return unknown_key(p, key);
        if (!*value)
                return parser_fail(p, -EINVAL,
                                   "%s= is empty; omit the key to match everything, or give a value", key);

        if (streq(key, "User"))
                return rule_add_words(p, &rule->users, key, value, false);
        if (streq(key, "Group"))
                return rule_add_words(p, &rule->groups, key, value, false);
        if (streq(key, "Service"))
                return rule_add_words(p, &rule->services, key, value, false);
        if (streq(key, "Host"))
                return rule_add_words(p, &rule->hosts, key, value, true);
        if (streq(key, "Command")) {
                /* One glob per line: spaces belong to the command. */
                const char *problem = glob_problem(value);
                if (problem)
                        return parser_fail(p, -EINVAL, "Command=%s %s", value, problem);
                if (rule->commands.n >= POLICY_MAX_VALUES &&
                    !policy_list_contains_n(&rule->commands, value, strlen(value)))
                        return parser_fail(p, -E2BIG, "Command= has more than %d values in rule %s",
                                           POLICY_MAX_VALUES, rule->name);
                r = policy_list_add(&rule->commands, value, strlen(value));
                return r < 0 ? parser_fail(p, r, "out of memory") : 0;
        }
        if (streq(key, "Approvers")) {
                if (!k->approvers)
                        k->approvers = p->line;
                return rule_add_approvers(p, rule, value);
        }
        if (streq(key, "Action")) {
                r = scalar_once(p, &k->action, key);
                if (r < 0)
                        return r;
                i = policy_action_from_string(value);
                if (i < 0)
                        return parser_fail(p, -EINVAL,
                                           "Action=%s: expected approve, deny, require or ignore", value);
                rule->action = (PolicyAction)i;
                return 0;
        }
        if (streq(key, "Approvals")) {
                size_t n = strspn(value, "0123456789");
                unsigned v = 0;

                r = scalar_once(p, &k->approvals, key);
                if (r < 0)
                        return r;
                for (size_t j = 0; j < n && j < 3; j++)
                        v = v * 10 + (unsigned)(value[j] - '0');
                /* Plain decimal only: no sign, no leading zero, no "2 people". */
                if (n == 0 || n > 2 || value[n] || value[0] == '0' || v > POLICY_MAX_APPROVALS)
                        return parser_fail(p, -EINVAL, "Approvals=%s: expected a number from 1 to %d", value,
                                           POLICY_MAX_APPROVALS);
                rule->approvals = v;
                return 0;
        }
        if (streq(key, "Reason")) {
                r = scalar_once(p, &k->reason, key);
                if (r < 0)
                        return r;
                i = policy_reason_from_string(value);
                if (i < 0)
                        return parser_fail(p, -EINVAL, "Reason=%s: expected none, prompt or required",
                                           value);
                rule->reason = (PolicyReason)i;
                return 0;
        }
        if (streq(key, "Scope")) {
                r = scalar_once(p, &k->scope, key);
                if (r < 0)
                        return r;
                i = policy_scope_from_string(value);
                if (i < 0)
                        return parser_fail(p, -EINVAL, "Scope=%s: expected command or service", value);
                rule->scope = (PolicyScope)i;
                return 0;
        }
        if (streq(key, "BreakGlass")) {
                r = scalar_once(p, &k->break_glass, key);
                if (r < 0)
                        return r;
                if (!streq(value, "yes") && !streq(value, "no"))
                        return parser_fail(p, -EINVAL, "BreakGlass=%s: expected yes or no", value);
                rule->break_glass = streq(value, "yes");
                return 0;
        }
        if (streq(key, "Signature")) {
                r = scalar_once(p, &k->signature, key);
                return r < 0 ? r : parse_signature_value(p, value, &rule->signature_required);
        }
        if (streq(key, "DefaultGrant")) {
                r = scalar_once(p, &k->default_grant, key);
                return r < 0 ? r : parse_duration_value(p, key, value, &rule->default_grant_usec);
        }
        assert(streq(key, "MaxGrant"));
        r = scalar_once(p, &k->max_grant, key);
        return r < 0 ? r : parse_duration_value(p, key, value, &rule->max_grant_usec);
}

int parser_key(Parser *p, const char *key, const char *value)
{
        if (!*key)
                return parser_fail(p, -EINVAL, "no key before '='");
        if (p->section == SECTION_NONE)
                return parser_fail(p, -EINVAL,
                                   "%s= outside any section; put it under [Daemon] or [Rule NAME]", key);
        if (strlen(value) > POLICY_MAX_VALUE)
                return parser_fail(p, -E2BIG, "the value of %s= is longer than %d bytes", key,
                                   POLICY_MAX_VALUE);
        if (p->section == SECTION_DAEMON)
                return daemon_key(p, key, value);
        return rule_key(p, key, value);
}
