/* The one reader of an a{sv} on jitd's bus: a table of keys and types, no state, no logging.
 *
 * Every part reads its a{sv} through it: jitd its callers' context, options and filters
 * (jitd/bus-args.c), the module and the sudo plugin jitd's GetRequest reply, jitctl jitd's
 * records, pages and RequestCreated summaries.
 *
 * What an unknown key means is the table's choice, and the choice follows who trusts whom:
 *   - ASV_REFUSE_UNKNOWN, for jitd reading what callers send. A key jitd does not know is a
 *     caller's typo or an option of a newer client; ignoring it would decide on a request other
 *     than the one the caller meant (a misspelt "duration" would grant the default length). It
 *     is refused, without echoing the caller's text.
 *   - ASV_SKIP_UNKNOWN, for the module, the plugin and jitctl reading jitd's replies and
 *     signals. A newer jitd may add keys; an older reader skips them, so the two can be upgraded
 *     apart. The keys a reader relies on are in its table and are checked as strictly as jitd
 *     checks its own: a known key with the wrong type, or given twice, refuses the whole a{sv}
 *     (which of two values counts must never be up to the reader), and a reader that needs a key
 *     checks that it came.
 *
 * Bounds: a table holds at most ASV_MAX_FIELDS keys; one a{sv} holds at most ASV_MAX_ENTRIES
 * entries, skipped ones included; a string array (ASV_STRV) holds at most JIT_MAX_ARGV_READ
 * bytes. Strings are bounded by the message; callers bound what they keep. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#define ASV_MAX_FIELDS 64
#define ASV_MAX_ENTRIES 256

/* A value type an a{sv} key may carry, and where the reader puts it. */
typedef enum AsvType {
        ASV_STRING, /* s -> const char * (points into the message) */
        ASV_UINT32, /* u -> uint32_t */
        ASV_UINT64, /* t -> uint64_t */
        ASV_BOOL,   /* b -> int */
        ASV_STRV,   /* as -> Argv (copied, at most JIT_MAX_ARGV_READ bytes) */
        _ASV_TYPE_MAX,
} AsvType;

typedef struct AsvField {
        const char *key;
        AsvType type;
        size_t offset; /* where the value goes in the caller's struct */
} AsvField;

typedef enum AsvUnknown {
        ASV_REFUSE_UNKNOWN,
        ASV_SKIP_UNKNOWN,
} AsvUnknown;

typedef struct AsvTable {
        const AsvField *fields;
        size_t n_fields;
        AsvUnknown unknown;
} AsvTable;

/* A table over a static array of fields. */
#define ASV_TABLE(array, unknown_keys)                                                                      \
        {                                                                                                   \
                (array), sizeof(array) / sizeof((array)[0]), (unknown_keys)                                 \
        }

typedef struct Argv {
        char *buf;    /* the words, each with its NUL */
        char **words; /* pointers into buf, NULL-terminated */
        size_t n;
} Argv;

void argv_done(Argv *a);

/* The D-Bus signature of a value type ("s", "u", "t", "b", "as"). */
const char *asv_signature(AsvType t);

/* Read one a{sv} against the table: each known key at most once and with its own type; unknown
 * keys refused or skipped as the table says. *ret_seen (if given) gets bit i set for each table
 * entry i that was present.
 *
 * Returns 1 when an a{sv} was read; 0 when there was none to read (the end of an enclosing array:
 * an aa{sv} is read by calling this until it returns 0); -EBADMSG with error set to
 * InvalidArgument for an unknown key ("Unknown option."; the key is never echoed), a repeated
 * key ("Option 'KEY' is given twice."), a key of the wrong type ("Option 'KEY' must be of type
 * T.") or too many entries; -EINVAL for a table over ASV_MAX_FIELDS; otherwise, with error unset,
 * -E2BIG for a string array over its bound, -ENOMEM, or sd-bus's errno for a message that is not
 * an a{sv}. Values read before a failure stay in out: an Argv there must be freed with
 * argv_done() whatever the result. */
int asv_read(sd_bus_message *m, const AsvTable *table, void *out, uint64_t *ret_seen, sd_bus_error *error);
