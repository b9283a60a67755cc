/* The single point where records leave jitd, and the group commit that makes them durable.
 *
 * Handlers change state, emit records and queue their replies and signals here. Nothing queued
 * leaves jitd until the commit that follows has made the records durable: a decision is never
 * announced before its record exists. Records emitted by the requests handled in one turn of
 * the event loop share one commit. */
#include <errno.h>
#include <stdlib.h>

#include "jit-bus.h"
#include "jitd.h"
#include "log.h"
#include "util.h"

/* Queue an item; takes ownership of mirror, even on failure. */
static int outbound_push(Context *ctx, MirrorEntry *mirror, sd_bus_message *call, sd_bus_message *reply)
{
        Outbound *o = calloc(1, sizeof(*o));

        if (!o) {
                mirror_entry_free(mirror);
                return -ENOMEM;
        }
        o->mirror = mirror;
        o->call = call ? sd_bus_message_ref(call) : NULL;
        o->reply = reply ? sd_bus_message_ref(reply) : NULL;
        *ctx->outbound_tail = o;
        ctx->outbound_tail = &o->next;
        /* After the loop has ended (the stop record) this fails; record_flush_all commits it. */
        (void)sd_event_source_set_enabled(ctx->commit_source, SD_EVENT_ONESHOT);
        return 0;
}

int record_emit(Context *ctx, RecordType type, const Request *r)
{
        MirrorEntry *e;

        e = mirror_entry_new(type, r);
        if (!e)
                return -ENOMEM;
        return outbound_push(ctx, e, NULL, NULL);
}

int record_send_after_commit(Context *ctx, sd_bus_message *call, sd_bus_message *reply)
{
        return outbound_push(ctx, NULL, call, reply);
}

static void outbound_free(Outbound *o)
{
        mirror_entry_free(o->mirror);
        sd_bus_message_unref(o->call);
        sd_bus_message_unref(o->reply);
        free(o);
}

static int on_commit(sd_event_source *s, void *userdata)
{
        Context *ctx = userdata;
        Outbound *o;

        /* The signed journal's fdatasync and checkpoint go here; until then journald is the record. */
        ctx->n_committed++;

        while ((o = ctx->outbound)) {
                ctx->outbound = o->next;
                if (o->mirror)
                        mirror_entry_send(o->mirror);
                if (o->reply) {
                        int k = sd_bus_send(ctx->bus, o->reply, NULL);
                        if (k < 0)
                                log_warning("Failed to send a reply or signal: %s", strerror(-k));
                }
                outbound_free(o);
        }
        ctx->outbound_tail = &ctx->outbound;
        return 0;
}

int record_setup(Context *ctx)
{
        int k;

        ctx->outbound_tail = &ctx->outbound;
        k = sd_event_add_defer(ctx->event, &ctx->commit_source, on_commit, ctx);
        if (k < 0)
                return k;
        return sd_event_source_set_enabled(ctx->commit_source, SD_EVENT_OFF);
}

void record_flush_all(Context *ctx)
{
        if (ctx->outbound)
                on_commit(ctx->commit_source, ctx);
        ctx->commit_source = sd_event_source_disable_unref(ctx->commit_source);
}
