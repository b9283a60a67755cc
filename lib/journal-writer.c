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

#include "journal-internal.h"
#include "sha256.h"
#include "journal-util.h"
#include "keys.h"
#include "util.h"

/* The tree, chain and clock after some prefix of records. */
typedef struct ChainState {
        uint64_t n;
        MerkleFrontier tree;
        MerkleHash prev;
        uint64_t last_time;
} ChainState;

struct JournalWriter {
        int fd;
        int dir_fd;
        char *pubkey_path;
        char origin[NOTE_MAX_NAME + 1];
        char identity[NOTE_VERIFIER_MAX];
        uint64_t epoch_usec; /* length given to new epochs */

        /* What is durable on disk. */
        uint64_t size;
        ChainState durable;
        char *last_checkpoint;
        bool last_is_checkpoint;

        /* Durable plus buffered records. */
        ChainState live;
        char *buf;
        size_t buf_len, buf_alloc;

        JournalEpochKey cur;
        NoteSigner *signer;
        JitSha256 *sha;
        bool needs_truncate; /* a failed commit could not cut the file back yet */
        bool stale_key;      /* an old epoch key could not be erased yet */
        uint64_t stale_epoch;
        /* Key IDs of every epoch so far: a new epoch key must not reuse one (a note names its key by
         * name and ID only, and every epoch key has the journal's name). */
        uint32_t *key_ids;
        size_t n_key_ids;
};

static uint64_t epoch_end(const JournalEpochKey *k)
{
        uint64_t end;

        if (__builtin_add_overflow(k->start_usec, k->epoch_usec, &end))
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

static int remember_key_id(JournalWriter *w, uint32_t id)
{
        uint32_t *ids = reallocarray(w->key_ids, w->n_key_ids + 1, sizeof(*ids));

        if (!ids)
                return -ENOMEM;
        w->key_ids = ids;
        w->key_ids[w->n_key_ids++] = id;
        return 0;
}

/* Format a record into the pending buffer and fold it into the live chain. */
static int buffer_record(JournalWriter *w, RecordType type, const JournalField *fields, size_t n_fields,
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
        if (type == RECORD_KEY || type == RECORD_CHECKPOINT)
                return -EINVAL;
        if (w->buf_len + JOURNAL_MAX_LINE > JOURNAL_MAX_PENDING_BYTES)
                return -ENOBUFS;
        return buffer_record(w, type, fields, n_fields, now_usec, ret_seq, ret_leaf_hash);
}

bool journal_writer_dirty(JournalWriter *w)
{
        return w->buf_len > 0;
}

uint64_t journal_writer_next_epoch_usec(JournalWriter *w)
{
        return epoch_end(&w->cur);
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

static void drop_pending(JournalWriter *w)
{
        w->live = w->durable;
        w->buf_len = 0;
}

static int write_all_at(int fd, const char *p, size_t n, uint64_t off)
{
        while (n > 0) {
                ssize_t k = pwrite(fd, p, n, (off_t)off);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        return -EIO;
                p += k;
                n -= (size_t)k;
                off += (uint64_t)k;
        }
        return 0;
}

/* Sign a checkpoint over the live tree and buffer it; returns the note. */
static int buffer_checkpoint(JournalWriter *w, char **ret_note)
{
        char body[CHECKPOINT_MAX_BODY];
        _cleanup_free_ char *note = NULL;
        MerkleHash root;
        int r;

        r = merkle_frontier_root(&w->live.tree, w->sha, root);
        if (r < 0)
                return r;
        r = checkpoint_format(w->origin, w->live.n, root, body);
        if (r < 0)
                return r;
        r = note_sign(w->signer, body, strlen(body), &note);
        if (r < 0)
                return r;
        /* A checkpoint takes the time of the record before it, so no byte of it is left unauthenticated:
         * its time is fixed by its predecessor, its note by its signature. */
        r = buffer_record(w, RECORD_CHECKPOINT, &(JournalField){"note", note}, 1, w->live.last_time, NULL,
                          NULL);
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
        return buffer_record(w, RECORD_KEY, f, ELEMENTSOF(f), now_usec, NULL, NULL);
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
                k.start_usec = epoch_end(&w->cur);
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
                        r = remember_key_id(w, next->verifier.key_id);
                if (r < 0)
                        goto fail;
                k.key = next->verifier;
                k.first_seq = w->live.n + 2;
                r = buffer_key_record(w, &k, now_usec);
                if (r < 0)
                        goto fail;
        }
        r = buffer_checkpoint(w, &note);
        if (r < 0)
                goto fail;
        r = write_all_at(w->fd, w->buf, w->buf_len, w->size);
        if (r >= 0 && fdatasync(w->fd) < 0)
                r = -errno;
        if (r < 0)
                goto fail;

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
        drop_pending(w);
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

        if (w->needs_truncate) {
                r = cut_back(w);
                if (r < 0) {
                        drop_pending(w);
                        return r;
                }
        }
        if (w->stale_key && keys_erase(w->dir_fd, w->stale_epoch) >= 0)
                w->stale_key = false;
        if (now_usec < w->live.last_time)
                now_usec = w->live.last_time;

        for (;;) {
                bool seal = now_usec >= epoch_end(&w->cur);

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
        free(w->key_ids);
        if (w->fd >= 0)
                close(w->fd); /* releases the OFD lock */
        if (w->dir_fd >= 0)
                close(w->dir_fd);
        free(w);
}

/* ---- opening: create or recover ---- */

static int start_new_journal(JournalWriter *w, uint64_t now_usec)
{
        uint64_t epochs[16];
        size_t n;
        char len[24], start[24];
        int r;

        r = keys_list(w->dir_fd, epochs, ELEMENTSOF(epochs), &n);
        if (r < 0)
                return r == -E2BIG ? -EEXIST : r;
        if (n == 1 && epochs[0] == 0)
                /* A crash between creating the identity key and the first commit. */
                r = keys_load(w->dir_fd, 0, w->origin, &w->signer);
        else if (n == 0)
                r = keys_create(w->dir_fd, 0, w->origin, &w->signer);
        else
                /* Keys of a later epoch but no journal: the journal was removed. Never start over
                 * silently on top of an old identity. */
                return -EEXIST;
        if (r < 0)
                return r;
        note_verifier_format(&w->signer->verifier, w->identity);
        r = keys_publish(w->pubkey_path, &w->signer->verifier);
        if (r < 0)
                return r;

        w->cur = (JournalEpochKey){
            .epoch = 0,
            .first_seq = 0,
            .start_usec = now_usec,
            .epoch_usec = w->epoch_usec,
            .key = w->signer->verifier,
        };
        r = remember_key_id(w, w->cur.key.key_id);
        if (r < 0)
                return r;
        snprintf(len, sizeof(len), "%" PRIu64, w->epoch_usec);
        snprintf(start, sizeof(start), "%" PRIu64, now_usec);
        JournalField f[] = {
            {"epoch", "0"},       {"epoch_usec", len},   {"first_seq", "0"},
            {"key", w->identity}, {"origin", w->origin}, {"start_usec", start},
        };
        return buffer_record(w, RECORD_KEY, f, ELEMENTSOF(f), now_usec, NULL, NULL);
}

/* Does any complete line from offset on parse as a checkpoint record? Then damage before it is not a
 * torn last commit but corruption of committed history, which the writer must not cut away. */
static int checkpoint_after(int fd, uint64_t offset, bool *ret)
{
        LineReader lr;
        int r;

        *ret = false;
        r = line_reader_init(&lr, fd, offset);
        if (r < 0)
                return r;
        for (;;) {
                JournalRecordView v;
                const char *line;
                size_t len;
                uint64_t off;

                r = line_reader_next(&lr, &line, &len, &off);
                if (r <= 0)
                        break;
                if (journal_record_parse(line, len, &v, NULL) >= 0 && v.type == RECORD_CHECKPOINT) {
                        *ret = true;
                        break;
                }
        }
        line_reader_done(&lr);
        return r == -EMSGSIZE ? 0 : r < 0 ? r : 0;
}

static int hash_range(JitSha256 *c, int fd, uint64_t from, uint64_t to, char hex[2 * JIT_SHA256_SIZE + 1])
{
        _cleanup_free_ char *buf = malloc(64 * 1024);
        uint8_t h[JIT_SHA256_SIZE];
        int r;

        if (!buf)
                return -ENOMEM;
        jit_sha256_begin(c);
        while (from < to) {
                size_t want = to - from < 64 * 1024 ? (size_t)(to - from) : 64 * 1024;
                ssize_t k = pread(fd, buf, want, (off_t)from);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        return -EIO;
                jit_sha256_add(c, buf, (size_t)k);
                from += (uint64_t)k;
        }
        r = jit_sha256_end(c, h);
        if (r < 0)
                return r;
        sodium_bin2hex(hex, 2 * JIT_SHA256_SIZE + 1, h, sizeof(h));
        return 0;
}

static int walk_journal(JournalWriter *w, const NoteVerifier *trusted, JournalWalk *walk,
                        uint64_t *ret_partial)
{
        int r = journal_walk_init(walk);

        if (r < 0)
                return r;
        walk->trusted = trusted;
        return journal_walk_file(walk, w->fd, ret_partial);
}

static int recover_journal(JournalWriter *w, uint64_t file_size, uint64_t now_usec)
{
        NoteVerifier trusted_buf, *trusted = NULL;
        JournalWalk walk;
        uint64_t partial = 0, cut, epochs[64];
        char hex[2 * JIT_SHA256_SIZE + 1], off[24], bytes[24];
        size_t n;
        int r;

        if (keys_read_verifier(w->pubkey_path, &trusted_buf) >= 0)
                trusted = &trusted_buf;

        r = walk_journal(w, trusted, &walk, &partial);
        if (r == -EBADMSG) {
                bool later;

                /* A bad complete genesis record (e.g. not the published key) is never a torn write. */
                if (walk.bad_seq == 0 && walk.bad_offset == 0) {
                        r = -EBADMSG;
                        goto out;
                }
                r = checkpoint_after(w->fd, walk.bad_offset, &later);
                if (r < 0)
                        goto out;
                if (later) {
                        r = -EBADMSG;
                        goto out;
                }
                cut = walk.in_seal ? walk.key_record_offset : walk.bad_offset;
        } else if (r < 0)
                goto out;
        else
                cut = walk.in_seal ? walk.key_record_offset : walk.end_offset;

        if (cut < file_size) {
                journal_walk_done(&walk);
                /* A torn commit: cut it off, but keep its hash so nothing disappears without a trace. */
                r = hash_range(w->sha, w->fd, cut, file_size, hex);
                if (r < 0)
                        return r;
                if (ftruncate(w->fd, (off_t)cut) < 0 || fsync(w->fd) < 0)
                        return -errno;
                snprintf(off, sizeof(off), "%" PRIu64, cut);
                snprintf(bytes, sizeof(bytes), "%" PRIu64, file_size - cut);
        }
        if (cut == 0) {
                /* Even the first commit was torn: start afresh, then record the repair. */
                r = start_new_journal(w, now_usec);
                if (r < 0)
                        return r;
        } else {
                /* After a cut, walk again: the state must be that of the kept prefix. */
                if (cut < file_size) {
                        r = walk_journal(w, trusted, &walk, &partial);
                        if (r >= 0 && (partial > 0 || walk.in_seal))
                                r = -EBADMSG;
                        if (r < 0)
                                goto out;
                }
                w->size = walk.end_offset;
                w->durable = (ChainState){.n = walk.n, .tree = walk.tree, .last_time = walk.last_time};
                memcpy(w->durable.prev, walk.prev, MERKLE_HASH_SIZE);
                w->live = w->durable;
                memcpy(w->origin, walk.origin, sizeof(w->origin)); /* the journal's own origin wins */
                w->cur = walk.cur;
                r = 0;
                for (size_t i = 0; i <= walk.n_keys && r >= 0; i++)
                        r = remember_key_id(w,
                                            i < walk.n_keys ? walk.keys[i].key.key_id : walk.cur.key.key_id);
                if (r < 0)
                        goto out;
                w->last_checkpoint = TAKE_PTR(walk.last_checkpoint);
                w->last_is_checkpoint = walk.last_is_checkpoint;
                note_verifier_format(walk.n_keys > 0 ? &walk.keys[0].key : &walk.cur.key, w->identity);

                r = keys_load(w->dir_fd, w->cur.epoch, w->origin, &w->signer);
                if (r == -ENOENT || (r >= 0 && !note_verifier_equal(&w->signer->verifier, &w->cur.key)))
                        r = -ENOKEY;
                if (r < 0)
                        goto out;
                /* Keys of other epochs are leftovers of an interrupted seal; none may survive. */
                r = keys_list(w->dir_fd, epochs, ELEMENTSOF(epochs), &n);
                if (r < 0 && r != -E2BIG)
                        goto out;
                for (size_t i = 0; i < n; i++)
                        if (epochs[i] != w->cur.epoch)
                                (void)keys_erase(w->dir_fd, epochs[i]);
                if (!trusted) {
                        NoteVerifier id;
                        if (note_verifier_parse(w->identity, strlen(w->identity), &id) >= 0)
                                (void)keys_publish(w->pubkey_path, &id);
                }
                journal_walk_done(&walk);
        }

        if (cut < file_size) {
                JournalField f[] = {
                    {"dropped_bytes", bytes},
                    {"dropped_sha256", hex},
                    {"offset", off},
                    {"reason", "torn tail after a crash"},
                };
                r = buffer_record(w, RECORD_REPAIR, f, ELEMENTSOF(f), now_usec, NULL, NULL);
                if (r < 0)
                        return r;
        }
        return 0;
out:
        journal_walk_done(&walk);
        return r;
}

int journal_writer_open(const JournalOptions *o, JournalWriter **ret)
{
        _cleanup_(journal_writer_freep) JournalWriter *w = NULL;
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        struct stat st;
        int r;

        if (!o || !o->path || !o->state_dir || !o->pubkey_path || !o->origin ||
            !note_name_valid(o->origin, strlen(o->origin)))
                return -EINVAL;
        if (o->epoch_usec != 0 &&
            (o->epoch_usec < JOURNAL_MIN_EPOCH_USEC || o->epoch_usec > JOURNAL_MAX_EPOCH_USEC))
                return -EINVAL;
        if (o->now_usec > JOURNAL_MAX_NUMBER / 2)
                return -EINVAL;
        if (sodium_init() < 0)
                return -EIO;

        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->fd = w->dir_fd = -1;
        w->epoch_usec = o->epoch_usec ? o->epoch_usec : JOURNAL_DEFAULT_EPOCH_USEC;
        memcpy(w->origin, o->origin, strlen(o->origin) + 1);
        w->pubkey_path = strdup(o->pubkey_path);
        if (!w->pubkey_path)
                return -ENOMEM;
        r = jit_sha256_new(&w->sha);
        if (r < 0)
                return r;

        r = keys_open_dir(o->state_dir, &w->dir_fd);
        if (r < 0)
                return r;
        w->fd = open(o->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
        if (w->fd < 0)
                return -errno;
        /* One writer only (A36): an open file description lock, held until close. */
        if (fcntl(w->fd, F_OFD_SETLK, &fl) < 0)
                return errno == EAGAIN || errno == EACCES ? -EBUSY : -errno;
        if (fstat(w->fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADF;
        /* Whoever could write the journal could rewrite history behind the lock (A43); checked on
         * this fd, so it holds for the file actually in use. */
        if ((st.st_mode & 022) || (st.st_uid != 0 && st.st_uid != geteuid()))
                return -EPERM;

        if (st.st_size == 0)
                r = start_new_journal(w, o->now_usec);
        else
                r = recover_journal(w, (uint64_t)st.st_size, o->now_usec);
        if (r < 0)
                return r;

        /* Cover kept or repaired records, write the genesis, seal epochs that ended while stopped. */
        r = journal_writer_commit(w, o->now_usec);
        if (r < 0)
                return r;
        if (st.st_size == 0) {
                /* A new file: its directory entry must be durable too. */
                _cleanup_free_ char *dir = strdup(o->path);
                _cleanup_close_ int dfd = -1;

                if (!dir)
                        return -ENOMEM;
                dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                if (dfd < 0 || fsync(dfd) < 0)
                        return -errno;
        }
        *ret = TAKE_PTR(w);
        return 0;
}
