/* jitctl verify --journald: the signed journal file against jitd's journald mirror. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-journal.h>

#include "merkle.h"

/* Shared with the collector's check (journald-collect.c). The value of field name in the current
 * entry, without "NAME="; NULL if absent or empty. */
const char *journald_entry_field(sd_journal *j, const char *name, size_t *ret_len);
void journald_closep(sd_journal **j);

/* Every mirrored JIT_SEQ/JIT_LEAF_HASH must be that record of the file, the file must not be
 * shorter than the mirror, and every mirrored checkpoint must be the file's tree at that size
 * (catches truncation, rollback and rewritten history: A30, A33). Between the first and the last
 * record journald has, every record jitd mirrors must be there too, unless a mirror-gap record of
 * the files (paths, already verified, one series) names it: journald was stopped or slow and jitd recorded
 * what it dropped (A37). Each such gap is reported on stderr as a gap. 0 if consistent, -EBADMSG
 * with reason set (also when journald holds nothing of this journal: nothing compared proves
 * nothing), other negative errno if journald or the file cannot be read. *ret_n_checked counts
 * entries. With first_seq > 0 (the files begin after an archived one), records before it are not
 * compared, nor are checkpoint roots (their trees need every leaf). */
int journald_cross_check(const char *const *paths, size_t n_paths, const MerkleHash *leaves,
                         uint64_t n_leaves, uint64_t first_seq, uint64_t *ret_n_checked, char *reason,
                         size_t reason_len);
