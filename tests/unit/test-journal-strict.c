/* The verifier as strict as an outside one (issue 8, item 7): intermediate checkpoint roots, saved
 * checkpoints and their epochs, canonical base64, the numbers in key records, key-ID clashes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal-helpers.h"

static Rec recs[512];

/* ---- As strict as an outside verifier (issue 8, item 7) ---- */

/* An intermediate checkpoint whose root is wrong but whose signature is good (made with the writer's
 * own key, as a thief of today's key could): verify names it by default, not only with
 * --all-signatures. */
static void test_intermediate_root(void)
{
        Env e;
        NoteSigner *k;
        size_t n, bad = SIZE_MAX, n_cp = 0;
        char reason[320];
        uint64_t line;
        _cleanup_free_ char *pub = NULL;
        JournalVerifyOptions o = {};
        JournalVerifyResult res;
        int r;

        env_new(&e, "intermediate-root");
        build_journal(&e, 15, SEC / 10); /* 1.5 s: everything in epoch 0, whose key the writer still has */
        pub = pubkey(&e);
        k = current_key(&e);
        n = load_records(e.journal, recs, ELEMENTSOF(recs));
        for (size_t i = 0; i < n; i++)
                if (recs[i].type == RECORD_CHECKPOINT && ++n_cp == 2)
                        bad = i; /* neither the first nor the last */
        if (bad == SIZE_MAX || recs[n - 1].type != RECORD_CHECKPOINT || bad == n - 1)
                abort();
        write_chain_bad_root(e.journal, recs, n, k, bad);

        r = verify_simple(e.journal, pub, NULL, &line, reason, sizeof(reason));
        ok(r == -EBADMSG && line == bad + 1 && strstr(reason, "root does not match"),
           "intermediate checkpoint with a wrong, correctly signed root: verify fails at line %" PRIu64
           " (expected %zu): %s",
           line, bad + 1, reason);
        o.pubkey_text = pub;
        o.all_signatures = true;
        r = journal_verify_full(e.journal, &o, &res);
        ok(r == -EBADMSG && res.bad_line == bad + 1, "and with --all-signatures too");
        journal_verify_result_done(&res);

        /* The same journal re-signed with every root right verifies: the test forges only the root. */
        n = load_records(e.journal, recs, ELEMENTSOF(recs));
        write_chain(e.journal, recs, n, k);
        ok(verify_simple(e.journal, pub, NULL, NULL, NULL, 0) == 0,
           "re-signed with the right roots, it verifies");

        /* A saved checkpoint of size 0 (signed with the journal's epoch-0 key): only SHA-256("") will do. */
        {
                MerkleHash empty, wrong;
                _cleanup_free_ char *good = NULL, *forged = NULL;

                merkle_empty_root(empty);
                memcpy(wrong, empty, MERKLE_HASH_SIZE);
                wrong[0] ^= 1;
                good = signed_checkpoint(k, 0, empty);
                forged = signed_checkpoint(k, 0, wrong);
                ok(verify_simple(e.journal, pub, good, NULL, NULL, 0) == 0,
                   "a saved size-0 checkpoint with root SHA-256(\"\") is accepted");
                r = verify_simple(e.journal, pub, forged, NULL, reason, sizeof(reason));
                ok(r == -EBADMSG && strstr(reason, "empty tree"),
                   "a saved size-0 checkpoint with any other root is refused: %s", reason);
        }
        note_signer_free(k);
}

/* A saved checkpoint is only good from the key of the epoch its size lies in (§5.3): today's key
 * signing a correct root for a size of an earlier epoch is refused. */
static void test_saved_epoch_bounds(void)
{
        _cleanup_(jit_sha256_freep) JitSha256 *sha = sha_new();
        Env e;
        NoteSigner *k;
        _cleanup_free_ char *pub = NULL, *in_epoch = NULL, *early = NULL;
        JournalVerifyOptions o = {};
        JournalVerifyResult res;
        char reason[320];
        MerkleHash root;
        uint64_t first, size;
        int r;

        env_new(&e, "saved-bounds");
        build_journal(&e, 24, 2 * SEC);
        pub = pubkey(&e);
        k = current_key(&e);
        o.pubkey_text = pub;
        o.keep_leaves = true;
        r = journal_verify_full(e.journal, &o, &res);
        if (r < 0 || res.n_keys < 3)
                abort();
        first = res.keys[res.n_keys - 1].first_seq;
        size = res.keys[1].first_seq; /* inside epoch 1 */
        merkle_root(sha, res.leaves, size, root);
        early = signed_checkpoint(k, size, root);
        merkle_root(sha, res.leaves, first, root);
        in_epoch = signed_checkpoint(k, first, root);
        journal_verify_result_done(&res);

        ok(verify_simple(e.journal, pub, in_epoch, NULL, NULL, 0) == 0,
           "a saved checkpoint by the current key for a size in its own epoch (%" PRIu64 ") is accepted",
           first);
        r = verify_simple(e.journal, pub, early, NULL, reason, sizeof(reason));
        ok(r == -EBADMSG && strstr(reason, "does not cover that size"),
           "the current key vouching for size %" PRIu64 " of epoch 1 is refused: %s", size, reason);
        note_signer_free(k);
}

/* Flip the unused low bits of the last base64 character before the padding: the same bytes, spelled
 * non-canonically. b64 must end in one '=' (two unused bits) or two (four). */
static bool make_noncanonical(char *b64, size_t len)
{
        static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        size_t pad = len >= 2 && b64[len - 2] == '=' ? 2 : len >= 1 && b64[len - 1] == '=' ? 1 : 0;
        const char *at;

        if (pad == 0 || !(at = strchr(alphabet, b64[len - pad - 1])))
                return false;
        b64[len - pad - 1] = alphabet[(at - alphabet) | 1];
        return true;
}

static void test_canonical_base64(void)
{
        _cleanup_(jit_sha256_freep) JitSha256 *sha = sha_new();
        Env e;
        NoteSigner *k;
        _cleanup_free_ char *pub = NULL, *proof = NULL;
        JournalVerifyOptions o = {};
        JournalVerifyResult res;
        MerkleHash root;
        const char *why = NULL;
        int r;

        env_new(&e, "base64");
        build_journal(&e, 6, SEC / 10);
        pub = pubkey(&e);
        k = current_key(&e);
        o.pubkey_text = pub;
        o.keep_leaves = true;
        if (journal_verify_full(e.journal, &o, &res) < 0)
                abort();

        /* The signature line of a note: 4 + 64 bytes, one '='. */
        {
                _cleanup_free_ char *note = NULL;
                char *sig, *nl;
                size_t text_len, n_sigs;
                Checkpoint c;

                merkle_root(sha, res.leaves, 1, root);
                note = signed_checkpoint(k, 1, root);
                sig = strrchr(note, ' ') + 1;
                nl = strchr(sig, '\n');
                r = make_noncanonical(sig, (size_t)(nl - sig))
                        ? note_parse(note, strlen(note), &text_len, &n_sigs, &why)
                        : 0;
                ok(r == -EBADMSG && strstr(why, "canonical") &&
                       checkpoint_open(note, strlen(note), ORIGIN, &k->verifier, 1, &c, NULL, NULL) < 0,
                   "a signature line in non-canonical base64 is refused: %s", why);
        }
        /* The root line of a checkpoint body: 32 bytes, one '='. */
        {
                char body[CHECKPOINT_MAX_BODY], *line3;
                Checkpoint c;

                checkpoint_format(ORIGIN, 1, root, body);
                line3 = strchr(strchr(body, '\n') + 1, '\n') + 1;
                r = make_noncanonical(line3, strlen(line3) - 1)
                        ? checkpoint_parse(body, strlen(body), &c, &why)
                        : 0;
                ok(r == -EBADMSG && strstr(why, "canonical"),
                   "a checkpoint root in non-canonical base64 is refused: %s", why);
        }
        /* A receipt's proof line and extra line. */
        r = journal_prove(e.journal, res.leaves, res.n_leaves, 1, &proof);
        ok(r == 0 && journal_proof_verify(proof, strlen(proof), res.keys, 1, NULL, NULL, &why) == 0,
           "a receipt verifies as made");
        {
                _cleanup_free_ char *p = strdup(proof);
                char *hash = strstr(p, "\nindex ");
                char *nl;

                hash = strchr(hash + 1, '\n') + 1;
                nl = strchr(hash, '\n');
                r = nl != hash && make_noncanonical(hash, (size_t)(nl - hash))
                        ? journal_proof_verify(p, strlen(p), res.keys, 1, NULL, NULL, &why)
                        : 0;
                ok(r == -EBADMSG && strstr(why, "canonical"),
                   "a receipt's proof line in non-canonical base64 is refused: %s", why);
        }
        /* The extra line: a record whose length is not a multiple of 3 leaves padding to play with. */
        r = 0;
        for (uint64_t seq = 0; seq + 1 < res.tree_size && r == 0; seq++) {
                _cleanup_free_ char *p = NULL;
                char *extra, *nl;

                if (journal_prove(e.journal, res.leaves, res.n_leaves, seq, &p) < 0)
                        break;
                extra = strstr(p, "\nextra ") + 7;
                nl = strchr(extra, '\n');
                if (make_noncanonical(extra, (size_t)(nl - extra)))
                        r = journal_proof_verify(p, strlen(p), res.keys, 1, NULL, NULL, &why);
        }
        ok(r == -EBADMSG && strstr(why, "canonical"),
           "a receipt's extra line in non-canonical base64 is refused: %s", why);
        journal_verify_result_done(&res);
        note_signer_free(k);
}

/* Numbers in key records: decimal digits only, no sign, no leading zeros, at most 2^63-1 (§4.2). */
static void test_key_numbers(void)
{
        /* Each: the field, then what goes before and after its value (NULL: the whole value instead). */
        static const struct {
                const char *field, *before, *after, *whole;
        } bad[] = {
            {"first_seq", "0", "", NULL},                  /* leading zero */
            {"epoch", "+", "", NULL},                      /* sign */
            {"epoch", "-", "", NULL},                      /* sign */
            {"start_usec", " ", "", NULL},                 /* space */
            {"epoch_usec", "", ".0", NULL},                /* not an integer */
            {"epoch", "0x", "", NULL},                     /* not decimal */
            {"start_usec", "", "", "9223372036854775808"}, /* 2^63 */
            {"epoch", "", "", ""},                         /* empty */
        };
        static const struct {
                const char *s;
                int want;
        } grammar[] = {
            {"0", 0},
            {"7", 0},
            {"9223372036854775807", 0},
            {"9223372036854775808", -EINVAL},
            {"18446744073709551616", -EINVAL},
            {"00", -EINVAL},
            {"01", -EINVAL},
            {"+1", -EINVAL},
            {"-0", -EINVAL},
            {"1 ", -EINVAL},
            {"", -EINVAL},
            {"１", -EINVAL},
        };
        Env e;
        _cleanup_free_ char *pub = NULL;
        size_t n, key_at = SIZE_MAX;
        bool all = true;

        for (size_t i = 0; i < ELEMENTSOF(grammar); i++) {
                uint64_t v;
                if (jit_parse_u64_strict(grammar[i].s, strlen(grammar[i].s), JOURNAL_MAX_NUMBER, &v) !=
                    grammar[i].want) {
                        all = false;
                        diag("'%s' parsed wrongly", grammar[i].s);
                }
        }
        ok(all, "the number grammar: 0, 7 and 2^63-1 parse; 2^63, leading zeros, signs, spaces, empty, "
                "non-ASCII digits do not");

        env_new(&e, "key-numbers");
        build_journal(&e, 12, 2 * SEC);
        pub = pubkey(&e);
        n = load_records(e.journal, recs, ELEMENTSOF(recs));
        for (size_t i = 1; i < n && key_at == SIZE_MAX; i++)
                if (recs[i].type == RECORD_KEY)
                        key_at = i;
        if (key_at == SIZE_MAX)
                abort();
        for (size_t t = 0; t < ELEMENTSOF(bad); t++) {
                Rec saved = recs[key_at];
                char value[64], reason[320], path[400];
                uint64_t line;
                int r;

                n = load_records(e.journal, recs, ELEMENTSOF(recs));
                saved = recs[key_at];
                for (size_t f = 0; f < recs[key_at].n; f++)
                        if (streq(recs[key_at].f[f].key, bad[t].field)) {
                                if (bad[t].whole)
                                        snprintf(value, sizeof(value), "%s", bad[t].whole);
                                else
                                        snprintf(value, sizeof(value), "%s%s%s", bad[t].before,
                                                 recs[key_at].f[f].value, bad[t].after);
                                recs[key_at].f[f].value = value;
                        }
                snprintf(path, sizeof(path), "%s/forged-%zu", e.dir, t);
                write_chain(path, recs, n, NULL);
                recs[key_at] = saved;
                r = verify_simple(path, pub, NULL, &line, reason, sizeof(reason));
                ok(r == -EBADMSG && line == key_at + 1 && strstr(reason, "malformed"),
                   "key record with %s=\"%s\": refused at its line (%" PRIu64 "): %s", bad[t].field, value,
                   line, reason);
        }
}

/* Two epochs whose keys share a key ID (seeds found by search: the IDs are 32 bits): the journal is
 * refused at the key record, though every signature is good. */
static void test_key_id_clash(void)
{
        _cleanup_(jit_sha256_freep) JitSha256 *sha = sha_new();
        static char line[JOURNAL_MAX_LINE];
        uint8_t seed_a[32] = {}, seed_b[32] = {};
        uint32_t ia = 86939, ib = 280774;
        NoteSigner *a = NULL, *b = NULL;
        MerkleFrontier tree;
        MerkleHash prev = {}, root;
        char pub[NOTE_VERIFIER_MAX + 1], vkey_a[NOTE_VERIFIER_MAX], vkey_b[NOTE_VERIFIER_MAX], path[400];
        char reason[320], start0[24], start1[24], len[24], first[24];
        uint64_t t = T0, seq = 0, line_no;
        FILE *f;
        Env e;
        int r;

        memcpy(seed_a, &ia, sizeof(ia));
        memcpy(seed_b, &ib, sizeof(ib));
        if (note_signer_from_seed(ORIGIN, seed_a, &a) < 0 || note_signer_from_seed(ORIGIN, seed_b, &b) < 0)
                abort();
        ok(a->verifier.key_id == b->verifier.key_id &&
               memcmp(a->verifier.public_key, b->verifier.public_key, NOTE_ED25519_KEY_SIZE) != 0,
           "two different keys with key ID %08" PRIx32, a->verifier.key_id);
        note_verifier_format(&a->verifier, vkey_a);
        note_verifier_format(&b->verifier, vkey_b);
        snprintf(pub, sizeof(pub), "%s\n", vkey_a);

        env_new(&e, "key-id-clash");
        snprintf(path, sizeof(path), "%s/journal", e.dir);
        f = fopen(path, "we");
        merkle_frontier_init(&tree);
#define EMIT(type, time, epoch, fields, n)                                                                  \
        do {                                                                                                \
                size_t l_;                                                                                  \
                if (journal_record_format(seq, time, epoch, type, prev, fields, n, line, &l_) < 0)          \
                        abort();                                                                            \
                fwrite(line, 1, l_, f);                                                                     \
                merkle_leaf_hash(sha, line, l_ - 1, prev);                                                  \
                merkle_frontier_append(&tree, sha, prev);                                                   \
                seq++;                                                                                      \
        } while (0)
        snprintf(start0, sizeof(start0), "%" PRIu64, t);
        snprintf(len, sizeof(len), "%" PRIu64, EPOCH);
        {
                JournalField g[] = {{"epoch", "0"},  {"epoch_usec", len}, {"first_seq", "0"},
                                    {"key", vkey_a}, {"origin", ORIGIN},  {"start_usec", start0}};
                EMIT(RECORD_KEY, t, 0, g, ELEMENTSOF(g));
        }
        {
                _cleanup_free_ char *note = NULL;
                merkle_frontier_root(&tree, sha, root);
                note = signed_checkpoint(a, seq, root);
                JournalField c[] = {{"note", note}};
                EMIT(RECORD_CHECKPOINT, t, 0, c, 1);
        }
        t += EPOCH;
        {
                JournalEpochKey k = {.epoch = 1,
                                     .first_seq = seq + 2,
                                     .start_usec = T0 + EPOCH,
                                     .epoch_usec = EPOCH,
                                     .key = b->verifier};
                _cleanup_free_ char *text = NULL, *cert = NULL;
                if (journal_key_cert_text(ORIGIN, &k, prev, &text) < 0 ||
                    note_sign(a, text, strlen(text), &cert) < 0)
                        abort();
                snprintf(first, sizeof(first), "%" PRIu64, seq + 2);
                snprintf(start1, sizeof(start1), "%" PRIu64, T0 + EPOCH);
                JournalField kf[] = {{"cert", cert},        {"epoch", "1"},  {"epoch_usec", len},
                                     {"first_seq", first},  {"key", vkey_b}, {"origin", ORIGIN},
                                     {"start_usec", start1}};
                EMIT(RECORD_KEY, t, 0, kf, ELEMENTSOF(kf));
        }
        {
                _cleanup_free_ char *note = NULL;
                merkle_frontier_root(&tree, sha, root);
                note = signed_checkpoint(a, seq, root);
                JournalField c[] = {{"note", note}};
                EMIT(RECORD_CHECKPOINT, t, 0, c, 1);
        }
        {
                JournalField q[] = {{"id", "K7Q2-0001"}};
                EMIT(RECORD_REQUEST, t, 1, q, 1);
        }
        {
                _cleanup_free_ char *note = NULL;
                merkle_frontier_root(&tree, sha, root);
                note = signed_checkpoint(b, seq, root);
                JournalField c[] = {{"note", note}};
                EMIT(RECORD_CHECKPOINT, t, 1, c, 1);
        }
#undef EMIT
        fclose(f);
        r = verify_simple(path, pub, NULL, &line_no, reason, sizeof(reason));
        ok(r == -EBADMSG && line_no == 3 && strstr(reason, "reuses key ID"),
           "a key record whose key ID an earlier epoch had is refused at line %" PRIu64 ": %s", line_no,
           reason);
        note_signer_free(a);
        note_signer_free(b);
}

int main(int argc, char *argv[])
{
        if (journal_test_begin("test-journal-strict") < 0)
                return 1;
        test_intermediate_root();
        test_saved_epoch_bounds();
        test_canonical_base64();
        test_key_numbers();
        test_key_id_clash();
        return journal_test_end();
}
