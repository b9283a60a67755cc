/* jitctl verify --journald: the signed journal file against jitd's journald mirror. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "merkle.h"

/* Every mirrored JIT_SEQ/JIT_LEAF_HASH must be that record of the file, the file must not be
 * shorter than the mirror, and every mirrored checkpoint must be the file's tree at that size
 * (catches truncation, rollback and rewritten history: A30, A33). 0 if consistent, -EBADMSG with
 * reason set, other negative errno if journald cannot be read. *ret_n_checked counts entries. */
int journald_cross_check(const MerkleHash *leaves, uint64_t n_leaves, uint64_t *ret_n_checked, char *reason,
                         size_t reason_len);
