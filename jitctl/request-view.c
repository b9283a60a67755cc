/* How requests and grants look to people: tables, `show`, and the loud words for blanket grants. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "duration.h"
#include "jit-bus.h"
#include "jit-command.h"
#include "jitctl.h"
#include "request-view.h"
#include "util.h"

const char *view_str(json_object *o, const char *key)
{
        json_object *v;
        return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

uint64_t view_num(json_object *o, const char *key)
{
        json_object *v;
        return json_object_object_get_ex(o, key, &v) ? (uint64_t)json_object_get_int64(v) : 0;
}

/* The command of a request or grant as people see it: loud when it covers any command through its
 * service (A40), whether jitd says so (command_kind "any", a grant of scope service) or an older jitd
 * without command_kind sends an empty command; never an empty string. */
const char *command_shown(json_object *o)
{
        const char *kind = view_str(o, JIT_COMMAND_KIND_KEY), *command = view_str(o, "command");

        if (streq(kind, JIT_COMMAND_KIND_ANY) || streq(view_str(o, "scope"), JIT_SCOPE_SERVICE) ||
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
            view_num(o, streq(view_str(o, "state"), JIT_STATE_PENDING) ? "deadline_usec" : "decided_usec"),
            now, buf, n);
}

void print_table(const Ctl *ctl, json_object *list)
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
                printf("%-10s ", view_str(o, "id"));
                ctl_print_state(ctl, view_str(o, "state"), 9);
                printf(" %-12s %-8s %-12s %s\n", view_str(o, "user"), view_str(o, "service"),
                       when(o, w, sizeof(w)), command_shown(o));
        }
}

/* What an approval of o grants, and for how long: an approver decides on this, not only on the
 * command. jitd sends the rule's lengths where it knows them (requested_usec, default_grant_usec,
 * max_grant_usec); without them jitctl says where the length comes from. */
static void print_grant(const Ctl *ctl, json_object *o)
{
        const char *scope = view_str(o, "grant_scope"), *state = view_str(o, "state");
        uint64_t asked = view_num(o, "requested_usec"), dflt = view_num(o, "default_grant_usec"),
                 max = view_num(o, "max_grant_usec"), until = view_num(o, "until_usec"),
                 decided = view_num(o, "decided_usec");
        char d[32], m[32];

        if (streq(scope, JIT_SCOPE_SERVICE))
                printf("%9s: %s through %s once approved\n", "scope", JIT_COMMAND_ANY_SHOWN,
                       view_str(o, "service"));
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

void print_request(const Ctl *ctl, json_object *o)
{
        static const char *const keys[] = {"id",     "state", "user", "target", "runas", "rungroup",
                                           "service", "command", "runcwd", "tty", "rhost", "ruser",
                                           "cwd",    "reason", "rule", "by"};
        static const char *const times[] = {"created_usec", "deadline_usec", "decided_usec", "until_usec"};
        char buf[64];

        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                if (streq(keys[i], "state")) {
                        printf("%9s: ", "state");
                        ctl_print_state(ctl, view_str(o, "state"), 0);
                        putchar('\n');
                } else if (streq(keys[i], "command")) {
                        /* Always shown, with what kind of command it is: exact, as typed, unparsed... */
                        const char *kind = view_str(o, JIT_COMMAND_KIND_KEY);
                        const char *described = command_kind_described(kind);

                        printf("%9s: %s", "command", command_shown(o));
                        if (described)
                                printf("  (%s)", described);
                        else if (*kind)
                                printf("  (kind: %s)", kind);
                        putchar('\n');
                } else if (streq(keys[i], "rule")) {
                        uint64_t needed = view_num(o, "approvals_needed");

                        printf("%9s: %s\n", "rule",
                               *view_str(o, "rule") ? view_str(o, "rule") : "(none: the defaults)");
                        print_grant(ctl, o);
                        if (needed)
                                printf("%9s: %llu of %llu%s\n", "approvals",
                                       (unsigned long long)view_num(o, "approvals"),
                                       (unsigned long long)needed,
                                       streq(view_str(o, "state"), JIT_STATE_PENDING) &&
                                               needed > view_num(o, "approvals")
                                           ? " so far"
                                           : "");
                } else if (*view_str(o, keys[i]))
                        printf("%9s: %s\n", keys[i], view_str(o, keys[i]));
        }
        if (*view_str(o, "comment"))
                printf("%9s: %s\n", "comment", view_str(o, "comment"));
        for (size_t i = 0; i < ELEMENTSOF(times); i++) {
                uint64_t t = view_num(o, times[i]);
                if (t) {
                        snprintf(buf, sizeof(buf), "%.*s", (int)(strlen(times[i]) - 5), times[i]);
                        printf("%9s: ", buf);
                        printf("%s", ctl_format_time(ctl, t, buf, sizeof(buf)));
                        printf(" (%s)\n",
                               ctl_format_relative(t, jit_now_usec(CLOCK_REALTIME), buf, sizeof(buf)));
                }
        }
}

/* Grants: ID, user, what they cover, until when, uses. */
void print_grants(const Ctl *ctl, json_object *list)
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
                printf("%-10s %-12s %-8s %-8s %-10s %-5llu %s\n", view_str(o, "id"), view_str(o, "user"),
                       view_str(o, "service"), view_str(o, "scope"),
                       ctl_format_relative(view_num(o, "until_usec"), now, until, sizeof(until)),
                       (unsigned long long)view_num(o, "uses"), command_shown(o));
        }
}
