/* Readers of the a{sv} arguments jitd's methods take: one table reader, no state, no logging. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

/* A value type an a{sv} key may carry. */
typedef enum BusArgType {
        BUS_ARG_STRING, /* s -> const char * (points into the message) */
        BUS_ARG_UINT32, /* u -> uint32_t */
        BUS_ARG_UINT64, /* t -> uint64_t */
        BUS_ARG_BOOL,   /* b -> int */
        BUS_ARG_STRV,   /* as -> Argv (copied, at most JIT_MAX_ARGV_READ bytes) */
} BusArgType;

typedef struct BusArgField {
        const char *key;
        BusArgType type;
        size_t offset; /* where the value goes in the caller's struct */
} BusArgField;

typedef struct Argv {
        char *buf;    /* the words, each with its NUL */
        char **words; /* pointers into buf, NULL-terminated */
        size_t n;
} Argv;

void argv_done(Argv *a);

/* Read an a{sv} whose keys are all in the table, each at most once, each with its own type.
 * *ret_seen gets bit i set for table entry i that was present (tables hold at most 64 entries).
 * Returns 0, or a negative errno with error set to InvalidArgument naming what was wrong (only
 * known key names are ever echoed), or -ENOMEM. A BUS_ARG_STRV value owned by out must be freed by
 * the caller with argv_done() whatever the result. */
int bus_read_table(sd_bus_message *m, const BusArgField *fields, size_t n_fields, void *out,
                   uint64_t *ret_seen, sd_bus_error *error);

/* CreateRequest's context and RequestAccess's options. Strings point into the message. */
typedef struct CreateArgs {
        const char *user, *service, *tty, *rhost, *ruser, *cwd, *reason;
        /* Who asked (front "pam" or "sudo-plugin"); the PAM host's program (exe); for the plugin,
         * what sudo resolved: the program's path (command), run-as user and group, runcwd. */
        const char *front, *exe, *command, *runas_user, *runas_group, *runcwd;
        int sudoedit;
        int env_set; /* the plugin: the user sets the command's environment (VAR=value, -E) */
        uint32_t ruid;
        bool have_ruid, have_reason, have_argv;
        uint64_t timeout_usec, duration_usec;
        Argv argv;
} CreateArgs;

void create_args_done(CreateArgs *a);
int bus_read_create_context(sd_bus_message *m, CreateArgs *a, sd_bus_error *error);
int bus_read_access_options(sd_bus_message *m, CreateArgs *a, sd_bus_error *error);

typedef struct ApproveArgs {
        uint64_t duration_usec;
        const char *comment;
} ApproveArgs;

int bus_read_approve_options(sd_bus_message *m, ApproveArgs *a, sd_bus_error *error);

/* ListRequests' filter: which records, and which page of them. */
typedef struct ListFilter {
        const char *state; /* "pending" or "all" */
        uint32_t limit;    /* records per page, 1..JIT_LIST_PAGE_MAX */
        const char *after; /* continue after this request id ("" = from the newest) */
} ListFilter;

int bus_read_list_filter(sd_bus_message *m, ListFilter *f, sd_bus_error *error);
