/* The bus client's connection: a private connection to the system bus, method calls with our own
 * deadlines, the signals that end a wait, and the loop that waits for them. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <systemd/sd-bus.h>

#include "client-internal.h"
#include "duration.h"
#include "jit-bus.h"
#include "util.h"

#define DBUS_NAME "org.freedesktop.DBus"
#define DBUS_PATH "/org/freedesktop/DBus"

#define MATCH_OWNER_CHANGED                                                                                 \
        "type='signal',sender='" DBUS_NAME "',path='" DBUS_PATH "',interface='" DBUS_NAME "',"              \
        "member='NameOwnerChanged',arg0='" JIT_BUS_NAME "'"

void client_debug(const Client *cl, const char *fmt, ...)
{
        char buf[512];
        va_list ap;

        if (!cl->opts->debug || !cl->hooks->debug)
                return;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        /* The time since the client started, so that a debug log is also a profile of each step. */
        cl->hooks->debug(cl->hooks->userdata, "%s (+%llu us)", buf,
                         (unsigned long long)(jit_now_usec(CLOCK_MONOTONIC) - cl->started_usec));
}

int strdup_to(char **dst, const char *src)
{
        char *s = strdup(src ? src : "");

        if (!s)
                return -ENOMEM;
        free(*dst);
        *dst = s;
        return 0;
}

/* Record how the request ended. The first call that sets a D-Bus error detail keeps it. */
void outcome_set(JitOutcome *o, JitVerdict verdict, JitReason reason, int error, const sd_bus_error *e)
{
        o->verdict = verdict;
        o->reason = reason;
        o->error = error;
        if (e && sd_bus_error_is_set(e) && !o->detail) {
                if (asprintf(&o->detail, "%s: %s", e->name, e->message ? e->message : "") < 0)
                        o->detail = NULL;
        }
}

/* Run the bus until *flag is set, the deadline (CLOCK_MONOTONIC µs) passes, or -- when sw is given -- a
 * cancel signal is pending. Returns 0, -ETIMEDOUT, -ECANCELED, or the bus's negative errno. EINTR from a
 * signal the host handles is only a reason to look again. */
int client_pump(Client *cl, const bool *flag, uint64_t deadline, const SigWatch *sw)
{
        for (;;) {
                struct pollfd p[2];
                struct timespec ts;
                uint64_t now, until, t;
                nfds_t n = 1;
                int r, fd, events;

                while (!*flag) {
                        r = sd_bus_process(cl->bus, NULL);
                        if (r < 0)
                                return r;
                        if (r == 0)
                                break;
                }
                if (*flag)
                        return 0;
                if (sw && jit_sigwatch_pending(sw))
                        return -ECANCELED;

                now = jit_now_usec(CLOCK_MONOTONIC);
                if (now >= deadline)
                        return -ETIMEDOUT;
                until = deadline;
                r = sd_bus_get_timeout(cl->bus, &t);
                if (r < 0)
                        return r;
                if (r > 0 && t < until)
                        until = t;

                fd = sd_bus_get_fd(cl->bus);
                if (fd < 0)
                        return fd;
                events = sd_bus_get_events(cl->bus);
                if (events < 0)
                        return events;
                p[0] = (struct pollfd){.fd = fd, .events = (short)events};
                if (sw) {
                        p[1] = (struct pollfd){.fd = sw->fd, .events = POLLIN};
                        n = 2;
                }
                t = until > now ? until - now : 0;
                ts.tv_sec = (time_t)(t / USEC_PER_SEC);
                ts.tv_nsec = (long)(t % USEC_PER_SEC * 1000);
                if (ppoll(p, n, &ts, NULL) < 0 && errno != EINTR)
                        return -errno;
        }
}

typedef struct Call {
        sd_bus_message *reply;
        bool done;
} Call;

static int call_done(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        Call *c = userdata;

        c->reply = sd_bus_message_ref(m);
        c->done = true;
        return 0;
}

/* A method call with our own deadline (never sd-bus's default, never $SYSTEMD_BUS_TIMEOUT). Cancel
 * signals stay pending meanwhile. Returns 0 and the reply, ERR_REMOTE with *ret_error set for an error
 * reply, -ETIMEDOUT, or the bus's negative errno. */
int client_call(Client *cl, sd_bus_message *m, uint64_t timeout, sd_bus_error *ret_error,
                sd_bus_message **ret_reply)
{
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        Call call = {0};
        const sd_bus_error *e;
        int r;

        r = sd_bus_call_async(cl->bus, &slot, m, call_done, &call, timeout);
        if (r < 0)
                return r;
        r = client_pump(cl, &call.done, jit_now_usec(CLOCK_MONOTONIC) + timeout, NULL);
        if (r < 0)
                return r;
        if (!sd_bus_message_is_method_error(call.reply, NULL)) {
                *ret_reply = call.reply;
                return 0;
        }

        e = sd_bus_message_get_error(call.reply);
        /* NoReply comes from sd-bus when its timer fires or the connection drops, or from the bus when
         * the callee left without answering: either way nobody answered. */
        if (sd_bus_error_has_name(e, SD_BUS_ERROR_NO_REPLY))
                r = sd_bus_is_open(cl->bus) > 0 ? -ETIMEDOUT : -ECONNRESET;
        else {
                sd_bus_error_copy(ret_error, e);
                r = ERR_REMOTE;
        }
        sd_bus_message_unref(call.reply);
        return r;
}

static int on_match_installed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        Client *cl = userdata;

        if (sd_bus_message_is_method_error(m, NULL)) {
                const sd_bus_error *e = sd_bus_message_get_error(m);
                client_debug(cl, "AddMatch failed: %s", e && e->name ? e->name : "?");
                cl->match_failed = true;
        } else
                cl->matches_installed++;
        return 0;
}

bool client_from_jitd(const Client *cl, sd_bus_message *m)
{
        const char *sender = sd_bus_message_get_sender(m);

        if (cl->direct)
                return true; /* the peer was checked to be root when we connected */
        return cl->owner && sender && streq(sender, cl->owner);
}

static int on_request_decided(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        Client *cl = userdata;
        const char *sender = sd_bus_message_get_sender(m), *path = sd_bus_message_get_path(m);
        const char *id, *state, *by;
        uint64_t until;
        int r;

        /* Only jitd as it was when the request was made may decide it: anyone may emit a signal. */
        if (!client_from_jitd(cl, m) || !path || !streq(path, JIT_BUS_PATH)) {
                client_debug(cl, "ignoring RequestDecided from %s", sender ? sender : "(none)");
                return 0;
        }
        r = sd_bus_message_read(m, "ssts", &id, &state, &until, &by);
        if (r < 0) {
                client_debug(cl, "ignoring malformed RequestDecided: %s", strerror(-r));
                return 0;
        }
        if (!cl->id[0] || !streq(id, cl->id) || cl->decided_state)
                return 0;

        if (strdup_to(&cl->decided_state, state) < 0 || strdup_to(&cl->decided_by, by) < 0)
                cl->oom = true;
        cl->decided_until = until;
        cl->wake = true;
        return 0;
}

static int on_name_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        Client *cl = userdata;
        const char *sender = sd_bus_message_get_sender(m);
        const char *name, *old_owner, *new_owner;

        /* Only the bus itself speaks for names; a forged copy from a peer is ignored. */
        if (!sender || !streq(sender, DBUS_NAME))
                return 0;
        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0 || !streq(name, JIT_BUS_NAME))
                return 0;
        /* A change before GetNameOwner's answer is already reflected in that answer. */
        if (!cl->owner_known)
                return 0;
        client_debug(cl, "%s changed owner: '%s' -> '%s'", name, old_owner, new_owner);
        cl->owner_changed = true;
        cl->wake = true;
        return 0;
}

/* On the private socket jitd's going away (a restart, a stop) is the connection closing: sd-bus says
 * so with this local signal, which no peer can send. */
static int on_private_closed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        Client *cl = userdata;

        client_debug(cl, "jitd closed the private connection");
        cl->owner_changed = true;
        cl->wake = true;
        return 0;
}

/* A private connection to the fixed system bus address. sd_bus_open_system() would honour
 * $DBUS_SYSTEM_BUS_ADDRESS whenever the host is not AT_SECURE (root running sudo, sshd, login), so the
 * connection is built by hand. */
static int client_connect_system(Client *cl)
{
        _cleanup_(sd_bus_close_unrefp) sd_bus *bus = NULL;
        int r;

        r = sd_bus_new(&bus);
        if (r < 0)
                return r;
        r = sd_bus_set_address(bus, JIT_SYSTEM_BUS_ADDRESS);
        if (r < 0)
                return r;
        r = sd_bus_set_bus_client(bus, 1);
        if (r < 0)
                return r;
        /* Nobody may hand the host process a file descriptor through us. */
        r = sd_bus_negotiate_fds(bus, 0);
        if (r < 0)
                return r;
        /* Set explicitly so the Hello call never reads $SYSTEMD_BUS_TIMEOUT. */
        r = sd_bus_set_method_call_timeout(bus, JIT_CALL_TIMEOUT_USEC);
        if (r < 0)
                return r;
        r = sd_bus_set_description(bus, "pam_jit");
        if (r < 0)
                return r;
        r = sd_bus_start(bus);
        if (r < 0)
                return r;
        cl->bus = TAKE_PTR(bus);
        return 0;
}

int client_connect(Client *cl, JitOutcome *o)
{
        int r;

        r = client_connect_private(cl, o);
        if (r != 0)
                return r < 0 ? r : 0;
        r = client_connect_system(cl);
        if (r < 0) {
                outcome_set(o, JIT_VERDICT_UNREACHABLE, JIT_REASON_NO_BUS, r, NULL);
                return r;
        }
        client_debug(cl, "no %s; connected to the system bus", JIT_PRIVATE_SOCKET);
        return 0;
}

/* Peer to peer there is no bus driver to ask and no AddMatch: jitd sends this connection the
 * RequestDecided of the requests it waits on, and only jitd is at the other end. */
static int client_watch_direct(Client *cl, JitOutcome *o)
{
        int r;

        r = sd_bus_match_signal(cl->bus, &cl->slot_decided, NULL, JIT_BUS_PATH, JIT_BUS_INTERFACE,
                                "RequestDecided", on_request_decided, cl);
        if (r >= 0)
                r = sd_bus_match_signal(cl->bus, &cl->slot_owner, "org.freedesktop.DBus.Local",
                                        "/org/freedesktop/DBus/Local", "org.freedesktop.DBus.Local",
                                        "Disconnected", on_private_closed, cl);
        if (r < 0) {
                outcome_set(o, JIT_VERDICT_DENIED, r == -ENOMEM ? JIT_REASON_INTERNAL : JIT_REASON_BUS_LOST,
                            r, NULL);
                return r;
        }
        return 0;
}

/* Subscribe to RequestDecided and to jitd's NameOwnerChanged, then learn who owns the name. The
 * subscriptions are sent first, so nothing that happens after the answer can be missed. */
int client_watch(Client *cl, JitOutcome *o)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        const char *owner;
        int r;

        if (cl->direct)
                return client_watch_direct(cl, o);

        r = sd_bus_match_signal_async(cl->bus, &cl->slot_decided, JIT_BUS_NAME, JIT_BUS_PATH,
                                      JIT_BUS_INTERFACE, "RequestDecided", on_request_decided,
                                      on_match_installed, cl);
        if (r >= 0)
                r = sd_bus_add_match_async(cl->bus, &cl->slot_owner, MATCH_OWNER_CHANGED,
                                           on_name_owner_changed, on_match_installed, cl);
        if (r >= 0)
                r = sd_bus_message_new_method_call(cl->bus, &m, DBUS_NAME, DBUS_PATH, DBUS_NAME,
                                                   "GetNameOwner");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", JIT_BUS_NAME);
        if (r < 0)
                goto fail;

        r = client_call(cl, m, JIT_CALL_TIMEOUT_USEC, &e, &reply);
        if (r == ERR_REMOTE && sd_bus_error_has_name(&e, SD_BUS_ERROR_NAME_HAS_NO_OWNER)) {
                outcome_set(o, JIT_VERDICT_UNREACHABLE, JIT_REASON_NO_JITD, 0, NULL);
                return -ESRCH;
        }
        if (r == ERR_REMOTE) {
                /* The bus answered, but not as the bus driver does: that is no reason for failmode=open. */
                outcome_set(o, JIT_VERDICT_DENIED, JIT_REASON_PROTOCOL, -EBADMSG, &e);
                return r;
        }
        if (r < 0) {
                /* The connection failed or the bus did not answer in time: the bus is not usable. */
                outcome_set(o, JIT_VERDICT_UNREACHABLE, JIT_REASON_NO_BUS, r, NULL);
                return r;
        }
        r = sd_bus_message_read(reply, "s", &owner);
        if (r < 0)
                goto fail;
        if (owner[0] != ':') {
                r = -EBADMSG;
                goto fail;
        }
        r = strdup_to(&cl->owner, owner);
        if (r < 0)
                goto fail;
        cl->owner_known = true;

        /* The AddMatch replies came before GetNameOwner's, in order. */
        if (cl->match_failed || cl->matches_installed != 2) {
                r = -ENOTCONN;
                goto fail;
        }
        client_debug(cl, "%s is %s", JIT_BUS_NAME, cl->owner);
        return 0;

fail:
        outcome_set(o, JIT_VERDICT_DENIED, r == -ENOMEM ? JIT_REASON_INTERNAL : JIT_REASON_BUS_LOST, r,
                    NULL);
        return r;
}
