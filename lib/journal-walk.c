/* The record walk: every rule a journal must follow, applied line by line (docs/journal-format.md §6). */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal-internal.h"
#include "journal-util.h"
#include "util.h"

int journal_walk_init(JournalWalk *w)
{
        *w = (JournalWalk){.last_checkpoint_seq = UINT64_MAX, .bad_seq = UINT64_MAX};
        merkle_frontier_init(&w->tree);
        return jit_sha256_new(&w->sha);
}

void journal_walk_done(JournalWalk *w)
{
        free(w->keys);
        free(w->last_checkpoint);
        free(w->leaves);
        free(w->scratch);
        jit_sha256_free(w->sha);
        w->sha = NULL;
        w->scratch = NULL;
        w->keys = NULL;
        w->last_checkpoint = NULL;
        w->leaves = NULL;
}

static int vfail(JournalWalk *w, uint64_t seq, uint64_t offset, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
static int vfail(JournalWalk *w, uint64_t seq, uint64_t offset, const char *fmt, va_list ap)
{
        if (w->reason[0])
                return -EBADMSG; /* keep the first failure */
        if (w->suspect) {
                /* An earlier prev mismatch was waiting for a checkpoint to say which side was altered;
                 * without that, the mismatch itself is the first failure. */
                w->bad_seq = w->suspect_seq;
                w->bad_offset = w->suspect_offset;
                snprintf(w->reason, sizeof(w->reason),
                         "prev does not match the hash of seq %" PRIu64 " (seq %" PRIu64 " or %" PRIu64
                         " was altered, or a record was inserted or removed)",
                         w->suspect_seq - 1, w->suspect_seq - 1, w->suspect_seq);
                return -EBADMSG;
        }
        w->bad_seq = seq;
        w->bad_offset = offset;
        vsnprintf(w->reason, sizeof(w->reason), fmt, ap);
        return -EBADMSG;
}

int journal_walk_fail(JournalWalk *w, uint64_t seq, uint64_t offset, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vfail(w, seq, offset, fmt, ap);
        va_end(ap);
        return r;
}

#define FAIL(w, seq, off, ...) journal_walk_fail(w, seq, off, __VA_ARGS__)

bool journal_epoch_covers(const JournalEpochKey *keys, size_t n_keys, size_t idx, uint64_t size)
{
        assert(idx < n_keys);
        return size >= keys[idx].first_seq && (idx + 1 >= n_keys || size < keys[idx + 1].first_seq);
}

int journal_key_cert_text(const char *origin, const JournalEpochKey *r, const MerkleHash prev, char **ret)
{
        char vkey[NOTE_VERIFIER_MAX], hex[2 * MERKLE_HASH_SIZE + 1];

        note_verifier_format(&r->key, vkey);
        sodium_bin2hex(hex, sizeof(hex), prev, MERKLE_HASH_SIZE);
        if (asprintf(ret,
                     "pam_jit epoch key v1\n%s\nepoch %" PRIu64 "\nfirst-seq %" PRIu64 "\nstart %" PRIu64
                     "\nlength %" PRIu64 "\nkey %s\nprev %s\n",
                     origin, r->epoch, r->first_seq, r->start_usec, r->epoch_usec, vkey, hex) < 0)
                return -ENOMEM;
        return 0;
}

static bool field_u64(const JournalField *f, const char *key, uint64_t *ret)
{
        return streq(f->key, key) &&
               jit_parse_u64_strict(f->value, strlen(f->value), JOURNAL_MAX_NUMBER, ret) >= 0;
}

static int key_fail(char *reason, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int key_fail(char *reason, size_t n, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(reason, n, fmt, ap);
        va_end(ap);
        return -EBADMSG;
}

#define KEY_FAIL(...) key_fail(reason, reason_size, __VA_ARGS__)

int journal_key_record_check(const JournalRecordView *v, const NoteVerifier *trusted, const char *origin,
                             const JournalEpochKey *cur, const JournalEpochKey *earlier, size_t n_earlier,
                             char *scratch, size_t scratch_size, JournalEpochKey *ret, char *ret_origin,
                             char *reason, size_t reason_size)
{
        JournalField f[JOURNAL_MAX_FIELDS];
        JournalEpochKey k = {};
        bool genesis = v->seq == 0;
        size_t want = genesis ? 6 : 7, i = 0;
        const char *cert = NULL, *rec_origin;
        uint64_t len;
        int r;

        if (v->type != RECORD_KEY)
                return KEY_FAIL("not a key record");
        if (v->n_fields != want)
                return KEY_FAIL("key record has %zu fields, expected %zu", v->n_fields, want);
        r = journal_record_decode_fields(v, scratch, scratch_size, f, ELEMENTSOF(f));
        if (r < 0)
                return r;
        /* Fields are sorted: [cert] epoch epoch_usec first_seq key origin start_usec. */
        if (!genesis) {
                if (!streq(f[i].key, "cert"))
                        return KEY_FAIL("key record lacks its certificate");
                cert = f[i++].value;
        }
        if (!field_u64(&f[i], "epoch", &k.epoch) || !field_u64(&f[i + 1], "epoch_usec", &k.epoch_usec) ||
            !field_u64(&f[i + 2], "first_seq", &k.first_seq) || !streq(f[i + 3].key, "key") ||
            !streq(f[i + 4].key, "origin") || !field_u64(&f[i + 5], "start_usec", &k.start_usec))
                return KEY_FAIL("key record fields are malformed");
        rec_origin = f[i + 4].value;
        if (!note_name_valid(rec_origin, strlen(rec_origin)))
                return KEY_FAIL("invalid origin in key record");
        if (note_verifier_parse(f[i + 3].value, strlen(f[i + 3].value), &k.key) < 0 ||
            !streq(k.key.name, rec_origin))
                return KEY_FAIL("key record holds an invalid verifier key");
        if (k.epoch_usec < JOURNAL_MIN_EPOCH_USEC || k.epoch_usec > JOURNAL_MAX_EPOCH_USEC)
                return KEY_FAIL("epoch length out of range");

        if (genesis) {
                if (k.epoch != 0 || k.first_seq != 0 || k.start_usec != v->time_usec || v->epoch != 0)
                        return KEY_FAIL("genesis key record does not start epoch 0 at seq 0");
                if (trusted && !note_verifier_equal(&k.key, trusted))
                        return KEY_FAIL(
                            "journal identity key is not the trusted key (foreign key or foreign journal)");
                if (ret_origin)
                        memcpy(ret_origin, rec_origin, strlen(rec_origin) + 1);
                *ret = k;
                return 0;
        }

        _cleanup_free_ char *text = NULL;
        size_t text_len, n_sigs;
        const char *why = NULL;

        if (!streq(rec_origin, origin))
                return KEY_FAIL("key record names another origin");
        if (v->epoch != cur->epoch)
                return KEY_FAIL("key record in epoch %" PRIu64 " where epoch %" PRIu64 " was expected",
                                v->epoch, cur->epoch);
        if (k.epoch != cur->epoch + 1)
                return KEY_FAIL("key record for epoch %" PRIu64 " in epoch %" PRIu64 " (epoch skipped)",
                                k.epoch, cur->epoch);
        if (k.first_seq != v->seq + 2)
                return KEY_FAIL("key record's first seq is %" PRIu64 ", expected %" PRIu64, k.first_seq,
                                v->seq + 2);
        if (v->seq < cur->first_seq)
                return KEY_FAIL("key record at seq %" PRIu64 " before epoch %" PRIu64 " began (seq %" PRIu64
                                ")",
                                v->seq, cur->epoch, cur->first_seq);
        if (__builtin_add_overflow(cur->start_usec, cur->epoch_usec, &len) || k.start_usec != len)
                return KEY_FAIL("epoch %" PRIu64 " does not start where epoch %" PRIu64 " ends", k.epoch,
                                cur->epoch);
        if (v->time_usec < k.start_usec)
                return KEY_FAIL("epoch %" PRIu64 " sealed before it ended", cur->epoch);
        if (memcmp(k.key.public_key, cur->key.public_key, NOTE_ED25519_KEY_SIZE) == 0)
                return KEY_FAIL("key record reuses the current key");
        /* A note names its key by name and key ID only, and every epoch key has the same name: a saved
         * checkpoint or a receipt must name exactly one epoch's key (Go's note.VerifierList refuses
         * ambiguous keys outright), so no two epochs may share a key ID. */
        for (size_t j = 0; j <= n_earlier; j++) {
                const JournalEpochKey *old = j < n_earlier ? &earlier[j] : cur;
                if (old->key.key_id == k.key.key_id)
                        return KEY_FAIL("key record for epoch %" PRIu64 " reuses key ID %08" PRIx32
                                        " of epoch %" PRIu64,
                                        k.epoch, k.key.key_id, old->epoch);
        }

        r = journal_key_cert_text(origin, &k, v->prev, &text);
        if (r < 0)
                return r;
        r = note_verify(cert, strlen(cert), &cur->key, 1, &text_len, NULL, &why);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return KEY_FAIL("certificate for epoch %" PRIu64 " is not signed by epoch %" PRIu64
                                "'s key: %s",
                                k.epoch, cur->epoch, why);
        if (note_parse(cert, strlen(cert), &text_len, &n_sigs, NULL) < 0 || n_sigs != 1 ||
            text_len != strlen(text) || memcmp(cert, text, text_len) != 0)
                return KEY_FAIL("certificate does not match the key record");
        *ret = k;
        return 0;
}

/* Key records: "key" record at seq 0 (genesis, no cert) or the seal of an epoch (with cert). */
static int walk_key(JournalWalk *w, const JournalRecordView *v, char *scratch, size_t scratch_size,
                    uint64_t offset)
{
        JournalEpochKey k;
        char reason[sizeof(w->reason)];
        int r;

        r = journal_key_record_check(v, w->trusted, w->origin, &w->cur, w->keys, w->n_keys, scratch,
                                     scratch_size, &k, w->origin, reason, sizeof(reason));
        if (r == -EBADMSG)
                return FAIL(w, v->seq, offset, "%s", reason);
        if (r < 0)
                return r;
        if (v->seq == 0) {
                w->cur = k;
                w->identity = k.key;
                w->file_first_seq = 0;
                return 0;
        }
        w->n_signatures++;
        w->next = k;
        w->in_seal = true;
        w->key_record_offset = offset;
        return 0;
}

static int walk_checkpoint(JournalWalk *w, const JournalRecordView *v, char *scratch, size_t scratch_size,
                           uint64_t offset, size_t line_len)
{
        MerkleHash root;
        Checkpoint c;
        size_t len, text_len, n_sigs;
        const char *why = NULL;
        int r;

        if (v->n_fields != 1)
                return FAIL(w, v->seq, offset, "checkpoint record must have exactly one field, \"note\"");
        r = journal_record_get_field(v, "note", scratch, scratch_size, &len);
        if (r == -ENOENT)
                return FAIL(w, v->seq, offset, "checkpoint record must have exactly one field, \"note\"");
        if (r < 0)
                return r;
        r = note_find_signature(scratch, len, &w->cur.key, &text_len, &n_sigs, &why);
        if (r == -EBADMSG)
                return FAIL(w, v->seq, offset, "malformed checkpoint note: %s", why);
        if (n_sigs != 1)
                return FAIL(w, v->seq, offset, "checkpoint note must carry exactly one signature");
        if (checkpoint_parse(scratch, text_len, &c, &why) < 0)
                return FAIL(w, v->seq, offset, "malformed checkpoint: %s", why);
        if (!streq(c.origin, w->origin))
                return FAIL(w, v->seq, offset, "checkpoint is for another origin");
        if (v->time_usec != w->last_time && !(w->suspect && w->suspect_seq == v->seq))
                return FAIL(w, v->seq, offset,
                            "checkpoint time differs from the time of the record before it");
        if (c.size != v->seq)
                return FAIL(w, v->seq, offset, "checkpoint covers %" PRIu64 " records, expected %" PRIu64,
                            c.size, v->seq);

        if (w->suspect) {
                /* If the tree built from the hash that seq N claims for its predecessor matches this
                 * signed root, the predecessor's bytes are what changed; otherwise seq N is the odd one. */
                r = merkle_frontier_root(&w->tree, w->sha, root);
                if (r < 0)
                        return r;
                if (memcmp(root, c.root, MERKLE_HASH_SIZE) == 0) {
                        w->suspect = false;
                        return FAIL(w, w->suspect_seq - 1, w->suspect_prev_offset,
                                    "record altered: its hash is not the one seq %" PRIu64
                                    " and the checkpoint at seq %" PRIu64 " commit to",
                                    w->suspect_seq, v->seq);
                }
                /* Not confirmed: report the mismatch itself (vfail() does, while suspect is set). */
                return FAIL(w, v->seq, offset, "prev mismatch");
        }
        if (r == -ENOKEY)
                return FAIL(w, v->seq, offset, "checkpoint is not signed by epoch %" PRIu64 "'s key",
                            w->cur.epoch);
        /* Every root is checked, signed or not: the tree is at hand, so it costs a few hashes, and an
         * outside verifier that checks every root must never disagree with us about a journal. Only
         * the signatures of intermediate checkpoints are left to --all-signatures (one Ed25519
         * verification each, most of a full check's time). */
        r = merkle_frontier_root(&w->tree, w->sha, root);
        if (r < 0)
                return r;
        if (memcmp(root, c.root, MERKLE_HASH_SIZE) != 0)
                return FAIL(w, v->seq, offset,
                            "checkpoint at seq %" PRIu64 " (epoch %" PRIu64
                            "): root does not match the records before it",
                            v->seq, w->cur.epoch);
        memcpy(w->last_checkpoint_root, c.root, MERKLE_HASH_SIZE);

        w->last_checkpoint_verified = false;
        if (w->in_seal || w->all_signatures) {
                r = note_verify(scratch, len, &w->cur.key, 1, NULL, NULL, &why);
                if (r < 0)
                        return FAIL(w, v->seq, offset, "checkpoint signature: %s", why);
                w->n_signatures++;
                w->last_checkpoint_verified = true;
        }

        char *copy = malloc(len + 1);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, scratch, len + 1);
        free(w->last_checkpoint);
        w->last_checkpoint = copy;
        /* The levels in use only: a whole frontier is 2 KiB, and this runs at every checkpoint. */
        w->tree_before_checkpoint.size = w->tree.size;
        for (unsigned l = 0; l < MERKLE_MAX_PROOF && (w->tree.size >> l) != 0; l++)
                if (w->tree.size & (UINT64_C(1) << l))
                        memcpy(w->tree_before_checkpoint.node[l], w->tree.node[l], MERKLE_HASH_SIZE);
        w->last_checkpoint_key = w->cur.key;
        w->last_checkpoint_seq = v->seq;
        w->last_checkpoint_end = offset + line_len + 1;
        w->last_checkpoint_offset = offset;
        w->n_checkpoints++;

        if (w->in_seal) {
                /* The epoch is sealed: its key is retired and the certified one takes over. */
                if (w->n_keys == w->keys_alloc) {
                        size_t n = w->keys_alloc ? 2 * w->keys_alloc : 16;
                        JournalEpochKey *k = realloc(w->keys, n * sizeof(*k));
                        if (!k)
                                return -ENOMEM;
                        w->keys = k;
                        w->keys_alloc = n;
                }
                w->keys[w->n_keys++] = w->cur;
                w->cur = w->next;
                w->in_seal = false;
        }
        return 0;
}

int journal_walk_line(JournalWalk *w, const char *line, size_t len, uint64_t offset)
{
        JournalRecordView v;
        MerkleHash leaf;
        const char *why = NULL;
        bool prev_ok;
        int r;

        if (journal_record_parse(line, len, &v, &why) < 0)
                return FAIL(w, w->n, offset, "malformed record: %s", why);
        if (w->file_start) {
                w->file_start = false;
                r = journal_walk_file_start(w, &v, offset);
                if (r < 0)
                        return r;
        } else if (v.type == RECORD_LINK)
                return FAIL(w, v.seq, offset,
                            "link record inside a file: a rotated file must begin with it (files joined?)");
        if (v.seq != w->n) {
                if (v.seq < w->n)
                        return FAIL(w, w->n, offset,
                                    "seq %" PRIu64 " where %" PRIu64
                                    " was expected (record duplicated, replayed or reordered)",
                                    v.seq, w->n);
                return FAIL(w, w->n, offset,
                            "seq %" PRIu64 " where %" PRIu64 " was expected (record deleted or reordered)",
                            v.seq, w->n);
        }
        prev_ok = memcmp(v.prev, w->prev, MERKLE_HASH_SIZE) == 0;
        if (!prev_ok) {
                if (!w->attribute || w->n == 0 || w->suspect)
                        return FAIL(w, v.seq, offset,
                                    "prev does not match the hash of seq %" PRIu64
                                    " (record altered, inserted or removed)",
                                    v.seq - 1);
                /* Assume the predecessor was altered: put the hash this record claims for it in the tree
                 * instead (undoing the last append is just dropping the size, see merkle.c) and let the
                 * next checkpoint decide. */
                w->suspect = true;
                w->suspect_seq = v.seq;
                w->suspect_offset = offset;
                w->suspect_prev_offset = w->prev_offset;
                w->tree.size--;
                r = merkle_frontier_append(&w->tree, w->sha, v.prev);
                if (r < 0)
                        return r;
        }
        /* Right after a prev mismatch a raised time in the predecessor looks like a clock going backwards
         * here; let the checkpoint attribute it. */
        if (v.time_usec < w->last_time && !(w->suspect && w->suspect_seq == v.seq))
                return FAIL(w, v.seq, offset, "time goes backwards");
        if (v.epoch != w->cur.epoch)
                return FAIL(w, v.seq, offset,
                            "record in epoch %" PRIu64 " where epoch %" PRIu64 " was expected", v.epoch,
                            w->cur.epoch);
        if (v.seq == 0 && v.type != RECORD_KEY)
                return FAIL(w, 0, offset, "first record is not the genesis key record");
        if (w->in_seal && v.type != RECORD_CHECKPOINT)
                return FAIL(w, v.seq, offset, "key record not followed by its sealing checkpoint");

        if ((v.type == RECORD_KEY || v.type == RECORD_CHECKPOINT) && !w->scratch) {
                w->scratch = malloc(JOURNAL_MAX_LINE);
                if (!w->scratch)
                        return -ENOMEM;
        }
        if (v.type == RECORD_KEY)
                r = walk_key(w, &v, w->scratch, JOURNAL_MAX_LINE, offset);
        else if (v.type == RECORD_CHECKPOINT)
                r = walk_checkpoint(w, &v, w->scratch, JOURNAL_MAX_LINE, offset, len);
        else
                r = 0;
        if (r < 0)
                return r;

        r = merkle_leaf_hash(w->sha, line, len, leaf);
        if (r < 0)
                return r;
        r = merkle_frontier_append(&w->tree, w->sha, leaf);
        if (r == -EOVERFLOW)
                return FAIL(w, v.seq, offset, "journal too large");
        if (r < 0)
                return r;
        if (w->keep_leaves) {
                if (w->n >= w->leaves_alloc) {
                        /* A walk that begins at a link record starts at its seq: the leaves before it
                         * are not at hand and stay zero. */
                        uint64_t n = w->leaves_alloc ? 2 * w->leaves_alloc : 1024;
                        MerkleHash *l;

                        if (n <= w->n)
                                n = w->n + 1024;
                        l = reallocarray(w->leaves, n, sizeof(MerkleHash));
                        if (!l)
                                return -ENOMEM;
                        memset(l + w->leaves_alloc, 0, (n - w->leaves_alloc) * sizeof(MerkleHash));
                        w->leaves = l;
                        w->leaves_alloc = n;
                }
                memcpy(w->leaves[w->n], leaf, MERKLE_HASH_SIZE);
        }
        memcpy(w->prev, leaf, MERKLE_HASH_SIZE);
        w->prev_offset = offset;
        w->n++;
        w->last_time = v.time_usec;
        w->end_offset = offset + len + 1;
        w->last_is_checkpoint = v.type == RECORD_CHECKPOINT;
        if (w->want_size == w->n) {
                r = merkle_frontier_root(&w->tree, w->sha, w->want_root);
                if (r < 0)
                        return r;
                w->have_want_root = true;
        }
        return 0;
}

int journal_walk_finish(JournalWalk *w)
{
        const char *why = NULL;
        int r;

        if (w->n == 0)
                return FAIL(w, 0, 0, "journal is empty");
        if (w->suspect)
                return FAIL(w, w->suspect_seq, w->suspect_offset, "prev mismatch");
        if (w->in_seal)
                return FAIL(w, w->n - 1, w->key_record_offset, "journal ends with an unsealed key record");
        if (w->n_checkpoints == 0)
                return FAIL(w, w->n, w->end_offset, "journal has no checkpoint");
        if (!w->last_is_checkpoint)
                return FAIL(w, w->last_checkpoint_seq + 1, w->last_checkpoint_end,
                            "unsealed records after the last checkpoint (seq %" PRIu64 "..%" PRIu64 ")",
                            w->last_checkpoint_seq + 1, w->n - 1);
        if (!w->last_checkpoint_verified) {
                /* Its root was compared when it was walked; its signature is what covers the tail. */
                r = note_verify(w->last_checkpoint, strlen(w->last_checkpoint), &w->last_checkpoint_key, 1,
                                NULL, NULL, &why);
                if (r < 0)
                        return FAIL(w, w->last_checkpoint_seq, w->last_checkpoint_offset,
                                    "last checkpoint signature: %s", why);
                w->n_signatures++;
                w->last_checkpoint_verified = true;
        }
        return 0;
}

int journal_walk_file(JournalWalk *w, int fd, uint64_t *ret_partial)
{
        LineReader lr;
        int r;

        r = line_reader_init(&lr, fd, 0);
        if (r < 0)
                return r;
        w->file_start = true;
        for (;;) {
                const char *line;
                size_t len;
                uint64_t off;

                r = line_reader_next(&lr, &line, &len, &off);
                if (r == -EMSGSIZE) {
                        r = FAIL(w, w->n, lr.offset, "line longer than %d bytes", JOURNAL_MAX_LINE);
                        break;
                }
                if (r < 0)
                        break;
                if (r == 0) {
                        *ret_partial = len;
                        break;
                }
                r = journal_walk_line(w, line, len, off);
                if (r < 0)
                        break;
        }
        line_reader_done(&lr);
        return r;
}
