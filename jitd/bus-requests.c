/* The request methods of org.pamjit.jit1.Manager: read -> validate -> authorise -> decide -> reply. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bus-args.h"
#include "duration.h"
#include "jit-bus.h"
#include "jit-command.h"
#include "util.h"
#include "bus.h"

/* statement (GetRequest only; NULL in lists) goes last: with it the array holds one entry more,
 * and without it sd-bus never reads the trailing arguments. */
static int append_request(sd_bus_message *reply, const Request *r, const char *statement)
{
        unsigned needed = r->rule ? r->rule->approvals : 1;

        /* The grant an approval would open: what the requester asked for, within the rule's lengths. */
        uint64_t dflt = r->rule ? r->rule->default_grant_usec : 0,
                 max = r->rule ? r->rule->max_grant_usec : 0;

        return sd_bus_message_append(
            reply, "a{sv}", statement ? 32 : 31, "requested_usec", "t", r->requested_usec, "default_grant_usec", "t", dflt,
            "max_grant_usec", "t", max, "front", "s", request_front(r), "grant_scope", "s",
            policy_scope_to_string(request_scope(r)), "command_kind", "s",
            command_kind_to_string(r->command_kind), "runcwd", "s", r->runcwd ? r->runcwd : "", "id", "s",
            r->id, "state", "s", request_state_to_string(r->state), "user", "s", r->user, "uid", "u",
            (uint32_t)r->uid, "target", "s", r->target ? r->target : "", "service", "s", r->service,
            "command", "s", r->command, "tty", "s", r->tty, "rhost", "s", r->rhost, "ruser", "s", r->ruser,
            "cwd", "s", r->cwd, "reason", "s", r->reason, "created_usec", "t", r->created_usec,
            "deadline_usec", "t", r->deadline_usec, "decided_usec", "t", r->decided_usec, "until_usec", "t",
            r->until_usec, "by", "s", r->by ? r->by : "", "comment", "s", r->comment ? r->comment : "",
            "rule", "s", r->rule ? r->rule->name : "", "approvals", "u", (uint32_t)r->n_approvals,
            "approvals_needed", "u", (uint32_t)needed, "grant", "s", r->grant_id, "runas", "s",
            r->runas ? r->runas : "", "rungroup", "s", r->rungroup ? r->rungroup : "", "statement", "s", statement);
}

static int request_fill(Request *r, const CreateArgs *a, const Command *c, uid_t uid, char *name)
{
        const char *target = a->user;

        r->uid = uid;
        r->user = name;
        if (*target && !streq(target, name) && !(r->target = bus_field_dup(target, JIT_MAX_FIELD)))
                return -ENOMEM;
        r->service = bus_field_dup(a->service, JIT_MAX_FIELD);
        r->tty = bus_field_dup(a->tty, JIT_MAX_FIELD);
        r->rhost = bus_field_dup(a->rhost, JIT_MAX_FIELD);
        r->ruser = bus_field_dup(a->ruser, JIT_MAX_FIELD);
        r->cwd = bus_field_dup(a->cwd, JIT_MAX_PATH);
        r->reason = bus_field_dup(a->reason, JIT_MAX_FIELD);
        r->command = strdup(c->shown);
        r->command_kind = c->kind;
        r->plugin = streq(a->front, "sudo-plugin");
        if (a->runcwd && !(r->runcwd = bus_field_dup(a->runcwd, JIT_MAX_PATH)))
                return -ENOMEM;
        /* Shown and signed: whom the command runs as is part of what an approver approves. */
        if (c->run_as && !(r->runas = bus_field_dup(c->run_as, JIT_MAX_FIELD)))
                return -ENOMEM;
        if (c->run_group && !(r->rungroup = bus_field_dup(c->run_group, JIT_MAX_FIELD)))
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
            .env_set = a->env_set,
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
        if (ctx->n_pending >= JIT_MAX_PENDING || request_pending_cap_reached(ctx, uid))
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
                return sd_bus_error_is_set(error) ? k : bus_record_error(error, k);
        }
        *ret = r;
        return 0;
}

/* An ignored request is not kept: the module steps aside, nothing was recorded, and the reply need
 * not wait for a commit. Each method answers it in its own signature. */
int method_create_request(sd_bus_message *m, void *userdata, sd_bus_error *error)
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
        k = caller_get_uid(ctx, m, &caller, error);
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
                if (!uid_is_valid(uid) || user_cache_name(&ctx->users, uid, &name) < 0)
                        return sd_bus_error_set(error, JIT_ERROR_INVALID_ARGUMENT, "Unknown requester uid.");
        } else {
                if (user_cache_uid(&ctx->users, a.user, &uid) < 0 || !(name = strdup(a.user)))
                        return sd_bus_error_set(error, JIT_ERROR_INVALID_ARGUMENT, "Unknown user.");
        }
        /* The person who typed sudo or su pays for the requests they leave pending, from the same
         * budget as their RequestAccess and Cancel calls: su in a loop cannot grow the journal
         * faster than jitctl can. Requests decided at once (rules, grant uses) are not charged:
         * they are the normal traffic, and each already costs the user a setuid process.
         * login and sshd (no ruid) are not limited here: the requester there is only claimed. */
        limit = a.have_ruid && a.ruid != 0;
        if (limit) {
                k = bus_rate_check(ctx, &ctx->churn, uid, error);
                if (k < 0) {
                        free(name);
                        return k;
                }
        }
        k = request_create(ctx, m, &a, uid, name, false, &r, error);
        if (k < 0)
                return k;
        if (r->state == REQUEST_IGNORED) {
                request_free(r);
                return sd_bus_reply_method_return(m, "sstts", "", "ignored", (uint64_t)0, (uint64_t)0, "");
        }
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
int method_request_access(sd_bus_message *m, void *userdata, sd_bus_error *error)
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
        if (r->state == REQUEST_IGNORED) {
                request_free(r);
                return sd_bus_reply_method_return(m, "sst", "", "ignored", (uint64_t)0);
        }
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

/* A decision's signature, checked before anything is recorded: 1 and *ret when one was given and
 * verifies, 0 when none was given and none is needed; else the call is refused (still pending). */
static int bus_signature(Context *ctx, Request *r, const Caller *caller, const char *signature, bool required,
                         Signed *ret, sd_bus_error *error)
{
        int k;

        if (!signature || !*signature) {
                if (!required)
                        return 0;
                k = decide_check_pending(r, error);
                if (k < 0)
                        return k;
                return sd_bus_error_setf(error, JIT_ERROR_SIGNATURE_REQUIRED,
                                         "Approving %s needs your SSH signature of its statement: "
                                         "jitctl approve --sign %s",
                                         r->id, r->id);
        }
        k = decide_check_pending(r, error);
        if (k < 0)
                return k;
        k = signature_check(ctx, r, caller->name, signature, ret, error);
        return k < 0 ? k : 1;
}

int method_approve(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *ctx = userdata;
        _cleanup_(caller_done) Caller caller = {};
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *note = NULL;
        _cleanup_(signed_done) Signed sig = {};
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
        k = caller_find_request(ctx, id, &caller, &r, error);
        if (k < 0)
                return k;
        note = bus_field_dup(o.comment, JIT_MAX_FIELD);
        if (!note)
                return -ENOMEM;
        /* The requester may approve themself only under BreakGlass=yes; decide.c wants a reason. */
        break_glass = caller.uid == r->uid && r->rule && r->rule->break_glass;
        if (!break_glass) {
                k = caller_check(&caller, ACCESS_APPROVER, r, error);
                if (k < 0)
                        return k;
        }
        k = bus_signature(ctx, r, &caller, o.signature, signature_required(ctx, r), &sig, error);
        if (k < 0)
                return k;
        k = decide_approve(ctx, r, caller.uid, caller.name, note, o.duration_usec, break_glass,
                           k > 0 ? &sig : NULL, error);
        if (k < 0)
                return sd_bus_error_is_set(error) ? k : bus_record_error(error, k);
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
                         const char *comment, const char *signature, sd_bus_error *error)
{
        _cleanup_(caller_done) Caller caller = {};
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(signed_done) Signed sig = {};
        _cleanup_free_ char *note = NULL;
        Request *r;
        int k;

        k = caller_get(ctx, m, &caller, error);
        if (k < 0)
                return k;
        k = caller_find_request(ctx, id, &caller, &r, error);
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
                k = bus_rate_spend(ctx, &ctx->churn, caller.uid, error);
                if (k < 0)
                        return k;
        }
        /* A denial may be signed; it is never held up for want of a signature (denying is safe). */
        k = state == REQUEST_DENIED ? bus_signature(ctx, r, &caller, signature, false, &sig, error) : 0;
        if (k < 0)
                return k;
        note = bus_field_dup(comment, JIT_MAX_FIELD);
        if (!note)
                return -ENOMEM;
        k = state == REQUEST_DENIED ? decide_deny(ctx, r, caller.name, note, k > 0 ? &sig : NULL)
                                    : decide_end(ctx, r, state, caller.name, note);
        if (k < 0)
                return bus_record_error(error, k);
        k = sd_bus_message_new_method_return(m, &reply);
        if (k >= 0)
                k = decide_reply(ctx, m, reply);
        return k < 0 ? k : 1;
}

int method_deny(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        const char *id, *comment;
        int k;

        k = sd_bus_message_read(m, "ss", &id, &comment);
        if (k < 0)
                return k;
        return decide_simple(m, userdata, ACCESS_DENIER, REQUEST_DENIED, id, comment, NULL, error);
}

int method_deny_with_options(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        ApproveArgs o = {.comment = ""};
        const char *id;
        int k;

        k = sd_bus_message_read(m, "s", &id);
        if (k < 0)
                return k;
        k = bus_read_deny_options(m, &o, error);
        if (k < 0)
                return k;
        return decide_simple(m, userdata, ACCESS_DENIER, REQUEST_DENIED, id, o.comment, o.signature, error);
}

int method_cancel(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        const char *id;
        int k;

        k = sd_bus_message_read(m, "s", &id);
        if (k < 0)
                return k;
        return decide_simple(m, userdata, ACCESS_REQUESTER, REQUEST_CANCELLED, id, "", NULL, error);
}

/* What a record costs on the wire, near enough to bound a reply and charge its reader. */
static size_t request_wire_size(const Request *r)
{
        const char *const fields[] = {r->user,   r->target, r->service, r->command, r->tty,
                                      r->rhost,  r->ruser,  r->cwd,     r->runcwd,  r->reason,
                                      r->by,     r->comment, r->runas,  r->rungroup};
        size_t n = 640; /* 26 keys, their signatures, padding and the fixed-size values */

        for (size_t i = 0; i < ELEMENTSOF(fields); i++)
                n += fields[i] ? strlen(fields[i]) + 1 : 1;
        return n;
}

int method_list_requests(sd_bus_message *m, void *userdata, sd_bus_error *error)
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
                k = caller_find_request(ctx, f.after, &caller, &from, error);
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
                k = append_request(reply, r, NULL);
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
                k = record_send_when_durable(ctx, m, reply);
        bus_read_charge(ctx, caller.uid, bytes);
        return k;
}

int method_get_request(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *ctx = userdata;
        _cleanup_(caller_done) Caller caller = {};
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *id;
        _cleanup_free_ char *statement = NULL;
        Request *r;
        int k;

        k = sd_bus_message_read(m, "s", &id);
        if (k < 0)
                return k;
        k = caller_get_budgeted(ctx, m, true, &caller, error);
        if (k < 0)
                return k;
        k = caller_find_request(ctx, id, &caller, &r, error);
        if (k < 0)
                return k;
        /* A request no statement can carry (never expected: its fields are sanitised) is still shown;
         * it just cannot be signed for. */
        k = request_statement(r, journal_writer_origin(ctx->journal), &statement);
        if (k < 0 && k != -EINVAL)
                return k;
        k = sd_bus_message_new_method_return(m, &reply);
        if (k >= 0)
                k = append_request(reply, r, statement);
        if (k < 0)
                return k;
        bus_read_charge(ctx, caller.uid, request_wire_size(r) + (statement ? strlen(statement) : 0));
        return record_send_when_durable(ctx, m, reply);
}
