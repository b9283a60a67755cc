/* RFC 6962 Merkle tree hashing, frontier and proofs; verification follows RFC 9162 §2.1.3.2 and §2.1.4.2. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "journal-sha256.h"
#include "merkle.h"

void merkle_leaf_hash(const void *data, size_t len, MerkleHash ret)
{
        static const uint8_t prefix = 0x00;
        JitSha256 c;

        jit_sha256_init(&c);
        jit_sha256_update(&c, &prefix, 1);
        jit_sha256_update(&c, data, len);
        jit_sha256_final(&c, ret);
}

void merkle_node_hash(const MerkleHash left, const MerkleHash right, MerkleHash ret)
{
        uint8_t buf[1 + 2 * MERKLE_HASH_SIZE];

        buf[0] = 0x01;
        memcpy(buf + 1, left, MERKLE_HASH_SIZE);
        memcpy(buf + 1 + MERKLE_HASH_SIZE, right, MERKLE_HASH_SIZE);
        jit_sha256(buf, sizeof(buf), ret);
}

void merkle_empty_root(MerkleHash ret)
{
        jit_sha256("", 0, ret);
}

void merkle_frontier_init(MerkleFrontier *f)
{
        memset(f, 0, sizeof(*f));
}

int merkle_frontier_append(MerkleFrontier *f, const MerkleHash leaf)
{
        MerkleHash h;
        unsigned level = 0;

        if (f->size >= (UINT64_C(1) << 63))
                return -EOVERFLOW;
        memcpy(h, leaf, MERKLE_HASH_SIZE);
        /* Merge with every complete subtree to the left, like carrying in binary addition. */
        while (f->size & (UINT64_C(1) << level)) {
                merkle_node_hash(f->node[level], h, h);
                level++;
        }
        memcpy(f->node[level], h, MERKLE_HASH_SIZE);
        f->size++;
        return 0;
}

void merkle_frontier_root(const MerkleFrontier *f, MerkleHash ret)
{
        MerkleHash h;
        bool have = false;

        if (f->size == 0) {
                merkle_empty_root(ret);
                return;
        }
        /* Fold the subtrees from the smallest (rightmost) up. */
        for (unsigned level = 0; level < MERKLE_MAX_PROOF; level++) {
                if (!(f->size & (UINT64_C(1) << level)))
                        continue;
                if (!have) {
                        memcpy(h, f->node[level], MERKLE_HASH_SIZE);
                        have = true;
                } else
                        merkle_node_hash(f->node[level], h, h);
        }
        memcpy(ret, h, MERKLE_HASH_SIZE);
}

/* Largest power of two strictly below n (n >= 2). */
static uint64_t split_point(uint64_t n)
{
        uint64_t k = 1;

        while (k < n - k)
                k <<= 1;
        return k;
}

void merkle_root(const MerkleHash *leaves, uint64_t n, MerkleHash ret)
{
        MerkleFrontier f;

        if (n == 1) {
                memcpy(ret, leaves[0], MERKLE_HASH_SIZE);
                return;
        }
        merkle_frontier_init(&f);
        for (uint64_t i = 0; i < n; i++)
                (void)merkle_frontier_append(&f, leaves[i]);
        merkle_frontier_root(&f, ret);
}

static int path(const MerkleHash *leaves, uint64_t n, uint64_t m, MerkleHash *ret, size_t *len)
{
        uint64_t k;
        int r;

        if (n == 1)
                return 0;
        k = split_point(n);
        if (m < k)
                r = path(leaves, k, m, ret, len);
        else
                r = path(leaves + k, n - k, m - k, ret, len);
        if (r < 0)
                return r;
        if (*len >= MERKLE_MAX_PROOF)
                return -E2BIG;
        if (m < k)
                merkle_root(leaves + k, n - k, ret[*len]);
        else
                merkle_root(leaves, k, ret[*len]);
        (*len)++;
        return 0;
}

int merkle_inclusion_proof(const MerkleHash *leaves, uint64_t n, uint64_t index, MerkleHash *ret,
                           size_t *ret_len)
{
        if (index >= n)
                return -EINVAL;
        *ret_len = 0;
        return path(leaves, n, index, ret, ret_len);
}

int merkle_verify_inclusion(uint64_t index, uint64_t size, const MerkleHash leaf, const MerkleHash *proof,
                            size_t proof_len, const MerkleHash root)
{
        uint64_t fn = index, sn;
        MerkleHash r;

        if (index >= size)
                return -EBADMSG;
        sn = size - 1;
        memcpy(r, leaf, MERKLE_HASH_SIZE);
        for (size_t i = 0; i < proof_len; i++) {
                if (sn == 0)
                        return -EBADMSG;
                if ((fn & 1) || fn == sn) {
                        merkle_node_hash(proof[i], r, r);
                        if (!(fn & 1))
                                while (fn != 0 && !(fn & 1)) {
                                        fn >>= 1;
                                        sn >>= 1;
                                }
                } else
                        merkle_node_hash(r, proof[i], r);
                fn >>= 1;
                sn >>= 1;
        }
        if (sn != 0 || memcmp(r, root, MERKLE_HASH_SIZE) != 0)
                return -EBADMSG;
        return 0;
}

static int subproof(const MerkleHash *leaves, uint64_t n, uint64_t m, bool complete, MerkleHash *ret,
                    size_t *len)
{
        uint64_t k;
        int r;

        if (m == n) {
                if (complete)
                        return 0;
                if (*len >= MERKLE_MAX_PROOF)
                        return -E2BIG;
                merkle_root(leaves, n, ret[(*len)++]);
                return 0;
        }
        k = split_point(n);
        if (m <= k)
                r = subproof(leaves, k, m, complete, ret, len);
        else
                r = subproof(leaves + k, n - k, m - k, false, ret, len);
        if (r < 0)
                return r;
        if (*len >= MERKLE_MAX_PROOF)
                return -E2BIG;
        if (m <= k)
                merkle_root(leaves + k, n - k, ret[*len]);
        else
                merkle_root(leaves, k, ret[*len]);
        (*len)++;
        return 0;
}

int merkle_consistency_proof(const MerkleHash *leaves, uint64_t size2, uint64_t size1, MerkleHash *ret,
                             size_t *ret_len)
{
        if (size1 == 0 || size1 > size2)
                return -EINVAL;
        *ret_len = 0;
        return subproof(leaves, size2, size1, true, ret, ret_len);
}

int merkle_verify_consistency(uint64_t size1, uint64_t size2, const MerkleHash root1, const MerkleHash root2,
                              const MerkleHash *proof, size_t proof_len)
{
        MerkleHash fr, sr;
        uint64_t fn, sn;
        size_t i = 0;

        if (size1 > size2)
                return -EBADMSG;
        if (size1 == size2) {
                if (proof_len != 0 || memcmp(root1, root2, MERKLE_HASH_SIZE) != 0)
                        return -EBADMSG;
                return 0;
        }
        if (size1 == 0)
                /* Every tree extends the empty tree; a proof is meaningless there. */
                return proof_len == 0 ? 0 : -EBADMSG;
        if (proof_len == 0)
                return -EBADMSG;

        /* When size1 is a power of two its root is the first node of the path and is not sent. */
        if ((size1 & (size1 - 1)) == 0) {
                memcpy(fr, root1, MERKLE_HASH_SIZE);
        } else {
                memcpy(fr, proof[0], MERKLE_HASH_SIZE);
                i = 1;
        }
        memcpy(sr, fr, MERKLE_HASH_SIZE);
        fn = size1 - 1;
        sn = size2 - 1;
        while (fn & 1) {
                fn >>= 1;
                sn >>= 1;
        }
        for (; i < proof_len; i++) {
                if (sn == 0)
                        return -EBADMSG;
                if ((fn & 1) || fn == sn) {
                        merkle_node_hash(proof[i], fr, fr);
                        merkle_node_hash(proof[i], sr, sr);
                        if (!(fn & 1))
                                while (fn != 0 && !(fn & 1)) {
                                        fn >>= 1;
                                        sn >>= 1;
                                }
                } else
                        merkle_node_hash(sr, proof[i], sr);
                fn >>= 1;
                sn >>= 1;
        }
        if (sn != 0 || memcmp(fr, root1, MERKLE_HASH_SIZE) != 0 || memcmp(sr, root2, MERKLE_HASH_SIZE) != 0)
                return -EBADMSG;
        return 0;
}
