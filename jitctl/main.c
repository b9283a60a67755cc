/* jitctl: the command line for approvers, requesters and auditors; verbs and their option tables. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "jit-bus.h"
#include "jit-limits.h"
#include "jitctl.h"
#include "journal-verbs.h"
#include "watch-exec.h"
#include "util.h"

/* Every option a verb that talks to jitd may take. Each verb's own table is the subset its letters
 * name (Verb.options), so `cancel --for 2h` is refused instead of silently ignored. */
static const struct VerbOption {
        struct option opt;
        const char *arg, *help;
} verb_options[] = {
    {{"all", no_argument, NULL, 'a'}, NULL, "decided requests too, not only pending ones"},
    {{"for", required_argument, NULL, 'f'}, "D", "grant length, like 30m or 2h (capped by MaxGrant=)"},
    {{"comment", required_argument, NULL, 'm'}, "T", "a comment, recorded with the decision"},
    {{"reason", required_argument, NULL, 'r'}, "T", "why you need it (shown to approvers, recorded)"},
    {{"service", required_argument, NULL, 's'}, "S", "the PAM service the grant is for (default sudo)"},
    {{"exec", no_argument, NULL, 'x'}, NULL, "run CMD... (after the options) once per event, in order"},
    {{"timeout", required_argument, NULL, 't'},
     "D",
     "--exec: kill a CMD still running after D (default 30s)"},
    {{"queue", required_argument, NULL, 'q'}, "N", "--exec: events kept while CMD runs (default 64)"},
    {{"statement", no_argument, NULL, 'S'}, NULL, "only the canonical statement an approver signs"},
    {{"sign", no_argument, NULL, 'g'}, NULL, "sign the statement with your SSH key (ssh-agent or --key)"},
    {{"key", required_argument, NULL, 'k'}, "FILE", "the SSH key to sign with (implies --sign)"},
    {{"principal", required_argument, NULL, 'P'},
     "NAME",
     "your name in the host's approvers file (default: your user name)"},
    {{"json", no_argument, NULL, 'j'}, NULL, "machine-readable output (JSON)"},
    {{"utc", no_argument, NULL, 'u'}, NULL, "times in UTC, not the local time zone"},
    {{"help", no_argument, NULL, 'h'}, NULL, "this help"},
};

typedef struct Verb {
        const char *name, *synopsis, *summary, *description;
        /* Verbs that talk to jitd: the letters of verb_options they take (--help always), how many
         * positional arguments (max -1: any; they end the options), and what runs them. */
        const char *options;
        int min_args, max_args;
        int (*run)(Ctl *ctl, const VerbArgs *a);
        /* Verbs that read the journal offline parse their own options; whether they take the
         * global --json and --utc. */
        int (*run_offline)(int argc, char *argv[]);
        bool offline_json, offline_utc;
} Verb;

static const Verb verbs[] = {
    {"list", "[--all]", "pending requests (--all: decided ones too)",
     "List requests: id, state, user, service, when (time left, or since the decision) and the command.\n",
     "aju", 0, 0, verb_list, NULL, false, false},
    {"show", "ID [--statement]", "one request in full",
     "Everything an approver should read before deciding: who, as whom, the command and whether it is\n"
     "exact or as typed, the rule, what an approval grants (scope and length), approvals so far.\n"
     "--statement prints only the canonical text an approver signs (ssh-keygen -Y sign -n pam-jit).\n",
     "Sju", 1, 1, verb_show, NULL, false, false},
    {"approve", "ID [--for D] [--comment T] [--sign] [--key FILE]", "approve; D like 30m or 2h",
     "Approve a pending request. The grant lasts --for, else the rule's DefaultGrant=, never more than\n"
     "its MaxGrant= (jitctl says so when --for was cut). When jitd wants a signature, or with --sign,\n"
     "the request's statement is signed with your SSH key (ssh-agent, or --key FILE) by ssh-keygen.\n",
     "fmgkju", 1, 1, verb_approve, NULL, false, false},
    {"deny", "ID [--comment T] [--sign] [--key FILE]", "deny",
     "Deny a pending request; signed like approve when jitd wants it or with --sign.\n", "mgkju", 1, 1,
     verb_deny, NULL, false, false},
    {"sign", "[--key FILE] [--principal NAME] [STATEMENT-FILE|-]",
     "sign a statement into an approval token (offline)",
     "On your own machine, with no jitd there: sign a request's statement (jitctl show --statement ID\n"
     "on the host, passed to you by any channel; from the file or stdin) with your SSH key (ssh-agent,\n"
     "or --key FILE) and print an approval token, one line, for anyone on the host to `jitctl redeem`.\n"
     "The token approves only that request on that host, once, and only while it is pending.\n",
     "kP", 0, 1, verb_sign, NULL, false, false},
    {"redeem", "[TOKEN|FILE|-]", "hand in an approval token",
     "Hand an approval token (from jitctl sign) to jitd: as the argument, or in a file, or on stdin.\n"
     "jitd checks its signature against the approvers file and records the approval as the signer's.\n"
     "Anyone may redeem a token; it is the signature that approves.\n",
     "ju", 0, 1, verb_redeem, NULL, false, false},
    {"cancel", "ID", "withdraw your own request", "Withdraw your own pending request.\n", "ju", 1, 1,
     verb_cancel, NULL, false, false},
    {"request", "[--for D] [--reason T] [--service S] [-- CMD...]",
     "ask ahead of time; once approved, a grant",
     "Ask for access ahead of time, for yourself; once approved it is a grant that your later\n"
     "`sudo CMD...` uses at once. Without CMD the grant covers any command of the service.\n",
     "frsju", 0, -1, verb_request, NULL, false, false},
    {"grants", "", "live grants", "List the live grants: id, user, service, scope, until when, uses.\n",
     "ju", 0, 0, verb_grants, NULL, false, false},
    {"revoke", "ID [--comment T]", "end a grant early", "End a live grant early.\n", "mju", 1, 1,
     verb_revoke, NULL, false, false},
    {"watch", "[--json] [--exec [--timeout D] [--queue N] [--] CMD...]",
     "requests and decisions as they happen",
     "Print requests and decisions as they happen, until Ctrl-C or SIGTERM (--json: one object a line).\n"
     "With --exec, run CMD with its arguments (no shell) once per event instead, one at a time and in\n"
     "order, as the user running watch: the event as JSON on its stdin and as JIT_* variables in its\n"
     "environment (JIT_EVENT, JIT_REQUEST_ID, JIT_USER, JIT_COMMAND, JIT_STATE, JIT_BY, ...).\n",
     "juxtq", 0, -1, verb_watch, NULL, false, false},
    {"log", "[--follow] [--journal FILE]", "the signed journal's records", NULL, NULL, 0, 0, NULL, verb_log,
     true, true},
    {"verify", "[--checkpoint FILE] [--journald [--directory DIR]]",
     "check every record, signature and seal", NULL, NULL, 0, 0, NULL, verb_verify, true, true},
    {"checkpoint", "", "the latest signed checkpoint, to keep elsewhere", NULL, NULL, 0, 0, NULL,
     verb_checkpoint, false, false},
    {"prove", "SEQ", "an inclusion receipt for one record", NULL, NULL, 0, 0, NULL, verb_prove, false,
     false},
    {"verify-proof", "[RECEIPT|-]", "check a receipt", NULL, NULL, 0, 0, NULL, verb_verify_proof, false,
     false},
    {"help", "[VERB]", "this overview, or one verb's help",
     "The overview of every verb, or one verb's own help (as VERB --help).\n", "", 0, 1, NULL, NULL, false,
     false},
};

static void help(void)
{
        printf("Usage: jitctl [-H [USER@]HOST] [--json] [--utc] VERB [ARGS...]\n"
               "       jitctl help [VERB] | --version\n");
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
                char line[80];

                if (i == 0)
                        printf("\nRequests (through jitd):\n");
                else if (verbs[i].run_offline && !verbs[i - 1].run_offline)
                        printf("\nThe signed journal (offline; --journal FILE, --key FILE):\n");
                else if (streq(verbs[i].name, "help"))
                        printf("\n");
                snprintf(line, sizeof(line), "%s %s", verbs[i].name, verbs[i].synopsis);
                if (strlen(line) > 34)
                        printf("  %s\n  %-34s %s\n", line, "", verbs[i].summary);
                else
                        printf("  %-34s %s\n", line, verbs[i].summary);
        }
        printf("\nOptions:\n"
               "  -H, --host [USER@]HOST  talk to jitd on HOST over SSH\n"
               "  -j, --json              machine-readable output (every verb that has output)\n"
               "      --utc               times in UTC, not the local time zone\n"
               "  -h, --help              this help (VERB --help: that verb's)\n"
               "      --version           jitctl's version\n\n"
               "Exit status: 0 done, 1 refused or failed, 2 bad usage.\n");
}

static void verb_help(const Verb *v)
{
        printf("Usage: jitctl %s%s%s\n%s\nOptions:\n", v->name, *v->synopsis ? " " : "", v->synopsis,
               v->description);
        for (size_t i = 0; i < ELEMENTSOF(verb_options); i++) {
                const struct VerbOption *o = &verb_options[i];
                char name[32];

                if (o->opt.val != 'h' && !strchr(v->options, o->opt.val))
                        continue;
                snprintf(name, sizeof(name), "--%s%s%s", o->opt.name, o->arg ? " " : "",
                         o->arg ? o->arg : "");
                printf("  %-14s %s\n", name, o->help);
        }
}

/* The bus, opened on first use. A failure is reported by the caller, which knows the verb. */
int ctl_bus(Ctl *ctl, sd_bus **ret)
{
        int r;

        if (!ctl->bus) {
                r = ctl->host ? sd_bus_open_system_remote(&ctl->bus, ctl->host)
                              : sd_bus_open_system(&ctl->bus);
                if (r < 0)
                        return r;
        }
        *ret = ctl->bus;
        return 0;
}

static const Verb *verb_find(const char *name)
{
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(name, verbs[i].name))
                        return &verbs[i];
        return NULL;
}

/* Parse a verb's command line (argv[0] is the verb) with that verb's own option table. Returns 1 when
 * --help was answered, 0 to run, -EINVAL after saying what was wrong. */
static int parse_verb(const Verb *v, int argc, char *argv[], Ctl *ctl, VerbArgs *a)
{
        struct option table[ELEMENTSOF(verb_options) + 1] = {};
        char shortopts[2 * ELEMENTSOF(verb_options) + 2] = "";
        size_t n = 0, o = 0;
        int c;

        /* A command after the options is the request's own: its options are not ours. */
        if (v->max_args < 0)
                shortopts[o++] = '+';
        for (size_t i = 0; i < ELEMENTSOF(verb_options); i++) {
                const struct option *opt = &verb_options[i].opt;

                if (opt->val != 'h' && !strchr(v->options, opt->val))
                        continue;
                table[n++] = *opt;
                shortopts[o++] = (char)opt->val;
                if (opt->has_arg == required_argument)
                        shortopts[o++] = ':';
        }

        a->verb = v->name;
        optind = 0; /* reinitialise getopt for the verb's own argv */
        while ((c = ctl_getopt(argc, argv, shortopts, table)) >= 0)
                switch (c) {
                case 'a':
                        a->all = true;
                        break;
                case 'f':
                        if (jit_parse_duration(optarg, &a->duration) < 0 || a->duration == 0) {
                                ctl_error("%s: --for %s: not a duration (e.g. 30m, 2h)", v->name, optarg);
                                return -EINVAL;
                        }
                        a->duration_text = optarg;
                        break;
                case 'm':
                        a->comment = optarg;
                        break;
                case 'r':
                        a->reason = optarg;
                        break;
                case 'S':
                        a->statement = true;
                        break;
                case 'g':
                        a->sign = true;
                        break;
                case 'k':
                        a->sign = true;
                        a->key = optarg;
                        break;
                case 'P':
                        a->principal = optarg;
                        break;
                case 's':
                        a->service = optarg;
                        break;
                case 'x':
                        a->exec = true;
                        break;
                case 't':
                        if (jit_parse_duration(optarg, &a->exec_timeout) < 0 || a->exec_timeout == 0) {
                                ctl_error("%s: --timeout %s: not a duration (e.g. 30s, 2m)", v->name,
                                          optarg);
                                return -EINVAL;
                        }
                        break;
                case 'q': {
                        char *end = NULL;
                        unsigned long q;

                        errno = 0;
                        q = strtoul(optarg, &end, 10);
                        if (errno || !end || *end || end == optarg || *optarg == '-' || q < 1 ||
                            q > JIT_WATCH_QUEUE_MAX) {
                                ctl_error("%s: --queue %s: not a number from 1 to %d", v->name, optarg,
                                          JIT_WATCH_QUEUE_MAX);
                                return -EINVAL;
                        }
                        a->exec_queue = (unsigned)q;
                        break;
                }
                case 'j':
                        ctl->json = true;
                        break;
                case 'u':
                        ctl->utc = true;
                        break;
                case 'h':
                        verb_help(v);
                        return 1;
                default:
                        return -EINVAL;
                }
        if ((a->comment && strlen(a->comment) > JIT_MAX_FIELD) ||
            (a->reason && strlen(a->reason) > JIT_MAX_FIELD) ||
            (a->service && strlen(a->service) > JIT_MAX_FIELD)) {
                ctl_error("%s: --comment, --reason and --service are limited to %d bytes", v->name,
                          JIT_MAX_FIELD);
                return -EINVAL;
        }
        a->args = argv + optind;
        a->n_args = argc - optind;
        if (a->n_args < v->min_args) {
                ctl_error("%s needs %s (see jitctl help %s)", v->name,
                          v->max_args == 1 ? "a request ID" : "arguments", v->name);
                return -EINVAL;
        }
        if (v->max_args >= 0 && a->n_args > v->max_args) {
                ctl_error("%s: unexpected argument '%s' (see jitctl help %s)", v->name, a->args[v->max_args],
                          v->name);
                return -EINVAL;
        }
        return 0;
}

/* jitctl help [VERB]: the overview, or one verb's help (an offline verb answers its own --help). */
static int run_help(const VerbArgs *a)
{
        const Verb *v;

        if (a->n_args == 0) {
                help();
                return 0;
        }
        v = verb_find(a->args[0]);
        if (!v) {
                ctl_error("help: no verb '%s' (see jitctl help)", a->args[0]);
                return EXIT_USAGE;
        }
        if (v->run_offline) {
                char *argv[] = {(char *)v->name, (char *)"--help", NULL};
                optind = 0;
                return v->run_offline(2, argv);
        }
        if (v->run)
                verb_help(v);
        else
                help();
        return 0;
}

/* An offline verb gets the global --json and --utc as its own options, or refuses --json. */
static int run_offline(const Ctl *ctl, const Verb *v, int argc, char *argv[])
{
        _cleanup_free_ char **args = NULL;
        int n = 0;

        if (ctl->json && !v->offline_json) {
                ctl_error("%s has no --json output (see jitctl help %s)", v->name, v->name);
                return EXIT_USAGE;
        }
        args = calloc((size_t)argc + 3, sizeof(char *));
        if (!args) {
                ctl_error("%s", strerror(ENOMEM));
                return EXIT_REFUSED;
        }
        args[n++] = argv[0];
        if (ctl->json)
                args[n++] = (char *)"--json";
        if (ctl->utc && v->offline_utc)
                args[n++] = (char *)"--utc";
        for (int i = 1; i < argc; i++)
                args[n++] = argv[i];
        optind = 0;
        return v->run_offline(n, args);
}

int main(int argc, char *argv[])
{
        static const struct option options[] = {
            {"host", required_argument, NULL, 'H'}, {"json", no_argument, NULL, 'j'},
            {"utc", no_argument, NULL, 'u'},        {"help", no_argument, NULL, 'h'},
            {"version", no_argument, NULL, 'V'},    {},
        };
        Ctl ctl = {};
        VerbArgs a = {};
        const Verb *v;
        int c, k, r = EXIT_USAGE;

        ctl_detect_terminal(&ctl);
        /* '+': stop at the verb, so each verb parses its own options. */
        argv[0] = (char *)"jitctl";
        while ((c = ctl_getopt(argc, argv, "+H:jh", options)) >= 0)
                switch (c) {
                case 'H':
                        ctl.host = optarg;
                        break;
                case 'j':
                        ctl.json = true;
                        break;
                case 'u':
                        ctl.utc = true;
                        break;
                case 'h':
                        help();
                        return 0;
                case 'V':
                        printf("jitctl %s\n", JIT_VERSION);
                        return 0;
                default:
                        return EXIT_USAGE;
                }
        if (optind >= argc) {
                help();
                return EXIT_USAGE;
        }
        v = verb_find(argv[optind]);
        if (!v) {
                ctl_error("unknown verb '%s' (see jitctl help)", argv[optind]);
                return EXIT_USAGE;
        }
        /* Verbs see argv[0] = the verb, as getopt expects. */
        argc -= optind;
        argv += optind;
        if (v->run_offline)
                return run_offline(&ctl, v, argc, argv);
        k = parse_verb(v, argc, argv, &ctl, &a);
        if (k != 0)
                return k > 0 ? 0 : EXIT_USAGE;
        if (!v->run) {
                if (ctl.json) {
                        ctl_error("help has no --json output");
                        return EXIT_USAGE;
                }
                return run_help(&a);
        }
        r = v->run(&ctl, &a);
        sd_bus_flush_close_unref(ctl.bus);
        return r;
}
