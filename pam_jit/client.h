/* Asking jitd over a private system bus connection, and waiting for its decision. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "context.h"
#include "jit-limits.h"
#include "options.h"
#include "sigwatch.h"

/* The fixed address of the system bus; the environment is never consulted (ATTACKS A22). */
#define JIT_SYSTEM_BUS_ADDRESS "unix:path=/run/dbus/system_bus_socket"
/* Bounds on each method call; never sd-bus's 25 s default, and never the environment's. */
#define JIT_CALL_TIMEOUT_USEC (5 * 1000000ULL)
#define JIT_CANCEL_TIMEOUT_USEC (2 * 1000000ULL)
/* The module waits this much past its timeout, so that jitd's own expiry normally comes first. */
#define JIT_WAIT_GRACE_USEC (2 * 1000000ULL)

typedef enum JitVerdict {
        JIT_VERDICT_DENIED, /* the default: every failure denies */
        JIT_VERDICT_APPROVED,
        JIT_VERDICT_IGNORED,     /* jitd says this request is none of its business */
        JIT_VERDICT_UNREACHABLE, /* no bus, or nobody owns org.pamjit.jit1: the only case failmode applies */
} JitVerdict;

typedef enum JitReason {
        JIT_REASON_INTERNAL,  /* ENOMEM and the like (error) */
        JIT_REASON_DECIDED,   /* jitd decided: see state, by, comment, until_usec */
        JIT_REASON_REFUSED,   /* jitd answered CreateRequest with an error (detail) */
        JIT_REASON_NO_BUS,    /* cannot connect to the system bus, or it does not answer (error, detail) */
        JIT_REASON_NO_JITD,   /* org.pamjit.jit1 has no owner */
        JIT_REASON_NO_ANSWER, /* jitd owns its name but did not answer in time */
        JIT_REASON_OWNER_CHANGED, /* jitd restarted or stopped while the request was open */
        JIT_REASON_BUS_LOST,      /* the bus connection failed while waiting (error) */
        JIT_REASON_SIGNAL,        /* a cancel signal arrived while waiting (signo) */
        JIT_REASON_TIMEOUT,       /* the module's own deadline passed */
        JIT_REASON_UNCONFIRMED,   /* RequestDecided said approved, GetRequest did not confirm it */
        JIT_REASON_PROTOCOL,      /* an answer from jitd that breaks docs/dbus-api.md (detail) */
        JIT_REASON_NO_REASON, /* jitd requires a reason and none could be had (error: jit_reason_ask()'s) */
        JIT_REASON_UNSAFE_SOCKET, /* jitd's private socket is not root's alone, or its peer is not root (detail) */
} JitReason;

typedef struct JitOutcome {
        JitVerdict verdict;
        JitReason reason;
        char id[JIT_ID_LEN + 1]; /* empty until jitd returned a pending request */
        bool waited;             /* the request was pending and the user was told its id */
        bool cancelled;          /* the module sent Cancel for the request and jitd accepted it */
        /* As jitd sent them: untrusted, to be sanitised before they are shown. */
        char *state;
        char *by;
        char *comment; /* CreateRequest's message, or the decision's comment */
        uint64_t until_usec;
        int signo;
        int error;    /* negative errno, when the reason carries one */
        char *detail; /* a D-Bus error name and message, when the reason carries one */
} JitOutcome;

typedef struct JitClientHooks {
        /* Called once, when jitd said "pending", before the wait starts: show the id. */
        void (*pending)(void *userdata, const char *id, uint64_t wait_usec);
        /* jitd wants a reason (required: it insists on a non-empty one). Called at most once, with the
         * host's own signal mask in place. Returns 0 and a malloc'd reason in *ret, or a negative
         * errno: -EOPNOTSUPP when the user cannot be asked. NULL: nobody can be asked. */
        int (*ask_reason)(void *userdata, bool required, char **ret);
        /* Debug traces; only called when the options ask for debug. */
        void (*debug)(void *userdata, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
        void *userdata;
} JitClientHooks;

/* One request from start to end. Always fills *ret (verdict DENIED unless something says otherwise);
 * release it with jit_outcome_done(). Opens and closes its own bus connection and keeps no state after
 * it returns. The caller has blocked the cancel signals with jit_sigwatch_begin(); the wait ends when
 * one of them is pending (it is left pending for the host). While the user is asked for a reason, the
 * host's own mask is back in place (jit_sigwatch_pause()). */
void jit_client_run(const JitContext *ctx, const JitOptions *opts, const SigWatch *sw,
                    const JitClientHooks *hooks, JitOutcome *ret);
void jit_outcome_done(JitOutcome *o);
