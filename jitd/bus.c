/* The org.pamjit.jit1.Manager object on the system bus: its vtable and jitd's connection. */
#include <stdlib.h>

#include "jit-bus.h"
#include "log.h"
#include "util.h"
#include "bus.h"

static const sd_bus_vtable manager_vtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD_WITH_ARGS(
        "CreateRequest", SD_BUS_ARGS("a{sv}", context),
        SD_BUS_RESULT("s", id, "s", state, "t", deadline_usec, "t", until_usec, "s", message),
        method_create_request, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("Approve", SD_BUS_ARGS("s", id, "a{sv}", options),
                            SD_BUS_RESULT("t", until_usec), method_approve, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("Redeem", SD_BUS_ARGS("s", token),
                            SD_BUS_RESULT("s", id, "s", signer, "t", until_usec), method_redeem,
                            SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("Deny", SD_BUS_ARGS("s", id, "s", comment), SD_BUS_NO_RESULT, method_deny,
                            SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("DenyWithOptions", SD_BUS_ARGS("s", id, "a{sv}", options), SD_BUS_NO_RESULT,
                            method_deny_with_options, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("Cancel", SD_BUS_ARGS("s", id), SD_BUS_NO_RESULT, method_cancel,
                            SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("ListRequests", SD_BUS_ARGS("a{sv}", filter),
                            SD_BUS_RESULT("aa{sv}", requests, "a{sv}", page), method_list_requests,
                            SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("GetRequest", SD_BUS_ARGS("s", id), SD_BUS_RESULT("a{sv}", request),
                            method_get_request, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("RequestAccess", SD_BUS_ARGS("a{sv}", options),
                            SD_BUS_RESULT("s", id, "s", state, "t", deadline_usec), method_request_access,
                            SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("ListGrants", SD_BUS_NO_ARGS, SD_BUS_RESULT("aa{sv}", grants),
                            method_list_grants, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("Revoke", SD_BUS_ARGS("s", id, "s", comment), SD_BUS_NO_RESULT, method_revoke,
                            SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_SIGNAL_WITH_ARGS("RequestCreated", SD_BUS_ARGS("s", id, "a{sv}", summary), 0),
    SD_BUS_SIGNAL_WITH_ARGS("RequestDecided", SD_BUS_ARGS("s", id, "s", state, "t", until_usec, "s", by), 0),
    SD_BUS_VTABLE_END,
};

/* The system bus, as sd_bus_open_system() would connect, but refusing file descriptors: no method
 * takes one, so dbus-daemon answers a sender that attaches any with an error and jitd never holds
 * a descriptor a client chose (A10). */
static int bus_open_system_nofd(sd_bus **ret)
{
        _cleanup_(sd_bus_unrefp) sd_bus *bus = NULL;
        const char *address = secure_getenv("DBUS_SYSTEM_BUS_ADDRESS");
        int r;

        r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, address ? address : "unix:path=/run/dbus/system_bus_socket");
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, true);
        if (r >= 0)
                r = sd_bus_set_trusted(bus, false);
        if (r >= 0)
                r = sd_bus_negotiate_fds(bus, false);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(bus);
        return 0;
}

/* A connection left the bus. Only dbus-daemon sends this signal (the match names it as sender),
 * and it reaches jitd after every call the connection made, so a request is never left waiting
 * on a connection that is gone, and a cached uid never outlives its unique name. */
static int on_name_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0)
                return 0;
        if (name[0] == ':' && !*new_owner) {
                caller_forget(userdata, name);
                decide_peer_gone(userdata, name);
        }
        return 0;
}

int bus_add_manager(Context *ctx, sd_bus *bus)
{
        return sd_bus_add_object_vtable(bus, NULL, JIT_BUS_PATH, JIT_BUS_INTERFACE, manager_vtable, ctx);
}

int bus_setup(Context *ctx)
{
        int r;

        ctx->churn =
            (RateLimit){.interval_usec = JIT_RATE_CHURN_INTERVAL_USEC, .burst = JIT_RATE_CHURN_BURST};
        ctx->reads = (RateLimit){.interval_usec = JIT_RATE_READ_INTERVAL_USEC, .burst = JIT_RATE_READ_BURST};
        r = bus_open_system_nofd(&ctx->bus);
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the system bus");
        r = bus_add_manager(ctx, ctx->bus);
        if (r < 0)
                return log_error_errno(r, "Failed to add the object");
        /* Before the name is owned, so it covers every request: once, at start-up, never per
         * request (decide_wait). */
        r = sd_bus_match_signal(ctx->bus, NULL, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                "org.freedesktop.DBus", "NameOwnerChanged", on_name_owner_changed, ctx);
        if (r < 0)
                return log_error_errno(r, "Failed to watch connections leave the bus");
        r = sd_bus_attach_event(ctx->bus, ctx->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the bus to the event loop");
        r = sd_bus_request_name(ctx->bus, JIT_BUS_NAME, 0);
        if (r < 0)
                return log_error_errno(r, "Failed to own " JIT_BUS_NAME);
        return 0;
}
