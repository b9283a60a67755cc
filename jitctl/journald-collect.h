/* jitctl verify --journald --directory: one host's journal rebuilt from a collected journal directory. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "journal.h"

typedef enum CollectVerdict {
        COLLECT_OK,
        COLLECT_GAP,      /* records missing: nothing after the gap can be checked from journald alone */
        COLLECT_TAMPERED, /* a record journald holds is forged or rewritten */
} CollectVerdict;

typedef struct CollectReport {
        CollectVerdict verdict;
        uint64_t n_entries;  /* journald entries of this origin that carry a record line */
        uint64_t n_no_line;  /* ...and those that carry none (written by a jitd before record lines) */
        uint64_t n_verified; /* records 0 .. n_verified-1 passed the walk */
        uint64_t n_tail;     /* records after the last checkpoint the collector has (still in flight) */
        uint64_t bad_seq;    /* tampering: the first bad record (UINT64_MAX if none is named) */
        uint64_t gap_first, gap_last;
        bool gap_recorded;       /* jitd itself recorded this range in a mirror-gap record */
        uint64_t gap_record_seq; /* ...at this seq */
        char reason[400];
        JournalVerifyResult res; /* the walk's result (epochs, checkpoints, root) */
} CollectReport;

/* Read every entry of origin in the journal directory dir (as systemd-journal-remote writes it),
 * rebuild the journal from their JIT_RECORD_LINE fields in seq order, and verify it against the
 * trusted identity key pubkey_text up to the last checkpoint before the first missing record. 0 with
 * the verdict in ret (release with collect_report_done); negative errno if the directory cannot be read
 * (-ENODATA: no entry of that origin). */
int journald_collect_verify(const char *dir, const char *origin, const char *pubkey_text,
                            CollectReport *ret);
void collect_report_done(CollectReport *r);
