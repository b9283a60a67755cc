/* RFC 6962 (RFC 9162 §2.1) Merkle tree: hashes, the log(n) frontier, inclusion and consistency proofs. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

#define MERKLE_HASH_SIZE 32
/* A proof never holds more hashes than the tree has levels; sizes are below 2^63. */
#define MERKLE_MAX_PROOF 64

typedef uint8_t MerkleHash[MERKLE_HASH_SIZE];

/* The right edge of the tree: node[i] is the root of a perfect subtree of 2^i leaves, present when bit i
 * of size is set. Enough to append and to compute the root, in 2 KiB. */
typedef struct MerkleFrontier {
        uint64_t size;
        MerkleHash node[MERKLE_MAX_PROOF];
} MerkleFrontier;

/* Every function that hashes takes the caller's SHA-256 context (sha256.h) and returns -EIO if
 * libcrypto fails, besides the errors it names. */

/* SHA-256(0x00 || data) and SHA-256(0x01 || left || right). */
int merkle_leaf_hash(JitSha256 *h, const void *data, size_t len, MerkleHash ret);
int merkle_node_hash(JitSha256 *h, const MerkleHash left, const MerkleHash right, MerkleHash ret);
/* SHA-256 of the empty string: the root of the empty tree. */
void merkle_empty_root(MerkleHash ret);

void merkle_frontier_init(MerkleFrontier *f);
/* -EOVERFLOW once the tree holds 2^63 leaves. */
int merkle_frontier_append(MerkleFrontier *f, JitSha256 *h, const MerkleHash leaf);
int merkle_frontier_root(const MerkleFrontier *f, JitSha256 *h, MerkleHash ret);

/* Root of the tree over leaves[0..n). */
int merkle_root(JitSha256 *h, const MerkleHash *leaves, uint64_t n, MerkleHash ret);

/* Audit path for leaves[index] in the tree of size n, leaf sibling first (RFC 6962 §2.1.1).
 * ret must hold MERKLE_MAX_PROOF hashes. -EINVAL if index >= n. */
int merkle_inclusion_proof(JitSha256 *h, const MerkleHash *leaves, uint64_t n, uint64_t index,
                           MerkleHash *ret, size_t *ret_len);
/* 0 if proof shows leaf at index in the tree of size with root; -EBADMSG otherwise. */
int merkle_verify_inclusion(JitSha256 *h, uint64_t index, uint64_t size, const MerkleHash leaf,
                            const MerkleHash *proof, size_t proof_len, const MerkleHash root);

/* Consistency proof between the first size1 leaves and all size2 = n leaves (RFC 6962 §2.1.2).
 * -EINVAL unless 0 < size1 <= size2; the proof for size1 == size2 is empty. */
int merkle_consistency_proof(JitSha256 *h, const MerkleHash *leaves, uint64_t size2, uint64_t size1,
                             MerkleHash *ret, size_t *ret_len);
/* 0 if the tree of size2 with root2 extends the tree of size1 with root1; -EBADMSG otherwise. */
int merkle_verify_consistency(JitSha256 *h, uint64_t size1, uint64_t size2, const MerkleHash root1,
                              const MerkleHash root2, const MerkleHash *proof, size_t proof_len);
