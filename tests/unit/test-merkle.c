/* RFC 6962 Merkle tree: the Certificate Transparency reference vectors, plus exhaustive self-checks. */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "merkle.h"
#include "tap.h"
#include "util.h"

/* The tests hash with a context of their own; a failure to get one ends the test program. */
static JitSha256 *sha_new(void)
{
        JitSha256 *h = NULL;

        if (jit_sha256_new(&h) < 0)
                abort();
        return h;
}

static Tap tap;
#define ok(cond, ...) tap_ok(&tap, (cond), __VA_ARGS__)

static void unhex(const char *s, uint8_t *out, size_t *len)
{
        size_t n = strlen(s) / 2;

        for (size_t i = 0; i < n; i++) {
                unsigned v;
                sscanf(s + 2 * i, "%2x", &v);
                out[i] = (uint8_t)v;
        }
        *len = n;
}

static void hash_from_hex(const char *s, MerkleHash h)
{
        size_t n;
        unhex(s, h, &n);
}

/* The eight leaf inputs and the roots of every prefix, from the CT / transparency-dev reference tests. */
static const char *leaf_inputs[] = {
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
};

static const char *roots[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static const struct {
        uint64_t index, size;
        const char *path[3];
} inclusion[] = {
    {0, 1, {NULL}},
    {0, 2, {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"}},
    {1, 2, {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"}},
    {2, 3, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
    {1,
     5,
     {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
    {0,
     8,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {5,
     8,
     {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
};

static const struct {
        uint64_t size1, size2;
        const char *path[3];
} consistency[] = {
    {1, 1, {NULL}},
    {1,
     8,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6,
     8,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2,
     5,
     {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
};

static size_t path_len(const char *const p[3])
{
        size_t n = 0;
        while (n < 3 && p[n])
                n++;
        return n;
}

static void test_sha256(void)
{
        _cleanup_(jit_sha256_freep) JitSha256 *sha = sha_new();
        static uint8_t buf[3000];
        MerkleHash empty;
        uint8_t a[32], b[32], c[32], d[32];
        bool same = true;

        randombytes_buf(buf, sizeof(buf));
        /* One context for every length, as the journal uses it: each message starts afresh. */
        for (size_t n = 0; n < sizeof(buf); n++) {
                crypto_hash_sha256(a, buf, n);
                if (jit_sha256(sha, buf, n, b) < 0)
                        same = false;
                jit_sha256_begin(sha);
                jit_sha256_add(sha, buf, n / 3);
                jit_sha256_add(sha, buf + n / 3, n - n / 3);
                if (jit_sha256_end(sha, c) < 0)
                        same = false;
                if (memcmp(a, b, 32) != 0 || memcmp(a, c, 32) != 0)
                        same = false;
        }
        ok(same,
           "sha256 (whole and in pieces, one reused context) agrees with libsodium for lengths 0..2999");
        crypto_hash_sha256(a, buf, 1000);
        ok(jit_sha256_once(buf, 1000, d) == 0 && memcmp(a, d, 32) == 0, "sha256 with a context of its own");
        crypto_hash_sha256(a, buf, 0);
        merkle_empty_root(empty);
        ok(memcmp(a, empty, 32) == 0, "the empty tree's root is SHA-256 of nothing");
}

int main(void)
{
        _cleanup_(jit_sha256_freep) JitSha256 *sha = sha_new();
        MerkleHash leaves[64];
        MerkleHash proof[MERKLE_MAX_PROOF], want[3];
        size_t len;
        MerkleFrontier f;
        bool all;

        if (sodium_init() < 0)
                return 1;
        test_sha256();

        for (size_t i = 0; i < 8; i++) {
                uint8_t in[16];
                unhex(leaf_inputs[i], in, &len);
                merkle_leaf_hash(sha, in, len, leaves[i]);
        }

        /* Roots of every prefix, both from the frontier and from the leaf list. */
        merkle_frontier_init(&f);
        for (size_t n = 0; n <= 8; n++) {
                MerkleHash r1, r2, w;
                hash_from_hex(roots[n], w);
                merkle_frontier_root(&f, sha, r1);
                merkle_root(sha, leaves, n, r2);
                ok(memcmp(r1, w, 32) == 0 && memcmp(r2, w, 32) == 0, "rfc6962 root of %zu leaves", n);
                if (n < 8)
                        merkle_frontier_append(&f, sha, leaves[n]);
        }

        for (size_t t = 0; t < sizeof(inclusion) / sizeof(inclusion[0]); t++) {
                size_t n = path_len(inclusion[t].path);
                MerkleHash root;
                bool same;

                for (size_t i = 0; i < n; i++)
                        hash_from_hex(inclusion[t].path[i], want[i]);
                same = merkle_inclusion_proof(sha, leaves, inclusion[t].size, inclusion[t].index, proof,
                                              &len) == 0 &&
                       len == n && memcmp(proof, want, n * 32) == 0;
                ok(same, "rfc6962 inclusion proof generated for leaf %" PRIu64 " of %" PRIu64,
                   inclusion[t].index, inclusion[t].size);
                hash_from_hex(roots[inclusion[t].size], root);
                ok(merkle_verify_inclusion(sha, inclusion[t].index, inclusion[t].size,
                                           leaves[inclusion[t].index], want, n, root) == 0,
                   "rfc6962 inclusion proof verifies for leaf %" PRIu64 " of %" PRIu64, inclusion[t].index,
                   inclusion[t].size);
        }

        for (size_t t = 0; t < sizeof(consistency) / sizeof(consistency[0]); t++) {
                size_t n = path_len(consistency[t].path);
                MerkleHash r1, r2;
                bool same;

                for (size_t i = 0; i < n; i++)
                        hash_from_hex(consistency[t].path[i], want[i]);
                same = merkle_consistency_proof(sha, leaves, consistency[t].size2, consistency[t].size1,
                                                proof, &len) == 0 &&
                       len == n && memcmp(proof, want, n * 32) == 0;
                ok(same, "rfc6962 consistency proof generated for %" PRIu64 " -> %" PRIu64,
                   consistency[t].size1, consistency[t].size2);
                hash_from_hex(roots[consistency[t].size1], r1);
                hash_from_hex(roots[consistency[t].size2], r2);
                ok(merkle_verify_consistency(sha, consistency[t].size1, consistency[t].size2, r1, r2, want,
                                             n) == 0,
                   "rfc6962 consistency proof verifies for %" PRIu64 " -> %" PRIu64, consistency[t].size1,
                   consistency[t].size2);
        }

        /* Every inclusion proof in trees up to 64 leaves verifies, and fails for a wrong index, leaf,
         * root, a flipped proof byte, or one hash too many or too few. (A wrong tree size with the same
         * proof shape is not detectable from the proof alone: the root binds the size.) */
        for (size_t i = 8; i < 64; i++)
                merkle_leaf_hash(sha, &i, sizeof(i), leaves[i]);
        all = true;
        for (uint64_t n = 1; n <= 64; n++) {
                MerkleHash root, bad;
                merkle_root(sha, leaves, n, root);
                for (uint64_t i = 0; i < n; i++) {
                        if (merkle_inclusion_proof(sha, leaves, n, i, proof, &len) < 0 ||
                            merkle_verify_inclusion(sha, i, n, leaves[i], proof, len, root) != 0)
                                all = false;
                        if (n > 1 &&
                            merkle_verify_inclusion(sha, (i + 1) % n, n, leaves[i], proof, len, root) == 0)
                                all = false;
                        if (merkle_verify_inclusion(sha, i, n, leaves[(i + 1) % 64], proof, len, root) == 0)
                                all = false;
                        memcpy(bad, root, 32);
                        bad[5] ^= 1;
                        if (merkle_verify_inclusion(sha, i, n, leaves[i], proof, len, bad) == 0)
                                all = false;
                        if (len > 0) {
                                if (merkle_verify_inclusion(sha, i, n, leaves[i], proof, len - 1, root) == 0)
                                        all = false;
                                proof[len - 1][31] ^= 0x80;
                                if (merkle_verify_inclusion(sha, i, n, leaves[i], proof, len, root) == 0)
                                        all = false;
                                proof[len - 1][31] ^= 0x80;
                        }
                        memcpy(proof[len], root, 32);
                        if (merkle_verify_inclusion(sha, i, n, leaves[i], proof, len + 1, root) == 0)
                                all = false;
                }
        }
        ok(all, "inclusion proofs for every leaf of trees of 1..64 leaves verify, and mutated ones fail");

        all = true;
        for (uint64_t n2 = 1; n2 <= 64; n2++) {
                MerkleHash root2;
                merkle_root(sha, leaves, n2, root2);
                for (uint64_t n1 = 1; n1 <= n2; n1++) {
                        MerkleHash root1, bad;
                        merkle_root(sha, leaves, n1, root1);
                        if (merkle_consistency_proof(sha, leaves, n2, n1, proof, &len) < 0 ||
                            merkle_verify_consistency(sha, n1, n2, root1, root2, proof, len) != 0)
                                all = false;
                        memcpy(bad, root1, 32);
                        bad[0] ^= 1;
                        if (merkle_verify_consistency(sha, n1, n2, bad, root2, proof, len) == 0)
                                all = false;
                        if (merkle_verify_consistency(sha, n1, n2, root1, bad, proof, len) == 0)
                                all = false;
                        if (len > 0 &&
                            merkle_verify_consistency(sha, n1, n2, root1, root2, proof, len - 1) == 0)
                                all = false;
                        for (size_t r = 0; r < len; r++) {
                                proof[r][r] ^= 4;
                                if (merkle_verify_consistency(sha, n1, n2, root1, root2, proof, len) == 0)
                                        all = false;
                                proof[r][r] ^= 4;
                        }
                }
        }
        ok(all, "consistency proofs between all tree sizes up to 64 verify, and mutated ones fail");

        /* Frontier and list roots agree on a larger tree. */
        {
                static MerkleHash many[1000];
                MerkleHash r1, r2;

                merkle_frontier_init(&f);
                all = true;
                for (size_t i = 0; i < 1000; i++) {
                        merkle_leaf_hash(sha, &i, sizeof(i), many[i]);
                        merkle_frontier_append(&f, sha, many[i]);
                        if (i % 97 == 0) {
                                merkle_frontier_root(&f, sha, r1);
                                merkle_root(sha, many, i + 1, r2);
                                if (memcmp(r1, r2, 32) != 0)
                                        all = false;
                        }
                }
                ok(all, "frontier root equals the recomputed root up to 1000 leaves");
        }

        ok(merkle_inclusion_proof(sha, leaves, 8, 8, proof, &len) == -EINVAL,
           "inclusion proof index out of range");
        ok(merkle_consistency_proof(sha, leaves, 5, 6, proof, &len) == -EINVAL &&
               merkle_consistency_proof(sha, leaves, 5, 0, proof, &len) == -EINVAL,
           "consistency proof rejects size1 > size2 and size1 == 0");
        printf("1..%d\n", tap.n);
        return tap.failed == 0 ? 0 : 1;
}
