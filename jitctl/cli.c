/* jitctl's manners on the command line: one error prefix, option errors, times, colour, JSON. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "duration.h"
#include "jitctl.h"
#include "util.h"

void ctl_error(const char *fmt, ...)
{
        va_list ap;

        fflush(stdout); /* what was printed so far comes first, as it happened */
        fputs("jitctl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

/* getopt's own messages would start with the verb's name ("cancel: unrecognized option"), a prefix
 * of their own; these say the same with ours, name the verb and where its options are listed.
 * argv[0] is the verb. */
int ctl_getopt(int argc, char *argv[], const char *shortopts, const struct option *longopts)
{
        const char *verb = argv[0], *typed, *p, *help;
        char help_buf[64];
        int c;

        opterr = 0;
        c = getopt_long(argc, argv, shortopts, longopts, NULL);
        if (c != '?')
                return c;
        typed = optind > 0 && optind <= argc ? argv[optind - 1] : "";
        /* Before the verb, the options are jitctl's own: jitctl --help lists them. */
        if (streq(verb, "jitctl")) {
                verb = "";
                help = "jitctl --help";
        } else {
                snprintf(help_buf, sizeof(help_buf), "jitctl help %s", verb);
                help = help_buf;
        }
        if (strncmp(typed, "--", 2) == 0) {
                /* A long option: name it as typed, without its value. */
                int len = (int)strcspn(typed, "=");
                if (optopt && typed[len] == '=')
                        ctl_error("%s%s%.*s takes no value (see %s)", verb, *verb ? ": " : "", len, typed,
                                  help);
                else if (optopt)
                        ctl_error("%s%s%s needs a value (see %s)", verb, *verb ? ": " : "", typed, help);
                else if (*verb)
                        ctl_error("%s does not take %.*s (see %s)", verb, len, typed, help);
                else
                        ctl_error("unknown option %.*s (see %s)", len, typed, help);
        } else if (optopt && (p = strchr(shortopts, optopt)) && p[1] == ':')
                ctl_error("%s%s-%c needs a value (see %s)", verb, *verb ? ": " : "", optopt, help);
        else if (*verb)
                ctl_error("%s does not take -%c (see %s)", verb, optopt ? optopt : '?', help);
        else
                ctl_error("unknown option -%c (see %s)", optopt ? optopt : '?', help);
        return '?';
}

/* The bus daemon's words when nobody owns our name, or there is no bus at all, mean one thing to an
 * operator: jitd is not running. Everything else is jitd's own answer (sanitised by the caller). */
const char *ctl_bus_error_message(const Ctl *ctl, const sd_bus_error *error, int r)
{
        static const char *const not_running[] = {
            "org.freedesktop.DBus.Error.ServiceUnknown",
            "org.freedesktop.DBus.Error.NameHasNoOwner",
        };

        if (sd_bus_error_is_set(error)) {
                for (size_t i = 0; i < ELEMENTSOF(not_running); i++)
                        if (sd_bus_error_has_name(error, not_running[i]))
                                goto down;
                if (strncmp(error->name, "org.freedesktop.DBus.Error.Spawn.", 33) == 0)
                        goto down; /* bus activation tried to start it and failed */
                return error->message ? error->message : error->name;
        }
        /* No bus socket, or nobody listening on it (the local bus; -H reaches it through ssh). */
        if (r == -ENOENT || r == -ECONNREFUSED)
                goto down;
        return strerror(-r);
down:
        return ctl->host ? "jitd is not running on that host (systemctl -H HOST status jitd)"
                         : "jitd is not running (systemctl status jitd)";
}

char *ctl_format_time(const Ctl *ctl, uint64_t usec, char *buf, size_t n)
{
        time_t t = (time_t)(usec / USEC_PER_SEC);
        struct tm tm;

        if (ctl->utc)
                return jit_format_time(usec, buf, n);
        if (!localtime_r(&t, &tm) || strftime(buf, n, "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
                snprintf(buf, n, "@%llu", (unsigned long long)(usec / USEC_PER_SEC));
        return buf;
}

/* Two units at most ("3h12m", "4m", "42s"): a table row is read at a glance, show has the rest. */
char *ctl_format_relative(uint64_t usec, uint64_t now, char *buf, size_t n)
{
        uint64_t d = usec > now ? usec - now : now - usec, s = d / USEC_PER_SEC;
        char span[32];

        if (s == 0) {
                snprintf(buf, n, "now");
                return buf;
        }
        if (s >= 86400)
                snprintf(span, sizeof(span), "%llud%lluh", (unsigned long long)(s / 86400),
                         (unsigned long long)(s / 3600 % 24));
        else if (s >= 3600)
                snprintf(span, sizeof(span), "%lluh%llum", (unsigned long long)(s / 3600),
                         (unsigned long long)(s / 60 % 60));
        else if (s >= 60)
                snprintf(span, sizeof(span), "%llum", (unsigned long long)(s / 60));
        else
                snprintf(span, sizeof(span), "%llus", (unsigned long long)s);
        if (usec > now)
                snprintf(buf, n, "in %s", span);
        else
                snprintf(buf, n, "%s ago", span);
        return buf;
}

void ctl_print_state(const Ctl *ctl, const char *state, int width)
{
        static const struct {
                const char *state, *sgr;
        } colours[] = {
            {"pending", "1;33"}, {"approved", "32"}, {"denied", "1;31"}, {"revoked", "31"},
            {"expired", "2"},    {"cancelled", "2"}, {"ignored", "2"},
        };
        const char *sgr = NULL;

        for (size_t i = 0; ctl->color && i < ELEMENTSOF(colours); i++)
                if (streq(state, colours[i].state))
                        sgr = colours[i].sgr;
        if (sgr)
                printf("\033[%sm%s\033[0m%*s", sgr, state,
                       width > (int)strlen(state) ? width - (int)strlen(state) : 0, "");
        else
                printf("%-*s", width, state);
}

void ctl_print_json(json_object *o, bool pretty)
{
        int flags =
            JSON_C_TO_STRING_NOSLASHESCAPE | (pretty ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN);

        printf("%s\n", json_object_to_json_string_ext(o, flags));
}

/* Colour and indentation are for people at a terminal; NO_COLOR (no-color.org) and TERM=dumb turn
 * colour off there too. A pipe or a file gets neither, so scripts never see escapes. */
void ctl_detect_terminal(Ctl *ctl)
{
        const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");
        bool tty = isatty(STDOUT_FILENO) == 1;

        ctl->pretty = tty;
        ctl->color = tty && !(no_color && *no_color) && !(term && streq(term, "dumb"));
}
