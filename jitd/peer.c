/* The table of connections on jitd's private socket, and the requests that wait on each.
 *
 * On the system bus, jitd learns that a waiting module went away from dbus-daemon's
 * NameOwnerChanged (heard in bus.c). A private connection has no name and no bus driver: it is gone
 * when its socket closes, which the listener (private-bus.c) sees and reports here with
 * peer_free(). This file calls nothing above it; the watches' callbacks carry the news up. */
#include <errno.h>
#include <stdlib.h>

#include "jitd.h"

int peer_new(Context *ctx, sd_bus *bus, Peer **ret)
{
        Peer *p = calloc(1, sizeof(*p));

        if (!p)
                return -ENOMEM;
        p->ctx = ctx;
        p->bus = sd_bus_ref(bus);
        p->next = ctx->peers;
        if (p->next)
                p->next->prev = p;
        ctx->peers = p;
        ctx->n_peers++;
        *ret = p;
        return 0;
}

/* The newest connections come first: the one that just called is usually among them. */
Peer *peer_find(Context *ctx, sd_bus *bus)
{
        for (Peer *p = ctx->peers; p; p = p->next)
                if (p->bus == bus)
                        return p;
        return NULL;
}

void peer_free(Peer *p)
{
        PeerWatch *w;

        if (!p)
                return;
        /* Each watch is detached before its callback runs, so the callback may free it. */
        while ((w = p->watches)) {
                p->watches = w->next;
                if (w->next)
                        w->next->prev = NULL;
                w->peer = NULL;
                w->prev = w->next = NULL;
                w->gone(w->userdata);
        }
        if (p->prev)
                p->prev->next = p->next;
        else
                p->ctx->peers = p->next;
        if (p->next)
                p->next->prev = p->prev;
        p->ctx->n_peers--;
        sd_bus_unref(p->bus);
        free(p);
}

int peer_watch_new(Context *ctx, sd_bus *bus, PeerGone gone, void *userdata, PeerWatch **ret)
{
        Peer *p = peer_find(ctx, bus);
        PeerWatch *w;

        if (!p)
                return -ENOTCONN; /* it closed already: nobody waits */
        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->peer = p;
        w->gone = gone;
        w->userdata = userdata;
        w->next = p->watches;
        if (w->next)
                w->next->prev = w;
        p->watches = w;
        *ret = w;
        return 0;
}

PeerWatch *peer_watch_free(PeerWatch *w)
{
        if (!w)
                return NULL;
        if (w->peer) {
                if (w->prev)
                        w->prev->next = w->next;
                else
                        w->peer->watches = w->next;
                if (w->next)
                        w->next->prev = w->prev;
        }
        free(w);
        return NULL;
}

sd_bus *peer_watch_bus(const PeerWatch *w)
{
        return w && w->peer ? w->peer->bus : NULL;
}
