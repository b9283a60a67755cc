/* What policy.c, policy-load.c and policy-keys.c share behind policy.h: lists, rule tables, the parser. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

static inline uint64_t min_u64(uint64_t a, uint64_t b)
{
        return a < b ? a : b;
}

/* ---- policy.c: what a Policy holds ----------------------------------------------------------- */

bool policy_list_contains_n(const PolicyList *l, const char *s, size_t n);
/* Adds s[0..n) unless the list holds it already. 0 or -ENOMEM. */
int policy_list_add(PolicyList *l, const char *s, size_t n);
void policy_list_free(PolicyList *l);
void policy_rule_done(PolicyRule *r);

/* The enum value a configuration word names, or -1. */
int policy_action_from_string(const char *s);
int policy_reason_from_string(const char *s);
int policy_scope_from_string(const char *s);

/* ---- The parser of one policy_load() --------------------------------------------------------- */

typedef enum Section {
        SECTION_NONE,
        SECTION_DAEMON,
        SECTION_RULE,
} Section;

/* Where each of a rule's action keys was set (0: not set), for errors found after its section. */
typedef struct KeyLines {
        unsigned action, approvers, approvals, reason, default_grant, max_grant, scope, break_glass, signature;
} KeyLines;

typedef struct Parser {
        Policy *policy;
        KeyLines *key_lines; /* parallel to policy->rules */
        PolicyError error;   /* the first error */
        int error_r;         /* its negative errno; 0 while all is well */

        /* Where [Daemon]'s grant settings came from, for the check made once every file is read. */
        const char *default_grant_file, *max_grant_file;
        unsigned default_grant_line, max_grant_line;

        /* The file being read and the line libinih is looking at. */
        const char *path; /* as shown, owned by policy->files */
        unsigned line;
        Section section;
        char section_text[sizeof("Rule ") + POLICY_MAX_RULE_NAME];
        size_t rule; /* index of the current rule when section is SECTION_RULE */
} Parser;

/* policy-load.c: record the first error, "FILE:LINE: what" (FILE: when line is 0), sanitised.
 * Returns r, so that "return parser_fail(...)" reads well. */
int parser_fail_at(Parser *p, int r, const char *file, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
#define parser_fail(p, r, ...) parser_fail_at((p), (r), (p)->path, (p)->line, __VA_ARGS__)

/* policy-keys.c: what libinih found on p->line means. s[0..len) is a line that starts with '[', without
 * trailing whitespace: a section header libinih read, or one it refused (then this says why). */
int parser_section_open(Parser *p, const char *s, size_t len);
/* The end of a section: a rule's own keys are checked together here. */
int parser_section_close(Parser *p);
int parser_key(Parser *p, const char *key, const char *value);
