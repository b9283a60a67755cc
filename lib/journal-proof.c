/* Inclusion receipts in the c2sp.org/tlog-proof@v1 form, carrying the record itself as "extra" data. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal-internal.h"
#include "journal-util.h"
#include "journal.h"
#include "util.h"

#define PROOF_HEADER "c2sp.org/tlog-proof@v1\n"

static void set_reason(const char **ret_reason, const char *reason)
{
        if (ret_reason)
                *ret_reason = reason;
}

int journal_proof_format(uint64_t seq, const char *record_line, size_t record_len, const char *const *chain,
                         const size_t *chain_len, size_t n_chain, const MerkleHash *leaves,
                         uint64_t n_leaves, const char *checkpoint_note, char **ret)
{
        MerkleHash path[MERKLE_MAX_PROOF];
        size_t path_len, text_len, n_sigs, size = 0, extra_len, o;
        _cleanup_free_ char *extra = NULL, *raw = NULL;
        _cleanup_(jit_sha256_freep) JitSha256 *sha = NULL;
        Checkpoint c;
        char *out = NULL;
        FILE *f;
        int r;

        if (!checkpoint_note ||
            note_parse(checkpoint_note, strlen(checkpoint_note), &text_len, &n_sigs, NULL) < 0 ||
            checkpoint_parse(checkpoint_note, text_len, &c, NULL) < 0)
                return -EINVAL;
        if (seq >= c.size || c.size > n_leaves)
                return -ERANGE;
        if (record_len >= JOURNAL_MAX_LINE)
                return -EINVAL;
        r = jit_sha256_new(&sha);
        if (r < 0)
                return r;
        r = merkle_inclusion_proof(sha, leaves, c.size, seq, path, &path_len);
        if (r < 0)
                return r;

        /* The extra data: the record, then each certificate record on a line of its own. */
        extra_len = record_len;
        for (size_t i = 0; i < n_chain; i++) {
                if (chain_len[i] >= JOURNAL_MAX_LINE || memchr(chain[i], '\n', chain_len[i]))
                        return -EINVAL;
                extra_len += 1 + chain_len[i];
        }
        if (JIT_BASE64_LEN(extra_len) > JOURNAL_MAX_RECEIPT - JOURNAL_MAX_LINE)
                return -E2BIG;
        raw = malloc(extra_len ? extra_len : 1);
        extra = malloc(JIT_BASE64_LEN(extra_len) + 1);
        if (!raw || !extra)
                return -ENOMEM;
        memcpy(raw, record_line, record_len);
        o = record_len;
        for (size_t i = 0; i < n_chain; i++) {
                raw[o++] = '\n';
                memcpy(raw + o, chain[i], chain_len[i]);
                o += chain_len[i];
        }
        jit_base64_encode((const uint8_t *)raw, extra_len, extra);

        f = open_memstream(&out, &size);
        if (!f)
                return -ENOMEM;
        fprintf(f, PROOF_HEADER "extra %s\nindex %" PRIu64 "\n", extra, seq);
        for (size_t i = 0; i < path_len; i++) {
                char b64[JIT_BASE64_LEN(MERKLE_HASH_SIZE) + 1];
                jit_base64_encode(path[i], MERKLE_HASH_SIZE, b64);
                fprintf(f, "%s\n", b64);
        }
        fprintf(f, "\n%s", checkpoint_note);
        if (fclose(f) != 0) {
                free(out);
                return -ENOMEM;
        }
        *ret = out;
        return 0;
}

typedef struct Lines {
        char **line;
        size_t *len;
        size_t n, alloc;
} Lines;

static int lines_add(Lines *l, const char *s, size_t len)
{
        if (l->n == l->alloc) {
                size_t n = l->alloc ? 2 * l->alloc : 16;
                char **a = reallocarray(l->line, n, sizeof(char *));
                size_t *b;

                if (!a)
                        return -ENOMEM;
                l->line = a;
                b = reallocarray(l->len, n, sizeof(size_t));
                if (!b)
                        return -ENOMEM;
                l->len = b;
                l->alloc = n;
        }
        l->line[l->n] = strndup(s, len);
        if (!l->line[l->n])
                return -ENOMEM;
        l->len[l->n++] = len;
        return 0;
}

static void lines_done(Lines *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->line[i]);
        free(l->line);
        free(l->len);
        *l = (Lines){};
}

int journal_prove(const char *path, const MerkleHash *leaves, uint64_t n_leaves, uint64_t seq, char **ret)
{
        return journal_prove_series(&path, 1, leaves, n_leaves, seq, ret);
}

int journal_prove_series(const char *const *paths, size_t n_paths, const MerkleHash *leaves,
                         uint64_t n_leaves, uint64_t seq, char **ret)
{
        _cleanup_free_ char *record = NULL, *note = NULL;
        Lines chain = {};
        JournalRecord rec;
        uint64_t cp_epoch = 0;
        size_t record_len = 0;
        int r = 0;

        /* The first checkpoint after the record is the one that made it durable: it is signed in the
         * record's own epoch (the next one for a seal checkpoint itself), by a key erased when that epoch
         * ended, so nobody who steals a later key can forge the receipt. Every key record before it is
         * the certificate chain from the identity key to that epoch; after a rotation they lie in the
         * earlier files of the series. */
        for (size_t i = 0; i < n_paths && r >= 0 && !note; i++) {
                _cleanup_(journal_reader_freep) JournalReader *rd = NULL;

                r = journal_reader_open(paths[i], &rd);
                if (r < 0)
                        break;
                while ((r = journal_reader_next(rd, &rec)) > 0) {
                        if (rec.seq == seq) {
                                record = strndup(rec.line, rec.line_len);
                                if (!record) {
                                        r = -ENOMEM;
                                        break;
                                }
                                record_len = rec.line_len;
                        } else if (record && rec.type == RECORD_CHECKPOINT) {
                                if (rec.n_fields != 1 || !streq(rec.fields[0].key, "note")) {
                                        r = -EBADMSG;
                                        break;
                                }
                                note = strdup(rec.fields[0].value);
                                if (!note)
                                        r = -ENOMEM;
                                cp_epoch = rec.epoch;
                                break;
                        }
                        if (rec.type == RECORD_KEY && (r = lines_add(&chain, rec.line, rec.line_len)) < 0)
                                break;
                }
        }
        if (r >= 0 && !note)
                r = -ERANGE; /* no such record, or no checkpoint covers it yet */
        /* A seal checkpoint follows the key record of the next epoch, which its own epoch's key signed:
         * the chain ends at the checkpoint's epoch. */
        if (r >= 0 && chain.n > cp_epoch + 1) {
                for (size_t i = cp_epoch + 1; i < chain.n; i++)
                        free(chain.line[i]);
                chain.n = cp_epoch + 1;
        }
        if (r >= 0)
                /* An epoch-0 receipt needs only the identity key: leave the chain out. */
                r = journal_proof_format(seq, record, record_len, (const char *const *)chain.line, chain.len,
                                         cp_epoch > 0 ? chain.n : 0, leaves, n_leaves, note, ret);
        lines_done(&chain);
        return r;
}

/* Next line of [*p, end): without its newline; NULL if there is no complete line. */
static const char *next_line(const char **p, const char *end, size_t *ret_len)
{
        const char *s = *p, *nl;

        if (s >= end)
                return NULL;
        nl = memchr(s, '\n', (size_t)(end - s));
        if (!nl)
                return NULL;
        *ret_len = (size_t)(nl - s);
        *p = nl + 1;
        return s;
}

/* Check the certificate chain carried by a receipt: the genesis record with the trusted identity key,
 * then one key record per epoch. On success *ret_epochs (malloc'd) holds epochs 0..n-1. */
static int check_chain(const char *extra, size_t extra_len, size_t record_len, const NoteVerifier *identity,
                       JournalEpochKey **ret_epochs, size_t *ret_n, const char **ret_reason)
{
        _cleanup_free_ char *scratch = NULL, *origin = NULL;
        _cleanup_free_ JournalEpochKey *epochs = NULL;
        const char *p = extra + record_len + 1, *end = extra + extra_len;
        size_t n = 0, alloc = 0;
        static const char *const fixed[] = {
            "receipt's key chain: a certificate record is malformed",
            "receipt's key chain does not start with the genesis record of the trusted identity key",
            "receipt's key chain: a certificate does not follow from the one before it (missing, altered "
            "or out of order)",
        };
        int r;

        scratch = malloc(JOURNAL_MAX_LINE);
        origin = malloc(NOTE_MAX_NAME + 1);
        if (!scratch || !origin)
                return -ENOMEM;
        while (p <= end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
                JournalRecordView v;
                char reason[320];

                /* The genesis record first, then key records: journal_key_record_check() tells them
                 * apart by seq. */
                if (journal_record_parse(p, len, &v, NULL) < 0 || (n == 0) != (v.seq == 0)) {
                        set_reason(ret_reason, n == 0 ? fixed[1] : fixed[0]);
                        return -EBADMSG;
                }
                if (n == alloc) {
                        size_t a = alloc ? 2 * alloc : 16;
                        JournalEpochKey *e = reallocarray(epochs, a, sizeof(*e));
                        if (!e)
                                return -ENOMEM;
                        epochs = e;
                        alloc = a;
                }
                r = journal_key_record_check(&v, identity, origin, n > 0 ? &epochs[n - 1] : NULL, epochs,
                                             n > 0 ? n - 1 : 0, scratch, JOURNAL_MAX_LINE, &epochs[n],
                                             n == 0 ? origin : NULL, reason, sizeof(reason));
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        set_reason(ret_reason, n == 0 ? fixed[1] : fixed[2]);
                        return -EBADMSG;
                }
                n++;
                if (!nl)
                        break;
                p = nl + 1;
        }
        *ret_epochs = TAKE_PTR(epochs);
        *ret_n = n;
        return 0;
}

int journal_proof_verify(const char *proof, size_t len, const JournalEpochKey *keys, size_t n_keys,
                         char **ret_record, uint64_t *ret_seq, const char **ret_reason)
{
        const char *p = proof, *end = proof + len, *line, *why = NULL, *nl;
        MerkleHash path[MERKLE_MAX_PROOF], leaf;
        _cleanup_free_ char *extra = NULL;
        _cleanup_free_ NoteVerifier *vk = NULL;
        _cleanup_free_ JournalEpochKey *chain = NULL;
        _cleanup_(jit_sha256_freep) JitSha256 *sha = NULL;
        const JournalEpochKey *epochs = keys;
        JournalRecordView v;
        size_t line_len, path_len = 0, extra_len, rec_len, idx, n_epochs = n_keys, n_chain = 0;
        uint64_t index, signed_epoch;
        Checkpoint c;
        int r;

        if (n_keys == 0 || keys[0].epoch != 0)
                return -EINVAL;
        if (len > JOURNAL_MAX_RECEIPT) {
                set_reason(ret_reason, "receipt too large");
                return -EBADMSG;
        }
        line = next_line(&p, end, &line_len);
        if (!line || line_len + 1 != strlen(PROOF_HEADER) || memcmp(line, PROOF_HEADER, line_len) != 0) {
                set_reason(ret_reason, "not a c2sp.org/tlog-proof@v1 receipt");
                return -EBADMSG;
        }
        line = next_line(&p, end, &line_len);
        if (!line || line_len < 6 || memcmp(line, "extra ", 6) != 0) {
                set_reason(ret_reason, "receipt lacks the record (its \"extra\" line)");
                return -EBADMSG;
        }
        extra = malloc(line_len);
        if (!extra)
                return -ENOMEM;
        if (jit_base64_decode_strict(line + 6, line_len - 6, (uint8_t *)extra, line_len - 1, &extra_len) <
            0) {
                set_reason(ret_reason, "receipt's extra line is not canonical base64");
                return -EBADMSG;
        }
        extra[extra_len] = '\0';
        /* The record, then (after epoch 0) the certificate chain, one record per line. */
        nl = memchr(extra, '\n', extra_len);
        rec_len = nl ? (size_t)(nl - extra) : extra_len;
        if (rec_len >= JOURNAL_MAX_LINE) {
                set_reason(ret_reason, "receipt's record is too long");
                return -EBADMSG;
        }
        line = next_line(&p, end, &line_len);
        if (!line || line_len < 7 || memcmp(line, "index ", 6) != 0 ||
            jit_parse_u64_strict(line + 6, line_len - 6, JOURNAL_MAX_NUMBER, &index) < 0) {
                set_reason(ret_reason, "receipt's index line is malformed");
                return -EBADMSG;
        }
        for (;;) {
                size_t n;

                line = next_line(&p, end, &line_len);
                if (!line) {
                        set_reason(ret_reason, "receipt has no checkpoint");
                        return -EBADMSG;
                }
                if (line_len == 0)
                        break;
                if (path_len >= MERKLE_MAX_PROOF ||
                    jit_base64_decode_strict(line, line_len, path[path_len], MERKLE_HASH_SIZE, &n) < 0 ||
                    n != MERKLE_HASH_SIZE) {
                        set_reason(ret_reason, "receipt's proof lines are not canonical base64 hashes");
                        return -EBADMSG;
                }
                path_len++;
        }

        if (nl) {
                r = check_chain(extra, extra_len, rec_len, &keys[0].key, &chain, &n_chain, ret_reason);
                if (r < 0)
                        return r;
                /* Keys taken from a verified journal must be the same keys. */
                for (size_t i = 1; i < n_keys && i < n_chain; i++)
                        if (!note_verifier_equal(&keys[i].key, &chain[i].key) ||
                            keys[i].first_seq != chain[i].first_seq) {
                                set_reason(ret_reason, "receipt's key chain differs from the journal's");
                                return -EBADMSG;
                        }
                epochs = chain;
                n_epochs = n_chain;
        }
        extra[rec_len] = '\0';

        vk = calloc(n_epochs, sizeof(*vk));
        if (!vk)
                return -ENOMEM;
        for (size_t i = 0; i < n_epochs; i++)
                vk[i] = epochs[i].key;
        r = checkpoint_open(p, (size_t)(end - p), NULL, vk, n_epochs, &c, &idx, &why);
        if (r == -ENOMEM)
                return r;
        if (r == -ENOKEY && !nl && n_keys == 1) {
                set_reason(ret_reason,
                           "checkpoint is not signed by the identity key, and the receipt carries "
                           "no key certificates");
                return -EBADMSG;
        }
        if (r < 0) {
                set_reason(ret_reason, why);
                return -EBADMSG;
        }
        if (!streq(c.origin, epochs[idx].key.name)) {
                set_reason(ret_reason, "checkpoint origin does not match the key's name");
                return -EBADMSG;
        }
        /* A chain ends at the epoch that signed: it certifies nothing more. */
        if (nl && idx + 1 != n_epochs) {
                set_reason(ret_reason, "receipt's key chain goes past the epoch that signed its checkpoint");
                return -EBADMSG;
        }
        /* An epoch key only vouches for trees that end within its epoch (A31). */
        if (!journal_epoch_covers(epochs, n_epochs, idx, c.size)) {
                set_reason(ret_reason, "checkpoint signed by a key outside its epoch");
                return -EBADMSG;
        }
        if (journal_record_parse(extra, rec_len, &v, &why) < 0) {
                set_reason(ret_reason, "receipt's record is malformed");
                return -EBADMSG;
        }
        if (v.seq != index) {
                set_reason(ret_reason, "receipt's record has another seq than its index");
                return -EBADMSG;
        }
        /* Forward security: the record's own epoch key (or, for a seal checkpoint, the next one) must
         * have signed, never a later key that an intruder might hold today. */
        signed_epoch = epochs[idx].epoch;
        if (signed_epoch != v.epoch && !(v.type == RECORD_CHECKPOINT && signed_epoch == v.epoch + 1)) {
                set_reason(ret_reason, "receipt's checkpoint is not signed in the record's own epoch");
                return -EBADMSG;
        }
        r = jit_sha256_new(&sha);
        if (r >= 0)
                r = merkle_leaf_hash(sha, extra, rec_len, leaf);
        if (r >= 0)
                r = merkle_verify_inclusion(sha, index, c.size, leaf, path, path_len, c.root);
        if (r < 0 && r != -EBADMSG)
                return r;
        if (r < 0) {
                set_reason(ret_reason, "inclusion proof does not lead to the checkpoint's root");
                return -EBADMSG;
        }
        if (ret_seq)
                *ret_seq = index;
        if (ret_record)
                *ret_record = TAKE_PTR(extra);
        return 0;
}
