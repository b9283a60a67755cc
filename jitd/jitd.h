/* jitd's one context struct and the interfaces between its files. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "jit-limits.h"
#include "jit-record.h"
#include "journal.h"
#include "policy.h"

typedef enum RequestState {
        REQUEST_PENDING,
        REQUEST_APPROVED,
        REQUEST_DENIED,
        REQUEST_EXPIRED,
        REQUEST_CANCELLED,
} RequestState;

typedef struct Context Context;

typedef struct Request {
        Context *ctx;
        struct Request *prev, *next; /* ctx->requests, newest first */
        char id[JIT_ID_LEN + 1];
        RequestState state;
        uid_t uid;   /* the requester */
        char *user;  /* the requester's name */
        char *target; /* PAM_USER, when it differs from the requester (su, sudo -u is in argv) */
        char *service, *command, *tty, *rhost, *ruser, *cwd, *reason;
        uint64_t created_usec, deadline_usec, decided_usec, until_usec; /* CLOCK_REALTIME */
        char *by, *comment;
        sd_event_source *expire_source; /* CLOCK_MONOTONIC timer while pending */
        sd_bus_track *track;            /* the requester's connection while pending */
} Request;

/* Something that must not leave jitd before the records queued before it are durable. */
typedef struct Outbound {
        struct Outbound *next;
        RecordType type;               /* for a record: its type and request, to undo if the commit fails */
        char request_id[JIT_ID_LEN + 1];
        struct MirrorEntry *mirror; /* a journald entry, or */
        sd_bus_message *call;       /* a method call awaiting its reply (may be NULL for a signal), */
        sd_bus_message *reply;      /* and the reply or signal to send */
} Outbound;

struct Context {
        Policy *policy; /* jitd.conf and its drop-ins; swapped whole on SIGHUP */
        const char *config_path;
        char *dropin_dir;
        JournalWriter *journal;
        sd_event_source *epoch_source; /* seals the journal's key epoch on time */
        sd_event *event;
        sd_bus *bus;
        Request *requests;
        size_t n_pending, n_done;
        sd_event_source *commit_source;  /* deferred group commit */
        Outbound *outbound, **outbound_tail;
        uint64_t n_committed; /* commit groups so far */
};

/* request.c */
const char *request_state_to_string(RequestState s);
int request_new(Context *ctx, Request **ret);
Request *request_find(Context *ctx, const char *id);
size_t request_count_pending_for(Context *ctx, uid_t uid);
int request_arm_expiry(Request *r);
/* Settle a pending request: record it, then tell the bus once the record is durable. */
int request_decide(Request *r, RequestState state, const char *by, const char *comment);
void request_free(Request *r);
void request_free_all(Context *ctx);

/* record.c: the single point where records leave for the journal and journald. */
int record_setup(Context *ctx);
int record_emit(Context *ctx, RecordType type, const Request *r);
int record_send_after_commit(Context *ctx, sd_bus_message *call, sd_bus_message *reply);
void record_fail_closed(Context *ctx, RecordType type, const char *request_id);
int record_commit(Context *ctx); /* the group commit; normally run by the event loop */
void record_flush_all(Context *ctx);

/* mirror.c */
typedef struct MirrorEntry MirrorEntry;
MirrorEntry *mirror_entry_new(RecordType type, const Request *r, uint64_t seq, const uint8_t leaf_hash[32]);
MirrorEntry *mirror_entry_new_text(RecordType type, const char *key, const char *value);
void mirror_entry_send(const MirrorEntry *e);
void mirror_entry_free(MirrorEntry *e);
const char *record_type_to_string(RecordType t);

/* users.c */
bool uid_is_valid(uid_t uid);
int user_name_from_uid(uid_t uid, char **ret);
int user_uid_from_name(const char *name, uid_t *ret);
int user_in_group(uid_t uid, const char *group); /* 1 member, 0 not, <0 lookup failed */

/* bus.c */
int bus_setup(Context *ctx);
int bus_emit_decided(Context *ctx, const Request *r);
