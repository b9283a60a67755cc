/* jitctl: the command line for approvers, requesters and auditors. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "jit-bus.h"
#include "jitctl.h"
#include "journal-verbs.h"
#include "util.h"

static void help(void)
{
        printf("Usage: jitctl [-H [USER@]HOST] [--json] VERB [ARGS...]\n\n"
               "Requests:\n"
               "  list [--all]                       pending requests (--all: decided ones too)\n"
               "  show ID                            one request in full\n"
               "  approve ID [--for D] [--comment T] approve; D like 30m or 2h\n"
               "  deny ID [--comment T]              deny\n"
               "  cancel ID                          withdraw your own request\n"
               "  request [--for D] [--reason T] [--service S] [-- CMD...]\n"
               "                                     ask ahead of time; once approved, a grant\n"
               "  grants                             live grants\n"
               "  revoke ID [--comment T]            end a grant early\n"
               "  watch                              requests and decisions as they happen\n\n"
               "The signed journal (offline; --journal FILE, --key FILE):\n"
               "  log [--json] [--follow]            the records\n"
               "  verify [--checkpoint FILE] [--journald]\n"
               "                                     check every record, signature and seal\n"
               "  checkpoint                         the latest signed checkpoint, to keep elsewhere\n"
               "  prove SEQ                          an inclusion receipt for one record\n"
               "  verify-proof [RECEIPT|-]           check a receipt\n\n"
               "Options:\n"
               "  -H, --host [USER@]HOST  talk to jitd on HOST over SSH\n"
               "  -j, --json              machine-readable output for read verbs\n"
               "  -h, --help              this help\n\n"
               "Exit status: 0 done, 1 refused or failed, 2 bad usage.\n");
}

int ctl_bus(Ctl *ctl, sd_bus **ret)
{
        int k;

        if (!ctl->bus) {
                k = ctl->host ? sd_bus_open_system_remote(&ctl->bus, ctl->host)
                              : sd_bus_open_system(&ctl->bus);
                if (k < 0) {
                        fprintf(stderr, "jitctl: cannot connect to the system bus: %s\n", strerror(-k));
                        return k;
                }
        }
        *ret = ctl->bus;
        return 0;
}

/* Verbs that read the journal file offline need no bus and no context. */
static const struct {
        const char *name;
        int (*run)(int argc, char *argv[]);
} offline_verbs[] = {
    {"log", verb_log},
    {"verify", verb_verify},
    {"checkpoint", verb_checkpoint},
    {"prove", verb_prove},
    {"verify-proof", verb_verify_proof},
};

static const struct {
        const char *name;
        int (*run)(Ctl *ctl, int argc, char *argv[]);
} verbs[] = {
    {"list", verb_list},     {"show", verb_show},       {"approve", verb_approve},
    {"deny", verb_deny},     {"cancel", verb_cancel},   {"grants", verb_grants},
    {"revoke", verb_revoke}, {"request", verb_request}, {"watch", verb_watch},
};

int main(int argc, char *argv[])
{
        static const struct option options[] = {
            {"host", required_argument, NULL, 'H'},
            {"json", no_argument, NULL, 'j'},
            {"help", no_argument, NULL, 'h'},
            {},
        };
        Ctl ctl = {};
        int c, r = EXIT_USAGE;

        /* '+': stop at the verb, so each verb parses its own options. */
        while ((c = getopt_long(argc, argv, "+H:jh", options, NULL)) >= 0)
                switch (c) {
                case 'H':
                        ctl.host = optarg;
                        break;
                case 'j':
                        ctl.json = true;
                        break;
                case 'h':
                        help();
                        return 0;
                default:
                        return EXIT_USAGE;
                }
        if (optind >= argc) {
                help();
                return EXIT_USAGE;
        }
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(argv[optind], verbs[i].name)) {
                        optind++; /* verbs see argv[0] = the verb, as getopt expects */
                        r = verbs[i].run(&ctl, argc - optind + 1, argv + optind - 1);
                        goto done;
                }
        for (size_t i = 0; i < ELEMENTSOF(offline_verbs); i++)
                if (streq(argv[optind], offline_verbs[i].name)) {
                        optind++;
                        r = offline_verbs[i].run(argc - optind + 1, argv + optind - 1);
                        goto done;
                }
        fprintf(stderr, "jitctl: unknown verb '%s' (see jitctl --help)\n", argv[optind]);
done:
        sd_bus_flush_close_unref(ctl.bus);
        return r;
}
