/* jitd's one context struct and the interfaces between its files. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "jit-limits.h"
#include "jit-record.h"
#include "journal.h"
#include "policy.h"

typedef enum RequestState {
        REQUEST_PENDING,
        REQUEST_APPROVED,
        REQUEST_DENIED,
        REQUEST_EXPIRED,
        REQUEST_CANCELLED,
        REQUEST_REVOKED,
        REQUEST_IGNORED,
} RequestState;

typedef struct Context Context;

/* How a request names its command (command.c; the strings are in jit-command.h). */
typedef enum CommandKind {
        COMMAND_EXACT,    /* the sudo plugin: the resolved path, what runs */
        COMMAND_TYPED,    /* the PAM path under sudo: as typed, the program path absolute */
        COMMAND_BARE,     /* the PAM path under sudo: a bare name, resolved by sudo's secure_path */
        COMMAND_UNPARSED, /* sudo's argv could not be read: no Command= rule, no command grant */
        COMMAND_HOST,     /* not sudo: the host program (the kernel's name) and its arguments */
        COMMAND_ANY,      /* no command: anything through the service */
        _COMMAND_KIND_MAX,
} CommandKind;

/* What the front end said, as command_identify() reads it. Strings may be NULL (not sent). */
typedef struct CommandInput {
        bool plugin; /* sudo_jit.so: command, runas_*, sudoedit are sudo's own */
        bool ahead;  /* jitctl request: argv is "sudo" and the words given, or none */
        bool have_argv;
        const char *service, *exe, *cwd;
        char *const *argv;
        size_t argc;
        const char *command, *runas_user, *runas_group;
        bool sudoedit;
        bool env_set; /* the plugin: VAR=value or -E on sudo's command line */
} CommandInput;

typedef struct Command {
        CommandKind kind;
        char **words; /* what Command= globs see (NULL-terminated); NULL for unparsed and any */
        size_t n;
        char **alias; /* an exact command in secure_path, under its bare name; or NULL */
        size_t n_alias;
        const char *run_as, *run_group; /* point into the input; NULL: the target account */
        /* The user shapes the environment (LD_PRELOAD, BASH_ENV, PAGER change what the program does):
         * no Command= rule that skips a human may match (policy.h, PolicyInput.env_set). */
        bool env_set;
        char *shown; /* joined and sanitised; the raw argv when unparsed */
} Command;

/* A loaded jitd.conf, kept alive while requests decided under it are: a SIGHUP swaps the
 * context's reference, never the rules under a pending request. */
typedef struct Config {
        Policy *p;
        unsigned n_ref;
} Config;

#define SCOPE_HASH_LEN 32

/* A decision's verified signature (signature.c), carried into its journal record. */
typedef struct Signed {
        char *signature;                /* the SSHSIG blob, base64 */
        char statement_hash[129];       /* SHA-512 of the statement, hex: what the signature covers */
        char signer[JIT_MAX_FIELD + 1]; /* the principal: the caller's user name */
        uint8_t key[32];                /* the signing key: N-of-M counts a key once */
        char approvers_hash[65];        /* SHA-256 of the approvers file it was checked against */
        char *approvers;                /* that file's text, when the journal does not hold it yet */
        bool redeemed;                  /* from an approval token (Redeem), handed in by... */
        uid_t redeemed_by;              /* ...this uid, who is not the approver */
} Signed;

typedef struct Request {
        Context *ctx;
        struct Request *prev, *next; /* ctx->requests, newest first */
        char id[JIT_ID_LEN + 1];
        RequestState state;
        uid_t uid;    /* the requester */
        char *user;   /* the requester's name */
        char *target; /* PAM_USER, when it differs from the requester (su, sudo -u is in argv) */
        char *service, *command, *tty, *rhost, *ruser, *cwd, *reason;
        char *runcwd;             /* the plugin: where the command runs (sudoers' runcwd, or cwd) */
        char *runas, *rungroup;   /* sudo: the account and group the command runs as; NULL if not sudo */
        bool plugin;              /* from sudo_jit.so (exact), not from the PAM module */
        CommandKind command_kind; /* how command names what runs */
        uint64_t created_usec, deadline_usec, decided_usec, until_usec; /* CLOCK_REALTIME */
        char *by, *comment;
        sd_event_source *expire_source; /* CLOCK_MONOTONIC timer while pending */
        char *waiter;                   /* the waiting module's unique bus name, while pending */
        struct PeerWatch *peer;         /* or its private connection, while that is open (peer.c) */

        Config *config;                        /* the policy it is decided under, and */
        const PolicyRule *rule;                /* the rule that matched */
        uid_t approvals[POLICY_MAX_APPROVALS]; /* distinct approvers so far */
        size_t n_approvals;
        uint8_t signer_keys[POLICY_MAX_APPROVALS][32]; /* the keys that signed those approvals */
        size_t n_signer_keys;
        bool approval_signed[POLICY_MAX_APPROVALS]; /* approvals[i] added a key (for its undo) */
        const Signed *sig;       /* only while the decision it signs is recorded */
        uint64_t requested_usec; /* grant length asked for ahead of time */
        bool ahead;              /* made with jitctl request: nobody waits on it */
        bool any_command;        /* ...for no command in particular: a grant for the service */
        bool break_glass;        /* the requester approved it under BreakGlass=yes */
        /* What a grant from this request covers: this exact command (as sudo will run it, for
         * whom) or, for Scope=service, anything through the service. */
        uint8_t hash_command[SCOPE_HASH_LEN], hash_service[SCOPE_HASH_LEN];
        uint8_t hash_alias[SCOPE_HASH_LEN]; /* an exact command's bare-name scope, when has_alias */
        bool has_alias;
        char grant_id[JIT_ID_LEN + 1]; /* for a grant use: the grant it used */
} Request;

typedef struct Grant {
        Context *ctx;
        struct Grant *next;
        char id[JIT_ID_LEN + 1]; /* the request that opened it */
        uid_t uid;
        char *user, *service, *command, *by;
        CommandKind command_kind;
        PolicyScope scope;
        uint8_t hash[SCOPE_HASH_LEN];
        uint64_t until_usec;
        unsigned uses;
        sd_event_source *expire_source;
} Grant;

/* What the layer that appended a record does if the commit that should make it durable fails
 * (record.c calls it with the record's type and request id, "" for none). */
typedef void (*RecordUndo)(Context *ctx, RecordType type, const char *request_id);

/* Something that must not leave jitd before the records queued before it are durable. */
typedef struct Outbound {
        struct Outbound *next;
        RecordType type; /* for a record: its type and request, and how to undo it */
        char request_id[JIT_ID_LEN + 1];
        RecordUndo undo;
        struct MirrorEntry *mirror; /* a journald entry, or */
        sd_bus_message *call;       /* a method call awaiting its reply (may be NULL for a signal), */
        sd_bus_message *reply;      /* and the reply or signal to send */
} Outbound;

/* One account's token bucket (ratelimit.c): tat is when it is full again (CLOCK_MONOTONIC). */
typedef struct RateBucket {
        uid_t uid;
        uint64_t tat;
} RateBucket;

typedef struct RateLimit {
        uint64_t interval_usec; /* one unit refills in this time */
        uint64_t burst;         /* units a full bucket holds */
        RateBucket b[JIT_RATE_UIDS];
        size_t n;
} RateLimit;

/* The request table's index by id (request-index.c). */
typedef struct RequestIndex {
        Request **slot; /* size entries, a power of two; at most half used */
        size_t size, n;
} RequestIndex;

/* A recent account lookup (user-cache.c). */
typedef struct UserCacheEntry {
        uid_t uid;
        char *name;
        char **groups;    /* every group's name, once asked for; NULL before */
        uint64_t at_usec; /* CLOCK_MONOTONIC of the lookup */
        bool by_name;     /* looked up by name (else by uid) */
} UserCacheEntry;

typedef struct UserCache {
        UserCacheEntry e[JIT_USER_CACHE_SIZE];
        size_t n;
} UserCache;

/* A connection on jitd's private socket (private-bus.c accepts it, peer.c keeps the table): the
 * requests waiting on it, cancelled when it closes, as a bus track does on the system bus. */
typedef void (*PeerGone)(void *userdata);
typedef struct PeerWatch {
        struct Peer *peer; /* NULL once the connection closed */
        struct PeerWatch *prev, *next;
        PeerGone gone;
        void *userdata;
} PeerWatch;
typedef struct Peer {
        Context *ctx;
        struct Peer *prev, *next;
        sd_bus *bus;
        PeerWatch *watches;
        bool ready; /* authenticated, and whatever came with BEGIN handled (private-bus.c) */
} Peer;

/* Callers' uids by unique bus name (bus-caller.c): a unique name is never reused while dbus-daemon
 * runs, and its uid never changes, so only its leaving ends an entry. */
typedef struct CallerCacheEntry {
        char name[32];
        uid_t uid;
        uint64_t used; /* a counter, for evicting the least recently used */
} CallerCacheEntry;
typedef struct CallerCache {
        CallerCacheEntry e[JIT_CALLER_CACHE];
        size_t n;
        uint64_t clock;
} CallerCache;

struct Context {
        Config *config; /* jitd.conf and its drop-ins; swapped whole on SIGHUP */
        const char *config_path;
        char host[256];
        JournalWriter *journal;
        struct Mirror *mirror;         /* journald, never waited for (A37) */
        sd_event_source *epoch_source; /* seals the journal's key epoch on time */
        sd_event *event;
        sd_bus *bus;
        Request *requests, *requests_oldest; /* newest first; the oldest, for trimming */
        RequestIndex ids;                    /* the same requests, by id */
        size_t n_pending, n_done;
        Grant *grants;
        sd_event_source *commit_source;      /* the group commit, once the bus is quiet (idle priority) */
        sd_event_source *group_timer;        /* ...or once the open group is this old */
        Outbound *outbound, **outbound_tail; /* the open group, in order */
        size_t group_records;                /* records in it */
        RateLimit churn, reads;              /* per-uid budgets for records written and replies built */
        UserCache users;                     /* accounts looked up in the last few seconds */
        CallerCache callers;                 /* uids of system bus callers by unique name */
        Peer *peers;                         /* connections on the private socket */
        size_t n_peers;
        struct PrivateBus *private_bus; /* the private socket's listener */
        bool replaying;              /* transitions rebuild state from the journal: no records, no signals */
        bool state_complete;         /* replay is done: the journal file may be rotated (record.c) */
        uint64_t rotate_retry_usec;  /* after a failed rotation, not before this (CLOCK_MONOTONIC) */
        char approvers_recorded[65]; /* hash of the approvers file whose text the journal holds */
};

/* config.c */
Config *config_ref(Config *c);
void config_unref(Config *c);
/* Load path and its drop-ins (path.d/). With allow_missing, a main file that does not exist means
 * the documented defaults (plus any drop-ins), as DESIGN §3 asks: a fresh install runs before
 * anyone wrote a policy. Anything else wrong with the file (unreadable, a link, bad text) still
 * refuses; the error is logged. ret_missing says which it was. */
int config_load(const char *path, bool allow_missing, Config **ret, bool *ret_missing);
/* SIGHUP: swap in the new configuration, or keep the old one if the new one fails (logged). */
int config_reload(Context *ctx);
static inline const PolicyDaemon *settings(Context *ctx)
{
        return &ctx->config->p->daemon;
}

/* request-index.c: finding a request by id without walking the table. */
int request_index_add(RequestIndex *x, Request *req);
Request *request_index_find(const RequestIndex *x, const char *id);
void request_index_remove(RequestIndex *x, const Request *req);
void request_index_done(RequestIndex *x);

/* request.c: the table of requests. Their states change only in decide.c. */
const char *request_state_to_string(RequestState s);
int request_new(Context *ctx, const char *id, Request **ret);
Request *request_find(Context *ctx, const char *id);
/* Does uid hold JIT_MAX_PENDING_PER_UID pending requests? */
bool request_pending_cap_reached(Context *ctx, uid_t uid);
/* r is no longer pending: count it among the decided and forget the oldest decided ones beyond
 * the bound (never r itself). */
void request_left_pending(Request *req);
/* What a grant from r covers: the rule's Scope=, or the service for a request with no command. */
PolicyScope request_scope(const Request *req);
/* The command as people see it: "ANY COMMAND (whole service)" for a request for no command. */
const char *request_command_shown(const Request *req);
/* Which front end asked: "pam", "sudo-plugin", or "ahead" (jitctl request). */
const char *request_front(const Request *req);
/* The canonical statement an approver signs (lib/statement.h), for the journal's origin. */
int request_statement(const Request *req, const char *origin, char **ret);
void request_free(Request *req);
void request_free_all(Context *ctx);

/* record.c: the single point where records leave for the journal and journald. Calls nothing
 * above it: a failed commit runs the undo each record was appended with (may be NULL). */
int record_mirror_setup(Context *ctx); /* before the journal is opened: it mirrors what opening writes */
int record_setup(Context *ctx);
void record_own_line(void *userdata, const char *origin, uint64_t seq, RecordType type, const char *line,
                     size_t len, const MerkleHash leaf); /* the journal's JournalLineHook */
int record_emit(Context *ctx, RecordType type, const Request *req, RecordUndo undo);
int record_send_after_commit(Context *ctx, sd_bus_message *call, sd_bus_message *reply);
/* The reply to a read: at once, or after the open group's commit if one is open (it may show
 * state whose record is in that group). */
int record_send_when_durable(Context *ctx, sd_bus_message *call, sd_bus_message *reply);
int record_commit(Context *ctx); /* the group commit; normally run by the event loop */
void record_flush_all(Context *ctx);

/* The journald mirror. mirror-entry.c: what a record's entry says (mirror_entry_new*, _free).
 * mirror.c: entries sent on a socket that never blocks, queued within bounds (the rest). */
#define MIRROR_JOURNALD_SOCKET "/run/systemd/journal/socket"
typedef struct MirrorEntry MirrorEntry;
typedef struct Mirror Mirror;
/* Entries journald never got: how many, and the range of records among them (checkpoint entries
 * carry no seq, so have_seq is false when only those were dropped). */
typedef struct MirrorGap {
        uint64_t dropped;
        uint64_t first_seq, last_seq;
        bool have_seq;
} MirrorGap;
/* A record as the journal holds it: its origin and exact line, which every entry carries
 * (JIT_ORIGIN, JIT_RECORD_LINE) so a collector can rebuild the journal from journald alone. */
typedef struct MirrorLine {
        const char *origin;
        const char *line; /* without its newline; not NUL-terminated */
        size_t len;
        uint64_t seq;
        const uint8_t *leaf_hash; /* 32 bytes */
} MirrorLine;
MirrorEntry *mirror_entry_new(RecordType type, const Request *req, const MirrorLine *l);
MirrorEntry *mirror_entry_new_gap(const MirrorGap *gap, const MirrorLine *l);
/* A record the journal writer makes itself (key, checkpoint, link, repair). */
MirrorEntry *mirror_entry_new_own(RecordType type, const MirrorLine *l);
MirrorEntry *mirror_entry_new_text(RecordType type, const char *key, const char *value);
void mirror_entry_send(MirrorEntry *e); /* at once or never, outside the queue (start-up) */
void mirror_entry_free(MirrorEntry *e);
/* Called after entries that waited were sent or dropped by a retry from the event loop. */
typedef void (*MirrorNotify)(void *userdata);
int mirror_new(sd_event *event, const char *socket_path, MirrorNotify notify, void *userdata, Mirror **ret);
void mirror_free(Mirror *m);
/* Send e now if nothing waits before it, else queue it; drop it (and count it) if the queue holds
 * max_queued entries or its byte bound. Takes ownership of e. Never blocks. */
void mirror_push(Mirror *m, MirrorEntry *e, size_t max_queued);
/* Send what is queued, as far as journald takes it; returns how many entries still wait. */
size_t mirror_flush(Mirror *m);
size_t mirror_queued(const Mirror *m);
/* The entries dropped so far, once journald has taken every waiting entry and no earlier gap
 * awaits its record; resets the count. Then mirror_gap_done() says whether the record was committed. */
bool mirror_take_gap(Mirror *m, MirrorGap *ret);
void mirror_gap_done(Mirror *m, bool recorded);
/* The entries dropped so far, whether or not journald works again. */
void mirror_peek_gap(const Mirror *m, MirrorGap *ret);

/* grant.c: the table of grants. A new grant from an approved request replaces one of the same id. */
int grant_new(Context *ctx, const Request *req, Grant **ret);
Grant *grant_find(Context *ctx, const char *id);
Grant *grant_find_live(Context *ctx, const Request *req);
void grant_free(Grant *g);
/* The approved request behind g as far as g remembers it (id, requester, service, command and its
 * kind, scope), for the records of a grant whose request left memory. Borrows g's strings. */
void grant_as_request(const Grant *g, Request *ret);
void grant_free_all(Context *ctx);

/* command.c: what a request's command is. 0, -ENOMEM, -E2BIG, or -EINVAL for a command asked for
 * ahead of time that cannot be resolved without a working directory ("./x"). */
int command_identify(const CommandInput *in, Command *ret);
void command_done(Command *c);
const char *command_kind_to_string(CommandKind r);
CommandKind command_kind_from_string(const char *s);

/* evaluate.c: what policy and live grants say about a new request. Changes no state but the
 * request's rule, config and scope; decide.c acts on the verdict. */
typedef enum Verdict {
        VERDICT_IGNORE,  /* not ours: the module steps aside */
        VERDICT_DENY,    /* a Deny rule */
        VERDICT_GRANT,   /* a live grant covers it */
        VERDICT_APPROVE, /* an Approve rule */
        VERDICT_PENDING, /* people must approve */
} Verdict;
/* 0 and a verdict (and for VERDICT_GRANT the grant), or a negative errno with error set when the
 * request cannot be decided (a reason is missing, a group lookup failed). */
int evaluate_request(Context *ctx, Request *req, const Command *c, bool have_reason, Verdict *ret,
                     Grant **ret_grant, sd_bus_error *error);

/* signals.c: what jitd announces on the bus. Queued ones leave after the records before them are
 * durable; none while replaying or before the bus is up. */
int signal_created(Context *ctx, const Request *req);
int signal_decided(Context *ctx, const Request *req);
/* At once, outside the queue: only for a denial, which is safe to announce at any time. */
void signal_denied_now(Context *ctx, const char *id);

/* decide.c: the one place a request or grant changes state. Each transition checks, changes
 * state, records (with an undo for a failed commit) and queues its signal; the caller queues its
 * reply after it with decide_reply(). With ctx->replaying, nothing is recorded or signalled. */
int decide_check_pending(const Request *req, sd_bus_error *error);
/* A new request: evaluate it and act (ignore, deny, use a grant, approve, or record it pending).
 * On failure nothing was decided and the caller frees r. */
int decide_create(Context *ctx, Request *req, const Command *c, bool have_reason, sd_bus_error *error);
/* A pending request waits: its expiry timer, a watch on waiter's connection (the module's call;
 * NULL for a request made ahead, which nobody waits on), and RequestCreated. On failure the request
 * record is queued already, and the expiry timer or the requester's leaving settles it. */
int decide_wait(Context *ctx, Request *req, sd_bus_message *waiter);
/* A bus connection went away: the pending requests whose module waited on it are cancelled. */
void decide_peer_gone(Context *ctx, const char *name);
/* One approval by uid (name). N-of-M: it is recorded and the request stays pending until enough
 * people approved; break_glass: the requester approves themself with a reason. */
int decide_approve(Context *ctx, Request *req, uid_t uid, const char *name, const char *comment,
                   uint64_t duration_usec, bool break_glass, const Signed *sig, sd_bus_error *error);
/* A denial by an approver, with its signature (may be NULL). */
int decide_deny(Context *ctx, Request *req, const char *by, const char *comment, const Signed *sig);
/* A pending request ends: approved (r->until_usec set), denied, expired or cancelled. */
int decide_end(Context *ctx, Request *req, RequestState state, const char *by, const char *comment);
/* A grant is used by r (NULL when replaying: a use leaves no request behind). */
int decide_grant_use(Context *ctx, Grant *g, Request *req);
/* A grant ends early; g or r may be NULL when replaying (the grant ended, or the request left). */
int decide_revoke(Context *ctx, Grant *g, Request *req, const char *by, const char *comment);
int decide_arm_expiry(Request *req);
/* Queue a method's reply behind the records of its transition. */
int decide_reply(Context *ctx, sd_bus_message *call, sd_bus_message *reply);

/* peer.c: the table of private connections. peer_free() tells every watch the connection is
 * gone (calling its callback) and drops the table's reference to the bus; closing it is the
 * listener's business. */
int peer_new(Context *ctx, sd_bus *bus, Peer **ret);
void peer_free(Peer *p);
Peer *peer_find(Context *ctx, sd_bus *bus);
/* Watch bus, which must be a private connection; gone runs once if it closes first. */
int peer_watch_new(Context *ctx, sd_bus *bus, PeerGone gone, void *userdata, PeerWatch **ret);
PeerWatch *peer_watch_free(PeerWatch *w);
/* The watched connection, or NULL once it closed. */
sd_bus *peer_watch_bus(const PeerWatch *w);
/* signature.c: whether r's rule wants signed decisions; check an armored signature of r's statement by
 * principal against the approvers file. 0 and *ret, or a negative errno with error set (BadSignature). */
bool signature_required(Context *ctx, const Request *req);
int signature_check(Context *ctx, const Request *req, const char *principal, const char *armored,
                    Signed *ret, sd_bus_error *error);
/* The same for a signature blob in standard base64 (an approval token's). */
int signature_check_blob(Context *ctx, const Request *req, const char *principal, const char *b64,
                         Signed *ret, sd_bus_error *error);
void signed_done(Signed *s);
/* Whether the approvers file at path can check signatures: 0, or a negative errno (-ENOENT: there is
 * none) with *ret_problem saying what is wrong in a few words. */
int signature_approvers_check(const char *path, const char **ret_problem);

/* replay.c */
int replay_journal(Context *ctx);

/* users.c */
bool uid_is_valid(uid_t uid);
int user_name_from_uid(uid_t uid, char **ret);
int user_uid_from_name(const char *name, uid_t *ret);
int user_in_group(uid_t uid, const char *group); /* 1 member, 0 not, <0 lookup failed */
int user_group_names(uid_t uid, char ***ret);    /* NULL-terminated names of every group of uid */
void strv_free(char **l);

/* user-cache.c: the same answers as users.c, remembered for a few seconds (at most
 * JIT_USER_CACHE_SIZE accounts); what the caller gets is its own copy. */
int user_cache_name(UserCache *c, uid_t uid, char **ret);
int user_cache_uid(UserCache *c, const char *name, uid_t *ret);
int user_cache_groups(UserCache *c, uid_t uid, char ***ret);
void user_cache_done(UserCache *c);

/* ratelimit.c: 0 if uid may spend now, else -EBUSY and how long until it may. Never logs. */
int ratelimit_check(RateLimit *rl, uid_t uid, uint64_t now_usec, uint64_t *ret_wait_usec);
/* Spend cost units of uid's budget (may run into a bounded debt). */
void ratelimit_charge(RateLimit *rl, uid_t uid, uint64_t now_usec, uint64_t cost);

/* bus.c */
int bus_setup(Context *ctx);
/* The Manager object on another connection (a private one): the same vtable, the same handlers. */
int bus_add_manager(Context *ctx, sd_bus *bus);

/* private-bus.c: the private socket for root clients (JIT_PRIVATE_SOCKET). */
int private_bus_setup(Context *ctx);
void private_bus_done(Context *ctx);
