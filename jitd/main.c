/* jitd: the approval daemon. Owns all state; decides, records, and tells the bus. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jitd.h"
#include "log.h"
#include "util.h"

#define DEFAULT_CONFIG "/etc/jit/jitd.conf"

static int on_reload(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        Context *ctx = userdata;
        _cleanup_free_ char *error = NULL;
        int k;

        /* A bad new config keeps the old one: never drop to defaults because of a typo. */
        k = config_load(&ctx->config, ctx->config_path, &error);
        if (k < 0)
                log_error("Keeping the old configuration: %s", error ? error : strerror(-k));
        else
                log_info("Reloaded %s", ctx->config_path);
        return 0;
}

static void help(void)
{
        printf("Usage: jitd [--config FILE] [--check-config]\n"
               "The pam_jit approval daemon (org.pamjit.jit1 on the system bus).\n\n"
               "  -c, --config FILE   settings (default " DEFAULT_CONFIG ")\n"
               "      --check-config  validate the configuration and exit\n"
               "  -h, --help          show this help\n");
}

static void context_done(Context *ctx)
{
        record_flush_all(ctx);
        request_free_all(ctx);
        ctx->bus = sd_bus_flush_close_unref(ctx->bus);
        ctx->event = sd_event_unref(ctx->event);
        config_done(&ctx->config);
}

static int run(int argc, char *argv[])
{
        enum { ARG_CHECK = 0x100 };
        static const struct option options[] = {
                {"config", required_argument, NULL, 'c'},
                {"check-config", no_argument, NULL, ARG_CHECK},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        _cleanup_(context_done) Context ctx = {.config_path = DEFAULT_CONFIG};
        _cleanup_free_ char *error = NULL;
        bool check = false;
        sigset_t mask;
        int c, k;

        while ((c = getopt_long(argc, argv, "c:h", options, NULL)) >= 0)
                switch (c) {
                case 'c':
                        ctx.config_path = optarg;
                        break;
                case ARG_CHECK:
                        check = true;
                        break;
                case 'h':
                        help();
                        return 0;
                default:
                        return -EINVAL;
                }
        if (optind < argc) {
                if (!check || optind + 1 != argc)
                        return log_error("Unexpected argument: %s", argv[optind]), -EINVAL;
                ctx.config_path = argv[optind];
        }

        k = config_load(&ctx.config, ctx.config_path, &error);
        if (k < 0) {
                log_error("Refusing to start: %s", error ? error : strerror(-k));
                return k;
        }
        if (check) {
                printf("%s: OK\n", ctx.config_path);
                return 0;
        }

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);

        k = sd_event_default(&ctx.event);
        if (k < 0)
                return log_error_errno(k, "Failed to allocate the event loop");
        (void)sd_event_add_signal(ctx.event, NULL, SIGTERM, NULL, NULL);
        (void)sd_event_add_signal(ctx.event, NULL, SIGINT, NULL, NULL);
        k = sd_event_add_signal(ctx.event, NULL, SIGHUP, on_reload, &ctx);
        if (k < 0)
                return log_error_errno(k, "Failed to watch SIGHUP");
        k = record_setup(&ctx);
        if (k < 0)
                return log_error_errno(k, "Failed to set up the record queue");
        k = bus_setup(&ctx);
        if (k < 0)
                return k;

        k = record_emit(&ctx, RECORD_START, NULL);
        if (k < 0)
                return log_error_errno(k, "Failed to record the start");
        log_info("Ready: approver group %s", ctx.config.approver_group);
        k = sd_event_loop(ctx.event);
        if (k < 0)
                return log_error_errno(k, "Event loop failed");
        (void)record_emit(&ctx, RECORD_STOP, NULL);
        return 0;
}

int main(int argc, char *argv[])
{
        int k = run(argc, argv);
        return k == -EINVAL && argc > 1 ? 2 : k < 0 ? 1 : 0;
}
