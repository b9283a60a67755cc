/* The a{sv} reader (lib/asv.c): types, unknown keys refused or skipped as the table says, repeated
 * and mistyped keys, bounds, and arrays of a{sv}. Messages are real sd-bus messages, sealed as a
 * received one is. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "asv.h"
#include "jit-bus.h"
#include "jit-limits.h"
#include "tap.h"

typedef struct Out {
        const char *name;
        uint32_t count;
        uint64_t usec;
        int flag;
        Argv argv;
} Out;

static const AsvField fields[] = {
    {"name", ASV_STRING, offsetof(Out, name)}, {"count", ASV_UINT32, offsetof(Out, count)},
    {"usec", ASV_UINT64, offsetof(Out, usec)}, {"flag", ASV_BOOL, offsetof(Out, flag)},
    {"argv", ASV_STRV, offsetof(Out, argv)},
};
static const AsvTable refusing = ASV_TABLE(fields, ASV_REFUSE_UNKNOWN);
static const AsvTable skipping = ASV_TABLE(fields, ASV_SKIP_UNKNOWN);

/* sd-bus makes messages only for a bus: one end of a socket pair will do; nothing is sent. */
static sd_bus *test_bus(void)
{
        static sd_bus *bus;
        int fds[2];

        if (!bus && (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0 || sd_bus_new(&bus) < 0 ||
                     sd_bus_set_fd(bus, fds[0], fds[0]) < 0 || sd_bus_start(bus) < 0))
                abort();
        return bus;
}

static sd_bus_message *new_message(void)
{
        sd_bus_message *m = NULL;

        if (sd_bus_message_new_method_call(test_bus(), &m, JIT_BUS_NAME, JIT_BUS_PATH, JIT_BUS_INTERFACE,
                                           "Test") < 0)
                abort();
        return m;
}

static sd_bus_message *seal(sd_bus_message *m)
{
        static uint64_t cookie;

        if (sd_bus_message_seal(m, ++cookie, 0) < 0)
                abort();
        return m;
}

/* A sealed message holding what sd_bus_message_append(types, ...) makes. */
static sd_bus_message *message(const char *types, ...)
{
        sd_bus_message *m = new_message();
        va_list ap;
        int r;

        va_start(ap, types);
        r = sd_bus_message_appendv(m, types, ap);
        va_end(ap);
        if (r < 0)
                abort();
        return seal(m);
}

/* The message read last: strings read from it point into it, so it lives until the next read. */
static sd_bus_message *last;

/* Read m against t; the error's message (or "") in *ret_msg, valid until the next call. */
static int read_one(sd_bus_message *m, const AsvTable *t, Out *out, uint64_t *seen, const char **ret_msg)
{
        static sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        sd_bus_error_free(&e);
        last = sd_bus_message_unref(last);
        r = asv_read(m, t, out, seen, &e);
        *ret_msg = e.message ? e.message : "";
        if (sd_bus_error_is_set(&e) && !sd_bus_error_has_name(&e, JIT_ERROR_INVALID_ARGUMENT))
                *ret_msg = "(wrong error name)";
        last = m;
        return r;
}

static void test_types(Tap *t)
{
        sd_bus_message *m;
        Out o = {.name = "default"};
        uint64_t seen = 0;
        const char *msg;
        int r;

        m = new_message();
        if (sd_bus_message_open_container(m, 'a', "{sv}") < 0 ||
            sd_bus_message_append(m, "{sv}{sv}{sv}{sv}", "name", "s", "alice", "count", "u", 7, "usec", "t",
                                  UINT64_C(1) << 40, "flag", "b", 1) < 0 ||
            sd_bus_message_open_container(m, 'e', "sv") < 0 || sd_bus_message_append(m, "s", "argv") < 0 ||
            sd_bus_message_append(m, "v", "as", 3, "id", "-u", "") < 0 ||
            sd_bus_message_close_container(m) < 0 || sd_bus_message_close_container(m) < 0)
                abort();
        r = read_one(seal(m), &refusing, &o, &seen, &msg);
        tap_ok(t, r == 1, "an a{sv} of known keys reads (returns 1)");
        tap_is_str(t, o.name, "alice", "a string points into the message");
        tap_ok(t, o.count == 7 && o.usec == UINT64_C(1) << 40 && o.flag == 1, "u, t and b read");
        tap_ok(t,
               o.argv.n == 3 && strcmp(o.argv.words[0], "id") == 0 && strcmp(o.argv.words[2], "") == 0 &&
                   o.argv.words[3] == NULL,
               "an as is copied as words, empty words kept, NULL-terminated");
        tap_ok(t, seen == 0x1f, "every key present sets its bit in seen");
        argv_done(&o.argv);

        o = (Out){.name = "default", .count = 5};
        r = read_one(message("a{sv}", 0), &refusing, &o, &seen, &msg);
        tap_ok(t, r == 1 && seen == 0 && strcmp(o.name, "default") == 0 && o.count == 5,
               "an empty a{sv} reads and leaves the defaults");
}

static void test_unknown(Tap *t)
{
        Out o = {.name = ""};
        uint64_t seen = 0;
        const char *msg;
        int r;

        r = read_one(message("a{sv}", 2, "name", "s", "bob", "evil\033[31m", "s", "x"), &refusing, &o, &seen,
                     &msg);
        tap_ok(t, r == -EBADMSG, "a refusing table refuses an unknown key (-EBADMSG)");
        tap_is_str(t, msg, "Unknown option.", "one error for an unknown key, the key not echoed");

        o = (Out){.name = ""};
        r = read_one(message("a{sv}", 5, "newer", "s", "x", "name", "s", "bob", "deeper", "a{sv}", 1, "k",
                             "u", 1, "count", "u", 3, "wrapped", "v", "t", UINT64_C(9)),
                     &skipping, &o, &seen, &msg);
        tap_ok(t, r == 1 && strcmp(o.name, "bob") == 0 && o.count == 3 && seen == 0x3,
               "a skipping table skips unknown keys of any type and reads the known ones");
}

static void test_repeated_and_mistyped(Tap *t)
{
        const AsvTable *tables[] = {&refusing, &skipping};
        const char *names[] = {"refusing", "skipping"};

        for (size_t i = 0; i < 2; i++) {
                Out o = {.name = ""};
                uint64_t seen = 0;
                const char *msg;
                int r;

                r = read_one(message("a{sv}", 2, "name", "s", "a", "name", "s", "b"), tables[i], &o, &seen,
                             &msg);
                tap_ok(t, r == -EBADMSG, "%s table: a repeated key is refused", names[i]);
                tap_is_str(t, msg, "Option 'name' is given twice.", "one error for a repeated key");

                r = read_one(message("a{sv}", 1, "count", "t", UINT64_C(7)), tables[i], &o, &seen, &msg);
                tap_ok(t, r == -EBADMSG, "%s table: a known key of the wrong type is refused", names[i]);
                tap_is_str(t, msg, "Option 'count' must be of type u.", "the error names the type wanted");

                r = read_one(message("a{sv}", 1, "argv", "s", "id -u"), tables[i], &o, &seen, &msg);
                tap_ok(t, r == -EBADMSG && strcmp(msg, "Option 'argv' must be of type as.") == 0,
                       "%s table: a string where a string array belongs is refused", names[i]);
                argv_done(&o.argv);
        }
}

static void test_bounds(Tap *t)
{
        static const AsvField many[ASV_MAX_FIELDS + 1] = {[0] = {"name", ASV_STRING, offsetof(Out, name)}};
        static const AsvTable too_big = {many, ASV_MAX_FIELDS + 1, ASV_SKIP_UNKNOWN};
        char word[1024];
        Out o = {.name = ""};
        uint64_t seen = 0;
        const char *msg;
        sd_bus_message *m;
        int r;

        memset(word, 'w', sizeof(word) - 1);
        word[sizeof(word) - 1] = '\0';
        for (unsigned extra = 0; extra < 2; extra++) {
                size_t n = JIT_MAX_ARGV_READ / sizeof(word) + extra;
                m = new_message();
                if (sd_bus_message_open_container(m, 'a', "{sv}") < 0 ||
                    sd_bus_message_open_container(m, 'e', "sv") < 0 ||
                    sd_bus_message_append(m, "s", "argv") < 0 ||
                    sd_bus_message_open_container(m, 'v', "as") < 0 ||
                    sd_bus_message_open_container(m, 'a', "s") < 0)
                        abort();
                for (size_t i = 0; i < n; i++)
                        if (sd_bus_message_append_basic(m, 's', word) < 0)
                                abort();
                for (int i = 0; i < 4; i++)
                        if (sd_bus_message_close_container(m) < 0)
                                abort();
                r = read_one(seal(m), &refusing, &o, &seen, &msg);
                if (extra == 0)
                        tap_ok(t, r == 1 && o.argv.n == n,
                               "an argv of exactly JIT_MAX_ARGV_READ bytes reads");
                else
                        tap_ok(t, r == -E2BIG && !*msg, "an argv over JIT_MAX_ARGV_READ bytes is -E2BIG");
                argv_done(&o.argv);
        }

        for (unsigned extra = 0; extra < 2; extra++) {
                m = new_message();
                if (sd_bus_message_open_container(m, 'a', "{sv}") < 0)
                        abort();
                for (unsigned i = 0; i < ASV_MAX_ENTRIES + extra; i++)
                        if (sd_bus_message_append(m, "{sv}", "unknown", "u", i) < 0)
                                abort();
                if (sd_bus_message_close_container(m) < 0)
                        abort();
                r = read_one(seal(m), &skipping, &o, &seen, &msg);
                if (extra == 0)
                        tap_ok(t, r == 1, "ASV_MAX_ENTRIES skipped entries read");
                else {
                        tap_ok(t, r == -EBADMSG, "one entry more is refused, skipped ones counted");
                        tap_is_str(t, msg, "Too many options.", "and says so");
                }
        }

        r = read_one(message("a{sv}", 0), &too_big, &o, &seen, &msg);
        tap_ok(t, r == -EINVAL, "a table over ASV_MAX_FIELDS keys is refused (-EINVAL)");
}

static void test_arrays(Tap *t)
{
        sd_bus_message *m = new_message();
        Out o = {.name = ""};
        uint64_t seen = 0;
        const char *msg;
        unsigned n = 0;
        int r;

        if (sd_bus_message_open_container(m, 'a', "a{sv}") < 0 ||
            sd_bus_message_append(m, "a{sv}", 1, "count", "u", 1) < 0 ||
            sd_bus_message_append(m, "a{sv}", 1, "count", "u", 2) < 0 ||
            sd_bus_message_append(m, "a{sv}", 0) < 0 || sd_bus_message_close_container(m) < 0)
                abort();
        seal(m);
        r = sd_bus_message_enter_container(m, 'a', "a{sv}");
        while (r >= 0 && (r = asv_read(m, &skipping, &o, &seen, NULL)) > 0)
                n++;
        tap_ok(t, r == 0 && n == 3, "an aa{sv} reads entry by entry until asv_read returns 0");
        tap_ok(t, sd_bus_message_exit_container(m) >= 0, "and the array can then be left");
        sd_bus_message_unref(m);

        r = read_one(message("s", "not a dictionary"), &refusing, &o, &seen, &msg);
        tap_ok(t, r < 0 && r != -EBADMSG, "a value that is not an a{sv} is sd-bus's error, not a verdict");
}

int main(void)
{
        Tap t = {};

        test_types(&t);
        test_unknown(&t);
        test_repeated_and_mistyped(&t);
        test_bounds(&t);
        test_arrays(&t);
        sd_bus_message_unref(last);
        return tap_done(&t);
}
