/* jitctl's context, its command-line manners (cli.c) and the verbs each file provides. */
#pragma once

#include <getopt.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

typedef struct Ctl {
        const char *host; /* -H [USER@]HOST: reach jitd over SSH */
        bool json;
        bool utc;    /* times in UTC, not the local time zone */
        bool color;  /* stdout is a terminal and NO_COLOR is not set */
        bool pretty; /* JSON indented for people: stdout is a terminal */
        sd_bus *bus;
} Ctl;

/* Exit statuses, as DESIGN §3 fixes them. */
#define EXIT_REFUSED 1
#define EXIT_USAGE 2

/* What one verb's command line said; main.c parses it with that verb's own option table. */
typedef struct VerbArgs {
        const char *verb;
        const char *comment;
        const char *reason;
        const char *service;
        const char *duration_text; /* --for as typed, for messages */
        uint64_t duration;         /* --for in µs; 0: not given */
        bool all;
        bool exec;             /* watch --exec: run args[] per event */
        uint64_t exec_timeout; /* watch --timeout in µs; 0: the default */
        unsigned exec_queue;   /* watch --queue: events kept while CMD runs; 0: the default */
        bool statement;        /* show --statement */
        bool sign;             /* approve/deny --sign or --key */
        const char *key;       /* --key: the SSH key file ssh-keygen signs with; NULL: the agent's */
        const char *principal; /* sign --principal: your name in the host's approvers file */
        int n_args;
        char **args; /* positional arguments (request: the command) */
} VerbArgs;

int ctl_bus(Ctl *ctl, sd_bus **ret);

/* cli.c: every error jitctl prints starts with "jitctl: " */
void ctl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* getopt_long for one verb: its own messages ("jitctl: VERB: unknown option --X"), not getopt's. */
int ctl_getopt(int argc, char *argv[], const char *shortopts, const struct option *longopts);
/* Why a bus call failed, in an operator's words: a jitd that is not there says so. */
const char *ctl_bus_error_message(const Ctl *ctl, const sd_bus_error *error, int r);
/* "2024-05-01 14:03:07 CEST" (local time) or "... UTC" with --utc. */
char *ctl_format_time(const Ctl *ctl, uint64_t usec, char *buf, size_t n);
/* "in 4m", "2m ago", "now": a time relative to now, for tables. */
char *ctl_format_relative(uint64_t usec, uint64_t now, char *buf, size_t n);
/* A state name in its colour when colour is on; width pads it as printf's %-*s would. */
void ctl_print_state(const Ctl *ctl, const char *state, int width);
/* One JSON value on stdout with json-c: valid for any input, no escaped slashes; indented if pretty. */
void ctl_print_json(json_object *o, bool pretty);
void ctl_detect_terminal(Ctl *ctl);

/* sign.c: an armored SSH signature of statement, by ssh-keygen -Y sign -n pam-jit with key (a key
 * file, or a public key whose private half ssh-agent holds; NULL: the agent's first Ed25519 key).
 * Says what went wrong itself. */
int ctl_sign_statement(const char *statement, const char *key, char **ret);

/* requests.c: verbs that talk to jitd */
int verb_list(Ctl *ctl, const VerbArgs *a);
int verb_show(Ctl *ctl, const VerbArgs *a);
int verb_approve(Ctl *ctl, const VerbArgs *a);
int verb_deny(Ctl *ctl, const VerbArgs *a);
int verb_cancel(Ctl *ctl, const VerbArgs *a);
int verb_grants(Ctl *ctl, const VerbArgs *a);
int verb_revoke(Ctl *ctl, const VerbArgs *a);
int verb_request(Ctl *ctl, const VerbArgs *a);
/* GetRequest ID as a JSON object (reply_read_object's); 1 on success, a negative errno else. */
int ctl_get_request(Ctl *ctl, const char *id, json_object **ret, sd_bus_error *error);
/* Report a refused call with jitd's own words, sanitised; returns EXIT_REFUSED. */
int ctl_refused(const Ctl *ctl, const char *verb, const char *id, const sd_bus_error *error, int r);

/* tokens.c: sign (offline, no bus) and redeem */
int verb_sign(Ctl *ctl, const VerbArgs *a);
int verb_redeem(Ctl *ctl, const VerbArgs *a);

/* watch.c */
int verb_watch(Ctl *ctl, const VerbArgs *a);
