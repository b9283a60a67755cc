/* jitd's tables for the a{sv} arguments its methods take, read by lib/asv.c's one reader. Every
 * table refuses unknown keys (lib/asv.h says why). No state, no logging. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "asv.h"

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
        const char *signature; /* an armored SSHSIG of the request's statement, or NULL */
} ApproveArgs;

int bus_read_approve_options(sd_bus_message *m, ApproveArgs *a, sd_bus_error *error);
/* DenyWithOptions: comment and signature only. */
int bus_read_deny_options(sd_bus_message *m, ApproveArgs *a, sd_bus_error *error);

/* ListRequests' filter: which records, and which page of them. */
typedef struct ListFilter {
        const char *state; /* "pending" or "all" */
        uint32_t limit;    /* records per page, 1..JIT_LIST_PAGE_MAX */
        const char *after; /* continue after this request id ("" = from the newest) */
} ListFilter;

int bus_read_list_filter(sd_bus_message *m, ListFilter *f, sd_bus_error *error);
