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

int signal_created(Context *ctx, const Request *req)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *s = NULL;
        int r;

        if (quiet(ctx))
                return 0;
        r = sd_bus_message_new_signal(ctx->bus, &s, JIT_BUS_PATH, JIT_BUS_INTERFACE, "RequestCreated");
        if (r >= 0)
                r = sd_bus_message_append(s, "s", req->id);
        if (r >= 0)
                r = sd_bus_message_append(s, "a{sv}", 6, "user", "s", req->user, "service", "s",
                                          req->service, "command", "s", req->command, "command_kind", "s",
                                          command_kind_to_string(req->command_kind), "tty", "s", req->tty,
                                          "deadline_usec", "t", req->deadline_usec);
        if (r >= 0)
                r = record_send_after_commit(ctx, NULL, s);
        return r;
}

static int signal_decided_on(Context *ctx, sd_bus *bus, const Request *req)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *s = NULL;
        int r;

        r = sd_bus_message_new_signal(bus, &s, JIT_BUS_PATH, JIT_BUS_INTERFACE, "RequestDecided");
        if (r >= 0)
                r = sd_bus_message_append(s, "ssts", req->id, request_state_to_string(req->state),
                                          req->until_usec, req->by ? req->by : "");
        if (r >= 0)
                r = record_send_after_commit(ctx, NULL, s);
        return r;
}

/* On the system bus to every subscriber; on the private socket, which has no match rules, only to
 * the connection that waits on the request: sending every decision to every private connection
 * would cost jitd one message per concurrent sudo for each decision. */
int signal_decided(Context *ctx, const Request *req)
{
        sd_bus *waiter = peer_watch_bus(req->peer);
        int r;

        if (quiet(ctx))
                return 0;
        r = signal_decided_on(ctx, ctx->bus, req);
        if (r >= 0 && waiter)
                r = signal_decided_on(ctx, waiter, req);
        return r;
}

void signal_denied_now(Context *ctx, const char *id)
{
        Request *req;
        sd_bus *waiter;

        if (quiet(ctx))
                return;
        /* The waiting module must stop now; this signal is not a record, and says deny. */
        (void)sd_bus_emit_signal(ctx->bus, JIT_BUS_PATH, JIT_BUS_INTERFACE, "RequestDecided", "ssts", id,
                                 "denied", (uint64_t)0, "jitd");
        req = request_find(ctx, id);
        waiter = req ? peer_watch_bus(req->peer) : NULL;
        if (waiter)
                (void)sd_bus_emit_signal(waiter, JIT_BUS_PATH, JIT_BUS_INTERFACE, "RequestDecided", "ssts",
                                         id, "denied", (uint64_t)0, "jitd");
}
