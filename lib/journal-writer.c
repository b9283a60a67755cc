/* The journal writer: one locked writer, group commit with a signed checkpoint, epoch keys, crash repair. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal-writer-internal.h"
#include "sha256.h"
#include "journal-util.h"
#include "keys.h"
#include "util.h"

uint64_t journal_epoch_end(const JournalEpochKey *r)
{
        uint64_t end;

        if (__builtin_add_overflow(r->start_usec, r->epoch_usec, &end))
                return UINT64_MAX;
        return end;
}

static bool key_id_used(const JournalWriter *w, uint32_t id)
{
        for (size_t i = 0; i < w->n_key_ids; i++)
                if (w->key_ids[i] == id)
                        return true;
        return false;
}

int journal_writer_remember_key_id(JournalWriter *w, uint32_t id)
{
        uint32_t *ids = reallocarray(w->key_ids, w->n_key_ids + 1, sizeof(*ids));

        if (!ids)
                return -ENOMEM;
        w->key_ids = ids;
        w->key_ids[w->n_key_ids++] = id;
        return 0;
}

int journal_writer_buffer(JournalWriter *w, RecordType type, const JournalField *fields, size_t n_fields,
                          uint64_t now_usec, uint64_t *ret_seq, MerkleHash ret_leaf)
{
        MerkleHash leaf;
        size_t len;
        int r;

        if (w->buf_alloc - w->buf_len < JOURNAL_MAX_LINE) {
                size_t n = w->buf_alloc ? 2 * w->buf_alloc : 4 * JOURNAL_MAX_LINE;
                char *b;

                if (n > JOURNAL_MAX_PENDING_BYTES + 2 * JOURNAL_MAX_LINE)
                        return -ENOBUFS;
                b = realloc(w->buf, n);
                if (!b)
                        return -ENOMEM;
                w->buf = b;
                w->buf_alloc = n;
        }
        if (now_usec < w->live.last_time)
                now_usec = w->live.last_time; /* the file's clock never runs backwards */
        r = journal_record_format(w->live.n, now_usec, w->cur.epoch, type, w->live.prev, fields, n_fields,
                                  w->buf + w->buf_len, &len);
        if (r < 0)
                return r;
        r = merkle_leaf_hash(w->sha, w->buf + w->buf_len, len - 1, leaf);
        if (r < 0)
                return r;
        r = merkle_frontier_append(&w->live.tree, w->sha, leaf);
        if (r < 0)
                return r;
        memcpy(w->live.prev, leaf, MERKLE_HASH_SIZE);
        journal_writer_note_line(w, type, w->live.n, w->buf_len, len - 1, leaf);
        if (ret_seq)
                *ret_seq = w->live.n;
        if (ret_leaf)
                memcpy(ret_leaf, leaf, MERKLE_HASH_SIZE);
        w->live.n++;
        w->live.last_time = now_usec;
        w->buf_len += len;
        return 0;
}

int journal_writer_append(JournalWriter *w, RecordType type, const JournalField *fields, size_t n_fields,
                          uint64_t now_usec, uint64_t *ret_seq, MerkleHash ret_leaf_hash)
{
        /* Key and checkpoint records are the writer's own. */
        if (type == RECORD_KEY || type == RECORD_CHECKPOINT || type == RECORD_LINK)
                return -EINVAL;
        if (w->buf_len + JOURNAL_MAX_LINE > JOURNAL_MAX_PENDING_BYTES)
                return -ENOBUFS;
        return journal_writer_buffer(w, type, fields, n_fields, now_usec, ret_seq, ret_leaf_hash);
}

bool journal_writer_dirty(JournalWriter *w)
{
        return w->buf_len > 0;
}

uint64_t journal_writer_next_epoch_usec(JournalWriter *w)
{
        return journal_epoch_end(&w->cur);
}

uint64_t journal_writer_size(JournalWriter *w)
{
        return w->durable.n;
}

uint64_t journal_writer_epoch(JournalWriter *w)
{
        return w->cur.epoch;
}

const char *journal_writer_identity(JournalWriter *w)
{
        return w->identity;
}

const char *journal_writer_origin(JournalWriter *w)
{
        return w->origin;
}

int journal_writer_last_checkpoint(JournalWriter *w, char **ret_note)
{
        if (!w->last_checkpoint)
                return -ENODATA;
        *ret_note = strdup(w->last_checkpoint);
        return *ret_note ? 0 : -ENOMEM;
}

/* Bring the file back to its durable length after a failed commit. */
static int cut_back(JournalWriter *w)
{
        struct stat st;

        if (fstat(w->fd, &st) < 0)
                return -errno;
        if ((uint64_t)st.st_size != w->size) {
                if (ftruncate(w->fd, (off_t)w->size) < 0)
                        return -errno;
                if (fdatasync(w->fd) < 0)
                        return -errno;
        }
        w->needs_truncate = false;
        return 0;
}

void journal_writer_drop_pending(JournalWriter *w)
{
        w->live = w->durable;
        w->buf_len = 0;
        w->n_own = 0;
}

int journal_write_all_at(int fd, const char *p, size_t n, uint64_t off)
{
        while (n > 0) {
                ssize_t r = pwrite(fd, p, n, (off_t)off);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (r == 0)
                        return -EIO;
                p += r;
                n -= (size_t)r;
                off += (uint64_t)r;
        }
        return 0;
}

int journal_writer_buffer_checkpoint(JournalWriter *w, char **ret_note)
{
        char body[CHECKPOINT_MAX_BODY];
        _cleanup_free_ char *note = NULL;
        MerkleHash root;
        int r;

        r = merkle_frontier_root(&w->live.tree, w->sha, root);
        if (r < 0)
                return r;
        w->live.before_checkpoint = w->live.tree;
        r = checkpoint_format(w->origin, w->live.n, root, body);
        if (r < 0)
                return r;
        r = note_sign(w->signer, body, strlen(body), &note);
        if (r < 0)
                return r;
        /* A checkpoint takes the time of the record before it, so no byte of it is left unauthenticated:
         * its time is fixed by its predecessor, its note by its signature. */
        r = journal_writer_buffer(w, RECORD_CHECKPOINT, &(JournalField){"note", note}, 1, w->live.last_time,
                                  NULL, NULL);
        if (r < 0)
                return r;
        *ret_note = TAKE_PTR(note);
        return 0;
}

/* Buffer the record that ends the current epoch: it names the next epoch's key, and carries a
 * certificate for it signed by the current key. */
static int buffer_key_record(JournalWriter *w, const JournalEpochKey *k, uint64_t now_usec)
{
        _cleanup_free_ char *text = NULL, *cert = NULL;
        char vkey[NOTE_VERIFIER_MAX], epoch[24], len[24], first[24], start[24];
        int r;

        r = journal_key_cert_text(w->origin, k, w->live.prev, &text);
        if (r < 0)
                return r;
        r = note_sign(w->signer, text, strlen(text), &cert);
        if (r < 0)
                return r;
        note_verifier_format(&k->key, vkey);
        snprintf(epoch, sizeof(epoch), "%" PRIu64, k->epoch);
        snprintf(len, sizeof(len), "%" PRIu64, k->epoch_usec);
        snprintf(first, sizeof(first), "%" PRIu64, k->first_seq);
        snprintf(start, sizeof(start), "%" PRIu64, k->start_usec);
        JournalField f[] = {
            {"cert", cert}, {"epoch", epoch},      {"epoch_usec", len},   {"first_seq", first},
            {"key", vkey},  {"origin", w->origin}, {"start_usec", start},
        };
        return journal_writer_buffer(w, RECORD_KEY, f, ELEMENTSOF(f), now_usec, NULL, NULL);
}

/* Write the buffer and a checkpoint (sealing the epoch first if seal) as one durable step. */
static int commit_step(JournalWriter *w, uint64_t now_usec, bool seal)
{
        _cleanup_(note_signer_freep) NoteSigner *next = NULL;
        _cleanup_free_ char *note = NULL;
        JournalEpochKey k = {};
        int r;

        if (seal) {
                /* The next key is on disk before the journal names it, so the journal never certifies
                 * a key the writer could lose in a crash. */
                k.epoch = w->cur.epoch + 1;
                k.start_usec = journal_epoch_end(&w->cur);
                k.epoch_usec = w->epoch_usec;
                /* After downtime, one epoch spans the gap up to the next boundary: sealing each missed
                 * epoch at once, with keys that never signed anything, would prove nothing more. */
                if (now_usec >= k.start_usec + k.epoch_usec) {
                        uint64_t n = (now_usec - k.start_usec) / k.epoch_usec + 1;
                        k.epoch_usec = n > JOURNAL_MAX_EPOCH_USEC / k.epoch_usec
                                           ? JOURNAL_MAX_EPOCH_USEC / k.epoch_usec * k.epoch_usec
                                           : n * k.epoch_usec;
                }
                r = keys_erase(w->dir_fd, k.epoch); /* a leftover from an interrupted seal */
                if (r < 0)
                        goto fail;
                r = keys_create(w->dir_fd, k.epoch, w->origin, &next);
                /* 32-bit key IDs collide by chance (about 1 in 100 over a year of hourly epochs), and
                 * verifiers refuse a journal whose epochs share one: draw again. */
                for (int tries = 0; r >= 0 && key_id_used(w, next->verifier.key_id); tries++) {
                        note_signer_free(TAKE_PTR(next));
                        r = tries < 8 ? keys_erase(w->dir_fd, k.epoch) : -EEXIST;
                        if (r >= 0)
                                r = keys_create(w->dir_fd, k.epoch, w->origin, &next);
                }
                if (r >= 0)
                        r = journal_writer_remember_key_id(w, next->verifier.key_id);
                if (r >= 0)
                        r = journal_key_ids_append(w, next->verifier.key_id);
                if (r < 0)
                        goto fail;
                k.key = next->verifier;
                k.first_seq = w->live.n + 2;
                r = buffer_key_record(w, &k, now_usec);
                if (r < 0)
                        goto fail;
        }
        r = journal_writer_buffer_checkpoint(w, &note);
        if (r < 0)
                goto fail;
        r = journal_write_all_at(w->fd, w->buf, w->buf_len, w->size);
        if (r >= 0 && fdatasync(w->fd) < 0)
                r = -errno;
        if (r < 0)
                goto fail;

        journal_writer_report_lines(w);
        w->size += w->buf_len;
        w->buf_len = 0;
        w->durable = w->live;
        free(w->last_checkpoint);
        w->last_checkpoint = TAKE_PTR(note);
        w->last_is_checkpoint = true;

        if (seal) {
                uint64_t old = w->cur.epoch;

                /* Forward security: the old key leaves memory and disk now. */
                note_signer_free(w->signer);
                w->signer = TAKE_PTR(next);
                w->cur = k;
                r = keys_erase(w->dir_fd, old);
                if (r < 0) {
                        w->stale_key = true;
                        w->stale_epoch = old;
                }
        }
        return 0;

fail:
        journal_writer_drop_pending(w);
        if (cut_back(w) < 0)
                w->needs_truncate = true;
        if (next) {
                (void)keys_erase(w->dir_fd, k.epoch);
                if (w->n_key_ids > 0 && w->key_ids[w->n_key_ids - 1] == next->verifier.key_id)
                        w->n_key_ids--; /* that key was never certified */
        }
        return r;
}

int journal_writer_commit(JournalWriter *w, uint64_t now_usec)
{
        int r;

        if (w->rotating)
                return -EBUSY;
        if (w->needs_truncate) {
                r = cut_back(w);
                if (r < 0) {
                        journal_writer_drop_pending(w);
                        return r;
                }
        }
        if (w->stale_key && keys_erase(w->dir_fd, w->stale_epoch) >= 0)
                w->stale_key = false;
        if (now_usec < w->live.last_time)
                now_usec = w->live.last_time;

        for (;;) {
                bool seal = now_usec >= journal_epoch_end(&w->cur);

                if (w->buf_len == 0 && !seal && w->last_is_checkpoint)
                        return 0;
                /* One epoch per durable step: a crash in between leaves a key for every sealed epoch. */
                r = commit_step(w, now_usec, seal);
                if (r < 0)
                        return r;
                if (!seal)
                        return 0;
        }
}

void journal_writer_free(JournalWriter *w)
{
        if (!w)
                return;
        note_signer_free(w->signer);
        jit_sha256_free(w->sha);
        if (w->buf)
                sodium_memzero(w->buf, w->buf_alloc);
        free(w->buf);
        free(w->last_checkpoint);
        free(w->pubkey_path);
        free(w->path);
        free(w->key_ids);
        if (w->fd >= 0)
                close(w->fd); /* releases the OFD lock */
        if (w->dir_fd >= 0)
                close(w->dir_fd);
        free(w);
}
