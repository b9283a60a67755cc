/* Readers of the a{sv} arguments jitd's methods take: one table reader, no state, no logging. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus-args.h"
#include "jit-bus.h"
#include "jit-limits.h"
#include "util.h"

void argv_done(Argv *a)
{
        free(a->buf);
        free(a->words);
        *a = (Argv){};
}

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

static const char *bus_arg_signature(BusArgType t)
{
        static const char *const sig[] = {
            [BUS_ARG_STRING] = "s", [BUS_ARG_UINT32] = "u", [BUS_ARG_UINT64] = "t",
            [BUS_ARG_BOOL] = "b",   [BUS_ARG_STRV] = "as",
        };
        return sig[t];
}

static int read_value(sd_bus_message *m, const BusArgField *f, void *out)
{
        void *p = (char *)out + f->offset;
        int k;

        k = sd_bus_message_enter_container(m, 'v', bus_arg_signature(f->type));
        if (k <= 0)
                return k < 0 ? k : -EBADMSG;
        switch (f->type) {
        case BUS_ARG_STRING:
                k = sd_bus_message_read_basic(m, 's', p);
                break;
        case BUS_ARG_UINT32:
                k = sd_bus_message_read_basic(m, 'u', p);
                break;
        case BUS_ARG_UINT64:
                k = sd_bus_message_read_basic(m, 't', p);
                break;
        case BUS_ARG_BOOL:
                k = sd_bus_message_read_basic(m, 'b', p);
                break;
        case BUS_ARG_STRV:
                k = read_argv(m, p);
                break;
        }
        if (k < 0)
                return k;
        return sd_bus_message_exit_container(m);
}

int bus_read_table(sd_bus_message *m, const BusArgField *fields, size_t n_fields, void *out,
                   uint64_t *ret_seen, sd_bus_error *error)
{
        uint64_t seen = 0;
        const char *key, *contents;
        char type;
        size_t i;
        int k;

        if (n_fields > 64)
                return -EINVAL;
        k = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (k < 0)
                return k;
        while ((k = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                k = sd_bus_message_read_basic(m, 's', &key);
                if (k < 0)
                        return k;
                for (i = 0; i < n_fields && !streq(key, fields[i].key); i++)
                        ;
                /* The key is the caller's text: it is never echoed back, only our own names are. */
                if (i == n_fields)
                        return sd_bus_error_set(error, JIT_ERROR_INVALID_ARGUMENT, "Unknown option.");
                /* Two values for one key would leave it to the reader which one counts. */
                if (seen & (UINT64_C(1) << i))
                        return sd_bus_error_setf(error, JIT_ERROR_INVALID_ARGUMENT,
                                                 "Option '%s' is given twice.", fields[i].key);
                k = sd_bus_message_peek_type(m, &type, &contents);
                if (k < 0)
                        return k;
                if (type != 'v' || !contents || !streq(contents, bus_arg_signature(fields[i].type)))
                        return sd_bus_error_setf(error, JIT_ERROR_INVALID_ARGUMENT,
                                                 "Option '%s' must be of type %s.", fields[i].key,
                                                 bus_arg_signature(fields[i].type));
                seen |= UINT64_C(1) << i;
                k = read_value(m, &fields[i], out);
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
        if (ret_seen)
                *ret_seen = seen;
        return 0;
}

void create_args_done(CreateArgs *a)
{
        argv_done(&a->argv);
}

/* A structural error the table reader did not name: the caller's words, with the argv bound. */
static int malformed(sd_bus_error *error, int k, const char *what)
{
        if (k == -ENOMEM || sd_bus_error_is_set(error))
                return k;
        if (k == -E2BIG)
                return sd_bus_error_setf(error, JIT_ERROR_INVALID_ARGUMENT,
                                         "Malformed %s: argv is longer than %d bytes.", what,
                                         JIT_MAX_ARGV_READ);
        return sd_bus_error_setf(error, JIT_ERROR_INVALID_ARGUMENT, "Malformed %s.", what);
}

#define FIELD(key, type, member)                                                                            \
        {                                                                                                   \
                key, type, offsetof(CreateArgs, member)                                                     \
        }

int bus_read_create_context(sd_bus_message *m, CreateArgs *a, sd_bus_error *error)
{
        static const BusArgField fields[] = {
            FIELD("reason", BUS_ARG_STRING, reason), /* bit 0: have_reason */
            FIELD("ruid", BUS_ARG_UINT32, ruid),     /* bit 1: have_ruid */
            FIELD("argv", BUS_ARG_STRV, argv),       /* bit 2: have_argv */
            FIELD("user", BUS_ARG_STRING, user),
            FIELD("service", BUS_ARG_STRING, service),
            FIELD("tty", BUS_ARG_STRING, tty),
            FIELD("rhost", BUS_ARG_STRING, rhost),
            FIELD("ruser", BUS_ARG_STRING, ruser),
            FIELD("cwd", BUS_ARG_STRING, cwd),
            FIELD("front", BUS_ARG_STRING, front),
            FIELD("exe", BUS_ARG_STRING, exe),
            FIELD("command", BUS_ARG_STRING, command),
            FIELD("runas_user", BUS_ARG_STRING, runas_user),
            FIELD("runas_group", BUS_ARG_STRING, runas_group),
            FIELD("runcwd", BUS_ARG_STRING, runcwd),
            FIELD("sudoedit", BUS_ARG_BOOL, sudoedit),
            FIELD("env_set", BUS_ARG_BOOL, env_set),
            FIELD("timeout_usec", BUS_ARG_UINT64, timeout_usec),
            FIELD("duration", BUS_ARG_UINT64, duration_usec),
        };
        uint64_t seen = 0;
        int k;

        k = bus_read_table(m, fields, ELEMENTSOF(fields), a, &seen, error);
        if (k < 0)
                return malformed(error, k, "request context");
        a->have_reason = seen & 1;
        a->have_ruid = seen & 2;
        a->have_argv = seen & 4;
        return 0;
}

int bus_read_access_options(sd_bus_message *m, CreateArgs *a, sd_bus_error *error)
{
        static const BusArgField fields[] = {
            FIELD("reason", BUS_ARG_STRING, reason),
            FIELD("duration", BUS_ARG_UINT64, duration_usec),
            FIELD("argv", BUS_ARG_STRV, argv),
            FIELD("service", BUS_ARG_STRING, service),
        };
        uint64_t seen = 0;
        int k;

        k = bus_read_table(m, fields, ELEMENTSOF(fields), a, &seen, error);
        if (k < 0)
                return malformed(error, k, "options");
        a->have_reason = seen & 1;
        a->have_argv = seen & 4;
        if (strlen(a->reason) > JIT_MAX_FIELD || strlen(a->service) > JIT_MAX_FIELD)
                return sd_bus_error_set(error, JIT_ERROR_INVALID_ARGUMENT, "Reason or service too long.");
        if (a->duration_usec > JIT_MAX_DURATION_USEC)
                return sd_bus_error_set(error, JIT_ERROR_INVALID_ARGUMENT, "Duration too long.");
        return 0;
}

#undef FIELD

int bus_read_approve_options(sd_bus_message *m, ApproveArgs *a, sd_bus_error *error)
{
        static const BusArgField fields[] = {
            {"duration", BUS_ARG_UINT64, offsetof(ApproveArgs, duration_usec)},
            {"comment", BUS_ARG_STRING, offsetof(ApproveArgs, comment)},
        };
        int k;

        k = bus_read_table(m, fields, ELEMENTSOF(fields), a, NULL, error);
        if (k < 0)
                return malformed(error, k, "options");
        if (a->duration_usec > JIT_MAX_DURATION_USEC)
                return sd_bus_error_set(error, JIT_ERROR_INVALID_ARGUMENT, "Duration too long.");
        return 0;
}

int bus_read_list_filter(sd_bus_message *m, ListFilter *f, sd_bus_error *error)
{
        static const BusArgField fields[] = {
            {"state", BUS_ARG_STRING, offsetof(ListFilter, state)},
            {"limit", BUS_ARG_UINT32, offsetof(ListFilter, limit)},
            {"after", BUS_ARG_STRING, offsetof(ListFilter, after)},
        };
        int k;

        k = bus_read_table(m, fields, ELEMENTSOF(fields), f, NULL, error);
        if (k < 0)
                return malformed(error, k, "filter");
        if (!streq(f->state, "pending") && !streq(f->state, "all"))
                return sd_bus_error_set(error, JIT_ERROR_INVALID_ARGUMENT,
                                        "Filter state must be pending or all.");
        if (f->limit == 0 || f->limit > JIT_LIST_PAGE_MAX)
                return sd_bus_error_setf(error, JIT_ERROR_INVALID_ARGUMENT,
                                         "Filter limit must be between 1 and %d.", JIT_LIST_PAGE_MAX);
        return 0;
}
