/* The canonical statement of a request: the one text an approver signs (jitctl approve --sign) and
 * jitd and `jitctl verify` check signatures against. Built here only, from jitd's request or from
 * the fields of its journal record, so both sides agree byte for byte. Never logs. */
#pragma once

#include <stddef.h>

#define JIT_STATEMENT_VERSION_LINE "pam-jit approval statement v1"
/* Bounded: the longest fields (command, two paths) and the rest fit well inside. */
#define JIT_STATEMENT_MAX (16 * 1024)

/* Every value as text; NULL means empty. Numbers are decimal strings as the journal writes them
 * (NULL: "0"). Strings come from jitd already sanitised: no control characters, nothing that
 * shows as blank or reorders text. */
typedef struct StatementFields {
        const char *origin;           /* the journal's origin: which host's jitd */
        const char *id;               /* the request id */
        const char *user, *uid;       /* the requester */
        const char *target;           /* the account it acts as (PAM_USER), when not the requester */
        const char *runas, *rungroup; /* sudo: the account and group the command runs as */
        const char *service;          /* the PAM service */
        const char *command_kind;     /* exact, typed, bare, unparsed, host, any */
        const char *command;          /* the command as jitd shows and matches it */
        const char *cwd, *runcwd;     /* where it was typed; where it runs (the sudo plugin) */
        const char *deadline_usec;    /* after this the request expires and the statement is void */
        const char *scope;            /* what a grant covers: command or service */
        const char *requested_usec;   /* the grant length asked for ahead of time, 0 for none */
        const char *rule;             /* the rule that matched */
} StatementFields;

/* The statement as a malloc'd, NUL-terminated text in *ret. -EINVAL if a value holds a character
 * the statement cannot carry (a newline, a control or invisible character), -ENOMEM. */
int statement_build(const StatementFields *f, char **ret);

/* Whether text[0..n) is a well-formed statement of this version: the lines statement_build writes,
 * in its order, with values it would accept. 0 or -EBADMSG. What jitctl checks before it shows or
 * signs what jitd sent. ret_id (may be NULL) receives the request id's offset and length. */
int statement_check(const char *text, size_t n, size_t *ret_id_off, size_t *ret_id_len);
