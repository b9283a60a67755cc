/* Verbs that talk to jitd: list, show, approve, deny, cancel, grants, revoke, request. */
#include <errno.h>
#include <stdarg.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "duration.h"
#include "id.h"
#include "jit-bus.h"
#include "jit-command.h"
#include "jit-limits.h"
#include "jitctl.h"
#include "replies.h"
#include "request-view.h"
#include "sanitize.h"
#include "util.h"

#define CALL_TIMEOUT_USEC (10 * USEC_PER_SEC)

static void json_putp(json_object **j)
{
        json_object_put(*j);
}

/* Report a refused call with jitd's own words (sanitised like everything shown), or say that jitd is
 * not there at all. */
int ctl_refused(const Ctl *ctl, const char *verb, const char *id, const sd_bus_error *error, int r)
{
        const char *msg = ctl_bus_error_message(ctl, error, r);
        _cleanup_free_ char *safe = jit_sanitize_terminal(msg, strlen(msg), JIT_MAX_FIELD);

        ctl_error("%s%s%s: %s", verb, id ? " " : "", id ? id : "", safe ? safe : "error");
        return EXIT_REFUSED;
}

static int call(Ctl *ctl, const char *method, sd_bus_message **ret_reply, sd_bus_error *error,
                const char *types, ...)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        sd_bus *bus;
        va_list ap;
        int r;

        r = ctl_bus(ctl, &bus);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_call(bus, &m, JIT_BUS_NAME, JIT_BUS_PATH, JIT_BUS_INTERFACE, method);
        if (r < 0)
                return r;
        va_start(ap, types);
        r = sd_bus_message_appendv(m, types, ap);
        va_end(ap);
        if (r < 0)
                return r;
        return sd_bus_call(bus, m, CALL_TIMEOUT_USEC, error, ret_reply);
}

/* Add a string or a time to a JSON object; -ENOMEM when memory ran out. */
static int json_add_string(json_object *o, const char *key, const char *value)
{
        json_object *v = json_object_new_string(value);

        if (!v || json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

static int json_add_usec(json_object *o, const char *key, uint64_t usec)
{
        json_object *v = json_object_new_int64(usec > INT64_MAX ? INT64_MAX : (int64_t)usec);

        if (!v || json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

/* Add an unsigned count to a JSON object; -ENOMEM when memory ran out. */
static int json_add_u64(json_object *o, const char *key, uint64_t value)
{
        json_object *v = json_object_new_int64(value > INT64_MAX ? INT64_MAX : (int64_t)value);

        if (!v || json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

/* One page of ListRequests: its records go into list; *ret_next is where the next page starts
 * ("" when this was the last). jitd bounds each reply, so a long list comes in several calls. */
static int list_page(Ctl *ctl, bool all, const char *after, json_object *list, char **ret_next,
                     sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *next = "";
        json_object *o;
        bool truncated = false;
        int r;

        r = call(ctl, "ListRequests", &reply, error, "a{sv}", 2, "state", "s", all ? "all" : "pending",
                 "after", "s", after);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "a{sv}");
        while (r >= 0 && (r = reply_read_object(reply, REPLY_REQUEST, &o, error)) > 0)
                json_object_array_add(list, o);
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        if (r >= 0)
                r = reply_read_page(reply, &truncated, &next, error);
        if (r < 0)
                return r;
        /* A page that says there is more but names no place to go on from would loop forever. */
        if (truncated && !*next)
                return -EBADMSG;
        *ret_next = strdup(truncated ? next : "");
        return *ret_next ? 0 : -ENOMEM;
}

int verb_list(Ctl *ctl, const VerbArgs *a)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(json_putp) json_object *list = json_object_new_array();
        _cleanup_free_ char *after = strdup("");
        int r;

        if (!list || !after)
                return ctl_refused(ctl, "list", NULL, &error, -ENOMEM);
        do {
                char *next = NULL;
                r = list_page(ctl, a->all, after, list, &next, &error);
                if (r < 0)
                        return ctl_refused(ctl, "list", NULL, &error, r);
                free(after);
                after = next;
        } while (*after);
        if (ctl->json)
                ctl_print_json(list, ctl->pretty);
        else
                print_table(ctl, list);
        return 0;
}

int ctl_get_request(Ctl *ctl, const char *id, json_object **ret, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = call(ctl, "GetRequest", &reply, error, "s", id);
        if (r >= 0)
                r = reply_read_object(reply, REPLY_REQUEST, ret, error);
        return r < 0 ? r : r == 0 ? -EBADMSG : 1;
}

int verb_show(Ctl *ctl, const VerbArgs *a)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(json_putp) json_object *o = NULL;
        int r;

        r = ctl_get_request(ctl, a->args[0], &o, &error);
        if (r < 0)
                return ctl_refused(ctl, "show", a->args[0], &error, r);
        if (a->statement) {
                const char *st = view_str(o, "statement");
                /* An older jitd has no statement: say so rather than print nothing. */
                if (!*st)
                        return ctl_refused(ctl, "show", a->args[0], &SD_BUS_ERROR_NULL, -EPROTONOSUPPORT);
                fputs(st, stdout);
                return 0;
        }
        if (ctl->json)
                ctl_print_json(o, ctl->pretty);
        else
                print_request(ctl, o);
        return 0;
}

/* The result of a decision, for --json: what was decided on which id. */
static int print_decided(const Ctl *ctl, const char *id, const char *state)
{
        _cleanup_(json_putp) json_object *o = json_object_new_object();

        if (!o || json_add_string(o, "id", id) < 0 || json_add_string(o, "state", state) < 0)
                return -ENOMEM;
        ctl_print_json(o, ctl->pretty);
        return 0;
}

/* Approve or DenyWithOptions with the options given: the comment always, the grant length and the
 * signature when there are any. */
static int call_decision(Ctl *ctl, const char *method, const char *id, const char *comment,
                         uint64_t duration, const char *signature, sd_bus_message **ret_reply,
                         sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        sd_bus *bus;
        int r;

        r = ctl_bus(ctl, &bus);
        if (r >= 0)
                r = sd_bus_message_new_method_call(bus, &m, JIT_BUS_NAME, JIT_BUS_PATH, JIT_BUS_INTERFACE,
                                                   method);
        if (r >= 0)
                r = sd_bus_message_append(m, "s", id);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0)
                r = sd_bus_message_append(m, "{sv}", "comment", "s", comment);
        if (r >= 0 && duration)
                r = sd_bus_message_append(m, "{sv}", "duration", "t", duration);
        if (r >= 0 && signature)
                r = sd_bus_message_append(m, "{sv}", "signature", "s", signature);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        return sd_bus_call(bus, m, CALL_TIMEOUT_USEC, error, ret_reply);
}

/* The request's statement as jitd states it, signed with the approver's key. */
static int sign_request(Ctl *ctl, const char *id, const char *key, char **ret, sd_bus_error *error)
{
        _cleanup_(json_putp) json_object *o = NULL;
        const char *statement;
        int r;

        r = ctl_get_request(ctl, id, &o, error);
        if (r < 0)
                return r;
        statement = view_str(o, "statement");
        if (!*statement)
                return sd_bus_error_set(error, SD_BUS_ERROR_NOT_SUPPORTED,
                                        "jitd sent no statement to sign (an older jitd?)");
        return ctl_sign_statement(statement, key, ret);
}

/* A decision, signed when the user asked or when jitd answers that it needs a signature. */
static int decide_signed(Ctl *ctl, const char *method, const VerbArgs *a, sd_bus_message **ret_reply,
                         sd_bus_error *error)
{
        const char *id = a->args[0], *comment = a->comment ? a->comment : "";
        _cleanup_free_ char *signature = NULL;
        int r;

        if (a->sign) {
                r = sign_request(ctl, id, a->key, &signature, error);
                if (r < 0)
                        return r;
        }
        r = call_decision(ctl, method, id, comment, a->duration, signature, ret_reply, error);
        if (r >= 0 || signature || !sd_bus_error_has_name(error, JIT_ERROR_SIGNATURE_REQUIRED))
                return r;
        sd_bus_error_free(error);
        r = sign_request(ctl, id, a->key, &signature, error);
        if (r < 0)
                return r;
        return call_decision(ctl, method, id, comment, a->duration, signature, ret_reply, error);
}

int verb_approve(Ctl *ctl, const VerbArgs *a)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL, get_error = SD_BUS_ERROR_NULL;
        _cleanup_(json_putp) json_object *o = NULL;
        const char *id = a->args[0];
        uint64_t until, granted = 0, now;
        char buf[64], d[32];
        int k;

        k = decide_signed(ctl, "Approve", a, &reply, &error);
        if (k >= 0)
                k = sd_bus_message_read(reply, "t", &until);
        if (k < 0)
                return ctl_refused(ctl, "approve", id, &error, k);
        now = jit_now_usec(CLOCK_REALTIME);

        /* The grant's length is until minus the decision's time, which GetRequest knows exactly; if the
         * request cannot be read back (it is still ours to tell), the time now is close enough. */
        if (until && ctl_get_request(ctl, id, &o, &get_error) > 0 && view_num(o, "decided_usec") &&
            view_num(o, "decided_usec") < until)
                granted = until - view_num(o, "decided_usec");
        else if (until)
                granted = until > now ? until - now : 0;
        /* jitd takes the decision's time and the grant's start apart by microseconds: whole seconds. */
        granted = (granted + USEC_PER_SEC / 2) / USEC_PER_SEC * USEC_PER_SEC;
        /* A grant a second shorter than asked was cut (MaxGrant=), not rounded. */
        bool cut = until && a->duration && granted + USEC_PER_SEC < a->duration;

        if (ctl->json) {
                json_object *r = json_object_new_object();
                if (!r || json_add_string(r, "id", id) < 0 ||
                    json_add_string(r, "state", until ? JIT_STATE_APPROVED : JIT_STATE_PENDING) < 0 ||
                    json_add_usec(r, "until_usec", until) < 0 ||
                    json_add_u64(r, "grant_usec", granted) < 0 ||
                    (a->duration && json_add_u64(r, "requested_usec", a->duration) < 0) ||
                    (o && json_add_u64(r, "approvals", view_num(o, "approvals")) < 0) ||
                    (o && json_add_u64(r, "approvals_needed", view_num(o, "approvals_needed")) < 0) ||
                    json_object_object_add(r, "cut_to_max_grant", json_object_new_boolean(cut)) < 0) {
                        json_object_put(r);
                        return ctl_refused(ctl, "approve", id, &SD_BUS_ERROR_NULL, -ENOMEM);
                }
                ctl_print_json(r, ctl->pretty);
                json_object_put(r);
        } else if (until == 0)
                printf("Approval of %s recorded; it needs more approvers.\n", id);
        else
                printf("Approved %s until %s.\n", id, ctl_format_time(ctl, until, buf, sizeof(buf)));
        if (cut)
                ctl_error("--for %s was cut to the rule's MaxGrant (%s)", a->duration_text,
                          jit_format_duration(granted, d, sizeof(d)));
        return 0;
}

int verb_grants(Ctl *ctl, const VerbArgs *a)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(json_putp) json_object *list = json_object_new_array();
        json_object *o;
        int r;

        if (!list)
                return ctl_refused(ctl, "grants", NULL, &error, -ENOMEM);
        r = call(ctl, "ListGrants", &reply, &error, "");
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "a{sv}");
        while (r >= 0 && (r = reply_read_object(reply, REPLY_GRANT, &o, &error)) > 0)
                json_object_array_add(list, o);
        if (r < 0)
                return ctl_refused(ctl, "grants", NULL, &error, r);
        if (ctl->json)
                ctl_print_json(list, ctl->pretty);
        else
                print_grants(ctl, list);
        return 0;
}

int verb_revoke(Ctl *ctl, const VerbArgs *a)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *id = a->args[0];
        int r;

        r = call(ctl, "Revoke", NULL, &error, "ss", id, a->comment ? a->comment : "");
        if (r < 0)
                return ctl_refused(ctl, "revoke", id, &error, r);
        if (!ctl->json)
                printf("Revoked grant %s.\n", id);
        else if (print_decided(ctl, id, JIT_STATE_REVOKED) < 0)
                return ctl_refused(ctl, "revoke", id, &error, -ENOMEM);
        return 0;
}

/* jitctl request [--for D] [--reason T] [--service S] [-- CMD...]: ask ahead of time, for yourself. */
int verb_request(Ctl *ctl, const VerbArgs *a)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *service = a->service ? a->service : "sudo", *id, *state;
        uint64_t deadline;
        char buf[64];
        sd_bus *bus;
        int r;

        r = ctl_bus(ctl, &bus);
        if (r >= 0)
                r = sd_bus_message_new_method_call(bus, &m, JIT_BUS_NAME, JIT_BUS_PATH, JIT_BUS_INTERFACE,
                                                   "RequestAccess");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0)
                r = sd_bus_message_append(m, "{sv}", "service", "s", service);
        if (r >= 0 && a->duration)
                r = sd_bus_message_append(m, "{sv}", "duration", "t", a->duration);
        if (r >= 0 && a->reason)
                r = sd_bus_message_append(m, "{sv}", "reason", "s", a->reason);
        if (r >= 0 && a->n_args > 0) {
                /* The command as sudo would get it, so a later `sudo CMD...` matches the grant. */
                r = sd_bus_message_open_container(m, 'e', "sv");
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", "argv");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'v', "as");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'a', "s");
                if (r >= 0)
                        r = sd_bus_message_append_basic(m, 's', "sudo");
                for (int i = 0; r >= 0 && i < a->n_args; i++)
                        r = sd_bus_message_append_basic(m, 's', a->args[i]);
                for (int i = 0; r >= 0 && i < 3; i++)
                        r = sd_bus_message_close_container(m);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_call(bus, m, CALL_TIMEOUT_USEC, &error, &reply);
        if (r >= 0)
                r = sd_bus_message_read(reply, "sst", &id, &state, &deadline);
        if (r < 0)
                return ctl_refused(ctl, "request", NULL, &error, r);
        if (ctl->json) {
                _cleanup_(json_putp) json_object *o = json_object_new_object();
                if (!o || json_add_string(o, "id", id) < 0 || json_add_string(o, "state", state) < 0 ||
                    json_add_usec(o, "deadline_usec", deadline) < 0)
                        return ctl_refused(ctl, "request", NULL, &error, -ENOMEM);
                ctl_print_json(o, ctl->pretty);
        } else if (streq(state, "pending"))
                printf("Request %s is pending until %s; an approver runs: jitctl approve %s\n", id,
                       ctl_format_time(ctl, deadline, buf, sizeof(buf)), id);
        else
                printf("Request %s: %s.\n", id, state);
        return streq(state, "denied") ? EXIT_REFUSED : 0;
}

int verb_deny(Ctl *ctl, const VerbArgs *a)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *id = a->args[0];
        int r;

        /* Plain Deny unless signed: an older jitd has no DenyWithOptions. */
        if (a->sign)
                r = decide_signed(ctl, "DenyWithOptions", a, NULL, &error);
        else
                r = call(ctl, "Deny", NULL, &error, "ss", id, a->comment ? a->comment : "");
        if (r < 0)
                return ctl_refused(ctl, "deny", id, &error, r);
        if (!ctl->json)
                printf("Denied %s.\n", id);
        else if (print_decided(ctl, id, JIT_STATE_DENIED) < 0)
                return ctl_refused(ctl, "deny", id, &error, -ENOMEM);
        return 0;
}

int verb_cancel(Ctl *ctl, const VerbArgs *a)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *id = a->args[0];
        int r;

        r = call(ctl, "Cancel", NULL, &error, "s", id);
        if (r < 0)
                return ctl_refused(ctl, "cancel", id, &error, r);
        if (!ctl->json)
                printf("Cancelled %s.\n", id);
        else if (print_decided(ctl, id, JIT_STATE_CANCELLED) < 0)
                return ctl_refused(ctl, "cancel", id, &error, -ENOMEM);
        return 0;
}
