/* RFC 6962 Merkle tree hashing, frontier and proofs; verification follows RFC 9162 §2.1.3.2 and §2.1.4.2. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "merkle.h"

int merkle_leaf_hash(JitSha256 *h, const void *data, size_t len, MerkleHash ret)
{
        static const uint8_t prefix = 0x00;

        jit_sha256_begin(h);
        jit_sha256_add(h, &prefix, 1);
        jit_sha256_add(h, data, len);
        return jit_sha256_end(h, ret);
}

int merkle_node_hash(JitSha256 *h, const MerkleHash left, const MerkleHash right, MerkleHash ret)
{
        uint8_t buf[1 + 2 * MERKLE_HASH_SIZE];

        buf[0] = 0x01;
        memcpy(buf + 1, left, MERKLE_HASH_SIZE);
        memcpy(buf + 1 + MERKLE_HASH_SIZE, right, MERKLE_HASH_SIZE);
        return jit_sha256(h, buf, sizeof(buf), ret);
}

void merkle_empty_root(MerkleHash ret)
{
        /* SHA-256(""), a constant (FIPS 180-4 example values): the empty tree needs no context. */
        static const MerkleHash empty = {
            0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
            0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
        };

        memcpy(ret, empty, MERKLE_HASH_SIZE);
}

void merkle_frontier_init(MerkleFrontier *f)
{
        memset(f, 0, sizeof(*f));
}

int merkle_frontier_append(MerkleFrontier *f, JitSha256 *sha, const MerkleHash leaf)
{
        MerkleHash h;
        unsigned level = 0;
        int r;

        if (f->size >= (UINT64_C(1) << 63))
                return -EOVERFLOW;
        memcpy(h, leaf, MERKLE_HASH_SIZE);
        /* Merge with every complete subtree to the left, like carrying in binary addition. */
        while (f->size & (UINT64_C(1) << level)) {
                r = merkle_node_hash(sha, f->node[level], h, h);
                if (r < 0)
                        return r;
                level++;
        }
        memcpy(f->node[level], h, MERKLE_HASH_SIZE);
        f->size++;
        return 0;
}

int merkle_frontier_root(const MerkleFrontier *f, JitSha256 *sha, MerkleHash ret)
{
        MerkleHash h;
        bool have = false;
        int r;

        if (f->size == 0) {
                merkle_empty_root(ret);
                return 0;
        }
        /* Fold the subtrees from the smallest (rightmost) up. */
        for (unsigned level = 0; level < MERKLE_MAX_PROOF; level++) {
                if (!(f->size & (UINT64_C(1) << level)))
                        continue;
                if (!have) {
                        memcpy(h, f->node[level], MERKLE_HASH_SIZE);
                        have = true;
                } else {
                        r = merkle_node_hash(sha, f->node[level], h, h);
                        if (r < 0)
                                return r;
                }
        }
        memcpy(ret, h, MERKLE_HASH_SIZE);
        return 0;
}

/* Largest power of two strictly below n (n >= 2). */
static uint64_t split_point(uint64_t n)
{
        uint64_t r = 1;

        while (r < n - r)
                r <<= 1;
        return r;
}

int merkle_root(JitSha256 *h, const MerkleHash *leaves, uint64_t n, MerkleHash ret)
{
        MerkleFrontier f;
        int r;

        if (n == 1) {
                memcpy(ret, leaves[0], MERKLE_HASH_SIZE);
                return 0;
        }
        merkle_frontier_init(&f);
        for (uint64_t i = 0; i < n; i++) {
                r = merkle_frontier_append(&f, h, leaves[i]);
                if (r < 0)
                        return r;
        }
        return merkle_frontier_root(&f, h, ret);
}

static int path(JitSha256 *h, const MerkleHash *leaves, uint64_t n, uint64_t m, MerkleHash *ret, size_t *len)
{
        uint64_t k;
        int r;

        if (n == 1)
                return 0;
        k = split_point(n);
        if (m < k)
                r = path(h, leaves, k, m, ret, len);
        else
                r = path(h, leaves + k, n - k, m - k, ret, len);
        if (r < 0)
                return r;
        if (*len >= MERKLE_MAX_PROOF)
                return -E2BIG;
        if (m < k)
                r = merkle_root(h, leaves + k, n - k, ret[*len]);
        else
                r = merkle_root(h, leaves, k, ret[*len]);
        if (r < 0)
                return r;
        (*len)++;
        return 0;
}

int merkle_inclusion_proof(JitSha256 *h, const MerkleHash *leaves, uint64_t n, uint64_t index,
                           MerkleHash *ret, size_t *ret_len)
{
        if (index >= n)
                return -EINVAL;
        *ret_len = 0;
        return path(h, leaves, n, index, ret, ret_len);
}

int merkle_verify_inclusion(JitSha256 *h, uint64_t index, uint64_t size, const MerkleHash leaf,
                            const MerkleHash *proof, size_t proof_len, const MerkleHash root)
{
        uint64_t fn = index, sn;
        MerkleHash r;
        int k;

        if (index >= size)
                return -EBADMSG;
        sn = size - 1;
        memcpy(r, leaf, MERKLE_HASH_SIZE);
        for (size_t i = 0; i < proof_len; i++) {
                if (sn == 0)
                        return -EBADMSG;
                if ((fn & 1) || fn == sn) {
                        k = merkle_node_hash(h, proof[i], r, r);
                        if (!(fn & 1))
                                while (fn != 0 && !(fn & 1)) {
                                        fn >>= 1;
                                        sn >>= 1;
                                }
                } else
                        k = merkle_node_hash(h, r, proof[i], r);
                if (k < 0)
                        return k;
                fn >>= 1;
                sn >>= 1;
        }
        if (sn != 0 || memcmp(r, root, MERKLE_HASH_SIZE) != 0)
                return -EBADMSG;
        return 0;
}

static int subproof(JitSha256 *h, const MerkleHash *leaves, uint64_t n, uint64_t m, bool complete,
                    MerkleHash *ret, size_t *len)
{
        uint64_t k;
        int r;

        if (m == n) {
                if (complete)
                        return 0;
                if (*len >= MERKLE_MAX_PROOF)
                        return -E2BIG;
                r = merkle_root(h, leaves, n, ret[*len]);
                if (r < 0)
                        return r;
                (*len)++;
                return 0;
        }
        k = split_point(n);
        if (m <= k)
                r = subproof(h, leaves, k, m, complete, ret, len);
        else
                r = subproof(h, leaves + k, n - k, m - k, false, ret, len);
        if (r < 0)
                return r;
        if (*len >= MERKLE_MAX_PROOF)
                return -E2BIG;
        if (m <= k)
                r = merkle_root(h, leaves + k, n - k, ret[*len]);
        else
                r = merkle_root(h, leaves, k, ret[*len]);
        if (r < 0)
                return r;
        (*len)++;
        return 0;
}

int merkle_consistency_proof(JitSha256 *h, const MerkleHash *leaves, uint64_t size2, uint64_t size1,
                             MerkleHash *ret, size_t *ret_len)
{
        if (size1 == 0 || size1 > size2)
                return -EINVAL;
        *ret_len = 0;
        return subproof(h, leaves, size2, size1, true, ret, ret_len);
}

int merkle_verify_consistency(JitSha256 *h, uint64_t size1, uint64_t size2, const MerkleHash root1,
                              const MerkleHash root2, const MerkleHash *proof, size_t proof_len)
{
        MerkleHash fr, sr;
        uint64_t fn, sn;
        size_t i = 0;
        int r;

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
                        r = merkle_node_hash(h, proof[i], fr, fr);
                        if (r >= 0)
                                r = merkle_node_hash(h, proof[i], sr, sr);
                        if (!(fn & 1))
                                while (fn != 0 && !(fn & 1)) {
                                        fn >>= 1;
                                        sn >>= 1;
                                }
                } else
                        r = merkle_node_hash(h, sr, proof[i], sr);
                if (r < 0)
                        return r;
                fn >>= 1;
                sn >>= 1;
        }
        if (sn != 0 || memcmp(fr, root1, MERKLE_HASH_SIZE) != 0 || memcmp(sr, root2, MERKLE_HASH_SIZE) != 0)
                return -EBADMSG;
        return 0;
}
