/* sudo glue: the approval plugin's entry points (sudo_plugin(5)), and the one place outcomes become
 * sudo's return codes. Everything else is the PAM module's client, shared: context.c, client.c,
 * options.c, sigwatch.c, messages.c, reason.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sudo_plugin.h>

#include "../pam_jit/client.h"
#include "../pam_jit/messages.h"
#include "../pam_jit/options.h"
#include "../pam_jit/reason.h"
#include "../pam_jit/sigwatch.h"
#include "../pam_jit/syslog-nb.h"
#include "sudo-context.h"
#include "util.h"

#define PUBLIC __attribute__((visibility("default")))
#define PREFIX "sudo_jit: "
#define SUDO_JIT_VERSION "1.0"

/* What open() learnt, until close(): sudo's functions, the options from sudo.conf and the invoking
 * user. The approval plugin API passes no userdata to check() and close(), so this one pointer is the
 * only file-level state; it is set by open() and cleared by close(). */
typedef struct Plugin {
        sudo_conv_t conv;
        sudo_printf_t printf;
        JitOptions opts;
        SudoUser user;
        char errstr[128]; /* check()'s *errstr: sudo may read it until close() */
} Plugin;

static Plugin *plugin;

/* The sink: lines through sudo's printf as error messages (stderr or the terminal, never inside the
 * command's stdout), records to the system log as sudo's own (LOG_AUTHPRIV), questions through sudo's
 * conversation. */
static void sink_say(void *userdata, const char *line)
{
        Plugin *p = userdata;

        if (p->printf)
                p->printf(SUDO_CONV_ERROR_MSG, "%s\n", line);
}

static void sink_log(void *userdata, int priority, const char *line)
{
        /* Never syslog(3): it blocks sudo while journald is stopped (A37); this drops the line instead. */
        jit_syslog(LOG_AUTHPRIV | priority, program_invocation_short_name, PREFIX "%s", line);
}

static int sink_ask(void *userdata, const char *prompt, char **ret)
{
        Plugin *p = userdata;
        struct sudo_conv_message msg = {.msg_type = SUDO_CONV_PROMPT_ECHO_ON, .msg = prompt};
        struct sudo_conv_reply reply = {0};

        *ret = NULL;
        /* sudo -n: nobody is there to answer (sudo's conversation would still read the terminal). */
        if (p->user.noninteractive || !p->conv)
                return -EOPNOTSUPP;
        if (p->conv(1, &msg, &reply, NULL) != 0) {
                free(reply.reply);
                return -EOPNOTSUPP;
        }
        *ret = reply.reply;
        return 0;
}

static JitSink sink_of(Plugin *p)
{
        return (JitSink){.prefix = PREFIX, .say = sink_say, .log = sink_log, .ask = sink_ask, .userdata = p};
}

typedef struct Call {
        const JitSink *sink;
        const JitContext *ctx;
} Call;

static void hook_pending(void *userdata, const char *id, uint64_t wait_usec)
{
        Call *c = userdata;

        jit_msg_pending(c->sink, c->ctx, id, wait_usec);
}

static int hook_ask_reason(void *userdata, bool required, char **ret)
{
        Call *c = userdata;

        return jit_reason_ask(c->sink, c->ctx->service, required, ret);
}

static void hook_debug(void *userdata, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void hook_debug(void *userdata, const char *fmt, ...)
{
        char buf[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        jit_syslog(LOG_AUTHPRIV | LOG_DEBUG, program_invocation_short_name, PREFIX "%s", buf);
}

static void plugin_free(Plugin *p)
{
        if (!p)
                return;
        jit_sudo_user_done(&p->user);
        free(p);
}

/* The only mapping from what happened to sudo's codes: 1 runs the command, 0 refuses it (sudo then
 * exits 1). As in the module, only an approval, jitd's explicit "not my business" (sudoers already
 * accepted the command) or an unreachable jitd under an explicit failmode=open let it run. */
static int to_sudo_code(JitVerdict verdict, bool failmode_open)
{
        switch (verdict) {
        case JIT_VERDICT_APPROVED:
        case JIT_VERDICT_IGNORED:
                return 1;
        case JIT_VERDICT_UNREACHABLE:
                return failmode_open ? 1 : 0;
        case JIT_VERDICT_DENIED:
        default:
                return 0;
        }
}

static int plugin_open(unsigned int version, sudo_conv_t conversation, sudo_printf_t sudo_plugin_printf,
                       char *const settings[], char *const user_info[], int submit_optind,
                       char *const submit_argv[], char *const submit_envp[], char *const plugin_options[],
                       const char **errstr)
{
        Plugin *p;
        JitSink sink;
        const char *bad, *item;
        int argc = 0, r;

        /* sudo opens the plugin once per run, but a second open must not leak the first. */
        plugin_free(plugin);
        plugin = NULL;
        if (SUDO_API_VERSION_GET_MAJOR(version) != SUDO_API_VERSION_MAJOR) {
                if (sudo_plugin_printf)
                        sudo_plugin_printf(SUDO_CONV_ERROR_MSG,
                                           PREFIX
                                           "sudo's plugin API %u.%u is not the %u.x it was built for\n",
                                           SUDO_API_VERSION_GET_MAJOR(version),
                                           SUDO_API_VERSION_GET_MINOR(version), SUDO_API_VERSION_MAJOR);
                *errstr = PREFIX "incompatible plugin API";
                return -1;
        }
        p = calloc(1, sizeof(*p));
        if (!p) {
                *errstr = PREFIX "out of memory";
                return -1;
        }
        p->conv = conversation;
        p->printf = sudo_plugin_printf;
        sink = sink_of(p);

        /* The options are sudo.conf's words after the path, as PAM's are after the module. */
        while (plugin_options && plugin_options[argc])
                argc++;
        r = jit_options_parse(argc, (const char **)plugin_options, &p->opts, &bad);
        if (r < 0) {
                jit_msg_bad_option(&sink, bad, r);
                plugin_free(p);
                *errstr = PREFIX "misconfigured";
                return -1;
        }
        r = jit_sudo_user_parse(user_info, settings, &p->user, &item);
        if (r < 0) {
                jit_msg_bad_item(&sink, item, r);
                plugin_free(p);
                *errstr = PREFIX "cannot read sudo's user_info";
                return -1;
        }
        p->user.env_set = jit_sudo_user_sets_env(submit_argv, settings);
        plugin = p;
        return 1;
}

static void plugin_close(void)
{
        plugin_free(plugin);
        plugin = NULL;
}

/* Runs once sudoers accepted the command, only to run it: sudo -l, -v and -k never get here. */
static int plugin_check(char *const command_info[], char *const run_argv[], char *const run_envp[],
                        const char **errstr)
{
        _cleanup_(jit_context_done) JitContext ctx = {0};
        _cleanup_(jit_outcome_done) JitOutcome outcome = {0};
        Plugin *p = plugin;
        JitSink sink;
        SigWatch sw;
        Call call;
        JitClientHooks hooks;
        const char *item;
        int r, code;

        if (!p) {
                *errstr = PREFIX "not opened";
                return -1;
        }
        sink = sink_of(p);
        call = (Call){.sink = &sink, .ctx = &ctx};
        hooks = (JitClientHooks){
            .pending = hook_pending, .ask_reason = hook_ask_reason, .debug = hook_debug, .userdata = &call};

        r = jit_sudo_context_build(&p->user, command_info, run_argv, &ctx, &item);
        if (r < 0) {
                jit_msg_bad_item(&sink, item, r);
                snprintf(p->errstr, sizeof(p->errstr), PREFIX "cannot ask for approval");
                *errstr = p->errstr;
                return 0;
        }
        r = jit_sigwatch_begin(&sw);
        if (r < 0) {
                jit_msg_internal(&sink, "blocking signals", r);
                *errstr = PREFIX "internal error";
                return -1;
        }

        jit_client_run(&ctx, &p->opts, &sw, &hooks, &outcome);
        /* Tell the user before the mask is restored: a pending SIGINT may end sudo right then. Silent
         * as sudo makes the module (PAM_SILENT): no chatter on every use of a grant, while the id,
         * the approve command, denials and approvals after a wait always show. */
        jit_msg_outcome(&sink, true, &p->opts, &ctx, &outcome);
        jit_sigwatch_end(&sw);

        code = to_sudo_code(outcome.verdict, p->opts.failmode_open);
        if (code == 0) {
                if (outcome.id[0])
                        snprintf(p->errstr, sizeof(p->errstr), PREFIX "request %s not approved", outcome.id);
                else
                        snprintf(p->errstr, sizeof(p->errstr), PREFIX "not approved");
                *errstr = p->errstr;
        }
        return code;
}

static int plugin_show_version(int verbose)
{
        if (plugin && plugin->printf)
                plugin->printf(SUDO_CONV_INFO_MSG, "sudo_jit approval plugin version %s\n",
                               SUDO_JIT_VERSION);
        return 1;
}

/* The one symbol sudo looks up: `Plugin sudo_jit sudo_jit.so` in sudo.conf. */
PUBLIC struct approval_plugin sudo_jit = {
    .type = SUDO_APPROVAL_PLUGIN,
    .version = SUDO_API_VERSION,
    .open = plugin_open,
    .close = plugin_close,
    .check = plugin_check,
    .show_version = plugin_show_version,
};
