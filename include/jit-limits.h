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
