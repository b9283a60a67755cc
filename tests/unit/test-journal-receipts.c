/* Receipts (jitctl prove): every covered record, tampering, the certificate chain of later epochs, the
 * own-epoch rule. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal-helpers.h"

/* ---- receipts ---- */

/* A receipt built by hand from the journal's own lines, with the chain given as line indices. */
static char *proof_with_chain(const char *orig, const size_t *starts, uint64_t seq, const size_t *chain_idx,
                              size_t n_chain, const JournalVerifyResult *res, const char *checkpoint)
{
        const char *chain[64];
        size_t chain_len[64];
        char *proof = NULL;

        assert(n_chain <= ELEMENTSOF(chain));
        for (size_t i = 0; i < n_chain; i++) {
                chain[i] = orig + starts[chain_idx[i]];
                chain_len[i] = starts[chain_idx[i] + 1] - starts[chain_idx[i]] - 1;
        }
        if (journal_proof_format(seq, orig + starts[seq], starts[seq + 1] - starts[seq] - 1, chain,
                                 chain_len, n_chain, res->leaves, res->n_leaves, checkpoint, &proof) < 0)
                return NULL;
        return proof;
}

static void test_proofs(void)
{
        Env e;
        JournalVerifyOptions o = {};
        JournalVerifyResult res;
        _cleanup_free_ char *orig = NULL, *pub = NULL, *late_proof = NULL;
        size_t len, starts[256], n_lines, key_lines[64], n_key_lines = 0;
        uint64_t late_seq = 0, max_epoch = 0;
        bool all = true, offline = true, tamper = true;
        const char *why = NULL;
        int r;

        env_new(&e, "proofs");
        build_journal(&e, 20, 2 * SEC);
        pub = pubkey(&e);
        orig = read_all(e.journal, &len);
        n_lines = split_lines(orig, len, starts, ELEMENTSOF(starts));
        o.pubkey_text = pub;
        o.keep_leaves = true;
        r = journal_verify_full(e.journal, &o, &res);
        ok(r == 0 && res.n_leaves == n_lines, "verify with keep_leaves returns %" PRIu64 " leaf hashes",
           res.n_leaves);
        for (size_t i = 0; i < n_lines; i++) {
                JournalRecordView v;
                if (journal_record_parse(orig + starts[i], starts[i + 1] - starts[i] - 1, &v, NULL) == 0 &&
                    v.type == RECORD_KEY)
                        key_lines[n_key_lines++] = i;
        }

        /* jitctl prove: every covered record, checked with the identity key alone and with the journal's
         * epoch keys. */
        for (uint64_t s = 0; s < res.tree_size; s++) {
                _cleanup_free_ char *proof = NULL, *record = NULL;
                JournalRecordView v;
                uint64_t seq;

                r = journal_prove(e.journal, res.leaves, res.n_leaves, s, &proof);
                if (r < 0 ||
                    journal_proof_verify(proof, strlen(proof), res.keys, 1, &record, &seq, &why) < 0 ||
                    seq != s || strncmp(record, orig + starts[s], strlen(record)) != 0) {
                        offline = false;
                        diag("seq %" PRIu64 " offline: %d %s", s, r, why);
                }
                if (r == 0 &&
                    journal_proof_verify(proof, strlen(proof), res.keys, res.n_keys, NULL, NULL, &why) < 0) {
                        all = false;
                        diag("seq %" PRIu64 " with the journal's keys: %s", s, why);
                }
                if (r == 0 &&
                    journal_record_parse(orig + starts[s], starts[s + 1] - starts[s] - 1, &v, NULL) == 0 &&
                    v.type != RECORD_CHECKPOINT && v.epoch >= 2 && v.epoch > max_epoch) {
                        max_epoch = v.epoch;
                        late_seq = s;
                        free(late_proof);
                        late_proof = TAKE_PTR(proof);
                }
        }
        ok(offline && late_proof && max_epoch >= 2,
           "a receipt for every covered record verifies with only the identity key (up to epoch %" PRIu64
           ")",
           max_epoch);
        ok(all, "and with the epoch keys of the verified journal");

        if (late_proof) {
                /* Tamper with the record, the index, a proof hash, the checkpoint. */
                static const char *marks[] = {"extra ", "index ", "\n\n"};
                for (size_t t = 0; t < 3; t++) {
                        char *p = strdup(late_proof), *at = strstr(p, marks[t]);
                        at += t == 2 ? -3 : (ptrdiff_t)strlen(marks[t]) + 2;
                        *at = *at == 'A' ? 'B' : 'A';
                        if (journal_proof_verify(p, strlen(p), res.keys, 1, NULL, NULL, &why) == 0) {
                                tamper = false;
                                diag("tampered receipt (mark %zu) accepted", t);
                        }
                        free(p);
                }
        }
        ok(tamper, "receipts with an altered record, index, proof hash or checkpoint fail");

        /* The certificate chain of the epoch >= 2 receipt, rebuilt by hand: the genesis record and the
         * key records of epochs 1..max_epoch, then without one, with one altered, out of order. */
        if (late_proof && n_key_lines > max_epoch) {
                _cleanup_free_ char *cp = NULL, *good = NULL, *missing = NULL, *swapped = NULL,
                                    *no_genesis = NULL, *altered = NULL, *bare = NULL, *past = NULL;
                const char *note_at = strstr(late_proof, "\n\n") + 2;
                size_t chain[64], n = max_epoch + 1, drop[64], swap[64];

                cp = strdup(note_at);
                memcpy(chain, key_lines, n * sizeof(size_t));
                good = proof_with_chain(orig, starts, late_seq, chain, n, &res, cp);
                ok(good && streq(good, late_proof),
                   "prove's receipt carries the genesis record and the key "
                   "records of epochs 1..%" PRIu64 " in its extra data",
                   max_epoch);

                for (size_t i = 0, k = 0; i < n; i++)
                        if (i != 1)
                                drop[k++] = chain[i];
                missing = proof_with_chain(orig, starts, late_seq, drop, n - 1, &res, cp);
                r = journal_proof_verify(missing, strlen(missing), res.keys, 1, NULL, NULL, &why);
                ok(r == -EBADMSG && strstr(why, "does not follow"),
                   "receipt-missing-certificate: without epoch 1's certificate it fails: %s", why);

                memcpy(swap, chain, n * sizeof(size_t));
                swap[1] = chain[2], swap[2] = chain[1];
                swapped = proof_with_chain(orig, starts, late_seq, swap, n, &res, cp);
                r = journal_proof_verify(swapped, strlen(swapped), res.keys, 1, NULL, NULL, &why);
                ok(r == -EBADMSG, "receipt-certificates-reordered: fails: %s", why);

                no_genesis = proof_with_chain(orig, starts, late_seq, chain + 1, n - 1, &res, cp);
                r = journal_proof_verify(no_genesis, strlen(no_genesis), res.keys, 1, NULL, NULL, &why);
                ok(r == -EBADMSG && strstr(why, "genesis"), "receipt-no-genesis: fails: %s", why);

                bare = proof_with_chain(orig, starts, late_seq, chain, 0, &res, cp);
                r = journal_proof_verify(bare, strlen(bare), res.keys, 1, NULL, NULL, &why);
                ok(r == -EBADMSG && strstr(why, "no key certificates"),
                   "a receipt from epoch %" PRIu64
                   " without certificates cannot be checked with the identity "
                   "key alone: %s",
                   max_epoch, why);

                if (n_key_lines > n) {
                        memcpy(chain, key_lines, (n + 1) * sizeof(size_t));
                        past = proof_with_chain(orig, starts, late_seq, chain, n + 1, &res, cp);
                        r = journal_proof_verify(past, strlen(past), res.keys, 1, NULL, NULL, &why);
                        ok(r == -EBADMSG && strstr(why, "goes past"),
                           "a chain beyond the signing epoch is refused: %s", why);
                }

                /* Alter epoch 2's certificate: one base64 character of its signature, inside the record
                 * (the record stays well-formed; the signature does not verify). */
                {
                        _cleanup_free_ char *copy = strdup(orig);
                        char *line = copy + starts[key_lines[2]], *sig = strstr(line, "\\u2014 ");
                        char *end;
                        if (!sig)
                                sig = strstr(line, "\xe2\x80\x94 ");
                        end = sig ? strstr(sig, "\\n") : NULL;
                        if (end) {
                                end[-5] = end[-5] == 'A' ? 'B' : 'A';
                                memcpy(chain, key_lines, n * sizeof(size_t));
                                altered = proof_with_chain(copy, starts, late_seq, chain, n, &res, cp);
                        }
                        r = altered ? journal_proof_verify(altered, strlen(altered), res.keys, 1, NULL, NULL,
                                                           &why)
                                    : 0;
                        ok(r == -EBADMSG && strstr(why, "does not follow"),
                           "receipt-altered-certificate: a changed signature in epoch 2's certificate "
                           "fails: %s",
                           altered ? why : "(no certificate found)");
                }
        }

        /* Forward security: a receipt for an epoch-0 record against the latest checkpoint (a later key)
         * is refused even with every key at hand. */
        {
                _cleanup_free_ char *proof = NULL;
                size_t chain[64];
                JournalRecordView last;

                /* The last checkpoint's own record says which epoch signed it. */
                if (journal_record_parse(orig + starts[n_lines - 1],
                                         starts[n_lines] - starts[n_lines - 1] - 1, &last, NULL) < 0)
                        abort();
                memcpy(chain, key_lines, (last.epoch + 1) * sizeof(size_t));
                proof = proof_with_chain(orig, starts, 0, chain, last.epoch + 1, &res, res.last_checkpoint);
                r = proof
                        ? journal_proof_verify(proof, strlen(proof), res.keys, res.n_keys, NULL, NULL, &why)
                        : 0;
                ok(r == -EBADMSG && strstr(why, "own epoch"),
                   "a receipt signed by a later epoch's key than its record's is refused: %s", why);
        }

        /* An epoch-0 receipt is the plain c2sp form: the record alone in its extra line. */
        {
                _cleanup_free_ char *proof = NULL, *extra = NULL;
                size_t n;

                r = journal_prove(e.journal, res.leaves, res.n_leaves, 0, &proof);
                extra = malloc(JOURNAL_MAX_LINE * 2);
                ok(r == 0 &&
                       jit_base64_decode_strict(
                           proof + strlen("c2sp.org/tlog-proof@v1\nextra "),
                           strcspn(proof + strlen("c2sp.org/tlog-proof@v1\nextra "), "\n"), (uint8_t *)extra,
                           JOURNAL_MAX_LINE * 2, &n) == 0 &&
                       n == starts[1] - 1 && memcmp(extra, orig, n) == 0 &&
                       journal_proof_verify(proof, strlen(proof), res.keys, 1, NULL, NULL, &why) == 0,
                   "an epoch-0 receipt holds only the record and verifies with the identity key");
        }
        journal_verify_result_done(&res);
}

int main(int argc, char *argv[])
{
        if (journal_test_begin("test-journal-receipts") < 0)
                return 1;
        test_proofs();
        return journal_test_end();
}
