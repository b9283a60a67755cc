/* What mirror-entry.c (an entry's fields and its native-protocol datagram) and mirror.c (the
 * socket and the bounded queue) share about one journald entry. Internal to the mirror. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jitd.h"

#define MIRROR_MAX_FIELDS 34
/* One entry is one datagram: well under the socket's send buffer even at its default size, so a
 * send never fails for size alone (the default is 208 KiB), yet room for a whole record line (64 KiB)
 * besides the other fields. Fields past this are cut, and the entry says so. */
#define MIRROR_MAX_DATAGRAM (160U * 1024)

struct MirrorEntry {
        struct MirrorEntry *next; /* in the mirror's queue */
        bool has_seq;
        uint64_t seq;
        size_t n;
        char *fields[MIRROR_MAX_FIELDS];
        int error;      /* the first failure while the fields were added: the entry is not made */
        char *datagram; /* the native-protocol form, built once the entry is complete */
        size_t len;
};

/* Turn the fields into the datagram (and free them). 0, or -ENOMEM. */
int mirror_entry_serialize(MirrorEntry *e);
