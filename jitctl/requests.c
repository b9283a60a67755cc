/* Verbs that talk to jitd: list, show, approve, deny, cancel, grants, revoke, request, watch. */
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
#include "sanitize.h"
#include "util.h"

#define CALL_TIMEOUT_USEC (10 * USEC_PER_SEC)

static void json_putp(json_object **j)
{
        json_object_put(*j);
}

/* Report a refused call with jitd's own words (sanitised like everything shown), or say that jitd is
 * not there at all. */
static int refused(const Ctl *ctl, const char *verb, const char *id, const sd_bus_error *error, int k)
{
        const char *msg = ctl_bus_error_message(ctl, error, k);
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
        int k;

        k = ctl_bus(ctl, &bus);
        if (k < 0)
                return k;
        k = sd_bus_message_new_method_call(bus, &m, JIT_BUS_NAME, JIT_BUS_PATH, JIT_BUS_INTERFACE, method);
        if (k < 0)
                return k;
        va_start(ap, types);
        k = sd_bus_message_appendv(m, types, ap);
        va_end(ap);
        if (k < 0)
                return k;
        return sd_bus_call(bus, m, CALL_TIMEOUT_USEC, error, ret_reply);
}

/* Turn one a{sv} request record into a JSON object; strings are sanitised on the way. */
static int read_request(sd_bus_message *m, json_object **ret)
{
        _cleanup_(json_putp) json_object *o = json_object_new_object();
        const char *key, *contents;
        int k;

        if (!o)
                return -ENOMEM;
        k = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (k <= 0)
                return k;
        while ((k = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                json_object *v = NULL;
                char type;

                k = sd_bus_message_read_basic(m, 's', &key);
                if (k < 0)
                        return k;
                k = sd_bus_message_peek_type(m, &type, &contents);
                if (k < 0)
                        return k;
                if (streq(contents, "s")) {
                        const char *s;
                        k = sd_bus_message_read(m, "v", "s", &s);
                        _cleanup_free_ char *safe =
                            k >= 0 ? jit_sanitize_terminal(s, strlen(s), JIT_MAX_COMMAND) : NULL;
                        if (safe)
                                v = json_object_new_string(safe);
                } else if (streq(contents, "u")) {
                        uint32_t u;
                        k = sd_bus_message_read(m, "v", "u", &u);
                        v = json_object_new_int64(u);
                } else if (streq(contents, "t")) {
                        uint64_t t;
                        k = sd_bus_message_read(m, "v", "t", &t);
                        v = json_object_new_int64(t > INT64_MAX ? INT64_MAX : (int64_t)t);
                } else
                        k = sd_bus_message_skip(m, "v");
                if (k < 0)
                        return k;
                if (v)
                        json_object_object_add(o, key, v);
                k = sd_bus_message_exit_container(m);
                if (k < 0)
                        return k;
        }
        if (k < 0)
                return k;
        k = sd_bus_message_exit_container(m);
        if (k < 0)
                return k;
        *ret = TAKE_PTR(o);
        return 1;
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

static const char *str(json_object *o, const char *key)
{
        json_object *v;
        return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

static uint64_t num(json_object *o, const char *key)
{
        json_object *v;
        return json_object_object_get_ex(o, key, &v) ? (uint64_t)json_object_get_int64(v) : 0;
}

/* The command of a request or grant as people see it: loud when it covers any command through its
 * service (A40), whether jitd says so (command_kind "any", a grant of scope service) or an older jitd
 * without command_kind sends an empty command; never an empty string. */
static const char *command_shown(json_object *o)
{
        const char *kind = str(o, JIT_COMMAND_KIND_KEY), *command = str(o, "command");

        if (streq(kind, JIT_COMMAND_KIND_ANY) || streq(str(o, "scope"), JIT_SCOPE_SERVICE) ||
            (!*kind && !*command))
                return JIT_COMMAND_ANY_SHOWN;
        return *command ? command : "(no arguments)";
}

/* What the kind of a command means, in an approver's words; NULL for a kind this jitctl does not know
 * (or none: an older jitd). */
static const char *command_kind_described(const char *kind)
{
        static const struct {
                const char *kind, *described;
        } table[] = {
            {JIT_COMMAND_KIND_EXACT, "exact: resolved by sudo, the program that runs"},
            {JIT_COMMAND_KIND_TYPED, "as typed; the program path made absolute against the cwd"},
            {JIT_COMMAND_KIND_BARE, "as typed; sudo resolves the bare name through secure_path"},
            {JIT_COMMAND_KIND_UNPARSED,
             "UNPARSED: sudo's arguments could not be read; this request matches no command rule"},
            {JIT_COMMAND_KIND_HOST, "not sudo: the host program and its arguments"},
            {JIT_COMMAND_KIND_ANY, "no command named: any command through the service"},
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (streq(kind, table[i].kind))
                        return table[i].described;
        return NULL;
}

/* When it expires ("in 4m") for a pending request, when it was decided ("2m ago") for the rest. */
static char *when(json_object *o, char *buf, size_t n)
{
        uint64_t now = jit_now_usec(CLOCK_REALTIME);

        return ctl_format_relative(
            num(o, streq(str(o, "state"), JIT_STATE_PENDING) ? "deadline_usec" : "decided_usec"), now, buf,
            n);
}

static void print_table(const Ctl *ctl, json_object *list)
{
        size_t n = json_object_array_length(list);
        char w[48];

        if (n == 0) {
                printf("No requests.\n");
                return;
        }
        printf("%-10s %-9s %-12s %-8s %-12s %s\n", "ID", "STATE", "USER", "SERVICE", "WHEN", "COMMAND");
        for (size_t i = 0; i < n; i++) {
                json_object *o = json_object_array_get_idx(list, i);
                printf("%-10s ", str(o, "id"));
                ctl_print_state(ctl, str(o, "state"), 9);
                printf(" %-12s %-8s %-12s %s\n", str(o, "user"), str(o, "service"), when(o, w, sizeof(w)),
                       command_shown(o));
        }
}

/* What an approval of o grants, and for how long: an approver decides on this, not only on the
 * command. jitd sends the rule's lengths where it knows them (requested_usec, default_grant_usec,
 * max_grant_usec); without them jitctl says where the length comes from. */
static void print_grant(const Ctl *ctl, json_object *o)
{
        const char *scope = str(o, "grant_scope"), *state = str(o, "state");
        uint64_t asked = num(o, "requested_usec"), dflt = num(o, "default_grant_usec"),
                 max = num(o, "max_grant_usec"), until = num(o, "until_usec"),
                 decided = num(o, "decided_usec");
        char d[32], m[32];

        if (streq(scope, JIT_SCOPE_SERVICE))
                printf("%9s: %s through %s once approved\n", "scope", JIT_COMMAND_ANY_SHOWN,
                       str(o, "service"));
        else if (*scope)
                printf("%9s: this command only\n", "scope");
        if (until && decided && until > decided)
                printf("%9s: %s (approved)\n", "grant", jit_format_duration(until - decided, d, sizeof(d)));
        else if (!streq(state, JIT_STATE_PENDING))
                return;
        else if (asked)
                printf("%9s: %s as asked; the approver's --for may shorten it\n", "grant",
                       jit_format_duration(asked, d, sizeof(d)));
        else if (dflt)
                printf("%9s: %s (the rule's DefaultGrant=), or the approver's --for\n", "grant",
                       jit_format_duration(dflt, d, sizeof(d)));
        else
                printf("%9s: the approver's --for, else the rule's DefaultGrant=\n", "grant");
        if (max && streq(state, JIT_STATE_PENDING))
                printf("%9s: %s (the rule's MaxGrant=)\n", "at most",
                       jit_format_duration(max, m, sizeof(m)));
}

static void print_request(const Ctl *ctl, json_object *o)
{
        static const char *const keys[] = {"id",  "state", "user",  "target", "service", "command", "runcwd",
                                           "tty", "rhost", "ruser", "cwd",    "reason",  "rule",    "by"};
        static const char *const times[] = {"created_usec", "deadline_usec", "decided_usec", "until_usec"};
        char buf[64];

        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                if (streq(keys[i], "state")) {
                        printf("%9s: ", "state");
                        ctl_print_state(ctl, str(o, "state"), 0);
                        putchar('\n');
                } else if (streq(keys[i], "command")) {
                        /* Always shown, with what kind of command it is: exact, as typed, unparsed... */
                        const char *kind = str(o, JIT_COMMAND_KIND_KEY);
                        const char *described = command_kind_described(kind);

                        printf("%9s: %s", "command", command_shown(o));
                        if (described)
                                printf("  (%s)", described);
                        else if (*kind)
                                printf("  (kind: %s)", kind);
                        putchar('\n');
                } else if (streq(keys[i], "rule")) {
                        uint64_t needed = num(o, "approvals_needed");

                        printf("%9s: %s\n", "rule",
                               *str(o, "rule") ? str(o, "rule") : "(none: the defaults)");
                        print_grant(ctl, o);
                        if (needed)
                                printf("%9s: %llu of %llu%s\n", "approvals",
                                       (unsigned long long)num(o, "approvals"), (unsigned long long)needed,
                                       streq(str(o, "state"), JIT_STATE_PENDING) &&
                                               needed > num(o, "approvals")
                                           ? " so far"
                                           : "");
                } else if (*str(o, keys[i]))
                        printf("%9s: %s\n", keys[i], str(o, keys[i]));
        }
        if (*str(o, "comment"))
                printf("%9s: %s\n", "comment", str(o, "comment"));
        for (size_t i = 0; i < ELEMENTSOF(times); i++) {
                uint64_t t = num(o, times[i]);
                if (t) {
                        snprintf(buf, sizeof(buf), "%.*s", (int)(strlen(times[i]) - 5), times[i]);
                        printf("%9s: ", buf);
                        printf("%s", ctl_format_time(ctl, t, buf, sizeof(buf)));
                        printf(" (%s)\n",
                               ctl_format_relative(t, jit_now_usec(CLOCK_REALTIME), buf, sizeof(buf)));
                }
        }
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
        const char *key, *next = "";
        json_object *o;
        int truncated = 0, k;

        k = call(ctl, "ListRequests", &reply, error, "a{sv}", 2, "state", "s", all ? "all" : "pending",
                 "after", "s", after);
        if (k < 0)
                return k;
        k = sd_bus_message_enter_container(reply, 'a', "a{sv}");
        while (k >= 0 && (k = read_request(reply, &o)) > 0)
                json_object_array_add(list, o);
        if (k >= 0)
                k = sd_bus_message_exit_container(reply);
        if (k >= 0)
                k = sd_bus_message_enter_container(reply, 'a', "{sv}");
        while (k >= 0 && (k = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                k = sd_bus_message_read_basic(reply, 's', &key);
                if (k >= 0 && streq(key, "truncated"))
                        k = sd_bus_message_read(reply, "v", "b", &truncated);
                else if (k >= 0 && streq(key, "next"))
                        k = sd_bus_message_read(reply, "v", "s", &next);
                else if (k >= 0)
                        k = sd_bus_message_skip(reply, "v");
                if (k >= 0)
                        k = sd_bus_message_exit_container(reply);
        }
        if (k < 0)
                return k;
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
        int k;

        if (!list || !after)
                return refused(ctl, "list", NULL, &error, -ENOMEM);
        do {
                char *next = NULL;
                k = list_page(ctl, a->all, after, list, &next, &error);
                if (k < 0)
                        return refused(ctl, "list", NULL, &error, k);
                free(after);
                after = next;
        } while (*after);
        if (ctl->json)
                ctl_print_json(list, ctl->pretty);
        else
                print_table(ctl, list);
        return 0;
}

/* GetRequest ID as a JSON object; 1 on success. */
static int get_request(Ctl *ctl, const char *id, json_object **ret, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int k;

        k = call(ctl, "GetRequest", &reply, error, "s", id);
        if (k >= 0)
                k = read_request(reply, ret);
        return k < 0 ? k : k == 0 ? -EBADMSG : 1;
}

int verb_show(Ctl *ctl, const VerbArgs *a)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(json_putp) json_object *o = NULL;
        int k;

        k = get_request(ctl, a->args[0], &o, &error);
        if (k < 0)
                return refused(ctl, "show", a->args[0], &error, k);
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

int verb_approve(Ctl *ctl, const VerbArgs *a)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL, get_error = SD_BUS_ERROR_NULL;
        _cleanup_(json_putp) json_object *o = NULL;
        const char *id = a->args[0], *comment = a->comment ? a->comment : "";
        uint64_t until, granted = 0, now;
        char buf[64], d[32];
        int k;

        if (a->duration)
                k = call(ctl, "Approve", &reply, &error, "sa{sv}", id, 2, "duration", "t", a->duration,
                         "comment", "s", comment);
        else
                k = call(ctl, "Approve", &reply, &error, "sa{sv}", id, 1, "comment", "s", comment);
        if (k >= 0)
                k = sd_bus_message_read(reply, "t", &until);
        if (k < 0)
                return refused(ctl, "approve", id, &error, k);
        now = jit_now_usec(CLOCK_REALTIME);

        /* The grant's length is until minus the decision's time, which GetRequest knows exactly; if the
         * request cannot be read back (it is still ours to tell), the time now is close enough. */
        if (until && get_request(ctl, id, &o, &get_error) > 0 && num(o, "decided_usec") &&
            num(o, "decided_usec") < until)
                granted = until - num(o, "decided_usec");
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
                    (o && json_add_u64(r, "approvals", num(o, "approvals")) < 0) ||
                    (o && json_add_u64(r, "approvals_needed", num(o, "approvals_needed")) < 0) ||
                    json_object_object_add(r, "cut_to_max_grant", json_object_new_boolean(cut)) < 0) {
                        json_object_put(r);
                        return refused(ctl, "approve", id, &SD_BUS_ERROR_NULL, -ENOMEM);
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

/* Grants: ID, user, what they cover, until when, uses. */
static void print_grants(const Ctl *ctl, json_object *list)
{
        uint64_t now = jit_now_usec(CLOCK_REALTIME);
        size_t n = json_object_array_length(list);
        char until[64];

        if (n == 0) {
                printf("No live grants.\n");
                return;
        }
        printf("%-10s %-12s %-8s %-8s %-10s %-5s %s\n", "ID", "USER", "SERVICE", "SCOPE", "UNTIL", "USES",
               "COMMAND");
        for (size_t i = 0; i < n; i++) {
                json_object *o = json_object_array_get_idx(list, i);
                printf("%-10s %-12s %-8s %-8s %-10s %-5llu %s\n", str(o, "id"), str(o, "user"),
                       str(o, "service"), str(o, "scope"),
                       ctl_format_relative(num(o, "until_usec"), now, until, sizeof(until)),
                       (unsigned long long)num(o, "uses"), command_shown(o));
        }
}

int verb_grants(Ctl *ctl, const VerbArgs *a)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(json_putp) json_object *list = json_object_new_array();
        json_object *o;
        int k;

        if (!list)
                return refused(ctl, "grants", NULL, &error, -ENOMEM);
        k = call(ctl, "ListGrants", &reply, &error, "");
        if (k >= 0)
                k = sd_bus_message_enter_container(reply, 'a', "a{sv}");
        while (k >= 0 && (k = read_request(reply, &o)) > 0)
                json_object_array_add(list, o);
        if (k < 0)
                return refused(ctl, "grants", NULL, &error, k);
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
        int k;

        k = call(ctl, "Revoke", NULL, &error, "ss", id, a->comment ? a->comment : "");
        if (k < 0)
                return refused(ctl, "revoke", id, &error, k);
        if (!ctl->json)
                printf("Revoked grant %s.\n", id);
        else if (print_decided(ctl, id, JIT_STATE_REVOKED) < 0)
                return refused(ctl, "revoke", id, &error, -ENOMEM);
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
        int k;

        k = ctl_bus(ctl, &bus);
        if (k >= 0)
                k = sd_bus_message_new_method_call(bus, &m, JIT_BUS_NAME, JIT_BUS_PATH, JIT_BUS_INTERFACE,
                                                   "RequestAccess");
        if (k >= 0)
                k = sd_bus_message_open_container(m, 'a', "{sv}");
        if (k >= 0)
                k = sd_bus_message_append(m, "{sv}", "service", "s", service);
        if (k >= 0 && a->duration)
                k = sd_bus_message_append(m, "{sv}", "duration", "t", a->duration);
        if (k >= 0 && a->reason)
                k = sd_bus_message_append(m, "{sv}", "reason", "s", a->reason);
        if (k >= 0 && a->n_args > 0) {
                /* The command as sudo would get it, so a later `sudo CMD...` matches the grant. */
                k = sd_bus_message_open_container(m, 'e', "sv");
                if (k >= 0)
                        k = sd_bus_message_append(m, "s", "argv");
                if (k >= 0)
                        k = sd_bus_message_open_container(m, 'v', "as");
                if (k >= 0)
                        k = sd_bus_message_open_container(m, 'a', "s");
                if (k >= 0)
                        k = sd_bus_message_append_basic(m, 's', "sudo");
                for (int i = 0; k >= 0 && i < a->n_args; i++)
                        k = sd_bus_message_append_basic(m, 's', a->args[i]);
                for (int i = 0; k >= 0 && i < 3; i++)
                        k = sd_bus_message_close_container(m);
        }
        if (k >= 0)
                k = sd_bus_message_close_container(m);
        if (k >= 0)
                k = sd_bus_call(bus, m, CALL_TIMEOUT_USEC, &error, &reply);
        if (k >= 0)
                k = sd_bus_message_read(reply, "sst", &id, &state, &deadline);
        if (k < 0)
                return refused(ctl, "request", NULL, &error, k);
        if (ctl->json) {
                _cleanup_(json_putp) json_object *o = json_object_new_object();
                if (!o || json_add_string(o, "id", id) < 0 || json_add_string(o, "state", state) < 0 ||
                    json_add_usec(o, "deadline_usec", deadline) < 0)
                        return refused(ctl, "request", NULL, &error, -ENOMEM);
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
        int k;

        k = call(ctl, "Deny", NULL, &error, "ss", id, a->comment ? a->comment : "");
        if (k < 0)
                return refused(ctl, "deny", id, &error, k);
        if (!ctl->json)
                printf("Denied %s.\n", id);
        else if (print_decided(ctl, id, JIT_STATE_DENIED) < 0)
                return refused(ctl, "deny", id, &error, -ENOMEM);
        return 0;
}

int verb_cancel(Ctl *ctl, const VerbArgs *a)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *id = a->args[0];
        int k;

        k = call(ctl, "Cancel", NULL, &error, "s", id);
        if (k < 0)
                return refused(ctl, "cancel", id, &error, k);
        if (!ctl->json)
                printf("Cancelled %s.\n", id);
        else if (print_decided(ctl, id, JIT_STATE_CANCELLED) < 0)
                return refused(ctl, "cancel", id, &error, -ENOMEM);
        return 0;
}

static int on_signal(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Ctl *ctl = userdata;
        const char *id, *state, *by;
        uint64_t until;
        char buf[64];
        int k;

        if (sd_bus_message_is_signal(m, JIT_BUS_INTERFACE, "RequestCreated")) {
                _cleanup_(json_putp) json_object *o = NULL;
                k = sd_bus_message_read(m, "s", &id);
                if (k >= 0)
                        k = read_request(m, &o);
                if (k <= 0 || !jit_id_valid(id))
                        return 0;
                if (ctl->json) {
                        if (json_add_string(o, "event", "created") < 0 || json_add_string(o, "id", id) < 0)
                                return 0;
                        ctl_print_json(o, false); /* one event a line */
                } else
                        printf("created  %s  %s wants %s: %s\n", id, str(o, "user"), str(o, "service"),
                               command_shown(o));
        } else if (sd_bus_message_is_signal(m, JIT_BUS_INTERFACE, "RequestDecided")) {
                k = sd_bus_message_read(m, "ssts", &id, &state, &until, &by);
                if (k < 0 || !jit_id_valid(id))
                        return 0;
                _cleanup_free_ char *s = jit_sanitize_terminal(state, strlen(state), JIT_MAX_FIELD);
                _cleanup_free_ char *b = jit_sanitize_terminal(by, strlen(by), JIT_MAX_FIELD);
                if (!s || !b)
                        return 0;
                if (ctl->json) {
                        _cleanup_(json_putp) json_object *o = json_object_new_object();
                        if (!o || json_add_string(o, "event", "decided") < 0 ||
                            json_add_string(o, "id", id) < 0 || json_add_string(o, "state", s) < 0 ||
                            json_add_string(o, "by", b) < 0 || json_add_usec(o, "until_usec", until) < 0)
                                return 0;
                        ctl_print_json(o, false); /* one event a line */
                } else {
                        printf("decided  %s  ", id);
                        ctl_print_state(ctl, s, 0);
                        printf("%s%s%s%s\n", *b ? " by " : "", b, until ? " until " : "",
                               until ? ctl_format_time(ctl, until, buf, sizeof(buf)) : "");
                }
        }
        fflush(stdout);
        return 0;
}

/* jitctl watch: every request and decision as it happens (break-glass included), until Ctrl-C. */
int verb_watch(Ctl *ctl, const VerbArgs *a)
{
        static const sd_bus_error none = SD_BUS_ERROR_NULL;
        sd_bus *bus;
        int k;

        k = ctl_bus(ctl, &bus);
        if (k >= 0)
                k = sd_bus_match_signal(bus, NULL, JIT_BUS_NAME, JIT_BUS_PATH, JIT_BUS_INTERFACE, NULL,
                                        on_signal, ctl);
        if (k < 0)
                return refused(ctl, "watch", NULL, &none, k);
        if (!ctl->json)
                printf("Watching requests and decisions (Ctrl-C to stop).\n");
        fflush(stdout);
        for (;;) {
                k = sd_bus_process(bus, NULL);
                if (k < 0)
                        return refused(ctl, "watch", NULL, &none, k);
                if (k > 0)
                        continue;
                k = sd_bus_wait(bus, UINT64_MAX);
                if (k < 0 && k != -EINTR)
                        return refused(ctl, "watch", NULL, &none, k);
        }
}
