/* The org.pamjit.jit1.Manager interface: read -> validate -> authorise -> act -> reply. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bus-args.h"
#include "duration.h"
#include "id.h"
#include "jit-bus.h"
#include "jit-command.h"
#include "jitd.h"
#include "log.h"
#include "sanitize.h"
#include "util.h"

/* Who may call what. jitd authorises every call itself; the D-Bus policy is a second fence.
 *
 *   CreateRequest      uid 0 only (the module inside sudo, su, login, sshd)
 *   Approve            an approver the request's rule names, never the requester (but BreakGlass=yes)
 *   Deny               that, or a member of the daemon's approver group; never the requester
 *   Cancel             the requester, or uid 0
 *   Revoke             the grantee, a member of the approver group, or uid 0
 *   RequestAccess      anyone, for themself
 *   List*, GetRequest  anyone; a non-approver sees only their own requests and grants */
typedef enum Access {
        ACCESS_APPROVER,  /* an approver the request's rule names, never the requester */
        ACCESS_DENIER,    /* that, or a member of the daemon's approver group */
        ACCESS_REQUESTER, /* the requester themself, or uid 0 */
} Access;

typedef struct Caller {
        uid_t uid;
        char *name;
        char **groups; /* every group of the caller, from NSS */
        bool approver; /* member of the daemon's approver group */
} Caller;

static void caller_done(Caller *c)
{
        free(c->name);
        strv_free(c->groups);
}

/* Identify the caller from the bus credentials, never from /proc and never from the message body.
 * Any failure refuses the call: a sender that already left (A01) is nobody, not uid 0. */
static int caller_get_uid(sd_bus_message *m, uid_t *ret, sd_bus_error *error)
{
        sd_bus_creds *creds = NULL;
        uid_t uid;
        int k;

        k = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID, &creds);
        if (k >= 0) {
                k = sd_bus_creds_get_euid(creds, &uid);
                /* An augmented value was read from /proc/PID, which a racing exec can fake. */
                if (k >= 0 && (sd_bus_creds_get_augmented_mask(creds) & SD_BUS_CREDS_EUID))
                        k = -EPERM;
        }
        sd_bus_creds_unref(creds);
        if (k < 0 || !uid_is_valid(uid))
                return sd_bus_error_set(error, JIT_ERROR_ACCESS_DENIED, "Cannot determine the caller.");
        *ret = uid;
        return 0;
}

/* Budgets per uid (ratelimit.c; A41, A42). uid 0 is exempt: it is the PAM module inside sudo, su,
 * login and sshd on behalf of everyone, and the administrator; another account's churn never
 * touches its calls, since every account has its own bucket. */
static int rate_check(Context *ctx, RateLimit *rl, uid_t uid, sd_bus_error *error)
{
        uint64_t wait = 0;

        if (uid == 0 || ratelimit_check(rl, uid, jit_now_usec(CLOCK_MONOTONIC), &wait) >= 0)
                return 0;
        return sd_bus_error_setf(error, JIT_ERROR_LIMIT_EXCEEDED,
                                 "Too many requests from uid %u; try again in %llu s.", (unsigned)uid,
                                 (unsigned long long)((wait + USEC_PER_SEC - 1) / USEC_PER_SEC));
}

/* Check, then spend one unit. */
static int rate_spend(Context *ctx, RateLimit *rl, uid_t uid, sd_bus_error *error)
{
        int k = rate_check(ctx, rl, uid, error);

        if (k >= 0 && uid != 0)
                ratelimit_charge(rl, uid, jit_now_usec(CLOCK_MONOTONIC), 1);
        return k;
}

/* Before building a reply to a read: the caller's read budget, and room in jitd's own queue to
 * dbus-daemon. Every reply jitd sends, a decision's too, waits behind what is queued there, so a
 * reader that makes jitd queue faster than dbus-daemon takes (its clients never read) is refused
 * here instead of delaying everyone (A42). uid 0 (the module's GetRequest) always passes. */
static int read_gate(Context *ctx, uid_t uid, sd_bus_error *error)
{
        uint64_t queued = 0;

        if (uid == 0)
                return 0;
        if (sd_bus_get_n_queued_write(ctx->bus, &queued) >= 0 && queued >= JIT_MAX_QUEUED_WRITES)
                return sd_bus_error_set(error, JIT_ERROR_LIMIT_EXCEEDED,
                                        "jitd is busy sending earlier replies; try again in 1 s.");
        return rate_check(ctx, &ctx->reads, uid, error);
}

/* A read costs one unit plus one per JIT_RATE_READ_UNIT_BYTES of reply. */
static void read_charge(Context *ctx, uid_t uid, size_t bytes)
{
        if (uid != 0)
                ratelimit_charge(&ctx->reads, uid, jit_now_usec(CLOCK_MONOTONIC),
                                 1 + bytes / JIT_RATE_READ_UNIT_BYTES);
}

/* The caller's uid, and their account and groups for the approver checks. */
static int caller_fill(Context *ctx, uid_t uid, Caller *ret, sd_bus_error *error)
{
        int k;

        *ret = (Caller){.uid = uid};
        k = user_name_from_uid(uid, &ret->name);
        if (k < 0)
                return sd_bus_error_set(error, JIT_ERROR_ACCESS_DENIED, "The caller has no account.");
        k = user_in_group(uid, settings(ctx)->approver_group);
        if (k >= 0) {
                ret->approver = k > 0;
                k = user_group_names(uid, &ret->groups);
        }
        if (k < 0) {
                caller_done(ret);
                return sd_bus_error_set(error, JIT_ERROR_ACCESS_DENIED,
                                        "Cannot look up the caller's groups.");
        }
        return 0;
}

static int caller_get(Context *ctx, sd_bus_message *m, Caller *ret, sd_bus_error *error)
{
        uid_t uid;
        int k;

        *ret = (Caller){.uid = (uid_t)-1};
        k = caller_get_uid(m, &uid, error);
        if (k < 0)
                return k;
        return caller_fill(ctx, uid, ret, error);
}

/* For calls that are budgeted: the uid first, so a caller over budget is refused before jitd
 * spends account and group lookups on them. */
static int caller_get_budgeted(Context *ctx, sd_bus_message *m, bool read, Caller *ret, sd_bus_error *error)
{
        uid_t uid;
        int k;

        *ret = (Caller){.uid = (uid_t)-1};
        k = caller_get_uid(m, &uid, error);
        if (k < 0)
                return k;
        k = read ? read_gate(ctx, uid, error) : rate_spend(ctx, &ctx->churn, uid, error);
        if (k < 0)
                return k;
        return caller_fill(ctx, uid, ret, error);
}

/* May c approve r? The rule's Approvers= decide; the daemon's group stands in for the default rule. */
static bool caller_may_approve(const Caller *c, const Request *r)
{
        return r && r->rule ? policy_rule_approver_allowed(r->rule, c->name, c->groups) : c->approver;
}

static int caller_check(const Caller *c, Access access, const Request *r, sd_bus_error *error)
{
        switch (access) {
        case ACCESS_APPROVER:
                if (r && c->uid == r->uid)
                        return sd_bus_error_set(error, JIT_ERROR_SELF_APPROVAL,
                                                "Nobody may decide their own request.");
                if (caller_may_approve(c, r))
                        return 0;
                break;
        case ACCESS_DENIER: /* one deny denies: any approver of the rule or of the daemon */
                if (r && c->uid == r->uid)
                        return sd_bus_error_set(error, JIT_ERROR_SELF_APPROVAL,
                                                "Nobody may decide their own request.");
                if (c->approver || caller_may_approve(c, r))
                        return 0;
                break;
        case ACCESS_REQUESTER:
                if (c->uid == 0 || (r && c->uid == r->uid))
                        return 0;
                break;
        }
        return sd_bus_error_set(error, JIT_ERROR_ACCESS_DENIED, "Not allowed.");
}

static bool caller_may_see(const Caller *c, const Request *r)
{
        return c->uid == 0 || c->approver || c->uid == r->uid || caller_may_approve(c, r);
}

/* Unknown, stale, malformed and foreign ids all get the same answer (A06). */
static int request_lookup(Context *ctx, const char *id, const Caller *c, Request **ret, sd_bus_error *error)
{
        char canon[JIT_ID_LEN + 1];
        Request *r = NULL;

        if (jit_id_normalize(id, canon) >= 0)
                r = request_find(ctx, canon);
        if (!r || (c && !caller_may_see(c, r)))
                return sd_bus_error_set(error, JIT_ERROR_NOT_FOUND, "No such request.");
        *ret = r;
        return 0;
}

/* A record that could not be written: the caller is told, in our own words (A35). */
static int record_error(sd_bus_error *error, int k)
{
        if (k == -ENOMEM)
                return k;
        return sd_bus_error_setf(error, JIT_ERROR_JOURNAL_UNAVAILABLE, "The journal cannot be written: %s.",
                                 strerror(-k));
}

static char *field_dup(const char *s, size_t max)
{
        return jit_sanitize(s, strlen(s), max);
}

static int append_request(sd_bus_message *reply, const Request *r)
{
        unsigned needed = r->rule ? r->rule->approvals : 1;

        return sd_bus_message_append(
            reply, "a{sv}", 26, "front", "s", request_front(r), "grant_scope", "s",
            policy_scope_to_string(request_scope(r)), "command_kind", "s",
            command_kind_to_string(r->command_kind), "runcwd", "s", r->runcwd ? r->runcwd : "", "id", "s",
            r->id, "state", "s", request_state_to_string(r->state), "user", "s", r->user, "uid", "u",
            (uint32_t)r->uid, "target", "s", r->target ? r->target : "", "service", "s", r->service,
            "command", "s", r->command, "tty", "s", r->tty, "rhost", "s", r->rhost, "ruser", "s", r->ruser,
            "cwd", "s", r->cwd, "reason", "s", r->reason, "created_usec", "t", r->created_usec,
            "deadline_usec", "t", r->deadline_usec, "decided_usec", "t", r->decided_usec, "until_usec", "t",
            r->until_usec, "by", "s", r->by ? r->by : "", "comment", "s", r->comment ? r->comment : "",
            "rule", "s", r->rule ? r->rule->name : "", "approvals", "u", (uint32_t)r->n_approvals,
            "approvals_needed", "u", (uint32_t)needed, "grant", "s", r->grant_id);
}

static int request_fill(Request *r, const CreateArgs *a, const Command *c, uid_t uid, char *name)
{
        const char *target = a->user;

        r->uid = uid;
        r->user = name;
        if (*target && !streq(target, name) && !(r->target = field_dup(target, JIT_MAX_FIELD)))
                return -ENOMEM;
        r->service = field_dup(a->service, JIT_MAX_FIELD);
        r->tty = field_dup(a->tty, JIT_MAX_FIELD);
        r->rhost = field_dup(a->rhost, JIT_MAX_FIELD);
        r->ruser = field_dup(a->ruser, JIT_MAX_FIELD);
        r->cwd = field_dup(a->cwd, JIT_MAX_PATH);
        r->reason = field_dup(a->reason, JIT_MAX_FIELD);
        r->command = strdup(c->shown);
        r->command_kind = c->kind;
        r->plugin = streq(a->front, "sudo-plugin");
        if (a->runcwd && !(r->runcwd = field_dup(a->runcwd, JIT_MAX_PATH)))
                return -ENOMEM;
        if (!r->service || !r->tty || !r->rhost || !r->ruser || !r->cwd || !r->reason || !r->command)
                return -ENOMEM;
        return 0;
}

/* What the front end sent, for command_identify(). */
static CommandInput command_input(const CreateArgs *a, bool ahead)
{
        return (CommandInput){
            .plugin = streq(a->front, "sudo-plugin"),
            .ahead = ahead,
            .have_argv = a->have_argv,
            .service = a->service,
            .exe = a->exe,
            .cwd = a->cwd,
            .argv = a->argv.words,
            .argc = a->argv.n,
            .command = a->command,
            .runas_user = a->runas_user,
            .runas_group = a->runas_group,
            .sudoedit = a->sudoedit,
        };
}

/* A new request, from the module (CreateRequest) or ahead of time (RequestAccess): read what it
 * asks for, then decide.c evaluates and acts. On success *ret is in the table, and the caller
 * builds its reply; an ignored request is the caller's to free after replying. */
static int request_create(Context *ctx, sd_bus_message *m, CreateArgs *a, uid_t uid, char *name, bool ahead,
                          Request **ret, sd_bus_error *error)
{
        _cleanup_free_ char *owned_name = name;
        _cleanup_(command_done) Command cmd = {};
        CommandInput cin = command_input(a, ahead);
        Request *r = NULL;
        uint64_t now, timeout;
        int k;

        if (!*a->service)
                return sd_bus_error_set(error, JIT_ERROR_INVALID_ARGUMENT, "No service given.");
        if (!streq(a->front, "pam") && !streq(a->front, "sudo-plugin"))
                return sd_bus_error_set(error, JIT_ERROR_INVALID_ARGUMENT, "Unknown front end.");
        k = command_identify(&cin, &cmd);
        if (k == -EINVAL)
                return sd_bus_error_set(error, JIT_ERROR_INVALID_ARGUMENT,
                                        "Name the program by its absolute path or a bare name, not by a "
                                        "path relative to a working directory.");
        if (k < 0)
                return k;
        if (ctx->n_pending >= JIT_MAX_PENDING ||
            request_count_pending_for(ctx, uid) >= JIT_MAX_PENDING_PER_UID)
                return sd_bus_error_set(error, JIT_ERROR_LIMIT_EXCEEDED, "Too many pending requests.");

        k = request_new(ctx, NULL, &r);
        if (k < 0)
                return k;
        k = request_fill(r, a, &cmd, uid, TAKE_PTR(owned_name));
        if (k < 0) {
                request_free(r);
                return k;
        }
        now = jit_now_usec(CLOCK_REALTIME);
        timeout = settings(ctx)->request_timeout_usec;
        if (a->timeout_usec > 0 && a->timeout_usec < timeout)
                timeout = a->timeout_usec;
        r->created_usec = now;
        r->deadline_usec = now + timeout;
        r->ahead = ahead;
        r->any_command = cmd.kind == COMMAND_ANY;
        r->requested_usec = a->duration_usec;

        k = decide_create(ctx, r, &cmd, a->have_reason, error);
        if (k < 0) {
                /* Nothing was decided (a reason is missing, a lookup failed, the journal refused). */
                request_free(r);
                return sd_bus_error_is_set(error) ? k : record_error(error, k);
        }
        *ret = r;
        return 0;
}

/* An ignored request is not kept: the module steps aside, nothing was recorded, and the reply
 * (the same for both methods) need not wait for a commit. */
static int reply_ignored(sd_bus_message *m, Request *r)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int k;

        request_free(r);
        k = sd_bus_message_new_method_return(m, &reply);
        if (k >= 0)
                k = sd_bus_message_append(reply, "sstts", "", "ignored", (uint64_t)0, (uint64_t)0, "");
        return k < 0 ? k : sd_bus_send(NULL, reply, NULL);
}

static int method_create_request(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *ctx = userdata;
        _cleanup_(create_args_done) CreateArgs a = {.user = "",
                                                    .service = "",
                                                    .tty = "",
                                                    .rhost = "",
                                                    .ruser = "",
                                                    .cwd = "",
                                                    .reason = "",
                                                    .front = "pam"};
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        char *name = NULL;
        uid_t uid, caller;
        Request *r;
        bool limit;
        int k;

        /* Only root (the module inside sudo, su, login, sshd) may ask on someone's behalf. */
        k = caller_get_uid(m, &caller, error);
        if (k < 0)
                return k;
        if (caller != 0)
                return sd_bus_error_set(error, JIT_ERROR_ACCESS_DENIED, "Not allowed.");
        k = bus_read_create_context(m, &a, error);
        if (k < 0)
                return k;

        /* sudo and su run with the real uid of the person who typed the command; login and sshd
         * run as root, and there the account being entered is the requester. */
        if (a.have_ruid && a.ruid != 0) {
                uid = a.ruid;
                if (!uid_is_valid(uid) || user_name_from_uid(uid, &name) < 0)
                        return sd_bus_error_set(error, JIT_ERROR_INVALID_ARGUMENT, "Unknown requester uid.");
        } else {
                if (user_uid_from_name(a.user, &uid) < 0 || !(name = strdup(a.user)))
                        return sd_bus_error_set(error, JIT_ERROR_INVALID_ARGUMENT, "Unknown user.");
        }
        /* The person who typed sudo or su pays for the requests they leave pending, from the same
         * budget as their RequestAccess and Cancel calls: su in a loop cannot grow the journal
         * faster than jitctl can. Requests decided at once (rules, grant uses) are not charged:
         * they are the normal traffic, and each already costs the user a setuid process.
         * login and sshd (no ruid) are not limited here: the requester there is only claimed. */
        limit = a.have_ruid && a.ruid != 0;
        if (limit) {
                k = rate_check(ctx, &ctx->churn, uid, error);
                if (k < 0) {
                        free(name);
                        return k;
                }
        }
        k = request_create(ctx, m, &a, uid, name, false, &r, error);
        if (k < 0)
                return k;
        if (r->state == REQUEST_IGNORED)
                return reply_ignored(m, r);
        if (r->state == REQUEST_PENDING) {
                if (limit)
                        ratelimit_charge(&ctx->churn, uid, jit_now_usec(CLOCK_MONOTONIC), 1);
                k = decide_wait(ctx, r, m);
                if (k < 0)
                        return k;
        }
        k = sd_bus_message_new_method_return(m, &reply);
        if (k >= 0)
                k = sd_bus_message_append(reply, "sstts", r->id, request_state_to_string(r->state),
                                          r->deadline_usec, r->until_usec,
                                          r->state == REQUEST_DENIED ? r->comment : "");
        if (k >= 0)
                k = decide_reply(ctx, m, reply);
        return k < 0 ? k : 1;
}

/* jitctl request: the caller asks for themself, ahead of time; identity from the bus only. */
static int method_request_access(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *ctx = userdata;
        _cleanup_(caller_done) Caller caller = {};
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(create_args_done) CreateArgs a = {.user = "",
                                                    .service = "sudo",
                                                    .tty = "",
                                                    .rhost = "",
                                                    .ruser = "",
                                                    .cwd = "",
                                                    .reason = "",
                                                    .front = "pam"};
        Request *r;
        char *name;
        int k;

        k = bus_read_access_options(m, &a, error);
        if (k < 0)
                return k;
        /* Every request made ahead writes at least one record, and a Cancel another (A41). */
        k = caller_get_budgeted(ctx, m, false, &caller, error);
        if (k < 0)
                return k;
        a.user = caller.name;
        name = strdup(caller.name);
        if (!name)
                return -ENOMEM;
        k = request_create(ctx, m, &a, caller.uid, name, true, &r, error);
        if (k < 0)
                return k;
        if (r->state == REQUEST_IGNORED)
                return reply_ignored(m, r);
        if (r->state == REQUEST_PENDING) {
                k = decide_wait(ctx, r, NULL);
                if (k < 0)
                        return k;
        }
        k = sd_bus_message_new_method_return(m, &reply);
        if (k >= 0)
                k = sd_bus_message_append(reply, "sst", r->id, request_state_to_string(r->state),
                                          r->deadline_usec);
        if (k >= 0)
                k = decide_reply(ctx, m, reply);
        return k < 0 ? k : 1;
}

static int method_approve(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *ctx = userdata;
        _cleanup_(caller_done) Caller caller = {};
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *note = NULL;
        ApproveArgs o = {.comment = ""};
        bool break_glass;
        const char *id;
        Request *r;
        int k;

        k = sd_bus_message_read(m, "s", &id);
        if (k < 0)
                return k;
        k = bus_read_approve_options(m, &o, error);
        if (k < 0)
                return k;
        k = caller_get(ctx, m, &caller, error);
        if (k < 0)
                return k;
        k = request_lookup(ctx, id, &caller, &r, error);
        if (k < 0)
                return k;
        note = field_dup(o.comment, JIT_MAX_FIELD);
        if (!note)
                return -ENOMEM;
        /* The requester may approve themself only under BreakGlass=yes; decide.c wants a reason. */
        break_glass = caller.uid == r->uid && r->rule && r->rule->break_glass;
        if (!break_glass) {
                k = caller_check(&caller, ACCESS_APPROVER, r, error);
                if (k < 0)
                        return k;
        }
        k = decide_approve(ctx, r, caller.uid, caller.name, note, o.duration_usec, break_glass, error);
        if (k < 0)
                return sd_bus_error_is_set(error) ? k : record_error(error, k);
        k = sd_bus_message_new_method_return(m, &reply);
        if (k >= 0)
                k = sd_bus_message_append(reply, "t",
                                          r->state == REQUEST_PENDING ? (uint64_t)0 : r->until_usec);
        if (k >= 0)
                k = decide_reply(ctx, m, reply);
        return k < 0 ? k : 1;
}

/* Deny and Cancel differ only in who may call them and what they record. */
static int decide_simple(sd_bus_message *m, Context *ctx, Access access, RequestState state, const char *id,
                         const char *comment, sd_bus_error *error)
{
        _cleanup_(caller_done) Caller caller = {};
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *note = NULL;
        Request *r;
        int k;

        k = caller_get(ctx, m, &caller, error);
        if (k < 0)
                return k;
        k = request_lookup(ctx, id, &caller, &r, error);
        if (k < 0)
                return k;
        k = caller_check(&caller, access, r, error);
        if (k < 0)
                return k;
        k = decide_check_pending(r, error);
        if (k < 0)
                return k;
        /* A Cancel writes a record: it spends the requester's budget like RequestAccess (A41). */
        if (state == REQUEST_CANCELLED) {
                k = rate_spend(ctx, &ctx->churn, caller.uid, error);
                if (k < 0)
                        return k;
        }
        note = field_dup(comment, JIT_MAX_FIELD);
        if (!note)
                return -ENOMEM;
        k = decide_end(ctx, r, state, caller.name, note);
        if (k < 0)
                return record_error(error, k);
        k = sd_bus_message_new_method_return(m, &reply);
        if (k >= 0)
                k = decide_reply(ctx, m, reply);
        return k < 0 ? k : 1;
}

static int method_deny(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        const char *id, *comment;
        int k;

        k = sd_bus_message_read(m, "ss", &id, &comment);
        if (k < 0)
                return k;
        return decide_simple(m, userdata, ACCESS_DENIER, REQUEST_DENIED, id, comment, error);
}

static int method_cancel(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        const char *id;
        int k;

        k = sd_bus_message_read(m, "s", &id);
        if (k < 0)
                return k;
        return decide_simple(m, userdata, ACCESS_REQUESTER, REQUEST_CANCELLED, id, "", error);
}

/* What a record costs on the wire, near enough to bound a reply and charge its reader. */
static size_t request_wire_size(const Request *r)
{
        const char *const fields[] = {r->user,  r->target, r->service, r->command, r->tty, r->rhost,
                                      r->ruser, r->cwd,    r->runcwd,  r->reason,  r->by,  r->comment};
        size_t n = 640; /* 26 keys, their signatures, padding and the fixed-size values */

        for (size_t i = 0; i < ELEMENTSOF(fields); i++)
                n += fields[i] ? strlen(fields[i]) + 1 : 1;
        return n;
}

static int method_list_requests(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *ctx = userdata;
        _cleanup_(caller_done) Caller caller = {};
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        ListFilter f = {.state = "pending", .limit = JIT_LIST_PAGE_DEFAULT, .after = ""};
        const Request *start = ctx->requests, *last = NULL;
        size_t bytes = 0, n = 0;
        bool all, truncated = false;
        int k;

        k = bus_read_list_filter(m, &f, error);
        if (k < 0)
                return k;
        all = streq(f.state, "all");
        k = caller_get_budgeted(ctx, m, true, &caller, error);
        if (k < 0)
                return k;
        if (*f.after) {
                Request *from;
                /* The same answer for an unknown id and one the caller may not see (A06). */
                k = request_lookup(ctx, f.after, &caller, &from, error);
                if (k < 0)
                        return k;
                start = from->next;
        }

        /* A page holds at most f.limit records and about JIT_LIST_REPLY_BYTES: however many records
         * there are, no single call makes jitd build (and dbus-daemon queue) a huge reply (A42). */
        k = sd_bus_message_new_method_return(m, &reply);
        if (k < 0)
                return k;
        k = sd_bus_message_open_container(reply, 'a', "a{sv}");
        if (k < 0)
                return k;
        for (const Request *r = start; r; r = r->next) {
                if ((!all && r->state != REQUEST_PENDING) || !caller_may_see(&caller, r))
                        continue;
                if (n >= f.limit || bytes >= JIT_LIST_REPLY_BYTES) {
                        truncated = true;
                        break;
                }
                k = append_request(reply, r);
                if (k < 0)
                        return k;
                bytes += request_wire_size(r);
                n++;
                last = r;
        }
        k = sd_bus_message_close_container(reply);
        if (k >= 0)
                k = sd_bus_message_append(reply, "a{sv}", 2, "truncated", "b", truncated, "next", "s",
                                          truncated ? last->id : "");
        if (k >= 0)
                k = sd_bus_send(NULL, reply, NULL);
        read_charge(ctx, caller.uid, bytes);
        return k;
}

static int method_get_request(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *ctx = userdata;
        _cleanup_(caller_done) Caller caller = {};
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *id;
        Request *r;
        int k;

        k = sd_bus_message_read(m, "s", &id);
        if (k < 0)
                return k;
        k = caller_get_budgeted(ctx, m, true, &caller, error);
        if (k < 0)
                return k;
        k = request_lookup(ctx, id, &caller, &r, error);
        if (k < 0)
                return k;
        k = sd_bus_message_new_method_return(m, &reply);
        if (k >= 0)
                k = append_request(reply, r);
        if (k < 0)
                return k;
        read_charge(ctx, caller.uid, request_wire_size(r));
        return sd_bus_send(NULL, reply, NULL);
}

static int method_list_grants(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *ctx = userdata;
        _cleanup_(caller_done) Caller caller = {};
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        uint64_t now = jit_now_usec(CLOCK_REALTIME);
        size_t bytes = 0;
        int k;

        k = caller_get_budgeted(ctx, m, true, &caller, error);
        if (k < 0)
                return k;
        k = sd_bus_message_new_method_return(m, &reply);
        if (k >= 0)
                k = sd_bus_message_open_container(reply, 'a', "a{sv}");
        for (Grant *g = ctx->grants; k >= 0 && g; g = g->next) {
                if (g->until_usec <= now || !(caller.uid == 0 || caller.approver || caller.uid == g->uid))
                        continue;
                k = sd_bus_message_append(
                    reply, "a{sv}", 10, "id", "s", g->id, "user", "s", g->user, "uid", "u", (uint32_t)g->uid,
                    "service", "s", g->service, "command", "s", g->command, "command_kind", "s",
                    command_kind_to_string(g->command_kind), "scope", "s", policy_scope_to_string(g->scope),
                    "until_usec", "t", g->until_usec, "by", "s", g->by, "uses", "u", (uint32_t)g->uses);
                bytes += 400 + strlen(g->user) + strlen(g->service) + strlen(g->command) + strlen(g->by);
        }
        read_charge(ctx, caller.uid, bytes);
        if (k >= 0)
                k = sd_bus_message_close_container(reply);
        return k < 0 ? k : sd_bus_send(NULL, reply, NULL);
}

/* End a grant early: an approver, or the grantee giving it back. */
static int method_revoke(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *ctx = userdata;
        _cleanup_(caller_done) Caller caller = {};
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *note = NULL;
        char canon[JIT_ID_LEN + 1];
        const char *id, *comment;
        Grant *g = NULL;
        Request *r;
        int k;

        k = sd_bus_message_read(m, "ss", &id, &comment);
        if (k < 0)
                return k;
        k = caller_get(ctx, m, &caller, error);
        if (k < 0)
                return k;
        if (jit_id_normalize(id, canon) >= 0)
                g = grant_find(ctx, canon);
        r = g ? request_find(ctx, g->id) : NULL;
        /* The grantee, the daemon's approvers, and whoever may approve under the request's rule. */
        if (!g || g->until_usec <= jit_now_usec(CLOCK_REALTIME) ||
            !(caller.uid == 0 || caller.approver || caller.uid == g->uid ||
              (r && caller_may_approve(&caller, r))))
                return sd_bus_error_set(error, JIT_ERROR_NOT_FOUND, "No such grant.");
        note = field_dup(comment, JIT_MAX_FIELD);
        if (!note)
                return -ENOMEM;

        k = decide_revoke(ctx, g, r, caller.name, note);
        if (k < 0)
                return record_error(error, k);
        k = sd_bus_message_new_method_return(m, &reply);
        if (k >= 0)
                k = decide_reply(ctx, m, reply);
        return k < 0 ? k : 1;
}

static const sd_bus_vtable manager_vtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD_WITH_ARGS(
        "CreateRequest", SD_BUS_ARGS("a{sv}", context),
        SD_BUS_RESULT("s", id, "s", state, "t", deadline_usec, "t", until_usec, "s", message),
        method_create_request, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("Approve", SD_BUS_ARGS("s", id, "a{sv}", options),
                            SD_BUS_RESULT("t", until_usec), method_approve, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("Deny", SD_BUS_ARGS("s", id, "s", comment), SD_BUS_NO_RESULT, method_deny,
                            SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("Cancel", SD_BUS_ARGS("s", id), SD_BUS_NO_RESULT, method_cancel,
                            SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("ListRequests", SD_BUS_ARGS("a{sv}", filter),
                            SD_BUS_RESULT("aa{sv}", requests, "a{sv}", page), method_list_requests,
                            SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("GetRequest", SD_BUS_ARGS("s", id), SD_BUS_RESULT("a{sv}", request),
                            method_get_request, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("RequestAccess", SD_BUS_ARGS("a{sv}", options),
                            SD_BUS_RESULT("s", id, "s", state, "t", deadline_usec), method_request_access,
                            SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("ListGrants", SD_BUS_NO_ARGS, SD_BUS_RESULT("aa{sv}", grants),
                            method_list_grants, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("Revoke", SD_BUS_ARGS("s", id, "s", comment), SD_BUS_NO_RESULT, method_revoke,
                            SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_SIGNAL_WITH_ARGS("RequestCreated", SD_BUS_ARGS("s", id, "a{sv}", summary), 0),
    SD_BUS_SIGNAL_WITH_ARGS("RequestDecided", SD_BUS_ARGS("s", id, "s", state, "t", until_usec, "s", by), 0),
    SD_BUS_VTABLE_END,
};

/* The system bus, as sd_bus_open_system() would connect, but refusing file descriptors: no method
 * takes one, so dbus-daemon answers a sender that attaches any with an error and jitd never holds
 * a descriptor a client chose (A10). */
static int bus_open_system_nofd(sd_bus **ret)
{
        _cleanup_(sd_bus_unrefp) sd_bus *bus = NULL;
        const char *address = secure_getenv("DBUS_SYSTEM_BUS_ADDRESS");
        int k;

        k = sd_bus_new(&bus);
        if (k >= 0)
                k = sd_bus_set_address(bus, address ? address : "unix:path=/run/dbus/system_bus_socket");
        if (k >= 0)
                k = sd_bus_set_bus_client(bus, true);
        if (k >= 0)
                k = sd_bus_set_trusted(bus, false);
        if (k >= 0)
                k = sd_bus_negotiate_fds(bus, false);
        if (k >= 0)
                k = sd_bus_start(bus);
        if (k < 0)
                return k;
        *ret = TAKE_PTR(bus);
        return 0;
}

int bus_setup(Context *ctx)
{
        int k;

        ctx->churn =
            (RateLimit){.interval_usec = JIT_RATE_CHURN_INTERVAL_USEC, .burst = JIT_RATE_CHURN_BURST};
        ctx->reads = (RateLimit){.interval_usec = JIT_RATE_READ_INTERVAL_USEC, .burst = JIT_RATE_READ_BURST};
        k = bus_open_system_nofd(&ctx->bus);
        if (k < 0)
                return log_error_errno(k, "Failed to connect to the system bus");
        k = sd_bus_add_object_vtable(ctx->bus, NULL, JIT_BUS_PATH, JIT_BUS_INTERFACE, manager_vtable, ctx);
        if (k < 0)
                return log_error_errno(k, "Failed to add the object");
        k = sd_bus_attach_event(ctx->bus, ctx->event, SD_EVENT_PRIORITY_NORMAL);
        if (k < 0)
                return log_error_errno(k, "Failed to attach the bus to the event loop");
        k = sd_bus_request_name(ctx->bus, JIT_BUS_NAME, 0);
        if (k < 0)
                return log_error_errno(k, "Failed to own " JIT_BUS_NAME);
        return 0;
}
