/* What jitd announces on the bus: RequestCreated and RequestDecided, queued behind their records. */
#include "jit-bus.h"
#include "jitd.h"
#include "util.h"

/* Replay rebuilds what listeners already heard before the restart, and before bus_setup() nobody
 * is listening. */
static bool quiet(const Context *ctx)
{
        return ctx->replaying || !ctx->bus;
}

int signal_created(Context *ctx, const Request *r)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *s = NULL;
        int k;

        if (quiet(ctx))
                return 0;
        k = sd_bus_message_new_signal(ctx->bus, &s, JIT_BUS_PATH, JIT_BUS_INTERFACE, "RequestCreated");
        if (k >= 0)
                k = sd_bus_message_append(s, "s", r->id);
        if (k >= 0)
                k = sd_bus_message_append(s, "a{sv}", 6, "user", "s", r->user, "service", "s", r->service,
                                          "command", "s", r->command, "command_kind", "s",
                                          command_kind_to_string(r->command_kind), "tty", "s", r->tty,
                                          "deadline_usec", "t", r->deadline_usec);
        if (k >= 0)
                k = record_send_after_commit(ctx, NULL, s);
        return k;
}

static int signal_decided_on(Context *ctx, sd_bus *bus, const Request *r)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *s = NULL;
        int k;

        k = sd_bus_message_new_signal(bus, &s, JIT_BUS_PATH, JIT_BUS_INTERFACE, "RequestDecided");
        if (k >= 0)
                k = sd_bus_message_append(s, "ssts", r->id, request_state_to_string(r->state), r->until_usec,
                                          r->by ? r->by : "");
        if (k >= 0)
                k = record_send_after_commit(ctx, NULL, s);
        return k;
}

/* On the system bus to every subscriber; on the private socket, which has no match rules, only to
 * the connection that waits on the request: sending every decision to every private connection
 * would cost jitd one message per concurrent sudo for each decision. */
int signal_decided(Context *ctx, const Request *r)
{
        sd_bus *waiter = peer_watch_bus(r->peer);
        int k;

        if (quiet(ctx))
                return 0;
        k = signal_decided_on(ctx, ctx->bus, r);
        if (k >= 0 && waiter)
                k = signal_decided_on(ctx, waiter, r);
        return k;
}

void signal_denied_now(Context *ctx, const char *id)
{
        Request *r;
        sd_bus *waiter;

        if (quiet(ctx))
                return;
        /* The waiting module must stop now; this signal is not a record, and says deny. */
        (void)sd_bus_emit_signal(ctx->bus, JIT_BUS_PATH, JIT_BUS_INTERFACE, "RequestDecided", "ssts", id,
                                 "denied", (uint64_t)0, "jitd");
        r = request_find(ctx, id);
        waiter = r ? peer_watch_bus(r->peer) : NULL;
        if (waiter)
                (void)sd_bus_emit_signal(waiter, JIT_BUS_PATH, JIT_BUS_INTERFACE, "RequestDecided", "ssts",
                                         id, "denied", (uint64_t)0, "jitd");
}
