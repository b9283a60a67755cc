/* Bounds every part enforces on what it accepts, stores and shows. */
#pragma once

#define JIT_ID_LEN 9                  /* "K7Q2-M9XA": 8 Crockford base32 symbols, one dash */
#define JIT_ID_BITS 40                /* 8 symbols x 5 bits, from getrandom() */
#define JIT_MAX_FIELD 256             /* user, service, tty, rhost, ruser, comment, reason */
#define JIT_MAX_PATH 1024             /* cwd */
#define JIT_MAX_COMMAND 4096          /* joined, sanitised argv as stored and shown */
#define JIT_MAX_ARGV_READ (64 * 1024) /* bytes of /proc/self/cmdline the module reads */
#define JIT_MAX_PENDING_PER_UID 16    /* pending requests one requester may hold */
#define JIT_MAX_PENDING 10000         /* pending requests in all */
#define JIT_MAX_DONE_KEPT 1024        /* decided requests kept in memory for show/list */
#define JIT_MAX_DURATION_USEC (7ULL * 24 * 3600 * 1000000) /* longest grant or timeout: 7 days */

/* Work one uid may cause (jitd/ratelimit.c; uid 0 is exempt: it is the PAM module and the admin).
 * Churn: calls that write records (RequestAccess, Cancel, and CreateRequest for a user who typed
 * sudo or su when it leaves a request pending): a burst of 128 (a busy person's day never comes
 * near it), then one every 2 s, so one account adds at most ~128 + 1800 records an hour (~7 MiB at
 * the 4 KiB command bound). */
#define JIT_RATE_UIDS 256 /* accounts tracked at once; a full bucket is forgotten first */
#define JIT_RATE_CHURN_BURST 128
#define JIT_RATE_CHURN_INTERVAL_USEC (2ULL * 1000000)
/* Reads (ListRequests, GetRequest, ListGrants): one unit per call plus one per 64 KiB of reply;
 * a burst of 256 units (16 MiB of replies), then 50 units a second. */
#define JIT_RATE_READ_BURST 256
#define JIT_RATE_READ_INTERVAL_USEC (20ULL * 1000)
#define JIT_RATE_READ_UNIT_BYTES (64 * 1024)
/* ListRequests pages: at most this many records and about this many bytes per reply. */
#define JIT_LIST_PAGE_DEFAULT 100
#define JIT_LIST_PAGE_MAX 1000
#define JIT_LIST_REPLY_BYTES (256 * 1024)
/* Messages jitd may have queued towards dbus-daemon before it refuses new reads from non-root
 * callers: a reply waits behind every one, so this bounds how long a decision's reply waits. */
#define JIT_MAX_QUEUED_WRITES 64
/* Accounts jitd remembers from NSS at once (jitd/user-cache.c), each for at most 5 s. */
#define JIT_USER_CACHE_SIZE 64
/* Connections jitd serves at once on its private socket; beyond it, new ones wait in the listen
 * backlog until one closes. Each private connection's own send queue is bound by
 * JIT_MAX_QUEUED_WRITES: a root client that stops reading its replies is dropped (A42). */
#define JIT_MAX_PRIVATE_CONNECTIONS 512
/* Callers' uids jitd remembers per unique bus name (a unique name's uid never changes). */
#define JIT_CALLER_CACHE 256
