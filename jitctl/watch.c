/* jitctl watch: jitd's RequestCreated and RequestDecided as events, printed or handed to a command. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-event.h>

#include "id.h"
#include "jit-bus.h"
#include "jit-limits.h"
#include "jitctl.h"
#include "replies.h"
#include "request-view.h"
#include "sanitize.h"
#include "util.h"
#include "watch-exec.h"

typedef struct Watch {
        Ctl *ctl;
        Runner *runner; /* --exec; NULL: print */
        bool details;   /* ask GetRequest for what the signals do not carry: --json and --exec show it */
} Watch;

static void json_putp(json_object **j)
{
        json_object_put(*j);
}

static int add_string(json_object *o, const char *key, const char *value)
{
        json_object *v = json_object_new_string(value);

        if (!v || json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

/* Copy the keys of from that o does not have yet, except those in skip. */
static int add_missing(json_object *o, json_object *from, const char *const *skip)
{
        json_object_object_foreach(from, key, value)
        {
                bool skipped = json_object_object_get_ex(o, key, NULL);

                for (size_t i = 0; skip && skip[i] && !skipped; i++)
                        skipped = streq(key, skip[i]);
                if (!skipped && json_object_object_add(o, key, json_object_get(value)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* What GetRequest says of the request, for what the signals do not carry (reason, comment, the
 * requester's host...). Best effort: a watcher who may not read the request (not an approver, not
 * the requester: NotFound), or a jitd that is busy, leaves the event with the signal's keys. */
static json_object *details(Watch *w, const char *id)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        json_object *o = NULL;

        if (!w->details || ctl_get_request(w->ctl, id, &o, &error) <= 0)
                return NULL;
        return o;
}

/* RequestCreated: the summary, and the request's details where the watcher may read them; the
 * event is the creation, so what a later decision already changed is left out. */
static int event_created(Watch *w, sd_bus_message *m, json_object **ret)
{
        static const char *const later[] = {"decided_usec", "until_usec", "by", "comment", "grant", NULL};
        _cleanup_(json_putp) json_object *summary = NULL, *more = NULL, *o = json_object_new_object();
        const char *id;
        int r;

        r = sd_bus_message_read(m, "s", &id);
        if (r >= 0)
                r = reply_read_object(m, REPLY_CREATED, &summary, NULL);
        if (r <= 0 || !jit_id_valid(id))
                return -EBADMSG;
        more = details(w, id);
        if (!o || add_string(o, "event", "created") < 0 || add_string(o, "id", id) < 0 ||
            add_string(o, "state", JIT_STATE_PENDING) < 0 || add_missing(o, summary, NULL) < 0 ||
            (more && add_missing(o, more, later) < 0))
                return -ENOMEM;
        *ret = TAKE_PTR(o);
        return 0;
}

/* RequestDecided: the signal's state, by and until (a later decision may already show in
 * GetRequest's), then the rest of the request where the watcher may read it. */
static int event_decided(Watch *w, sd_bus_message *m, json_object **ret)
{
        _cleanup_(json_putp) json_object *more = NULL, *o = json_object_new_object();
        _cleanup_free_ char *s = NULL, *b = NULL;
        const char *id, *state, *by;
        uint64_t until;
        int r;

        r = sd_bus_message_read(m, "ssts", &id, &state, &until, &by);
        if (r < 0 || !jit_id_valid(id))
                return -EBADMSG;
        s = jit_sanitize_terminal(state, strlen(state), JIT_MAX_FIELD);
        b = jit_sanitize_terminal(by, strlen(by), JIT_MAX_FIELD);
        if (!o || !s || !b)
                return -ENOMEM;
        more = details(w, id);
        if (add_string(o, "event", "decided") < 0 || add_string(o, "id", id) < 0 ||
            add_string(o, "state", s) < 0 || add_string(o, "by", b) < 0 ||
            json_object_object_add(o, "until_usec",
                                   json_object_new_int64(until > INT64_MAX ? INT64_MAX : (int64_t)until)) <
                0 ||
            (more && add_missing(o, more, NULL) < 0))
                return -ENOMEM;
        *ret = TAKE_PTR(o);
        return 0;
}

static void print_event(const Ctl *ctl, json_object *o)
{
        char buf[64];

        if (ctl->json)
                ctl_print_json(o, false); /* one event a line, whatever stdout is */
        else if (streq(view_str(o, "event"), "created"))
                printf("created  %s  %s wants %s: %s\n", view_str(o, "id"), view_str(o, "user"),
                       view_str(o, "service"), command_shown(o));
        else {
                const char *by = view_str(o, "by");
                uint64_t until = view_num(o, "until_usec");

                printf("decided  %s  ", view_str(o, "id"));
                ctl_print_state(ctl, view_str(o, "state"), 0);
                printf("%s%s%s%s\n", *by ? " by " : "", by, until ? " until " : "",
                       until ? ctl_format_time(ctl, until, buf, sizeof(buf)) : "");
        }
        fflush(stdout); /* a pipe reader sees each event at once */
}

static int on_signal(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Watch *w = userdata;
        _cleanup_(json_putp) json_object *o = NULL;
        int r;

        if (sd_bus_message_is_signal(m, JIT_BUS_INTERFACE, "RequestCreated"))
                r = event_created(w, m, &o);
        else if (sd_bus_message_is_signal(m, JIT_BUS_INTERFACE, "RequestDecided"))
                r = event_decided(w, m, &o);
        else
                return 0;
        if (r == -ENOMEM) {
                ctl_error("watch: out of memory; an event was lost");
                return 0;
        }
        if (r < 0)
                return 0; /* not jitd's shape: nothing to tell */
        if (w->runner)
                (void)runner_push(w->runner, o);
        else
                print_event(w->ctl, o);
        return 0;
}

static int on_stop(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        Watch *w = userdata;

        runner_stop(w->runner);
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

static int check_args(const VerbArgs *a)
{
        if (a->exec && a->n_args == 0) {
                ctl_error("watch: --exec needs a command: jitctl watch --exec -- CMD [ARGS...]");
                return -EINVAL;
        }
        if (!a->exec && a->n_args > 0) {
                ctl_error(
                    "watch: unexpected argument '%s' (a command goes after --exec; see jitctl help watch)",
                    a->args[0]);
                return -EINVAL;
        }
        if (!a->exec && (a->exec_timeout || a->exec_queue)) {
                ctl_error("watch: --timeout and --queue go with --exec (see jitctl help watch)");
                return -EINVAL;
        }
        return 0;
}

/* jitctl watch: every request and decision as it happens (break-glass included), until Ctrl-C or
 * SIGTERM; with --exec, a command per event. */
int verb_watch(Ctl *ctl, const VerbArgs *a)
{
        static const sd_bus_error none = SD_BUS_ERROR_NULL;
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        Watch w = {.ctl = ctl, .details = ctl->json || a->exec};
        sigset_t mask;
        sd_bus *bus;
        int k, r;

        if (check_args(a) < 0)
                return EXIT_USAGE;
        /* sd-event takes these signals through a signalfd, and CMD's exit through a child source:
         * both want the signals blocked. CMD gets an empty mask (watch-exec.c). */
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return ctl_refused(ctl, "watch", NULL, &none, -errno);
        k = sd_event_new(&e);
        if (k >= 0 && a->exec) {
                k = runner_new(e, a->args,
                               a->exec_timeout ? a->exec_timeout : JIT_WATCH_TIMEOUT_DEFAULT_USEC,
                               a->exec_queue ? a->exec_queue : JIT_WATCH_QUEUE_DEFAULT, &w.runner);
                if (k == -EPERM) {
                        ctl_error(
                            "watch: --exec refuses to run: jitctl was started with privileges (setuid, "
                            "setgid or capabilities) that CMD would inherit");
                        return EXIT_REFUSED;
                }
        }
        if (k >= 0)
                k = sd_event_add_signal(e, NULL, SIGINT, on_stop, &w);
        if (k >= 0)
                k = sd_event_add_signal(e, NULL, SIGTERM, on_stop, &w);
        if (k >= 0)
                k = ctl_bus(ctl, &bus);
        if (k >= 0)
                k = sd_bus_attach_event(bus, e, SD_EVENT_PRIORITY_NORMAL);
        /* The bus going away (dbus-daemon stopped) ends the watch with a failure, not a silent hang. */
        if (k >= 0)
                k = sd_bus_set_exit_on_disconnect(bus, true);
        if (k >= 0)
                k = sd_bus_match_signal(bus, NULL, JIT_BUS_NAME, JIT_BUS_PATH, JIT_BUS_INTERFACE, NULL,
                                        on_signal, &w);
        if (k < 0) {
                runner_free(w.runner);
                return ctl_refused(ctl, "watch", NULL, &none, k);
        }
        /* Listening from here on. Text mode says so on stdout; JSON and --exec keep stdout for events
         * and CMD, and say it on stderr. */
        if (!ctl->json && !a->exec)
                printf("Watching requests and decisions (Ctrl-C to stop).\n");
        else
                fprintf(stderr, "jitctl: watch: listening for requests and decisions%s%s\n",
                        a->exec ? "; running " : "", a->exec ? a->args[0] : "");
        fflush(stdout);
        r = sd_event_loop(e);
        /* However the loop ended (a signal, the bus lost), a CMD still running is told to stop. */
        runner_stop(w.runner);
        runner_free(w.runner);
        sd_bus_detach_event(bus);
        if (r < 0)
                return ctl_refused(ctl, "watch", NULL, &none, r);
        if (r != 0) {
                ctl_error("watch: the connection to the bus was lost");
                return EXIT_REFUSED;
        }
        return 0;
}
