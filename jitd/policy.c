/* jitd's configuration and policy: jitd.conf and its drop-ins, read with libinih, and rule matching. */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "duration.h"
#include "policy.h"
#include "sanitize.h"
#include "util.h"

#define DEFAULT_APPROVER_GROUP "jit-approvers"
#define DEFAULT_STATE_DIRECTORY "/var/lib/jit"
#define DEFAULT_JOURNAL_NAME "journal.jsonl"
#define DEFAULT_PUBLIC_KEY_NAME "journal.pub"
#define MAX_ERROR_MESSAGE 2048

static uint64_t min_u64(uint64_t a, uint64_t b)
{
        return a < b ? a : b;
}

/* Debian's libinih turns its compile-time options into variables, among them the size of the line
 * buffer it hands to the reader (200 bytes by default). Weak, so that a libinih without the variable
 * still links; the reader refuses lines that do not fit either way, so nothing is ever cut. */
extern int ini_max_line;
#pragma weak ini_max_line

typedef enum Section {
        SECTION_NONE,
        SECTION_DAEMON,
        SECTION_RULE,
} Section;

/* Where each of a rule's action keys was set (0: not set), for errors found after its section. */
typedef struct KeyLines {
        unsigned action, approvers, approvals, reason, default_grant, max_grant, scope, break_glass;
} KeyLines;

typedef struct Parser {
        Policy *policy;
        KeyLines *key_lines; /* parallel to policy->rules */
        PolicyError error;   /* the first error */
        int error_r;         /* its negative errno; 0 while all is well */

        /* Where [Daemon]'s grant settings came from, for the check made once every file is read. */
        const char *default_grant_file, *max_grant_file;
        unsigned default_grant_line, max_grant_line;

        /* The file being read. */
        const char *path; /* as shown, owned by policy->files */
        const char *buf;
        size_t size, pos;
        unsigned line;
        Section section;
        char section_text[sizeof("Rule ") + POLICY_MAX_RULE_NAME];
        size_t rule; /* index of the current rule when section is SECTION_RULE */
} Parser;

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

/* ---- Errors ---------------------------------------------------------------------------------- */

void policy_error_done(PolicyError *e)
{
        if (!e)
                return;
        free(e->file);
        free(e->message);
        *e = (PolicyError){};
}

/* Record the first error. The whole message is sanitised once, so nothing from a file (a value, a
 * file name) reaches a terminal or a log raw. Returns r for "return fail(...)". */
static int fail_at(Parser *p, int r, const char *file, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int fail_at(Parser *p, int r, const char *file, unsigned line, const char *fmt, ...)
{
        _cleanup_free_ char *what = NULL, *raw = NULL;
        va_list ap;
        int k;

        assert(r < 0);
        if (p->error_r < 0)
                return r; /* keep the first */
        p->error_r = r;

        va_start(ap, fmt);
        k = vasprintf(&what, fmt, ap);
        va_end(ap);
        if (k < 0)
                return r; /* the errno stands, without words */
        if (file && line > 0)
                k = asprintf(&raw, "%s:%u: %s", file, line, what);
        else if (file)
                k = asprintf(&raw, "%s: %s", file, what);
        else
                k = asprintf(&raw, "%s", what);
        if (k < 0)
                return r;
        p->error.message = jit_sanitize(raw, strlen(raw), MAX_ERROR_MESSAGE);
        p->error.file = file ? jit_sanitize(file, strlen(file), MAX_ERROR_MESSAGE) : NULL;
        p->error.line = line;
        return r;
}

#define fail(p, r, ...) fail_at((p), (r), (p)->path, (p)->line, __VA_ARGS__)

/* ---- Lists and names ------------------------------------------------------------------------- */

static bool list_contains_n(const PolicyList *l, const char *s, size_t n)
{
        for (size_t i = 0; i < l->n; i++)
                if (strlen(l->items[i]) == n && memcmp(l->items[i], s, n) == 0)
                        return true;
        return false;
}

static bool list_contains(const PolicyList *l, const char *s)
{
        return list_contains_n(l, s, strlen(s));
}

static int list_add(PolicyList *l, const char *s, size_t n)
{
        char **items;

        if (list_contains_n(l, s, n))
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

static void list_free(PolicyList *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->items[i]);
        free(l->items);
        *l = (PolicyList){};
}

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

/* ---- Globs ----------------------------------------------------------------------------------- */

/* Matching is our own, byte-wise and locale-independent: glibc's fnmatch() under a UTF-8 locale
 * fails on invalid UTF-8, which would let "sudo bash $'\xff'" slip past a deny rule. The syntax is
 * fnmatch(3)'s without flags: * ? [...] [!...] and backslash escapes; no [[:classes:]]. */

static unsigned char ascii_lower(unsigned char c)
{
        return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

static unsigned char ascii_upper(unsigned char c)
{
        return c >= 'a' && c <= 'z' ? (unsigned char)(c - 'a' + 'A') : c;
}

/* Parse the bracket expression at pat[0] == '['. Sets *ret_end past its ']' and *ret_match to whether
 * c is in the set. False when malformed: unterminated, a reversed range, or a [: := [. class. */
static bool glob_bracket(const char *pat, unsigned char c, bool fold, bool *ret_match, const char **ret_end)
{
        const char *p = pat + 1;
        bool negate = false, match = false;

        if (*p == '!' || *p == '^') {
                negate = true;
                p++;
        }
        for (bool first = true;; first = false) {
                unsigned char lo, hi;

                if (*p == '\0')
                        return false;
                if (*p == ']' && !first)
                        break;
                if (*p == '[' && (p[1] == ':' || p[1] == '=' || p[1] == '.'))
                        return false;
                if (*p == '\\' && p[1])
                        p++;
                lo = hi = (unsigned char)*p++;
                if (p[0] == '-' && p[1] && p[1] != ']') {
                        p++;
                        if (*p == '\\' && p[1])
                                p++;
                        hi = (unsigned char)*p++;
                        if (hi < lo)
                                return false;
                }
                if ((c >= lo && c <= hi) || (fold && ((ascii_lower(c) >= lo && ascii_lower(c) <= hi) ||
                                                      (ascii_upper(c) >= lo && ascii_upper(c) <= hi))))
                        match = true;
        }
        *ret_end = p + 1;
        *ret_match = match != negate;
        return true;
}

/* What is wrong with a glob, or NULL. Checked at load time so matching never meets a broken one. */
static const char *glob_problem(const char *pat)
{
        for (const char *p = pat; *p; p++) {
                if (*p == '\\') {
                        if (!p[1])
                                return "ends with a lone backslash";
                        p++;
                } else if (*p == '[') {
                        const char *end;
                        bool m;
                        if (!glob_bracket(p, 0, false, &m, &end))
                                return "has an unterminated or invalid [...] (character classes such as "
                                       "[[:alpha:]] are not supported)";
                        p = end - 1;
                }
        }
        return NULL;
}

/* A position in the subject: words joined by single spaces, the first word possibly replaced (by the
 * program's base name), walked without building the joined string, so matching never allocates. */
typedef struct Cursor {
        char *const *words;
        size_t n; /* >= 1 */
        size_t w; /* the current word */
        const char *p;
} Cursor;

static Cursor cursor_make(char *const *words, size_t n, const char *first)
{
        return (Cursor){.words = words, .n = n, .w = 0, .p = first};
}

static int cursor_peek(const Cursor *c)
{
        if (*c->p)
                return (unsigned char)*c->p;
        return c->w + 1 < c->n ? ' ' : -1;
}

static void cursor_next(Cursor *c)
{
        if (*c->p)
                c->p++;
        else if (c->w + 1 < c->n)
                c->p = c->words[++c->w];
}

/* Does one pattern element (not '*') at pat match c? Sets *ret_next past the element. */
static bool glob_one(const char *pat, unsigned char c, bool fold, const char **ret_next)
{
        unsigned char want;
        bool m;

        switch (*pat) {
        case '?':
                *ret_next = pat + 1;
                return true;
        case '[':
                if (!glob_bracket(pat, c, fold, &m, ret_next))
                        return false;
                return m;
        case '\\':
                if (pat[1])
                        pat++;
                break;
        }
        want = (unsigned char)*pat;
        *ret_next = pat + 1;
        return fold ? ascii_lower(want) == ascii_lower(c) : want == c;
}

/* Iterative matching with one backtrack point (the last '*'): O(pattern × subject), no recursion, so a
 * long argv cannot blow up the time or the stack. */
static bool glob_match(const char *pat, Cursor s, bool fold)
{
        const char *star_pat = NULL;
        Cursor star_s = s;

        for (;;) {
                int c;

                if (*pat == '*') {
                        while (*pat == '*')
                                pat++;
                        if (!*pat)
                                return true;
                        star_pat = pat;
                        star_s = s;
                        continue;
                }
                c = cursor_peek(&s);
                if (c >= 0 && *pat) {
                        const char *next;
                        if (glob_one(pat, (unsigned char)c, fold, &next)) {
                                pat = next;
                                cursor_next(&s);
                                continue;
                        }
                } else if (c < 0 && !*pat)
                        return true;
                /* A mismatch: let the last '*' take one more byte, or give up. */
                if (!star_pat || cursor_peek(&star_s) < 0)
                        return false;
                cursor_next(&star_s);
                s = star_s;
                pat = star_pat;
        }
}

static bool glob_match_string(const char *pat, const char *s, bool fold)
{
        char *const words[] = {(char *)s};

        return glob_match(pat, cursor_make(words, 1, s), fold);
}

/* ---- Rules ----------------------------------------------------------------------------------- */

static void rule_done(PolicyRule *r)
{
        free(r->name);
        list_free(&r->users);
        list_free(&r->groups);
        list_free(&r->services);
        list_free(&r->commands);
        list_free(&r->hosts);
        list_free(&r->approver_users);
        list_free(&r->approver_groups);
}

static int rule_new(Parser *p, const char *name, size_t n)
{
        Policy *pol = p->policy;
        PolicyRule *rules;
        KeyLines *lines;

        if (pol->n_rules >= POLICY_MAX_RULES)
                return fail(p, -E2BIG, "more than %d rules", POLICY_MAX_RULES);
        for (size_t i = 0; i < pol->n_rules; i++)
                if (strlen(pol->rules[i].name) == n && memcmp(pol->rules[i].name, name, n) == 0)
                        return fail(p, -EINVAL, "rule %.*s is already defined at %s:%u", (int)n, name,
                                    pol->rules[i].file, pol->rules[i].line);

        rules = reallocarray(pol->rules, pol->n_rules + 1, sizeof(PolicyRule));
        if (!rules)
                return fail(p, -ENOMEM, "out of memory");
        pol->rules = rules;
        lines = reallocarray(p->key_lines, pol->n_rules + 1, sizeof(KeyLines));
        if (!lines)
                return fail(p, -ENOMEM, "out of memory");
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
                return fail(p, -ENOMEM, "out of memory");
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
                return fail_at(p, -EINVAL, r->file, r->line, "rule %s has no Action=", r->name);

        if (r->action != POLICY_ACTION_REQUIRE) {
                struct {
                        const char *key;
                        unsigned line;
                } only_require[] = {
                    {"Approvers", k->approvers},    {"Approvals", k->approvals},
                    {"BreakGlass", k->break_glass}, {"DefaultGrant", k->default_grant},
                    {"MaxGrant", k->max_grant},     {"Scope", k->scope},
                };
                for (size_t j = 0; j < ELEMENTSOF(only_require); j++)
                        if (only_require[j].line)
                                return fail_at(p, -EINVAL, r->file, only_require[j].line,
                                               "%s= needs Action=require, but rule %s has Action=%s",
                                               only_require[j].key, r->name, action);
                if (k->reason && r->action != POLICY_ACTION_APPROVE)
                        return fail_at(p, -EINVAL, r->file, k->reason,
                                       "Reason= has no effect with Action=%s (rule %s)", action, r->name);
                return 0;
        }

        if (r->break_glass) {
                if (r->approvals > 1)
                        return fail_at(p, -EINVAL, r->file, k->approvals,
                                       "BreakGlass=yes lets the requester approve alone; it cannot be "
                                       "combined with Approvals=%u (rule %s)",
                                       r->approvals, r->name);
                if (k->reason && r->reason != POLICY_REASON_REQUIRED)
                        return fail_at(p, -EINVAL, r->file, k->reason,
                                       "BreakGlass=yes needs a reason: Reason=%s is not allowed (rule %s)",
                                       policy_reason_to_string(r->reason), r->name);
                r->reason = POLICY_REASON_REQUIRED;
        }
        if (r->approver_groups.n == 0 && r->approver_users.n > 0 && r->approvals > r->approver_users.n)
                return fail_at(p, -EINVAL, r->file, k->approvals ? k->approvals : k->approvers,
                               "Approvals=%u, but Approvers= names only %zu people (rule %s)", r->approvals,
                               r->approver_users.n, r->name);
        return 0;
}

static int section_close(Parser *p)
{
        int r = 0;

        if (p->section == SECTION_RULE)
                r = rule_finish(p, p->rule);
        p->section = SECTION_NONE;
        p->section_text[0] = '\0';
        return r;
}

/* A "[...]" line, already known to start with '[' and to have no trailing whitespace. */
static int section_open(Parser *p, const char *s, size_t len)
{
        const char *text = s + 1;
        size_t n = len - 2;
        int r;

        if (len < 2 || s[len - 1] != ']')
                return fail(p, -EINVAL, "a section header must end with ']' (nothing may follow it)");
        if (memchr(text, '[', n) || memchr(text, ']', n))
                return fail(p, -EINVAL, "malformed section header");

        r = section_close(p);
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
                        return fail(p, -EINVAL, "a rule needs a name: [Rule NAME]");
                if (!rule_name_valid(name, name_len))
                        return fail(
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
        return fail(p, -EINVAL, "unknown section [%.*s]; expected [Daemon] or [Rule NAME]", (int)n, text);
}

/* ---- Keys ------------------------------------------------------------------------------------ */

static const char *const daemon_keys[] = {
    "ApproverGroup",  "RequestTimeout", "DefaultGrant", "MaxGrant",    "JournalFile",
    "StateDirectory", "PublicKeyFile",  "EpochLength",  "MirrorQueue",
};

static const char *const rule_keys[] = {
    "User",      "Group",  "Service",      "Command",  "Host",  "Action",     "Approvers",
    "Approvals", "Reason", "DefaultGrant", "MaxGrant", "Scope", "BreakGlass",
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
                return fail(p, -EINVAL, "%s= belongs in a [Rule NAME] section, not in [Daemon]", key);
        if (p->section == SECTION_RULE && key_in(daemon_keys, ELEMENTSOF(daemon_keys), key))
                return fail(p, -EINVAL, "%s= belongs in the [Daemon] section, not in [%s]", key,
                            p->section_text);
        for (size_t i = 0; i < n; i++)
                if (strcasecmp(keys[i], key) == 0)
                        return fail(p, -EINVAL, "unknown key %s= in [%s] (keys are case-sensitive: %s=)",
                                    key, p->section_text, keys[i]);
        return fail(p, -EINVAL, "unknown key %s= in [%s]", key, p->section_text);
}

static int parse_duration_value(Parser *p, const char *key, const char *value, uint64_t *ret)
{
        if (jit_parse_duration(value, ret) < 0)
                return fail(p, -EINVAL,
                            "%s=%s is not a valid duration (e.g. 90s, 15m, 2h, 1h30m, 1d; at most 7d)", key,
                            value);
        return 0;
}

static int set_string(Parser *p, char **dst, const char *value)
{
        char *v = strdup(value);

        if (!v)
                return fail(p, -ENOMEM, "out of memory");
        free(*dst);
        *dst = v;
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
                return fail(p, -EINVAL, "%s= needs a value", key);

        if (streq(key, "ApproverGroup")) {
                problem = name_problem(value, strlen(value));
                if (problem)
                        return fail(p, -EINVAL, "ApproverGroup=%s: the group name %s", value, problem);
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
                        return fail(p, -EINVAL, "MirrorQueue=%s: expected a number of entries from 0 to %d",
                                    value, POLICY_MAX_MIRROR_QUEUE);
                d->mirror_queue = (size_t)n;
                return 0;
        }
        /* The remaining keys are paths. */
        if (value[0] != '/')
                return fail(p, -EINVAL, "%s=%s: must be an absolute path", key, value);
        if (streq(key, "JournalFile"))
                return set_string(p, &d->journal_file, value);
        if (streq(key, "StateDirectory"))
                return set_string(p, &d->state_directory, value);
        return set_string(p, &d->public_key_file, value);
}

static int scalar_once(Parser *p, unsigned *line, const char *key)
{
        if (*line)
                return fail(p, -EINVAL, "%s= is set twice in rule %s (first on line %u)", key,
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
                                return fail(p, -ENOMEM, "out of memory");
                        problem = glob_problem(word);
                } else
                        problem = name_problem(s, n);
                if (problem)
                        return fail(p, -EINVAL, "%s=: \"%.*s\" %s", key, (int)n, s, problem);
                if (l->n >= POLICY_MAX_VALUES && !list_contains_n(l, s, n))
                        return fail(p, -E2BIG, "%s= has more than %d values in rule %s", key,
                                    POLICY_MAX_VALUES, p->policy->rules[p->rule].name);
                r = list_add(l, s, n);
                if (r < 0)
                        return fail(p, r, "out of memory");
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
                                return fail(p, -EINVAL, "Approvers=%s: an empty entry", value);
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
                        return fail(p, -EINVAL, "Approvers=: %s\"%.*s\" %s", group ? "@" : "", (int)n, s,
                                    problem);
                l = group ? &rule->approver_groups : &rule->approver_users;
                if (rule->approver_users.n + rule->approver_groups.n >= POLICY_MAX_VALUES &&
                    !list_contains_n(l, s, n))
                        return fail(p, -E2BIG, "Approvers= has more than %d values in rule %s",
                                    POLICY_MAX_VALUES, rule->name);
                r = list_add(l, s, n);
                if (r < 0)
                        return fail(p, r, "out of memory");
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
                return fail(p, -EINVAL, "%s= is empty; omit the key to match everything, or give a value",
                            key);

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
                        return fail(p, -EINVAL, "Command=%s %s", value, problem);
                if (rule->commands.n >= POLICY_MAX_VALUES && !list_contains(&rule->commands, value))
                        return fail(p, -E2BIG, "Command= has more than %d values in rule %s",
                                    POLICY_MAX_VALUES, rule->name);
                r = list_add(&rule->commands, value, strlen(value));
                return r < 0 ? fail(p, r, "out of memory") : 0;
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
                i = table_lookup(action_table, _POLICY_ACTION_MAX, value);
                if (i < 0)
                        return fail(p, -EINVAL, "Action=%s: expected approve, deny, require or ignore",
                                    value);
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
                        return fail(p, -EINVAL, "Approvals=%s: expected a number from 1 to %d", value,
                                    POLICY_MAX_APPROVALS);
                rule->approvals = v;
                return 0;
        }
        if (streq(key, "Reason")) {
                r = scalar_once(p, &k->reason, key);
                if (r < 0)
                        return r;
                i = table_lookup(reason_table, _POLICY_REASON_MAX, value);
                if (i < 0)
                        return fail(p, -EINVAL, "Reason=%s: expected none, prompt or required", value);
                rule->reason = (PolicyReason)i;
                return 0;
        }
        if (streq(key, "Scope")) {
                r = scalar_once(p, &k->scope, key);
                if (r < 0)
                        return r;
                i = table_lookup(scope_table, _POLICY_SCOPE_MAX, value);
                if (i < 0)
                        return fail(p, -EINVAL, "Scope=%s: expected command or service", value);
                rule->scope = (PolicyScope)i;
                return 0;
        }
        if (streq(key, "BreakGlass")) {
                r = scalar_once(p, &k->break_glass, key);
                if (r < 0)
                        return r;
                if (!streq(value, "yes") && !streq(value, "no"))
                        return fail(p, -EINVAL, "BreakGlass=%s: expected yes or no", value);
                rule->break_glass = streq(value, "yes");
                return 0;
        }
        if (streq(key, "DefaultGrant")) {
                r = scalar_once(p, &k->default_grant, key);
                return r < 0 ? r : parse_duration_value(p, key, value, &rule->default_grant_usec);
        }
        assert(streq(key, "MaxGrant"));
        r = scalar_once(p, &k->max_grant, key);
        return r < 0 ? r : parse_duration_value(p, key, value, &rule->max_grant_usec);
}

static int key_value(Parser *p, const char *section, const char *key, const char *value)
{
        if (p->error_r < 0)
                return p->error_r;
        /* libinih keeps its own copy of the section name, cut at 49 bytes; ours comes from the reader
         * and is complete. They must agree, or the two parsers read the file differently. */
        if (strncmp(section, p->section_text, strlen(section)) != 0)
                return fail(p, -EINVAL, "internal error: libinih and the reader disagree about the section");
        if (!*key)
                return fail(p, -EINVAL, "no key before '='");
        if (p->section == SECTION_NONE)
                return fail(p, -EINVAL, "%s= outside any section; put it under [Daemon] or [Rule NAME]",
                            key);
        if (strlen(value) > POLICY_MAX_VALUE)
                return fail(p, -E2BIG, "the value of %s= is longer than %d bytes", key, POLICY_MAX_VALUE);
        if (p->section == SECTION_DAEMON)
                return daemon_key(p, key, value);
        return rule_key(p, key, value);
}

/* libinih's handler: called for each Key=Value line, right after the reader handed over that line,
 * so p->line is its line. Nonzero means "fine". */
static int on_key(void *userdata, const char *section, const char *key, const char *value)
{
        return key_value(userdata, section, key, value) >= 0;
}

/* ---- Lines ----------------------------------------------------------------------------------- */

/* Check one line before libinih sees it, so that libinih's quiet leniencies become errors: an indented
 * line it would take as a continuation of the previous value, "Key:Value", text after a section's ']',
 * section names it would cut, NUL bytes that would end the line early. Opens sections. */
static int line_check(Parser *p, const char *s, size_t len)
{
        size_t i;

        if (memchr(s, '\0', len))
                return fail(p, -EINVAL, "a NUL byte");
        if (p->line == 1 && len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
                s += 3; /* a UTF-8 byte order mark, which libinih skips too */
                len -= 3;
        }
        if (len > 0 && s[len - 1] == '\r')
                len--;
        for (i = 0; i < len; i++)
                if (((unsigned char)s[i] < ' ' && s[i] != '\t') || s[i] == 0x7f)
                        return fail(p, -EINVAL, "a control character (byte 0x%02x)", (unsigned char)s[i]);
        while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
                len--;
        i = strspn(s, " \t");
        if (i >= len || s[i] == '#' || s[i] == ';')
                return 0; /* blank, or a comment */
        if (i > 0)
                return fail(p, -EINVAL,
                            "an indented line; libinih would read it as more of the previous "
                            "value, so remove the leading whitespace");
        if (s[0] == '[')
                return section_open(p, s, len);
        /* libinih splits at the first '=' or ':', and a " ;" starts a comment. */
        for (i = 0; i < len; i++) {
                if (s[i] == '=')
                        return 0;
                if (s[i] == ':')
                        return fail(p, -EINVAL, "expected Key=Value (':' is not a separator here)");
                if (s[i] == ';' && i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t'))
                        break;
        }
        return fail(p, -EINVAL, "expected Key=Value, [Section] or a comment");
}

/* libinih's reader: hands over one whole line, or stops the parse (NULL) at the end or an error. */
static char *read_line(char *str, int num, void *userdata)
{
        Parser *p = userdata;
        const char *start, *nl;
        size_t len, n;

        if (p->error_r < 0 || p->pos >= p->size)
                return NULL;
        start = p->buf + p->pos;
        nl = memchr(start, '\n', p->size - p->pos);
        len = nl ? (size_t)(nl - start) : p->size - p->pos;
        n = nl ? len + 1 : len;
        p->pos += n;
        p->line++;

        /* The line, its '\n' and a NUL must fit, or libinih would split it into two lines. */
        if (len > POLICY_MAX_LINE || num < 2 || len + 2 > (size_t)num) {
                size_t limit = num < 2 ? 0 : (size_t)num - 2;
                fail(p, -E2BIG, "the line is longer than %zu bytes",
                     limit < POLICY_MAX_LINE ? limit : POLICY_MAX_LINE);
                return NULL;
        }
        if (line_check(p, start, len) < 0)
                return NULL;
        memcpy(str, start, n);
        str[n] = '\0';
        return str;
}

/* ---- Files ----------------------------------------------------------------------------------- */

/* Only root may write what decides who becomes root: a file or directory anyone else can write would
 * let its writer grant themselves root. The caller's own euid is accepted too, so unprivileged tests
 * work; jitd runs as root, where the two are the same. */
static int check_owner(Parser *p, const struct stat *st, const char *shown, bool dir)
{
        if (dir ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode))
                return fail_at(p, dir ? -ENOTDIR : -EINVAL, shown, 0, "not a %s",
                               dir ? "directory" : "regular file");
        if ((st->st_uid != 0 && st->st_uid != geteuid()) || (st->st_mode & (S_IWGRP | S_IWOTH)))
                return fail_at(p, -EPERM, shown, 0,
                               "refusing it: must be owned by root and not group- or world-writable "
                               "(owner uid %u, mode %04o)",
                               (unsigned)st->st_uid, (unsigned)(st->st_mode & 07777));
        return 0;
}

static int open_failed(Parser *p, int r, const char *shown)
{
        if (r == -ELOOP)
                return fail_at(p, r, shown, 0, "refusing a symbolic link");
        return fail_at(p, r, shown, 0, "cannot open: %s", strerror(-r));
}

/* Read one file whole: it is small (bounded), and reading it ourselves lets the reader see every byte. */
static int read_file(Parser *p, int dir_fd, const char *name, const char *shown, char **ret,
                     size_t *ret_size)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t size = 0;
        int r;

        /* O_NONBLOCK: a FIFO planted at the path must not hang the open; it is refused just below. */
        fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return open_failed(p, -errno, shown);
        if (fstat(fd, &st) < 0)
                return fail_at(p, -errno, shown, 0, "cannot stat: %m");
        r = check_owner(p, &st, shown, false);
        if (r < 0)
                return r;
        if (st.st_size > POLICY_MAX_FILE)
                return fail_at(p, -EFBIG, shown, 0, "larger than %d bytes", POLICY_MAX_FILE);

        /* One byte more than allowed, to notice a file that grew after the fstat(). */
        buf = malloc(POLICY_MAX_FILE + 1);
        if (!buf)
                return fail_at(p, -ENOMEM, shown, 0, "out of memory");
        while (size <= POLICY_MAX_FILE) {
                ssize_t k = read(fd, buf + size, POLICY_MAX_FILE + 1 - size);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return fail_at(p, -errno, shown, 0, "cannot read: %m");
                if (k == 0)
                        break;
                size += (size_t)k;
        }
        if (size > POLICY_MAX_FILE)
                return fail_at(p, -EFBIG, shown, 0, "larger than %d bytes", POLICY_MAX_FILE);
        *ret = TAKE_PTR(buf);
        *ret_size = size;
        return 0;
}

static int add_file_name(Parser *p, char *shown)
{
        Policy *pol = p->policy;
        char **files = reallocarray(pol->files, pol->n_files + 1, sizeof(char *));

        if (!files) {
                free(shown);
                return fail_at(p, -ENOMEM, NULL, 0, "out of memory");
        }
        pol->files = files;
        files[pol->n_files++] = shown;
        return 0;
}

static int parse_file(Parser *p, int dir_fd, const char *name, const char *shown_path)
{
        _cleanup_free_ char *buf = NULL;
        char *shown;
        size_t size = 0;
        int r;

        shown = strdup(shown_path);
        if (!shown)
                return fail_at(p, -ENOMEM, NULL, 0, "out of memory");
        r = add_file_name(p, shown);
        if (r < 0)
                return r;
        r = read_file(p, dir_fd, name, shown, &buf, &size);
        if (r < 0)
                return r;

        p->path = shown;
        p->buf = buf;
        p->size = size;
        p->pos = 0;
        p->line = 0;
        p->section = SECTION_NONE;
        p->section_text[0] = '\0';

        r = ini_parse_stream(read_line, p, on_key, p);
        if (p->error_r == 0)
                (void)section_close(p);
        /* libinih's own complaint comes first only if it is on an earlier line than ours; the reader
         * catches everything libinih would, so this is a safety net. */
        if (r > 0 && (p->error_r == 0 || (unsigned)r < p->error.line)) {
                policy_error_done(&p->error);
                p->error_r = 0;
                fail_at(p, -EINVAL, shown, (unsigned)r, "syntax error");
        } else if (r < 0 && p->error_r == 0)
                fail_at(p, r == -2 ? -ENOMEM : -EIO, shown, 0, "libinih failed (%d)", r);
        p->buf = NULL;
        return p->error_r;
}

static int name_cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_free(char **names, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
}

/* dir/[!.]*.conf in strcmp() order: "10-a.conf" before "9-b.conf", as systemd and run-parts sort. */
static int parse_dropins(Parser *p, const char *dir)
{
        _cleanup_close_ int fd = -1;
        DIR *d;
        struct dirent *de;
        struct stat st;
        char **names = NULL;
        size_t n = 0;
        int r = 0;

        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 && errno == ENOENT)
                return 0; /* no drop-ins */
        if (fd < 0)
                return open_failed(p, -errno, dir);
        if (fstat(fd, &st) < 0)
                return fail_at(p, -errno, dir, 0, "cannot stat: %m");
        /* Whoever can write the directory can delete a drop-in that denies something. */
        r = check_owner(p, &st, dir, true);
        if (r < 0)
                return r;

        d = fdopendir(fd);
        if (!d)
                return fail_at(p, -errno, dir, 0, "cannot read the directory: %m");
        fd = -1; /* the DIR owns it now */

        for (errno = 0; (de = readdir(d)); errno = 0) {
                size_t len = strlen(de->d_name);
                char **more;

                if (de->d_name[0] == '.' || len <= 5 || !streq(de->d_name + len - 5, ".conf"))
                        continue;
                if (n >= POLICY_MAX_DROPINS) {
                        r = fail_at(p, -E2BIG, dir, 0, "more than %d drop-in files", POLICY_MAX_DROPINS);
                        goto out;
                }
                more = reallocarray(names, n + 1, sizeof(char *));
                if (!more || !(more[n] = strdup(de->d_name))) {
                        if (more)
                                names = more;
                        r = fail_at(p, -ENOMEM, NULL, 0, "out of memory");
                        goto out;
                }
                names = more;
                n++;
        }
        if (errno != 0) {
                r = fail_at(p, -errno, dir, 0, "cannot read the directory: %m");
                goto out;
        }
        if (n > 0)
                qsort(names, n, sizeof(char *), name_cmp);

        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *shown = NULL;

                if (asprintf(&shown, "%s/%s", dir, names[i]) < 0) {
                        r = fail_at(p, -ENOMEM, NULL, 0, "out of memory");
                        goto out;
                }
                r = parse_file(p, dirfd(d), names[i], shown);
                if (r < 0)
                        goto out;
        }
out:
        names_free(names, n);
        closedir(d);
        return r;
}

/* ---- After every file: what depends on the merged [Daemon] ------------------------------------ */

static int resolve(Parser *p)
{
        Policy *pol = p->policy;
        PolicyDaemon *d = &pol->daemon;
        char a[32], b[32];
        int r;

        if (d->default_grant_usec > d->max_grant_usec) {
                bool at_default = p->default_grant_line > 0;
                return fail_at(p, -EINVAL, at_default ? p->default_grant_file : p->max_grant_file,
                               at_default ? p->default_grant_line : p->max_grant_line,
                               "[Daemon] DefaultGrant=%s is longer than MaxGrant=%s%s",
                               jit_format_duration(d->default_grant_usec, a, sizeof(a)),
                               jit_format_duration(d->max_grant_usec, b, sizeof(b)),
                               at_default ? "" : " (DefaultGrant= is the built-in default)");
        }
        if (!d->journal_file &&
            asprintf(&d->journal_file, "%s/%s", d->state_directory, DEFAULT_JOURNAL_NAME) < 0) {
                d->journal_file = NULL;
                return fail_at(p, -ENOMEM, NULL, 0, "out of memory");
        }
        /* The key is published from the state directory: jitd never writes under /etc (A45). */
        if (!d->public_key_file &&
            asprintf(&d->public_key_file, "%s/%s", d->state_directory, DEFAULT_PUBLIC_KEY_NAME) < 0) {
                d->public_key_file = NULL;
                return fail_at(p, -ENOMEM, NULL, 0, "out of memory");
        }

        for (size_t i = 0; i < pol->n_rules; i++) {
                PolicyRule *rule = &pol->rules[i];
                const KeyLines *k = &p->key_lines[i];

                if (!k->max_grant)
                        rule->max_grant_usec = d->max_grant_usec;
                if (!k->default_grant)
                        rule->default_grant_usec = min_u64(d->default_grant_usec, rule->max_grant_usec);
                else if (rule->default_grant_usec > rule->max_grant_usec)
                        return fail_at(p, -EINVAL, rule->file, k->default_grant,
                                       "DefaultGrant=%s is longer than MaxGrant=%s%s (rule %s)",
                                       jit_format_duration(rule->default_grant_usec, a, sizeof(a)),
                                       jit_format_duration(rule->max_grant_usec, b, sizeof(b)),
                                       k->max_grant ? "" : " of [Daemon]", rule->name);

                if (rule->action == POLICY_ACTION_REQUIRE && rule->approver_users.n == 0 &&
                    rule->approver_groups.n == 0) {
                        r = list_add(&rule->approver_groups, d->approver_group, strlen(d->approver_group));
                        if (r < 0)
                                return fail_at(p, r, NULL, 0, "out of memory");
                }
        }

        /* A rule behind a catch-all can never match: almost certainly a mistake, e.g. a drop-in rule
         * behind a catch-all in the main file (drop-ins come after it). */
        for (size_t i = 0; i < pol->n_rules; i++)
                if (policy_rule_is_catch_all(&pol->rules[i]) && i + 1 < pol->n_rules)
                        return fail_at(p, -EINVAL, pol->rules[i + 1].file, pol->rules[i + 1].line,
                                       "rule %s can never match: rule %s (%s:%u) has no match keys and so "
                                       "matches every request first",
                                       pol->rules[i + 1].name, pol->rules[i].name, pol->rules[i].file,
                                       pol->rules[i].line);

        pol->default_rule = (PolicyRule){
            .name = strdup(POLICY_DEFAULT_RULE_NAME),
            .action = POLICY_ACTION_REQUIRE,
            .approvals = 1,
            .reason = POLICY_REASON_NONE,
            .default_grant_usec = d->default_grant_usec,
            .max_grant_usec = d->max_grant_usec,
            .scope = POLICY_SCOPE_COMMAND,
        };
        if (!pol->default_rule.name ||
            list_add(&pol->default_rule.approver_groups, d->approver_group, strlen(d->approver_group)) < 0)
                return fail_at(p, -ENOMEM, NULL, 0, "out of memory");
        return 0;
}

/* ---- The public face ------------------------------------------------------------------------- */

void policy_free(Policy *p)
{
        if (!p)
                return;
        free(p->daemon.approver_group);
        free(p->daemon.state_directory);
        free(p->daemon.journal_file);
        free(p->daemon.public_key_file);
        for (size_t i = 0; i < p->n_rules; i++)
                rule_done(&p->rules[i]);
        free(p->rules);
        rule_done(&p->default_rule);
        names_free(p->files, p->n_files);
        free(p);
}

int policy_load(const char *main_path, const char *dropin_dir, Policy **ret, PolicyError *ret_error)
{
        _cleanup_(policy_freep) Policy *pol = NULL;
        Parser p = {};
        int r = 0;

        assert(ret);

        if (ret_error)
                *ret_error = (PolicyError){};
        /* Let libinih hand over lines as long as we accept (Debian's build reads this variable). */
        if (&ini_max_line && ini_max_line < POLICY_MAX_LINE + 2)
                ini_max_line = POLICY_MAX_LINE + 2;

        pol = calloc(1, sizeof(Policy));
        if (!pol)
                return -ENOMEM;
        pol->daemon = (PolicyDaemon){
            .approver_group = strdup(DEFAULT_APPROVER_GROUP),
            .request_timeout_usec = 5 * 60 * USEC_PER_SEC,
            .default_grant_usec = 15 * 60 * USEC_PER_SEC,
            .max_grant_usec = 8 * 3600 * USEC_PER_SEC,
            .epoch_length_usec = 3600 * USEC_PER_SEC,
            .mirror_queue = POLICY_DEFAULT_MIRROR_QUEUE,
            .state_directory = strdup(DEFAULT_STATE_DIRECTORY),
        };
        p.policy = pol;
        if (!pol->daemon.approver_group || !pol->daemon.state_directory)
                r = fail_at(&p, -ENOMEM, NULL, 0, "out of memory");
        else if (main_path)
                r = parse_file(&p, AT_FDCWD, main_path, main_path);
        if (r >= 0 && dropin_dir)
                r = parse_dropins(&p, dropin_dir);
        if (r >= 0)
                r = resolve(&p);

        free(p.key_lines);
        if (r < 0) {
                if (ret_error)
                        *ret_error = p.error;
                else
                        policy_error_done(&p.error);
                return r;
        }
        *ret = TAKE_PTR(pol);
        return 0;
}

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

                if (glob_match(pat, cursor_make(argv, argc, prog), false) ||
                    glob_match_string(pat, prog, false))
                        return true;
                if (by_base && (glob_match(pat, cursor_make(argv, argc, base), false) ||
                                glob_match_string(pat, base, false)))
                        return true;
        }
        return false;
}

static bool command_matches(const PolicyRule *r, const PolicyInput *in)
{
        return command_matches_words(r, in->argv, in->argc) ||
               command_matches_words(r, in->alias_argv, in->alias_argc);
}

static bool any_in_list(const PolicyList *l, char *const *names)
{
        for (size_t i = 0; names && names[i]; i++)
                if (list_contains(l, names[i]))
                        return true;
        return false;
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
        if (r->commands.n > 0 && !command_matches(r, in))
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
