/* jitd: the approval daemon. Owns all state; decides, records, and tells the bus. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <grp.h>
#include <unistd.h>

#include "duration.h"
#include "jitd.h"
#include "log.h"
#include "state-check.h"
#include "util.h"

#define DEFAULT_CONFIG "/etc/jit/jitd.conf"
/* The Makefile passes the release; a build outside it still says something true. */
#ifndef JIT_VERSION
#define JIT_VERSION "unknown"
#endif

static int on_reload(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        (void)config_reload(userdata);
        return 0;
}

static int journal_open(Context *ctx)
{
        const PolicyDaemon *d = settings(ctx);
        _cleanup_free_ char *keys = NULL, *origin = NULL;
        int r;

        /* A new journal is named after this host; an existing one keeps the name it has. */
        if (asprintf(&keys, "%s/keys", d->state_directory) < 0 ||
            asprintf(&origin, "%s/pam_jit", ctx->host) < 0)
                return -ENOMEM;
        JournalOptions o = {
            .path = d->journal_file,
            .state_dir = keys,
            .pubkey_path = d->public_key_file,
            .origin = origin,
            .epoch_usec = d->epoch_length_usec,
            .now_usec = jit_now_usec(CLOCK_REALTIME),
            .max_file_size = d->max_file_size,
            .line_hook = record_own_line,
            .line_hook_userdata = ctx,
        };
        r = journal_writer_open(&o, &ctx->journal);
        if (r == -EBUSY)
                log_error("Refusing to start: another jitd holds %s", d->journal_file);
        else if (r == -EPERM || r == -ELOOP)
                /* state_check() passed a moment ago: something changed the files since. */
                log_error(
                    "Refusing to start: the owner, mode or kind of %s or %s changed while jitd started; "
                    "run jitd again to see which",
                    d->journal_file, keys);
        else if (r < 0)
                log_error_errno(r, "Refusing to start: cannot open the journal %s", d->journal_file);
        return r;
}

static void help(void)
{
        printf("Usage: jitd [--config FILE] [--check-config[=FILE]]\n"
               "The pam_jit approval daemon (org.pamjit.jit1 on the system bus).\n\n"
               "  -c, --config FILE          settings (default " DEFAULT_CONFIG
               "; drop-ins in FILE.d/*.conf);\n"
               "                             no file means the defaults (jitd.conf(5))\n"
               "      --check-config[=FILE]  validate the configuration (FILE, or --config's), explain\n"
               "                             any error, and exit; --check-config FILE works too\n"
               "  -h, --help                 show this help\n"
               "      --version              show the version\n\n"
               "Signals: SIGHUP re-reads the configuration (systemctl reload jitd); a broken file\n"
               "keeps the old one and logs why. SIGTERM and SIGINT stop jitd.\n"
               "See jitd(8) and jitd.conf(5).\n");
}

static void context_done(Context *ctx)
{
        record_flush_all(ctx);
        request_free_all(ctx);
        private_bus_done(ctx);
        ctx->bus = sd_bus_flush_close_unref(ctx->bus);
        ctx->event = sd_event_unref(ctx->event);
        grant_free_all(ctx);
        user_cache_done(&ctx->users);
        if (ctx->journal)
                journal_writer_free(ctx->journal);
        config_unref(ctx->config);
}

/* Whether ApproversFile= can check the signatures the policy asks for, and approval tokens. A file
 * that is not there is fine unless Signature=required somewhere; one that is there must be usable.
 * jitd starts either way (the file is read afresh for every signature, so it can be mended while
 * jitd runs) and says so; --check-config fails. */
static int approvers_usable(Context *ctx, bool check)
{
        const Policy *p = ctx->config->p;
        const char *path = settings(ctx)->approvers_file, *problem = NULL, *so;
        bool wanted = p->daemon.signature_required;
        int r;

        for (size_t i = 0; i < p->n_rules && !wanted; i++)
                wanted = p->rules[i].signature_required;
        r = signature_approvers_check(path, &problem);
        if (r >= 0 || (r == -ENOENT && !wanted))
                return 0;
        so = wanted ? "no signed approval can be recorded (Signature=required)"
                    : "no signature or approval token can be checked";
        if (check)
                fprintf(stderr, "%s: ApproversFile=%s is %s: %s\n", ctx->config_path, path, problem, so);
        else
                log_warning("ApproversFile=%s is %s: %s", path, problem, so);
        return r;
}

static int run(int argc, char *argv[])
{
        enum { ARG_CHECK = 0x100, ARG_VERSION };
        static const struct option options[] = {
            {"config", required_argument, NULL, 'c'},
            {"check-config", optional_argument, NULL, ARG_CHECK},
            {"help", no_argument, NULL, 'h'},
            {"version", no_argument, NULL, ARG_VERSION},
            {},
        };
        _cleanup_(context_done) Context ctx = {.config_path = DEFAULT_CONFIG};
        _cleanup_free_ char *problem = NULL;
        bool check = false, missing = false;
        sigset_t mask;
        int c, r;

        while ((c = getopt_long(argc, argv, "c:h", options, NULL)) >= 0)
                switch (c) {
                case 'c':
                        ctx.config_path = optarg;
                        break;
                case ARG_CHECK:
                        check = true;
                        if (optarg)
                                ctx.config_path = optarg;
                        break;
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("jitd " JIT_VERSION "\n");
                        return 0;
                default:
                        return -EINVAL;
                }
        if (optind < argc) {
                if (!check || optind + 1 != argc)
                        return log_error("Unexpected argument: %s", argv[optind]), -EINVAL;
                ctx.config_path = argv[optind];
        }

        r = config_load(ctx.config_path, true, &ctx.config, &missing);
        if (r < 0) {
                if (!check)
                        log_error("Refusing to start: the configuration is invalid.");
                return r == -EINVAL ? -EBADMSG : r;
        }
        r = approvers_usable(&ctx, check);
        if (check && r < 0)
                return -EBADMSG;
        if (check) {
                /* The same answer jitd would act on at start, so a missing file is not an error. */
                printf("%s: %s (%zu rule%s)\n", ctx.config_path,
                       missing ? "does not exist: OK, the defaults apply" : "OK", ctx.config->p->n_rules,
                       ctx.config->p->n_rules == 1 ? "" : "s");
                return 0;
        }
        if (missing)
                log_notice("%s does not exist: using the defaults (jitd.conf(5)), %zu rule%s from drop-ins",
                           ctx.config_path, ctx.config->p->n_rules, ctx.config->p->n_rules == 1 ? "" : "s");

        if (gethostname(ctx.host, sizeof(ctx.host) - 1) < 0)
                snprintf(ctx.host, sizeof(ctx.host), "localhost");
        if (!getgrnam(settings(&ctx)->approver_group))
                log_warning(
                    "The approver group %s does not exist: only rules that name approvers can be approved.",
                    settings(&ctx)->approver_group);

        /* Before anything is opened for use: state others can write is state they control (A43). */
        r = state_check(settings(&ctx), &problem);
        if (r < 0) {
                if (problem)
                        log_error("Refusing to start: %s", problem);
                else
                        log_error_errno(r, "Refusing to start: cannot check the state files");
                return r;
        }
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);

        r = sd_event_default(&ctx.event);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate the event loop");
        (void)sd_event_add_signal(ctx.event, NULL, SIGTERM, NULL, NULL);
        (void)sd_event_add_signal(ctx.event, NULL, SIGINT, NULL, NULL);
        r = sd_event_add_signal(ctx.event, NULL, SIGHUP, on_reload, &ctx);
        if (r < 0)
                return log_error_errno(r, "Failed to watch SIGHUP");
        /* The mirror first: what opening the journal writes (a new journal's genesis, a repair, the
         * seals of epochs that ended while jitd was down) goes to journald like any record. */
        r = record_mirror_setup(&ctx);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the journald mirror");
        r = journal_open(&ctx);
        if (r < 0)
                return r;
        r = record_setup(&ctx);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the record queue");

        /* The start record is durable before the name is owned, so no request precedes it. */
        r = record_emit(&ctx, RECORD_START, NULL, NULL);
        if (r >= 0)
                r = record_commit(&ctx);
        if (r < 0)
                return log_error_errno(r, "Refusing to start: cannot write the journal");
        /* Auditors find the identity key in journald too, beside /var/lib/jit/journal.pub. */
        MirrorEntry *e =
            mirror_entry_new_text(RECORD_KEY, "JIT_JOURNAL_KEY", journal_writer_identity(ctx.journal));
        if (e)
                mirror_entry_send(e);
        mirror_entry_free(e);

        /* Pending requests, approvals and grants survive a restart: rebuilt from the journal. */
        r = replay_journal(&ctx);
        if (r < 0)
                return log_error_errno(r, "Refusing to start: cannot replay the journal");
        /* Only now does jitd hold everything a new journal file must restate. */
        ctx.state_complete = true;
        r = record_commit(&ctx);
        if (r < 0)
                return log_error_errno(r, "Refusing to start: cannot write the journal");

        /* The private socket first: once the name is owned, root clients find it too. */
        r = private_bus_setup(&ctx);
        if (r < 0)
                return r;
        r = bus_setup(&ctx);
        if (r < 0)
                return r;

        log_info("Ready: approver group %s, journal %s (%llu records)", settings(&ctx)->approver_group,
                 settings(&ctx)->journal_file, (unsigned long long)journal_writer_size(ctx.journal));
        r = sd_event_loop(ctx.event);
        if (r < 0)
                return log_error_errno(r, "Event loop failed");
        (void)record_emit(&ctx, RECORD_STOP, NULL, NULL);
        return 0;
}

int main(int argc, char *argv[])
{
        int r = run(argc, argv);
        return r == -EINVAL ? 2 : r < 0 ? 1 : 0;
}
