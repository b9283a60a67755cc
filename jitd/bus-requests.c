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
static int append_request(sd_bus_message *reply, const Request *req, const char *statement)
{
        unsigned needed = req->rule ? req->rule->approvals : 1;

        /* The grant an approval would open: what the requester asked for, within the rule's lengths. */
        uint64_t dflt = req->rule ? req->rule->default_grant_usec : 0,
                 max = req->rule ? req->rule->max_grant_usec : 0;

        return sd_bus_message_append(
            reply, "a{sv}", statement ? 32 : 31, "requested_usec", "t", req->requested_usec,
            "default_grant_usec", "t", dflt, "max_grant_usec", "t", max, "front", "s", request_front(req),
            "grant_scope", "s", policy_scope_to_string(request_scope(req)), "command_kind", "s",
            command_kind_to_string(req->command_kind), "runcwd", "s", req->runcwd ? req->runcwd : "", "id",
            "s", req->id, "state", "s", request_state_to_string(req->state), "user", "s", req->user, "uid",
            "u", (uint32_t)req->uid, "target", "s", req->target ? req->target : "", "service", "s",
            req->service, "command", "s", req->command, "tty", "s", req->tty, "rhost", "s", req->rhost,
            "ruser", "s", req->ruser, "cwd", "s", req->cwd, "reason", "s", req->reason, "created_usec", "t",
            req->created_usec, "deadline_usec", "t", req->deadline_usec, "decided_usec", "t",
            req->decided_usec, "until_usec", "t", req->until_usec, "by", "s", req->by ? req->by : "",
            "comment", "s", req->comment ? req->comment : "", "rule", "s", req->rule ? req->rule->name : "",
            "approvals", "u", (uint32_t)req->n_approvals, "approvals_needed", "u", (uint32_t)needed, "grant",
            "s", req->grant_id, "runas", "s", req->runas ? req->runas : "", "rungroup", "s",
            req->rungroup ? req->rungroup : "", "statement", "s", statement);
}

static int request_fill(Request *req, const CreateArgs *a, const Command *c, uid_t uid, char *name)
{
        const char *target = a->user;

        req->uid = uid;
        req->user = name;
        if (*target && !streq(target, name) && !(req->target = bus_field_dup(target, JIT_MAX_FIELD)))
                return -ENOMEM;
        req->service = bus_field_dup(a->service, JIT_MAX_FIELD);
        req->tty = bus_field_dup(a->tty, JIT_MAX_FIELD);
        req->rhost = bus_field_dup(a->rhost, JIT_MAX_FIELD);
        req->ruser = bus_field_dup(a->ruser, JIT_MAX_FIELD);
        req->cwd = bus_field_dup(a->cwd, JIT_MAX_PATH);
        req->reason = bus_field_dup(a->reason, JIT_MAX_FIELD);
        req->command = strdup(c->shown);
        req->command_kind = c->kind;
        req->plugin = streq(a->front, "sudo-plugin");
        if (a->runcwd && !(req->runcwd = bus_field_dup(a->runcwd, JIT_MAX_PATH)))
                return -ENOMEM;
        /* Shown and signed: whom the command runs as is part of what an approver approves. */
        if (c->run_as && !(req->runas = bus_field_dup(c->run_as, JIT_MAX_FIELD)))
                return -ENOMEM;
        if (c->run_group && !(req->rungroup = bus_field_dup(c->run_group, JIT_MAX_FIELD)))
                return -ENOMEM;
        if (!req->service || !req->tty || !req->rhost || !req->ruser || !req->cwd || !req->reason ||
            !req->command)
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
        Request *req = NULL;
        uint64_t now, timeout;
        int r;

        if (!*a->service)
                return sd_bus_error_set(error, JIT_ERROR_INVALID_ARGUMENT, "No service given.");
        if (!streq(a->front, "pam") && !streq(a->front, "sudo-plugin"))
                return sd_bus_error_set(error, JIT_ERROR_INVALID_ARGUMENT, "Unknown front end.");
        r = command_identify(&cin, &cmd);
        if (r == -EINVAL)
                return sd_bus_error_set(error, JIT_ERROR_INVALID_ARGUMENT,
                                        "Name the program by its absolute path or a bare name, not by a "
                                        "path relative to a working directory.");
        if (r < 0)
                return r;
        if (ctx->n_pending >= JIT_MAX_PENDING || request_pending_cap_reached(ctx, uid))
                return sd_bus_error_set(error, JIT_ERROR_LIMIT_EXCEEDED, "Too many pending requests.");

        r = request_new(ctx, NULL, &req);
        if (r < 0)
                return r;
        r = request_fill(req, a, &cmd, uid, TAKE_PTR(owned_name));
        if (r < 0) {
                request_free(req);
                return r;
        }
        now = jit_now_usec(CLOCK_REALTIME);
        timeout = settings(ctx)->request_timeout_usec;
        if (a->timeout_usec > 0 && a->timeout_usec < timeout)
                timeout = a->timeout_usec;
        req->created_usec = now;
        req->deadline_usec = now + timeout;
        req->ahead = ahead;
        req->any_command = cmd.kind == COMMAND_ANY;
        req->requested_usec = a->duration_usec;

        r = decide_create(ctx, req, &cmd, a->have_reason, error);
        if (r < 0) {
                /* Nothing was decided (a reason is missing, a lookup failed, the journal refused). */
                request_free(req);
                return sd_bus_error_is_set(error) ? r : bus_record_error(error, r);
        }
        *ret = req;
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
        Request *req;
        bool limit;
        int r;

        /* Only root (the module inside sudo, su, login, sshd) may ask on someone's behalf. */
        r = caller_get_uid(ctx, m, &caller, error);
        if (r < 0)
                return r;
        if (caller != 0)
                return sd_bus_error_set(error, JIT_ERROR_ACCESS_DENIED, "Not allowed.");
        r = bus_read_create_context(m, &a, error);
        if (r < 0)
                return r;

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
                r = bus_rate_check(ctx, &ctx->churn, uid, error);
                if (r < 0) {
                        free(name);
                        return r;
                }
        }
        r = request_create(ctx, m, &a, uid, name, false, &req, error);
        if (r < 0)
                return r;
        if (req->state == REQUEST_IGNORED) {
                request_free(req);
                return sd_bus_reply_method_return(m, "sstts", "", "ignored", (uint64_t)0, (uint64_t)0, "");
        }
        if (req->state == REQUEST_PENDING) {
                if (limit)
                        ratelimit_charge(&ctx->churn, uid, jit_now_usec(CLOCK_MONOTONIC), 1);
                r = decide_wait(ctx, req, m);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "sstts", req->id, request_state_to_string(req->state),
                                          req->deadline_usec, req->until_usec,
                                          req->state == REQUEST_DENIED ? req->comment : "");
        if (r >= 0)
                r = decide_reply(ctx, m, reply);
        return r < 0 ? r : 1;
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
        Request *req;
        char *name;
        int r;

        r = bus_read_access_options(m, &a, error);
        if (r < 0)
                return r;
        /* Every request made ahead writes at least one record, and a Cancel another (A41). */
        r = caller_get_budgeted(ctx, m, false, &caller, error);
        if (r < 0)
                return r;
        a.user = caller.name;
        name = strdup(caller.name);
        if (!name)
                return -ENOMEM;
        r = request_create(ctx, m, &a, caller.uid, name, true, &req, error);
        if (r < 0)
                return r;
        if (req->state == REQUEST_IGNORED) {
                request_free(req);
                return sd_bus_reply_method_return(m, "sst", "", "ignored", (uint64_t)0);
        }
        if (req->state == REQUEST_PENDING) {
                r = decide_wait(ctx, req, NULL);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "sst", req->id, request_state_to_string(req->state),
                                          req->deadline_usec);
        if (r >= 0)
                r = decide_reply(ctx, m, reply);
        return r < 0 ? r : 1;
}

/* A decision's signature, checked before anything is recorded: 1 and *ret when one was given and
 * verifies, 0 when none was given and none is needed; else the call is refused (still pending). */
static int bus_signature(Context *ctx, Request *req, const Caller *caller, const char *signature,
                         bool required, Signed *ret, sd_bus_error *error)
{
        int r;

        if (!signature || !*signature) {
                if (!required)
                        return 0;
                r = decide_check_pending(req, error);
                if (r < 0)
                        return r;
                return sd_bus_error_setf(error, JIT_ERROR_SIGNATURE_REQUIRED,
                                         "Approving %s needs your SSH signature of its statement: "
                                         "jitctl approve --sign %s",
                                         req->id, req->id);
        }
        r = decide_check_pending(req, error);
        if (r < 0)
                return r;
        r = signature_check(ctx, req, caller->name, signature, ret, error);
        return r < 0 ? r : 1;
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
        Request *req;
        int r;

        r = sd_bus_message_read(m, "s", &id);
        if (r < 0)
                return r;
        r = bus_read_approve_options(m, &o, error);
        if (r < 0)
                return r;
        r = caller_get(ctx, m, &caller, error);
        if (r < 0)
                return r;
        r = caller_find_request(ctx, id, &caller, &req, error);
        if (r < 0)
                return r;
        note = bus_field_dup(o.comment, JIT_MAX_FIELD);
        if (!note)
                return -ENOMEM;
        /* The requester may approve themself only under BreakGlass=yes; decide.c wants a reason. */
        break_glass = caller.uid == req->uid && req->rule && req->rule->break_glass;
        if (!break_glass) {
                r = caller_check(&caller, ACCESS_APPROVER, req, error);
                if (r < 0)
                        return r;
        }
        r = bus_signature(ctx, req, &caller, o.signature, signature_required(ctx, req), &sig, error);
        if (r < 0)
                return r;
        r = decide_approve(ctx, req, caller.uid, caller.name, note, o.duration_usec, break_glass,
                           r > 0 ? &sig : NULL, error);
        if (r < 0)
                return sd_bus_error_is_set(error) ? r : bus_record_error(error, r);
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "t",
                                          req->state == REQUEST_PENDING ? (uint64_t)0 : req->until_usec);
        if (r >= 0)
                r = decide_reply(ctx, m, reply);
        return r < 0 ? r : 1;
}

/* Deny and Cancel differ only in who may call them and what they record. */
static int decide_simple(sd_bus_message *m, Context *ctx, Access access, RequestState state, const char *id,
                         const char *comment, const char *signature, sd_bus_error *error)
{
        _cleanup_(caller_done) Caller caller = {};
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(signed_done) Signed sig = {};
        _cleanup_free_ char *note = NULL;
        Request *req;
        int r;

        r = caller_get(ctx, m, &caller, error);
        if (r < 0)
                return r;
        r = caller_find_request(ctx, id, &caller, &req, error);
        if (r < 0)
                return r;
        r = caller_check(&caller, access, req, error);
        if (r < 0)
                return r;
        r = decide_check_pending(req, error);
        if (r < 0)
                return r;
        /* A Cancel writes a record: it spends the requester's budget like RequestAccess (A41). */
        if (state == REQUEST_CANCELLED) {
                r = bus_rate_spend(ctx, &ctx->churn, caller.uid, error);
                if (r < 0)
                        return r;
        }
        /* A denial may be signed; it is never held up for want of a signature (denying is safe). */
        r = state == REQUEST_DENIED ? bus_signature(ctx, req, &caller, signature, false, &sig, error) : 0;
        if (r < 0)
                return r;
        note = bus_field_dup(comment, JIT_MAX_FIELD);
        if (!note)
                return -ENOMEM;
        r = state == REQUEST_DENIED ? decide_deny(ctx, req, caller.name, note, r > 0 ? &sig : NULL)
                                    : decide_end(ctx, req, state, caller.name, note);
        if (r < 0)
                return bus_record_error(error, r);
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = decide_reply(ctx, m, reply);
        return r < 0 ? r : 1;
}

int method_deny(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        const char *id, *comment;
        int r;

        r = sd_bus_message_read(m, "ss", &id, &comment);
        if (r < 0)
                return r;
        return decide_simple(m, userdata, ACCESS_DENIER, REQUEST_DENIED, id, comment, NULL, error);
}

int method_deny_with_options(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        ApproveArgs o = {.comment = ""};
        const char *id;
        int r;

        r = sd_bus_message_read(m, "s", &id);
        if (r < 0)
                return r;
        r = bus_read_deny_options(m, &o, error);
        if (r < 0)
                return r;
        return decide_simple(m, userdata, ACCESS_DENIER, REQUEST_DENIED, id, o.comment, o.signature, error);
}

int method_cancel(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        const char *id;
        int r;

        r = sd_bus_message_read(m, "s", &id);
        if (r < 0)
                return r;
        return decide_simple(m, userdata, ACCESS_REQUESTER, REQUEST_CANCELLED, id, "", NULL, error);
}

/* What a record costs on the wire, near enough to bound a reply and charge its reader. */
static size_t request_wire_size(const Request *req)
{
        const char *const fields[] = {req->user,  req->target,  req->service, req->command, req->tty,
                                      req->rhost, req->ruser,   req->cwd,     req->runcwd,  req->reason,
                                      req->by,    req->comment, req->runas,   req->rungroup};
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
        int r;

        r = bus_read_list_filter(m, &f, error);
        if (r < 0)
                return r;
        all = streq(f.state, "all");
        r = caller_get_budgeted(ctx, m, true, &caller, error);
        if (r < 0)
                return r;
        if (*f.after) {
                Request *from;
                /* The same answer for an unknown id and one the caller may not see (A06). */
                r = caller_find_request(ctx, f.after, &caller, &from, error);
                if (r < 0)
                        return r;
                start = from->next;
        }

        /* A page holds at most f.limit records and about JIT_LIST_REPLY_BYTES: however many records
         * there are, no single call makes jitd build (and dbus-daemon queue) a huge reply (A42). */
        r = sd_bus_message_new_method_return(m, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "a{sv}");
        if (r < 0)
                return r;
        for (const Request *req = start; req; req = req->next) {
                if ((!all && req->state != REQUEST_PENDING) || !caller_may_see(&caller, req))
                        continue;
                if (n >= f.limit || bytes >= JIT_LIST_REPLY_BYTES) {
                        truncated = true;
                        break;
                }
                r = append_request(reply, req, NULL);
                if (r < 0)
                        return r;
                bytes += request_wire_size(req);
                n++;
                last = req;
        }
        r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "a{sv}", 2, "truncated", "b", truncated, "next", "s",
                                          truncated ? last->id : "");
        if (r >= 0)
                r = record_send_when_durable(ctx, m, reply);
        bus_read_charge(ctx, caller.uid, bytes);
        return r;
}

int method_get_request(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *ctx = userdata;
        _cleanup_(caller_done) Caller caller = {};
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *id;
        _cleanup_free_ char *statement = NULL;
        Request *req;
        int r;

        r = sd_bus_message_read(m, "s", &id);
        if (r < 0)
                return r;
        r = caller_get_budgeted(ctx, m, true, &caller, error);
        if (r < 0)
                return r;
        r = caller_find_request(ctx, id, &caller, &req, error);
        if (r < 0)
                return r;
        /* A request no statement can carry (never expected: its fields are sanitised) is still shown;
         * it just cannot be signed for. */
        r = request_statement(req, journal_writer_origin(ctx->journal), &statement);
        if (r < 0 && r != -EINVAL)
                return r;
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = append_request(reply, req, statement);
        if (r < 0)
                return r;
        bus_read_charge(ctx, caller.uid, request_wire_size(req) + (statement ? strlen(statement) : 0));
        return record_send_when_durable(ctx, m, reply);
}
