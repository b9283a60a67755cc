/* What the two halves of the bus client share: the connection and its wait loop (bus-wait.c), and the
 * request flow on top of it (client.c). Not part of the module's interface: client.h is. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "client.h"
#include "jit-limits.h"
#include "options.h"
#include "sigwatch.h"

/* An error reply from the peer, as opposed to a local failure; the sd_bus_error says which. */
#define ERR_REMOTE (-EREMOTEIO)

typedef struct Client {
        sd_bus *bus;
        /* Connected to jitd's private socket (peer to peer, checked to be root at both ends): every
         * message on it is jitd's, and its closing is what a change of the name's owner is on the bus. */
        bool direct;
        const JitOptions *opts;
        const JitClientHooks *hooks;
        uint64_t started_usec; /* CLOCK_MONOTONIC, for the debug log's timings */
        sd_bus_slot *slot_decided;
        sd_bus_slot *slot_owner;
        unsigned matches_installed;
        bool match_failed;

        /* The unique name that owned org.pamjit.jit1 when the request was made. Signals about the
         * request are believed only from it. */
        char *owner;
        bool owner_known;
        bool owner_changed;

        char id[JIT_ID_LEN + 1]; /* set once jitd returned a pending request */

        /* Set by the signal callbacks; the wait loop wakes when wake is set. */
        bool wake;
        bool oom;
        char *decided_state;
        char *decided_by;
        uint64_t decided_until;
} Client;

void client_debug(const Client *cl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int strdup_to(char **dst, const char *src);
/* Record how the request ended. The first call that sets a D-Bus error detail keeps it. */
void outcome_set(JitOutcome *o, JitVerdict verdict, JitReason reason, int error, const sd_bus_error *e);

/* Run the bus until *flag is set, the deadline (CLOCK_MONOTONIC µs) passes, or -- when sw is given -- a
 * cancel signal is pending. Returns 0, -ETIMEDOUT, -ECANCELED, or the bus's negative errno. */
int client_pump(Client *cl, const bool *flag, uint64_t deadline, const SigWatch *sw);
/* A method call with our own deadline. Returns 0 and the reply, ERR_REMOTE with *ret_error set for an
 * error reply, -ETIMEDOUT, or the bus's negative errno. */
int client_call(Client *cl, sd_bus_message *m, uint64_t timeout, sd_bus_error *ret_error,
                sd_bus_message **ret_reply);
/* client-private.c: 1 when connected to jitd's private socket, 0 when there is none (use the system bus),
 * or a negative errno with *o saying why the client denies. */
int client_connect_private(Client *cl, JitOutcome *o);
/* A connection to jitd: its private socket (JIT_PRIVATE_SOCKET) if it exists, else a private connection
 * to the fixed system bus address. On failure, *o says how. */
int client_connect(Client *cl, JitOutcome *o);
/* Subscribe to RequestDecided and to jitd's going away (NameOwnerChanged, or the private socket
 * closing), then learn who owns the name. On failure, *o says how. */
int client_watch(Client *cl, JitOutcome *o);
/* Did m come from the jitd we asked: the owner of the name when the request was made, or the peer of
 * the private socket? */
bool client_from_jitd(const Client *cl, sd_bus_message *m);
