/* Verbs that talk to jitd: list, show, approve, deny, cancel. */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
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

/* Report a refused call with jitd's own words; they are sanitised like everything shown. */
static int refused(const char *verb, const char *id, const sd_bus_error *error, int k)
{
        const char *msg = sd_bus_error_is_set(error) ? error->message : strerror(-k);
        _cleanup_free_ char *safe = jit_sanitize_terminal(msg, strlen(msg), JIT_MAX_FIELD);

        fprintf(stderr, "jitctl: %s%s%s: %s\n", verb, id ? " " : "", id ? id : "", safe ? safe : "error");
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

/* "4m12s left" for pending requests, "approved 2m ago" style for the rest. */
static char *when(json_object *o, char *buf, size_t n)
{
        uint64_t now = jit_now_usec(CLOCK_REALTIME), deadline = num(o, "deadline_usec");
        char d[32];

        if (streq(str(o, "state"), "pending"))
                snprintf(buf, n, "%s left",
                         jit_format_duration(deadline > now ? deadline - now : 0, d, sizeof(d)));
        else {
                uint64_t at = num(o, "decided_usec");
                snprintf(buf, n, "%s ago", jit_format_duration(now > at ? now - at : 0, d, sizeof(d)));
        }
        return buf;
}

static void print_table(json_object *list)
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
                printf("%-10s %-9s %-12s %-8s %-12s %s\n", str(o, "id"), str(o, "state"), str(o, "user"),
                       str(o, "service"), when(o, w, sizeof(w)), command_shown(o));
        }
}

static void print_request(json_object *o)
{
        static const char *const keys[] = {"id",  "state", "user",  "target", "service", "command", "runcwd",
                                           "tty", "rhost", "ruser", "cwd",    "reason",  "by"};
        static const char *const times[] = {"created_usec", "deadline_usec", "decided_usec", "until_usec"};
        char buf[64];

        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                if (streq(keys[i], "command")) {
                        /* Always shown, with what kind of command it is: exact, as typed, unparsed... */
                        const char *kind = str(o, JIT_COMMAND_KIND_KEY);
                        const char *described = command_kind_described(kind);

                        printf("%9s: %s", "command", command_shown(o));
                        if (described)
                                printf("  (%s)", described);
                        else if (*kind)
                                printf("  (kind: %s)", kind);
                        putchar('\n');
                        /* A Scope=service rule: approving this one command opens a grant for all. */
                        if (streq(str(o, "grant_scope"), JIT_SCOPE_SERVICE) &&
                            !streq(kind, JIT_COMMAND_KIND_ANY))
                                printf("%9s: %s once approved\n", "grant", JIT_COMMAND_ANY_SHOWN);
                } else if (*str(o, keys[i]))
                        printf("%9s: %s\n", keys[i], str(o, keys[i]));
        }
        for (size_t i = 0; i < ELEMENTSOF(times); i++) {
                uint64_t t = num(o, times[i]);
                if (t) {
                        snprintf(buf, sizeof(buf), "%.*s", (int)(strlen(times[i]) - 5), times[i]);
                        printf("%9s: ", buf);
                        printf("%s\n", jit_format_time(t, buf, sizeof(buf)));
                }
        }
}

static void print_json(json_object *o)
{
        printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
}

/* Verb options shared by every verb: --json, --comment, --for, --all. */
typedef struct VerbArgs {
        const char *comment;
        uint64_t duration;
        bool all;
} VerbArgs;

static int parse_verb(Ctl *ctl, int argc, char *argv[], int n_pos, VerbArgs *a)
{
        static const struct option options[] = {
            {"json", no_argument, NULL, 'j'},
            {"comment", required_argument, NULL, 'm'},
            {"for", required_argument, NULL, 'f'},
            {"all", no_argument, NULL, 'a'},
            {},
        };
        int c;

        optind = 0; /* reinitialise getopt for the verb's own argv */
        while ((c = getopt_long(argc, argv, "jm:f:a", options, NULL)) >= 0)
                switch (c) {
                case 'j':
                        ctl->json = true;
                        break;
                case 'm':
                        if (strlen(optarg) > JIT_MAX_FIELD) {
                                fprintf(stderr, "jitctl: --comment is longer than %d bytes\n",
                                        JIT_MAX_FIELD);
                                return -EINVAL;
                        }
                        a->comment = optarg;
                        break;
                case 'f':
                        if (jit_parse_duration(optarg, &a->duration) < 0) {
                                fprintf(stderr, "jitctl: --for %s: not a duration (e.g. 30m, 2h)\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case 'a':
                        a->all = true;
                        break;
                default:
                        return -EINVAL;
                }
        if (argc - optind != n_pos) {
                fprintf(stderr, "jitctl: %s takes %d argument%s (see jitctl --help)\n", argv[0], n_pos,
                        n_pos == 1 ? "" : "s");
                return -EINVAL;
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

int verb_list(Ctl *ctl, int argc, char *argv[])
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(json_putp) json_object *list = json_object_new_array();
        _cleanup_free_ char *after = strdup("");
        VerbArgs a = {};
        int k;

        if (parse_verb(ctl, argc, argv, 0, &a) < 0)
                return EXIT_USAGE;
        if (!list || !after)
                return EXIT_REFUSED;
        do {
                char *next = NULL;
                k = list_page(ctl, a.all, after, list, &next, &error);
                if (k < 0)
                        return refused("list", NULL, &error, k);
                free(after);
                after = next;
        } while (*after);
        if (ctl->json)
                print_json(list);
        else
                print_table(list);
        return 0;
}

int verb_show(Ctl *ctl, int argc, char *argv[])
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(json_putp) json_object *o = NULL;
        VerbArgs a = {};
        int k;

        if (parse_verb(ctl, argc, argv, 1, &a) < 0)
                return EXIT_USAGE;
        k = call(ctl, "GetRequest", &reply, &error, "s", argv[optind]);
        if (k >= 0)
                k = read_request(reply, &o);
        if (k <= 0)
                return refused("show", argv[optind], &error, k < 0 ? k : -EBADMSG);
        if (ctl->json)
                print_json(o);
        else
                print_request(o);
        return 0;
}

int verb_approve(Ctl *ctl, int argc, char *argv[])
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        VerbArgs a = {.comment = ""};
        uint64_t until;
        char buf[64];
        int k;

        if (parse_verb(ctl, argc, argv, 1, &a) < 0)
                return EXIT_USAGE;
        if (a.duration)
                k = call(ctl, "Approve", &reply, &error, "sa{sv}", argv[optind], 2, "duration", "t",
                         a.duration, "comment", "s", a.comment);
        else
                k = call(ctl, "Approve", &reply, &error, "sa{sv}", argv[optind], 1, "comment", "s",
                         a.comment);
        if (k >= 0)
                k = sd_bus_message_read(reply, "t", &until);
        if (k < 0)
                return refused("approve", argv[optind], &error, k);
        if (until == 0)
                printf("Approval of %s recorded; it needs more approvers.\n", argv[optind]);
        else
                printf("Approved %s until %s.\n", argv[optind], jit_format_time(until, buf, sizeof(buf)));
        return 0;
}

/* Grants: ID, user, what they cover, until when, uses. */
static void print_grants(json_object *list)
{
        size_t n = json_object_array_length(list);
        char until[64];

        if (n == 0) {
                printf("No live grants.\n");
                return;
        }
        printf("%-10s %-12s %-8s %-8s %-24s %-5s %s\n", "ID", "USER", "SERVICE", "SCOPE", "UNTIL", "USES",
               "COMMAND");
        for (size_t i = 0; i < n; i++) {
                json_object *o = json_object_array_get_idx(list, i);
                printf("%-10s %-12s %-8s %-8s %-24s %-5llu %s\n", str(o, "id"), str(o, "user"),
                       str(o, "service"), str(o, "scope"),
                       jit_format_time(num(o, "until_usec"), until, sizeof(until)),
                       (unsigned long long)num(o, "uses"), command_shown(o));
        }
}

int verb_grants(Ctl *ctl, int argc, char *argv[])
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(json_putp) json_object *list = json_object_new_array();
        VerbArgs a = {};
        json_object *o;
        int k;

        if (parse_verb(ctl, argc, argv, 0, &a) < 0)
                return EXIT_USAGE;
        if (!list)
                return EXIT_REFUSED;
        k = call(ctl, "ListGrants", &reply, &error, "");
        if (k >= 0)
                k = sd_bus_message_enter_container(reply, 'a', "a{sv}");
        while (k >= 0 && (k = read_request(reply, &o)) > 0)
                json_object_array_add(list, o);
        if (k < 0)
                return refused("grants", NULL, &error, k);
        if (ctl->json)
                print_json(list);
        else
                print_grants(list);
        return 0;
}

int verb_revoke(Ctl *ctl, int argc, char *argv[])
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        VerbArgs a = {.comment = ""};
        int k;

        if (parse_verb(ctl, argc, argv, 1, &a) < 0)
                return EXIT_USAGE;
        k = call(ctl, "Revoke", NULL, &error, "ss", argv[optind], a.comment);
        if (k < 0)
                return refused("revoke", argv[optind], &error, k);
        printf("Revoked grant %s.\n", argv[optind]);
        return 0;
}

/* jitctl request [--for D] [--reason T] [--service S] [-- CMD...]: ask ahead of time, for yourself. */
int verb_request(Ctl *ctl, int argc, char *argv[])
{
        static const struct option options[] = {
            {"for", required_argument, NULL, 'f'},
            {"reason", required_argument, NULL, 'r'},
            {"service", required_argument, NULL, 's'},
            {"json", no_argument, NULL, 'j'},
            {},
        };
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *reason = NULL, *service = "sudo", *id, *state;
        uint64_t duration = 0, deadline;
        char buf[64];
        sd_bus *bus;
        int c, k;

        optind = 0;
        while ((c = getopt_long(argc, argv, "+f:r:s:j", options, NULL)) >= 0)
                switch (c) {
                case 'f':
                        if (jit_parse_duration(optarg, &duration) < 0) {
                                fprintf(stderr, "jitctl: --for %s: not a duration (e.g. 30m, 2h)\n", optarg);
                                return EXIT_USAGE;
                        }
                        break;
                case 'r':
                        reason = optarg;
                        break;
                case 's':
                        service = optarg;
                        break;
                case 'j':
                        ctl->json = true;
                        break;
                default:
                        return EXIT_USAGE;
                }
        if ((reason && strlen(reason) > JIT_MAX_FIELD) || strlen(service) > JIT_MAX_FIELD) {
                fprintf(stderr, "jitctl: --reason and --service are limited to %d bytes\n", JIT_MAX_FIELD);
                return EXIT_USAGE;
        }

        k = ctl_bus(ctl, &bus);
        if (k >= 0)
                k = sd_bus_message_new_method_call(bus, &m, JIT_BUS_NAME, JIT_BUS_PATH, JIT_BUS_INTERFACE,
                                                   "RequestAccess");
        if (k >= 0)
                k = sd_bus_message_open_container(m, 'a', "{sv}");
        if (k >= 0)
                k = sd_bus_message_append(m, "{sv}", "service", "s", service);
        if (k >= 0 && duration)
                k = sd_bus_message_append(m, "{sv}", "duration", "t", duration);
        if (k >= 0 && reason)
                k = sd_bus_message_append(m, "{sv}", "reason", "s", reason);
        if (k >= 0 && optind < argc) {
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
                for (int i = optind; k >= 0 && i < argc; i++)
                        k = sd_bus_message_append_basic(m, 's', argv[i]);
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
                return refused("request", NULL, &error, k);
        if (ctl->json) {
                _cleanup_(json_putp) json_object *o = json_object_new_object();
                if (!o || json_add_string(o, "id", id) < 0 || json_add_string(o, "state", state) < 0 ||
                    json_add_usec(o, "deadline_usec", deadline) < 0)
                        return refused("request", NULL, &error, -ENOMEM);
                print_json(o);
        } else if (streq(state, "pending"))
                printf("Request %s is pending until %s; an approver runs: jitctl approve %s\n", id,
                       jit_format_time(deadline, buf, sizeof(buf)), id);
        else
                printf("Request %s: %s.\n", id, state);
        return streq(state, "denied") ? EXIT_REFUSED : 0;
}

int verb_deny(Ctl *ctl, int argc, char *argv[])
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        VerbArgs a = {.comment = ""};
        int k;

        if (parse_verb(ctl, argc, argv, 1, &a) < 0)
                return EXIT_USAGE;
        k = call(ctl, "Deny", NULL, &error, "ss", argv[optind], a.comment);
        if (k < 0)
                return refused("deny", argv[optind], &error, k);
        printf("Denied %s.\n", argv[optind]);
        return 0;
}

int verb_cancel(Ctl *ctl, int argc, char *argv[])
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        VerbArgs a = {};
        int k;

        if (parse_verb(ctl, argc, argv, 1, &a) < 0)
                return EXIT_USAGE;
        k = call(ctl, "Cancel", NULL, &error, "s", argv[optind]);
        if (k < 0)
                return refused("cancel", argv[optind], &error, k);
        printf("Cancelled %s.\n", argv[optind]);
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
                        print_json(o);
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
                        print_json(o);
                } else
                        printf("decided  %s  %s%s%s%s%s\n", id, s, *b ? " by " : "", b,
                               until ? " until " : "",
                               until ? jit_format_time(until, buf, sizeof(buf)) : "");
        }
        fflush(stdout);
        return 0;
}

/* jitctl watch: every request and decision as it happens (break-glass included), until Ctrl-C. */
int verb_watch(Ctl *ctl, int argc, char *argv[])
{
        static const sd_bus_error none = SD_BUS_ERROR_NULL;
        VerbArgs a = {};
        sd_bus *bus;
        int k;

        if (parse_verb(ctl, argc, argv, 0, &a) < 0)
                return EXIT_USAGE;
        k = ctl_bus(ctl, &bus);
        if (k >= 0)
                k = sd_bus_match_signal(bus, NULL, JIT_BUS_NAME, JIT_BUS_PATH, JIT_BUS_INTERFACE, NULL,
                                        on_signal, ctl);
        if (k < 0)
                return refused("watch", NULL, &none, k);
        if (!ctl->json)
                printf("Watching requests and decisions (Ctrl-C to stop).\n");
        fflush(stdout);
        for (;;) {
                k = sd_bus_process(bus, NULL);
                if (k < 0)
                        return refused("watch", NULL, &none, k);
                if (k > 0)
                        continue;
                k = sd_bus_wait(bus, UINT64_MAX);
                if (k < 0 && k != -EINTR)
                        return refused("watch", NULL, &none, k);
        }
}
