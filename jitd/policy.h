/* jitd's configuration and policy: jitd.conf and its drop-ins, and the rule that decides a request.
 *
 * A pure library: it never logs and never looks up users or groups. Failures are negative errno
 * values plus a PolicyError whose message reads "FILE:LINE: what is wrong", sanitised for a terminal.
 * The file format is documented in docs/jitd.conf.5.md. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds on a configuration. Exceeding any of them is an error, never a silent cut. */
#define POLICY_MAX_RULES 256
#define POLICY_MAX_VALUES 64          /* values of one key in one rule, repeated keys included */
#define POLICY_MAX_VALUE 256          /* bytes of one Key= value */
#define POLICY_MAX_LINE 4096          /* bytes of one line, comments included */
#define POLICY_MAX_FILE (1024 * 1024) /* bytes of one file */
#define POLICY_MAX_DROPINS 64         /* *.conf files in the drop-in directory */
#define POLICY_MAX_RULE_NAME 64
#define POLICY_MAX_APPROVALS 16
/* journald entries jitd holds while journald does not take them (A37); the queue also stops at
 * 8 MiB whatever this says. */
#define POLICY_DEFAULT_MIRROR_QUEUE 4096
#define POLICY_MAX_MIRROR_QUEUE 65536
/* [Daemon] MaxFileSize=: the journal file is rotated from this size on (jitd.conf(5)). The minimum
 * keeps a file from being little more than its own head (the link record and the restated state);
 * the default keeps a restart's replay of the current file well under a second. 0 turns rotation off. */
#define POLICY_DEFAULT_MAX_FILE_SIZE (64ULL * 1024 * 1024)
#define POLICY_MIN_MAX_FILE_SIZE (64ULL * 1024)

/* The rule that applies when no [Rule] matches. Parentheses cannot occur in a rule's own name. */
#define POLICY_DEFAULT_RULE_NAME "(default)"

typedef enum PolicyAction {
        POLICY_ACTION_REQUIRE, /* pending until Approvals= distinct approvers say yes */
        POLICY_ACTION_APPROVE, /* allowed at once, and recorded */
        POLICY_ACTION_DENY,    /* refused at once, naming the rule */
        POLICY_ACTION_IGNORE,  /* not jitd's business: the module returns PAM_IGNORE */
        _POLICY_ACTION_MAX,
} PolicyAction;

typedef enum PolicyReason {
        POLICY_REASON_NONE,     /* no reason is asked for */
        POLICY_REASON_PROMPT,   /* asked for; an empty answer is accepted */
        POLICY_REASON_REQUIRED, /* asked for; no reason (or no way to ask) denies */
        _POLICY_REASON_MAX,
} PolicyReason;

typedef enum PolicyScope {
        POLICY_SCOPE_COMMAND, /* a grant covers the same service and the exact same argv */
        POLICY_SCOPE_SERVICE, /* a grant covers any command through the same PAM service */
        _POLICY_SCOPE_MAX,
} PolicyScope;

/* A list of strings; items is NULL-terminated, and NULL when n is 0. */
typedef struct PolicyList {
        char **items;
        size_t n;
} PolicyList;

typedef struct PolicyRule {
        char *name;       /* NAME of [Rule NAME], or POLICY_DEFAULT_RULE_NAME */
        const char *file; /* the file that defines it (owned by the Policy); NULL for the default rule */
        unsigned line;    /* the line of its [Rule NAME] header; 0 for the default rule */

        /* What it matches: every key that is given must match, and a key matches when any of its
         * values does. A rule without match keys matches every request. */
        PolicyList users;    /* User=: the requester's user name, exactly */
        PolicyList groups;   /* Group=: a group the requester is in, exactly */
        PolicyList services; /* Service=: the PAM service, exactly */
        PolicyList commands; /* Command=: globs over the command (see policy_match) */
        PolicyList hosts;    /* Host=: globs over this machine's host name, ignoring ASCII case */

        /* What it says. Every field is resolved: unset keys hold their defaults. */
        PolicyAction action;
        PolicyList approver_users;                   /* Approvers= names without '@' */
        PolicyList approver_groups;                  /* Approvers= @groups, stored without the '@' */
        unsigned approvals;                          /* distinct approvers needed, 1..POLICY_MAX_APPROVALS */
        PolicyReason reason;                         /* REQUIRED whenever break_glass is set */
        uint64_t default_grant_usec, max_grant_usec; /* the rule's own, else [Daemon]'s; default <= max */
        PolicyScope scope;
        bool break_glass; /* the requester may approve their own request, with a reason, loudly */
        /* Signature=required: an approval or denial counts only with the approver's SSH signature
         * of the request's statement, checked against ApproversFile= (the rule's, else [Daemon]'s). */
        bool signature_required;
} PolicyRule;

/* The [Daemon] section, merged over every file (a later file's key replaces an earlier one). */
typedef struct PolicyDaemon {
        char *approver_group;          /* ApproverGroup=, default "jit-approvers" */
        uint64_t request_timeout_usec; /* RequestTimeout=, default 5 min */
        uint64_t default_grant_usec;   /* DefaultGrant=, default 15 min */
        uint64_t max_grant_usec;       /* MaxGrant=, default 8 h */
        uint64_t epoch_length_usec;    /* EpochLength=, default 1 h */
        char *state_directory;         /* StateDirectory=, default /var/lib/jit */
        char *journal_file;            /* JournalFile=, default <StateDirectory>/journal.jsonl */
        char *public_key_file;         /* PublicKeyFile=, default <StateDirectory>/journal.pub */
        size_t mirror_queue;           /* MirrorQueue=, default 4096 journald entries */
        uint64_t max_file_size;        /* MaxFileSize=, default 64 MiB; 0 = never rotate */
        bool signature_required;       /* Signature=, default optional; rules inherit it */
        char *approvers_file;          /* ApproversFile=, default /etc/jit/approvers */
} PolicyDaemon;

typedef struct Policy {
        PolicyDaemon daemon;
        PolicyRule *rules; /* main file first, then drop-ins in lexical order; each in file order */
        size_t n_rules;
        PolicyRule default_rule; /* require, Approvers=@ApproverGroup, Approvals=1, Reason=none */
        char **files;            /* every file read, in the order read */
        size_t n_files;
} Policy;

typedef struct PolicyError {
        char *file;    /* the file or directory at fault, sanitised; NULL if none */
        unsigned line; /* its line, or 0 when the error concerns the whole file */
        char *message; /* "FILE:LINE: what is wrong" or "FILE: what is wrong", one sanitised line;
                        * NULL only when even that could not be allocated */
} PolicyError;

/* The request as policy sees it. Every string comes from the caller, which has already looked up
 * names and groups: a caller that cannot look up the requester's groups must fail the request rather
 * than pass an empty list (a Group= deny rule would not match). NULL fields match no rule that
 * names that key. */
typedef struct PolicyInput {
        const char *user;    /* the requester's user name */
        char *const *groups; /* NULL-terminated: every group the requester is in, primary included */
        const char *service; /* the PAM service, e.g. "sudo" */
        char *const *argv;   /* the command that will run: argc words; may be NULL when argc is 0 */
        size_t argc;
        /* The same command under another name that means the same program (an exact path in
         * secure_path, under its bare name): a Command= glob matches if it matches either. */
        char *const *alias_argv;
        size_t alias_argc;
        /* The user sets the command's environment (sudo VAR=value, -E): LD_PRELOAD=, BASH_ENV= or
         * PAGER= change what an approved program does, so Command= rules that skip a human (approve,
         * ignore, break-glass) do not match; deny and require rules still do. */
        bool env_set;
        const char *host; /* this machine's host name */
} PolicyInput;

/* Read main_path, then dropin_dir/[!.]*.conf in strcmp() order (dropin_dir may be NULL or absent).
 * main_path may be NULL: no main file, so the defaults and the drop-ins (jitd passes NULL when
 * jitd.conf does not exist, DESIGN §3).
 * Every file, and the drop-in directory, must be owned by root (or by the calling euid, so that tests
 * run unprivileged) and not be group- or world-writable; symbolic links are refused.
 * ret_error may be NULL; otherwise it is overwritten (free an earlier one with policy_error_done()
 * first), zeroed on success, and on failure says why, to be freed with policy_error_done().
 * On success *ret owns a new Policy (free it with policy_free()). On failure *ret is left alone and
 * the result is -ENOENT/-ELOOP/-EACCES... for a file that cannot be opened, -EPERM
 * for ownership or mode, -EFBIG for a file over POLICY_MAX_FILE, -E2BIG for another exceeded bound,
 * -EINVAL for anything else wrong in the text, -ENOMEM.
 * Sets libinih's line buffer size (a process-wide variable in Debian's build) to fit POLICY_MAX_LINE:
 * not thread-safe against another thread using libinih at the same moment. */
int policy_load(const char *main_path, const char *dropin_dir, Policy **ret, PolicyError *ret_error);
void policy_free(Policy *p);
void policy_error_done(PolicyError *e);

/* The first rule that matches, or &p->default_rule: never NULL.
 * Command= globs (fnmatch(3) syntax, no flags, matched byte-wise and independent of the locale, so '*'
 * also matches '/' and spaces) are tried against the argv joined with single spaces and against
 * argv[0] alone. In rules where a wider match cannot skip a human decision (Action=deny, and
 * Action=require without BreakGlass=yes) they are also tried with argv[0] cut to its base name, so
 * "Command=bash" catches "/bin/bash -c x". With argc == 0 no Command= rule matches. */
const PolicyRule *policy_match(const Policy *p, const PolicyInput *in);

/* A rule without match keys: it matches every request. */
bool policy_rule_is_catch_all(const PolicyRule *r);

/* May this user approve requests under r? True when r says require and the user is listed in
 * Approvers= by name, or is in one of its @groups (user_groups is NULL-terminated, or NULL).
 * It does not know the requester: refusing self-approval (unless r->break_glass) and counting
 * distinct approvers is the caller's job. */
bool policy_rule_approver_allowed(const PolicyRule *r, const char *user, char *const *user_groups);

/* The grant an approval opens: requested_usec, or r's DefaultGrant when 0, at most r's MaxGrant. */
uint64_t policy_clamp_grant(const PolicyRule *r, uint64_t requested_usec);

const char *policy_action_to_string(PolicyAction a);
const char *policy_reason_to_string(PolicyReason r);
const char *policy_scope_to_string(PolicyScope s);

static inline void policy_freep(Policy **p)
{
        policy_free(*p);
}
