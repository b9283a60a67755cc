/* The org.pamjit.jit1.Manager interface: read -> validate -> authorise -> act -> reply. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* The caller's uid, and their account and groups for the approver checks. */
static int caller_get(Context *ctx, sd_bus_message *m, Caller *ret, sd_bus_error *error)
{
        uid_t uid;
        int k;

        *ret = (Caller){.uid = (uid_t)-1};
        k = caller_get_uid(m, &uid, error);
        if (k < 0)
                return k;
        ret->uid = uid;
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

static int request_check_pending(const Request *r, sd_bus_error *error)
{
        if (r->state == REQUEST_PENDING)
                return 0;
        if (r->state == REQUEST_EXPIRED)
                return sd_bus_error_setf(error, JIT_ERROR_EXPIRED, "Request %s has expired.", r->id);
        return sd_bus_error_setf(error, JIT_ERROR_ALREADY_DECIDED, "Request %s is already %s.", r->id,
                                 request_state_to_string(r->state));
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

typedef struct Argv {
        char *buf;    /* the words, each with its NUL */
        char **words; /* pointers into buf, NULL-terminated */
        size_t n;
} Argv;

static void argv_done(Argv *a)
{
        free(a->buf);
        free(a->words);
}

typedef struct CreateArgs {
        const char *user, *service, *tty, *rhost, *ruser, *cwd, *reason;
        /* Who asked (front "pam" or "sudo-plugin"); the PAM host's program (exe); for the plugin,
         * what sudo resolved: the program's path (command), run-as user and group, runcwd. */
        const char *front, *exe, *command, *runas_user, *runas_group, *runcwd;
        int sudoedit;
        uint32_t ruid;
        bool have_ruid, have_reason, have_argv;
        uint64_t timeout_usec, duration_usec;
        Argv argv;
} CreateArgs;

/* argv arrives as separate words, kept as words; command.c decides what they name. */
static int read_argv(sd_bus_message *m, Argv *ret)
{
        Argv a = {};
        const char *word;
        size_t len = 0, n = 0;
        int k;

        a.buf = malloc(JIT_MAX_ARGV_READ);
        if (!a.buf)
                return -ENOMEM;
        k = sd_bus_message_enter_container(m, 'a', "s");
        while (k >= 0 && (k = sd_bus_message_read_basic(m, 's', &word)) > 0) {
                size_t l = strlen(word) + 1;
                /* Too long to be approved as it is: the module refuses such argv; so do we. */
                if (len + l > JIT_MAX_ARGV_READ) {
                        k = -E2BIG;
                        break;
                }
                memcpy(a.buf + len, word, l);
                len += l;
                n++;
        }
        if (k >= 0)
                k = sd_bus_message_exit_container(m);
        if (k >= 0 && !(a.words = calloc(n + 1, sizeof(char *))))
                k = -ENOMEM;
        if (k < 0) {
                argv_done(&a);
                return k;
        }
        for (size_t i = 0, o = 0; i < n; i++) {
                a.words[i] = a.buf + o;
                o += strlen(a.buf + o) + 1;
        }
        a.n = n;
        *ret = a;
        return 0;
}

static int read_context(sd_bus_message *m, CreateArgs *a, sd_bus_error *error)
{
        static const struct {
                const char *key;
                size_t offset;
        } strings[] = {
            {"user", offsetof(CreateArgs, user)},
            {"service", offsetof(CreateArgs, service)},
            {"tty", offsetof(CreateArgs, tty)},
            {"rhost", offsetof(CreateArgs, rhost)},
            {"ruser", offsetof(CreateArgs, ruser)},
            {"cwd", offsetof(CreateArgs, cwd)},
            {"reason", offsetof(CreateArgs, reason)},
            {"front", offsetof(CreateArgs, front)},
            {"exe", offsetof(CreateArgs, exe)},
            {"command", offsetof(CreateArgs, command)},
            {"runas_user", offsetof(CreateArgs, runas_user)},
            {"runas_group", offsetof(CreateArgs, runas_group)},
            {"runcwd", offsetof(CreateArgs, runcwd)},
        };
        bool known;
        const char *key;
        int k;

        k = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (k < 0)
                return k;
        while ((k = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                known = false;
                k = sd_bus_message_read_basic(m, 's', &key);
                if (k < 0)
                        return k;
                if (streq(key, "reason"))
                        a->have_reason = true;
                for (size_t i = 0; i < ELEMENTSOF(strings); i++)
                        if (streq(key, strings[i].key)) {
                                k = sd_bus_message_read(m, "v", "s",
                                                        (const char **)((char *)a + strings[i].offset));
                                known = true;
                        }
                if (streq(key, "ruid")) {
                        k = sd_bus_message_read(m, "v", "u", &a->ruid);
                        a->have_ruid = known = true;
                } else if (streq(key, "sudoedit")) {
                        k = sd_bus_message_read(m, "v", "b", &a->sudoedit);
                        known = true;
                } else if (streq(key, "timeout_usec")) {
                        k = sd_bus_message_read(m, "v", "t", &a->timeout_usec);
                        known = true;
                } else if (streq(key, "duration")) {
                        k = sd_bus_message_read(m, "v", "t", &a->duration_usec);
                        known = true;
                } else if (streq(key, "argv")) {
                        if (a->have_argv)
                                return -EINVAL;
                        k = sd_bus_message_enter_container(m, 'v', "as");
                        if (k >= 0)
                                k = read_argv(m, &a->argv);
                        if (k >= 0)
                                k = sd_bus_message_exit_container(m);
                        a->have_argv = known = true;
                }
                if (!known)
                        return sd_bus_error_setf(error, JIT_ERROR_INVALID_ARGUMENT, "Unknown context key.");
                if (k < 0)
                        return k;
                k = sd_bus_message_exit_container(m);
                if (k < 0)
                        return k;
        }
        if (k < 0)
                return k;
        return sd_bus_message_exit_container(m);
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

static int emit_created(Context *ctx, const Request *r)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *s = NULL;
        int k;

        k = sd_bus_message_new_signal(ctx->bus, &s, JIT_BUS_PATH, JIT_BUS_INTERFACE, "RequestCreated");
        if (k >= 0)
                k = sd_bus_message_append(s, "s", r->id);
        if (k >= 0)
                k = sd_bus_message_append(s, "a{sv}", 6, "user", "s", r->user, "service", "s", r->service,
                                          "command", "s", r->command, "command_kind", "s",
                                          command_kind_to_string(r->command_kind), "tty", "s", r->tty,
                                          "deadline_usec", "t", r->deadline_usec);
        if (k >= 0)
                k = record_send_after_commit(ctx, NULL, s);
        return k;
}

int bus_emit_decided(Context *ctx, const Request *r)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *s = NULL;
        int k;

        if (!ctx->bus)
                return 0; /* replaying the journal at start: nobody is listening yet */
        k = sd_bus_message_new_signal(ctx->bus, &s, JIT_BUS_PATH, JIT_BUS_INTERFACE, "RequestDecided");
        if (k >= 0)
                k = sd_bus_message_append(s, "ssts", r->id, request_state_to_string(r->state), r->until_usec,
                                          r->by ? r->by : "");
        if (k >= 0)
                k = record_send_after_commit(ctx, NULL, s);
        return k;
}

/* The requester's connection went away (sudo killed, ssh hung up): nobody may approve it now. */
static int on_requester_gone(sd_bus_track *t, void *userdata)
{
        Request *r = userdata;
        int k;

        if (r->state != REQUEST_PENDING)
                return 0;
        k = request_decide(r, REQUEST_CANCELLED, "", "the requester went away");
        if (k < 0)
                log_error_errno(k, "Failed to cancel request %s", r->id);
        return 0;
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

static void create_args_done(CreateArgs *a)
{
        argv_done(&a->argv);
}

/* A new request, from the module (CreateRequest) or ahead of time (RequestAccess): policy and
 * grants decide; a pending one waits for approvers. The reply leaves after the records. */
static int request_create(Context *ctx, sd_bus_message *m, CreateArgs *a, uid_t uid, char *name, bool ahead,
                          sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
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
        if (k < 0)
                goto fail;
        now = jit_now_usec(CLOCK_REALTIME);
        timeout = settings(ctx)->request_timeout_usec;
        if (a->timeout_usec > 0 && a->timeout_usec < timeout)
                timeout = a->timeout_usec;
        r->created_usec = now;
        r->deadline_usec = now + timeout;
        r->ahead = ahead;
        r->any_command = cmd.kind == COMMAND_ANY;
        r->requested_usec = a->duration_usec;

        k = request_evaluate(ctx, r, &cmd, a->have_reason, error);
        if (k < 0 || sd_bus_error_is_set(error)) {
                /* Nothing was decided (a reason is missing, a lookup failed, the journal refused). */
                request_free(r);
                return k < 0 && !sd_bus_error_is_set(error) ? record_error(error, k) : k;
        }

        k = sd_bus_message_new_method_return(m, &reply);
        if (k < 0)
                return k;
        if (r->state == REQUEST_IGNORED) {
                k = sd_bus_message_append(reply, "sstts", "", "ignored", (uint64_t)0, (uint64_t)0, "");
                request_free(r);
                return k < 0 ? k : sd_bus_send(NULL, reply, NULL);
        }
        if (r->state == REQUEST_PENDING) {
                k = request_arm_expiry(r);
                /* The module's connection is tracked: when it goes, nobody waits, so nobody may approve. */
                if (k >= 0 && !ahead) {
                        k = sd_bus_track_new(ctx->bus, &r->track, on_requester_gone, r);
                        if (k >= 0)
                                k = sd_bus_track_add_sender(r->track, m);
                }
                if (k >= 0)
                        k = emit_created(ctx, r);
                if (k < 0)
                        return k; /* the request record is queued; the expiry timer settles it */
        }
        if (ahead)
                k = sd_bus_message_append(reply, "sst", r->id, request_state_to_string(r->state),
                                          r->deadline_usec);
        else
                k = sd_bus_message_append(reply, "sstts", r->id, request_state_to_string(r->state),
                                          r->deadline_usec, r->until_usec,
                                          r->state == REQUEST_DENIED ? r->comment : "");
        if (k >= 0)
                k = record_send_after_commit(ctx, m, reply);
        return k < 0 ? k : 1;
fail:
        request_free(r);
        return k;
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
        char *name = NULL;
        uid_t uid, caller;
        int k;

        /* Only root (the module inside sudo, su, login, sshd) may ask on someone's behalf. */
        k = caller_get_uid(m, &caller, error);
        if (k < 0)
                return k;
        if (caller != 0)
                return sd_bus_error_set(error, JIT_ERROR_ACCESS_DENIED, "Not allowed.");
        k = read_context(m, &a, error);
        if (k < 0 || sd_bus_error_is_set(error))
                return sd_bus_error_is_set(error) ? k
                                                  : sd_bus_error_set(error, JIT_ERROR_INVALID_ARGUMENT,
                                                                     "Malformed request context.");

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
        return request_create(ctx, m, &a, uid, name, false, error);
}

/* jitctl request: the caller asks for themself, ahead of time; identity from the bus only. */
static int method_request_access(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *ctx = userdata;
        _cleanup_(caller_done) Caller caller = {};
        _cleanup_(create_args_done) CreateArgs a = {.user = "",
                                                    .service = "sudo",
                                                    .tty = "",
                                                    .rhost = "",
                                                    .ruser = "",
                                                    .cwd = "",
                                                    .reason = "",
                                                    .front = "pam"};
        const char *key;
        char *name;
        int k;

        k = sd_bus_message_enter_container(m, 'a', "{sv}");
        while (k >= 0 && (k = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                k = sd_bus_message_read_basic(m, 's', &key);
                if (k < 0)
                        break;
                if (streq(key, "duration"))
                        k = sd_bus_message_read(m, "v", "t", &a.duration_usec);
                else if (streq(key, "reason")) {
                        k = sd_bus_message_read(m, "v", "s", &a.reason);
                        a.have_reason = true;
                } else if (streq(key, "service"))
                        k = sd_bus_message_read(m, "v", "s", &a.service);
                else if (streq(key, "argv") && !a.have_argv) {
                        k = sd_bus_message_enter_container(m, 'v', "as");
                        if (k >= 0)
                                k = read_argv(m, &a.argv);
                        if (k >= 0)
                                k = sd_bus_message_exit_container(m);
                        a.have_argv = true;
                } else
                        return sd_bus_error_setf(error, JIT_ERROR_INVALID_ARGUMENT, "Unknown option.");
                if (k >= 0)
                        k = sd_bus_message_exit_container(m);
        }
        if (k >= 0)
                k = sd_bus_message_exit_container(m);
        if (k < 0)
                return sd_bus_error_set(error, JIT_ERROR_INVALID_ARGUMENT, "Malformed options.");
        if (strlen(a.reason) > JIT_MAX_FIELD || strlen(a.service) > JIT_MAX_FIELD)
                return sd_bus_error_set(error, JIT_ERROR_INVALID_ARGUMENT, "Reason or service too long.");
        if (a.duration_usec > JIT_MAX_DURATION_USEC)
                return sd_bus_error_set(error, JIT_ERROR_INVALID_ARGUMENT, "Duration too long.");

        k = caller_get(ctx, m, &caller, error);
        if (k < 0)
                return k;
        a.user = caller.name;
        name = strdup(caller.name);
        if (!name)
                return -ENOMEM;
        return request_create(ctx, m, &a, caller.uid, name, true, error);
}

static int read_approve_options(sd_bus_message *m, uint64_t *duration, const char **comment,
                                sd_bus_error *error)
{
        const char *key;
        int k;

        k = sd_bus_message_enter_container(m, 'a', "{sv}");
        while (k >= 0 && (k = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                k = sd_bus_message_read_basic(m, 's', &key);
                if (k < 0)
                        return k;
                if (streq(key, "duration"))
                        k = sd_bus_message_read(m, "v", "t", duration);
                else if (streq(key, "comment"))
                        k = sd_bus_message_read(m, "v", "s", comment);
                else
                        return sd_bus_error_setf(error, JIT_ERROR_INVALID_ARGUMENT, "Unknown option.");
                if (k >= 0)
                        k = sd_bus_message_exit_container(m);
        }
        if (k >= 0)
                k = sd_bus_message_exit_container(m);
        return k;
}

/* "bob" or, for N-of-M, "bob,carol": everyone whose approval counted. */
static char *approver_names(const Request *r)
{
        char *out = strdup("");

        for (size_t i = 0; out && i < r->n_approvals; i++) {
                _cleanup_free_ char *name = NULL, *prev = out;
                if (user_name_from_uid(r->approvals[i], &name) < 0 &&
                    asprintf(&name, "uid %u", (unsigned)r->approvals[i]) < 0)
                        return NULL;
                if (asprintf(&out, "%s%s%s", prev, i ? "," : "", name) < 0)
                        out = NULL;
        }
        return out;
}

static bool approval_seen(const Request *r, uid_t uid)
{
        for (size_t i = 0; i < r->n_approvals; i++)
                if (r->approvals[i] == uid)
                        return true;
        return false;
}

static int method_approve(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *ctx = userdata;
        _cleanup_(caller_done) Caller caller = {};
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *note = NULL;
        const char *id, *comment = "";
        uint64_t duration = 0;
        unsigned needed;
        Request *r;
        int k;

        k = sd_bus_message_read(m, "s", &id);
        if (k >= 0)
                k = read_approve_options(m, &duration, &comment, error);
        if (k < 0 || sd_bus_error_is_set(error))
                return k;
        if (duration > JIT_MAX_DURATION_USEC)
                return sd_bus_error_set(error, JIT_ERROR_INVALID_ARGUMENT, "Duration too long.");

        k = caller_get(ctx, m, &caller, error);
        if (k < 0)
                return k;
        k = request_lookup(ctx, id, &caller, &r, error);
        if (k < 0)
                return k;
        note = field_dup(comment, JIT_MAX_FIELD);
        if (!note)
                return -ENOMEM;

        if (caller.uid == r->uid && r->rule && r->rule->break_glass) {
                /* Break-glass: the requester may approve themself, with a reason, loudly. */
                if (note[strspn(note, " \t")] == '\0')
                        return sd_bus_error_set(error, JIT_ERROR_INVALID_ARGUMENT,
                                                "Break-glass needs a reason: --comment TEXT.");
                k = request_check_pending(r, error);
                if (k < 0)
                        return k;
                r->break_glass = true;
        } else {
                k = caller_check(&caller, ACCESS_APPROVER, r, error);
                if (k < 0)
                        return k;
                k = request_check_pending(r, error);
                if (k < 0)
                        return k;
                if (approval_seen(r, caller.uid))
                        return sd_bus_error_setf(error, JIT_ERROR_ALREADY_DECIDED,
                                                 "You have already approved %s; it needs other approvers.",
                                                 r->id);
        }

        needed = r->rule ? r->rule->approvals : 1;
        if (r->n_approvals < ELEMENTSOF(r->approvals))
                r->approvals[r->n_approvals++] = caller.uid;

        k = sd_bus_message_new_method_return(m, &reply);
        if (k < 0)
                return k;
        if (!r->break_glass && r->n_approvals < needed) {
                /* N-of-M: this approval is recorded (who, and their comment); the request stays pending. */
                free(r->by);
                free(r->comment);
                r->by = strdup(caller.name);
                r->comment = strdup(note);
                if (!r->by || !r->comment)
                        return -ENOMEM;
                k = record_emit(ctx, RECORD_APPROVE, r);
                if (k < 0) {
                        r->n_approvals--;
                        return record_error(error, k);
                }
                k = sd_bus_message_append(reply, "t", (uint64_t)0);
                if (k >= 0)
                        k = record_send_after_commit(ctx, m, reply);
                return k < 0 ? k : 1;
        }

        if (duration == 0)
                duration = r->requested_usec;
        duration = r->rule ? policy_clamp_grant(r->rule, duration) : settings(ctx)->default_grant_usec;
        r->until_usec = jit_now_usec(CLOCK_REALTIME) + duration;
        _cleanup_free_ char *by = approver_names(r);
        if (!by)
                return -ENOMEM;
        k = request_decide(r, REQUEST_APPROVED, by, note);
        if (k < 0)
                return record_error(error, k);
        k = sd_bus_message_append(reply, "t", r->until_usec);
        if (k >= 0)
                k = record_send_after_commit(ctx, m, reply);
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
        k = request_check_pending(r, error);
        if (k < 0)
                return k;
        note = field_dup(comment, JIT_MAX_FIELD);
        if (!note)
                return -ENOMEM;
        k = request_decide(r, state, caller.name, note);
        if (k < 0)
                return record_error(error, k);
        k = sd_bus_message_new_method_return(m, &reply);
        if (k >= 0)
                k = record_send_after_commit(ctx, m, reply);
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

static int method_list_requests(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *ctx = userdata;
        _cleanup_(caller_done) Caller caller = {};
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *key, *state = "pending";
        bool all;
        int k;

        k = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (k < 0)
                return k;
        while ((k = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                k = sd_bus_message_read_basic(m, 's', &key);
                if (k < 0)
                        return k;
                if (!streq(key, "state"))
                        return sd_bus_error_setf(error, JIT_ERROR_INVALID_ARGUMENT, "Unknown filter.");
                k = sd_bus_message_read(m, "v", "s", &state);
                if (k < 0)
                        return k;
                k = sd_bus_message_exit_container(m);
                if (k < 0)
                        return k;
        }
        if (k < 0)
                return k;
        k = sd_bus_message_exit_container(m);
        if (k < 0)
                return k;
        if (!streq(state, "pending") && !streq(state, "all"))
                return sd_bus_error_setf(error, JIT_ERROR_INVALID_ARGUMENT,
                                         "Filter state must be pending or all.");
        all = streq(state, "all");

        k = caller_get(ctx, m, &caller, error);
        if (k < 0)
                return k;

        k = sd_bus_message_new_method_return(m, &reply);
        if (k < 0)
                return k;
        k = sd_bus_message_open_container(reply, 'a', "a{sv}");
        if (k < 0)
                return k;
        for (Request *r = ctx->requests; r; r = r->next) {
                if ((!all && r->state != REQUEST_PENDING) || !caller_may_see(&caller, r))
                        continue;
                k = append_request(reply, r);
                if (k < 0)
                        return k;
        }
        k = sd_bus_message_close_container(reply);
        if (k < 0)
                return k;
        return sd_bus_send(NULL, reply, NULL);
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
        k = caller_get(ctx, m, &caller, error);
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
        return sd_bus_send(NULL, reply, NULL);
}

static int method_list_grants(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *ctx = userdata;
        _cleanup_(caller_done) Caller caller = {};
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        uint64_t now = jit_now_usec(CLOCK_REALTIME);
        int k;

        k = caller_get(ctx, m, &caller, error);
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
        }
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
        Request *r, stub;
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

        if (!r) {
                /* The request left memory long ago; the record needs only what the grant knows. */
                stub = (Request){.ctx = ctx,
                                 .uid = g->uid,
                                 .user = g->user,
                                 .service = g->service,
                                 .command = g->command,
                                 .state = REQUEST_REVOKED};
                memcpy(stub.id, g->id, sizeof(stub.id));
                r = &stub;
        }
        char *old_by = r->by, *old_comment = r->comment;
        RequestState old_state = r->state;
        r->state = REQUEST_REVOKED;
        r->by = caller.name;
        r->comment = note;
        k = record_emit(ctx, RECORD_REVOKE, r);
        r->by = old_by;
        r->comment = old_comment;
        if (k < 0) {
                r->state = old_state;
                return record_error(error, k);
        }
        if (r != &stub) {
                free(r->by);
                free(r->comment);
                r->by = strdup(caller.name);
                r->comment = TAKE_PTR(note);
                if (!r->by || !r->comment)
                        return -ENOMEM;
        }
        grant_free(g);
        k = sd_bus_message_new_method_return(m, &reply);
        if (k >= 0)
                k = record_send_after_commit(ctx, m, reply);
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
    SD_BUS_METHOD_WITH_ARGS("ListRequests", SD_BUS_ARGS("a{sv}", filter), SD_BUS_RESULT("aa{sv}", requests),
                            method_list_requests, SD_BUS_VTABLE_UNPRIVILEGED),
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

int bus_setup(Context *ctx)
{
        int k;

        k = sd_bus_open_system(&ctx->bus);
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
