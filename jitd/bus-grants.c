/* The grant methods of org.pamjit.jit1.Manager: list the live grants, end one early. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "duration.h"
#include "id.h"
#include "jit-bus.h"
#include "util.h"
#include "bus.h"

int method_list_grants(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *ctx = userdata;
        _cleanup_(caller_done) Caller caller = {};
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        uint64_t now = jit_now_usec(CLOCK_REALTIME);
        size_t bytes = 0;
        int r;

        r = caller_get_budgeted(ctx, m, true, &caller, error);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "a{sv}");
        for (Grant *g = ctx->grants; r >= 0 && g; g = g->next) {
                if (g->until_usec <= now || !(caller.uid == 0 || caller.approver || caller.uid == g->uid))
                        continue;
                r = sd_bus_message_append(
                    reply, "a{sv}", 10, "id", "s", g->id, "user", "s", g->user, "uid", "u", (uint32_t)g->uid,
                    "service", "s", g->service, "command", "s", g->command, "command_kind", "s",
                    command_kind_to_string(g->command_kind), "scope", "s", policy_scope_to_string(g->scope),
                    "until_usec", "t", g->until_usec, "by", "s", g->by, "uses", "u", (uint32_t)g->uses);
                bytes += 400 + strlen(g->user) + strlen(g->service) + strlen(g->command) + strlen(g->by);
        }
        bus_read_charge(ctx, caller.uid, bytes);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r < 0 ? r : record_send_when_durable(ctx, m, reply);
}

/* End a grant early: an approver, or the grantee giving it back. */
int method_revoke(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *ctx = userdata;
        _cleanup_(caller_done) Caller caller = {};
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *note = NULL;
        char canon[JIT_ID_LEN + 1];
        const char *id, *comment;
        Grant *g = NULL;
        Request *req;
        int r;

        r = sd_bus_message_read(m, "ss", &id, &comment);
        if (r < 0)
                return r;
        r = caller_get(ctx, m, &caller, error);
        if (r < 0)
                return r;
        if (jit_id_normalize(id, canon) >= 0)
                g = grant_find(ctx, canon);
        req = g ? request_find(ctx, g->id) : NULL;
        /* The grantee, the daemon's approvers, and whoever may approve under the request's rule. */
        if (!g || g->until_usec <= jit_now_usec(CLOCK_REALTIME) ||
            !(caller.uid == 0 || caller.approver || caller.uid == g->uid ||
              (req && caller_may_approve(&caller, req))))
                return sd_bus_error_set(error, JIT_ERROR_NOT_FOUND, "No such grant.");
        note = bus_field_dup(comment, JIT_MAX_FIELD);
        if (!note)
                return -ENOMEM;

        r = decide_revoke(ctx, g, req, caller.name, note);
        if (r < 0)
                return bus_record_error(error, r);
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = decide_reply(ctx, m, reply);
        return r < 0 ? r : 1;
}
