/* Opening the journal: create a new one, or check an existing one and repair a torn tail. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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
        r = journal_writer_remember_key_id(w, w->cur.key.key_id);
        if (r < 0)
                return r;
        snprintf(len, sizeof(len), "%" PRIu64, w->epoch_usec);
        snprintf(start, sizeof(start), "%" PRIu64, now_usec);
        JournalField f[] = {
            {"epoch", "0"},       {"epoch_usec", len},   {"first_seq", "0"},
            {"key", w->identity}, {"origin", w->origin}, {"start_usec", start},
        };
        return journal_writer_buffer(w, RECORD_KEY, f, ELEMENTSOF(f), now_usec, NULL, NULL);
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
                w->durable = (ChainState){.n = walk.n,
                                          .tree = walk.tree,
                                          .last_time = walk.last_time,
                                          .before_checkpoint = walk.tree_before_checkpoint};
                w->file_first_seq = walk.file_first_seq;
                memcpy(w->durable.prev, walk.prev, MERKLE_HASH_SIZE);
                w->live = w->durable;
                memcpy(w->origin, walk.origin, sizeof(w->origin)); /* the journal's own origin wins */
                w->cur = walk.cur;
                r = 0;
                for (size_t i = 0; i <= walk.n_keys && r >= 0; i++)
                        r = journal_writer_remember_key_id(w, i < walk.n_keys ? walk.keys[i].key.key_id
                                                                              : walk.cur.key.key_id);
                if (r < 0)
                        goto out;
                w->last_checkpoint = TAKE_PTR(walk.last_checkpoint);
                w->last_is_checkpoint = walk.last_is_checkpoint;
                note_verifier_format(&walk.identity, w->identity);

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
                r = journal_writer_buffer(w, RECORD_REPAIR, f, ELEMENTSOF(f), now_usec, NULL, NULL);
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
        w->max_file_size = o->max_file_size;
        w->line_hook = o->line_hook;
        w->line_hook_userdata = o->line_hook_userdata;
        w->pubkey_path = strdup(o->pubkey_path);
        w->path = strdup(o->path);
        if (!w->pubkey_path || !w->path)
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
        /* A writer that rotated the file away between our open and our lock leaves us holding an old
         * file, now under its rotated name: never write there. */
        {
                struct stat now;
                if (stat(o->path, &now) < 0 || now.st_dev != st.st_dev || now.st_ino != st.st_ino)
                        return -EBUSY;
        }
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
        r = journal_writer_rotation_cleanup(w);
        if (r >= 0)
                r = journal_key_ids_sync(w);
        if (r < 0)
                return r;

        /* Cover kept or repaired records, write the genesis, seal epochs that ended while stopped. */
        r = journal_writer_commit(w, o->now_usec);
        if (r < 0)
                return r;
        /* A new file: its directory entry must be durable too. */
        if (st.st_size == 0) {
                r = journal_fsync_dir_of(o->path);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(w);
        return 0;
}
