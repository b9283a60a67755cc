/* jitd's tables for the a{sv} arguments its methods take; lib/asv.c reads them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus-args.h"
#include "jit-bus.h"
#include "jit-limits.h"
#include "sshsig.h"
#include "util.h"

void create_args_done(CreateArgs *a)
{
        argv_done(&a->argv);
}

/* Read one of the tables below; *ret_seen as asv_read() says. */
static int read_table(sd_bus_message *m, const AsvTable *t, void *out, uint64_t *ret_seen,
                      sd_bus_error *error)
{
        int r;

        r = asv_read(m, t, out, ret_seen, error);
        /* The method's signature says an a{sv} is there: none is a malformed message. */
        return r == 0 ? -EBADMSG : r < 0 ? r : 0;
}

/* A structural error the table reader did not name: the caller's words, with the argv bound. */
static int malformed(sd_bus_error *error, int r, const char *what)
{
        if (r == -ENOMEM || sd_bus_error_is_set(error))
                return r;
        if (r == -E2BIG)
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
        static const AsvField fields[] = {
            FIELD("reason", ASV_STRING, reason), /* bit 0: have_reason */
            FIELD("ruid", ASV_UINT32, ruid),     /* bit 1: have_ruid */
            FIELD("argv", ASV_STRV, argv),       /* bit 2: have_argv */
            FIELD("user", ASV_STRING, user),
            FIELD("service", ASV_STRING, service),
            FIELD("tty", ASV_STRING, tty),
            FIELD("rhost", ASV_STRING, rhost),
            FIELD("ruser", ASV_STRING, ruser),
            FIELD("cwd", ASV_STRING, cwd),
            FIELD("front", ASV_STRING, front),
            FIELD("exe", ASV_STRING, exe),
            FIELD("command", ASV_STRING, command),
            FIELD("runas_user", ASV_STRING, runas_user),
            FIELD("runas_group", ASV_STRING, runas_group),
            FIELD("runcwd", ASV_STRING, runcwd),
            FIELD("sudoedit", ASV_BOOL, sudoedit),
            FIELD("env_set", ASV_BOOL, env_set),
            FIELD("timeout_usec", ASV_UINT64, timeout_usec),
            FIELD("duration", ASV_UINT64, duration_usec),
        };
        static const AsvTable table = ASV_TABLE(fields, ASV_REFUSE_UNKNOWN);
        uint64_t seen = 0;
        int r;

        r = read_table(m, &table, a, &seen, error);
        if (r < 0)
                return malformed(error, r, "request context");
        a->have_reason = seen & 1;
        a->have_ruid = seen & 2;
        a->have_argv = seen & 4;
        return 0;
}

int bus_read_access_options(sd_bus_message *m, CreateArgs *a, sd_bus_error *error)
{
        static const AsvField fields[] = {
            FIELD("reason", ASV_STRING, reason),
            FIELD("duration", ASV_UINT64, duration_usec),
            FIELD("argv", ASV_STRV, argv),
            FIELD("service", ASV_STRING, service),
        };
        static const AsvTable table = ASV_TABLE(fields, ASV_REFUSE_UNKNOWN);
        uint64_t seen = 0;
        int r;

        r = read_table(m, &table, a, &seen, error);
        if (r < 0)
                return malformed(error, r, "options");
        a->have_reason = seen & 1;
        a->have_argv = seen & 4;
        if (strlen(a->reason) > JIT_MAX_FIELD || strlen(a->service) > JIT_MAX_FIELD)
                return sd_bus_error_set(error, JIT_ERROR_INVALID_ARGUMENT, "Reason or service too long.");
        if (a->duration_usec > JIT_MAX_DURATION_USEC)
                return sd_bus_error_set(error, JIT_ERROR_INVALID_ARGUMENT, "Duration too long.");
        return 0;
}

#undef FIELD

/* Approve's options, and DenyWithOptions' (the same table without duration: a denial opens no grant). */
static int read_decision_options(sd_bus_message *m, ApproveArgs *a, bool deny, sd_bus_error *error)
{
        static const AsvField fields[] = {
            {"comment", ASV_STRING, offsetof(ApproveArgs, comment)},
            {"signature", ASV_STRING, offsetof(ApproveArgs, signature)},
            {"duration", ASV_UINT64, offsetof(ApproveArgs, duration_usec)},
        };
        static const AsvTable approve = ASV_TABLE(fields, ASV_REFUSE_UNKNOWN);
        static const AsvTable denial = {.fields = fields, .n_fields = 2, .unknown = ASV_REFUSE_UNKNOWN};
        int r;

        r = read_table(m, deny ? &denial : &approve, a, NULL, error);
        if (r < 0)
                return malformed(error, r, "options");
        if (a->duration_usec > JIT_MAX_DURATION_USEC)
                return sd_bus_error_set(error, JIT_ERROR_INVALID_ARGUMENT, "Duration too long.");
        if (a->signature && strlen(a->signature) > SSHSIG_MAX_ARMORED)
                return sd_bus_error_set(error, JIT_ERROR_INVALID_ARGUMENT, "Signature too long.");
        return 0;
}

int bus_read_approve_options(sd_bus_message *m, ApproveArgs *a, sd_bus_error *error)
{
        return read_decision_options(m, a, false, error);
}

int bus_read_deny_options(sd_bus_message *m, ApproveArgs *a, sd_bus_error *error)
{
        return read_decision_options(m, a, true, error);
}

int bus_read_list_filter(sd_bus_message *m, ListFilter *f, sd_bus_error *error)
{
        static const AsvField fields[] = {
            {"state", ASV_STRING, offsetof(ListFilter, state)},
            {"limit", ASV_UINT32, offsetof(ListFilter, limit)},
            {"after", ASV_STRING, offsetof(ListFilter, after)},
        };
        static const AsvTable table = ASV_TABLE(fields, ASV_REFUSE_UNKNOWN);
        int r;

        r = read_table(m, &table, f, NULL, error);
        if (r < 0)
                return malformed(error, r, "filter");
        if (!streq(f->state, "pending") && !streq(f->state, "all"))
                return sd_bus_error_set(error, JIT_ERROR_INVALID_ARGUMENT,
                                        "Filter state must be pending or all.");
        if (f->limit == 0 || f->limit > JIT_LIST_PAGE_MAX)
                return sd_bus_error_setf(error, JIT_ERROR_INVALID_ARGUMENT,
                                         "Filter limit must be between 1 and %d.", JIT_LIST_PAGE_MAX);
        return 0;
}
