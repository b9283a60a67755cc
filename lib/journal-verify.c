/* Offline verification of a journal file against the trusted identity key (and a saved checkpoint). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal-internal.h"
#include "keys.h"
#include "util.h"

void journal_verify_result_done(JournalVerifyResult *r)
{
        free(r->last_checkpoint);
        free(r->keys);
        free(r->leaves);
        r->last_checkpoint = NULL;
        r->keys = NULL;
        r->leaves = NULL;
}

static int fail(JournalVerifyResult *ret, uint64_t seq, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(JournalVerifyResult *ret, uint64_t seq, uint64_t offset, const char *fmt, ...)
{
        va_list ap;

        ret->ok = false;
        ret->bad_seq = seq;
        ret->bad_line = seq == UINT64_MAX ? 0 : seq + 1;
        ret->bad_offset = offset;
        va_start(ap, fmt);
        vsnprintf(ret->reason, sizeof(ret->reason), fmt, ap);
        va_end(ap);
        return -EBADMSG;
}

/* The saved checkpoint must be signed by a key of this journal's chain, for a size within that key's
 * epoch, and the journal must hold a tree of that size with that root: then it extends the saved state
 * (a consistency check with every leaf at hand). */
static int check_saved(JournalWalk *w, const char *saved, const Checkpoint *c, JournalVerifyResult *ret)
{
        _cleanup_free_ JournalEpochKey *epochs = NULL;
        _cleanup_free_ NoteVerifier *keys = NULL;
        size_t n = w->n_keys + 1, idx;
        const char *why = NULL;
        MerkleHash root;
        Checkpoint checked;
        int r;

        epochs = calloc(n, sizeof(*epochs));
        keys = calloc(n, sizeof(*keys));
        if (!epochs || !keys)
                return -ENOMEM;
        for (size_t i = 0; i < w->n_keys; i++)
                epochs[i] = w->keys[i];
        epochs[n - 1] = w->cur;
        for (size_t i = 0; i < n; i++)
                keys[i] = epochs[i].key;
        r = checkpoint_open(saved, strlen(saved), w->origin, keys, n, &checked, &idx, &why);
        if (r == -ENOMEM)
                return r;
        if (r == -ENOKEY && w->partial)
                return fail(ret, UINT64_MAX, 0,
                            "saved checkpoint (size %" PRIu64 ") is signed by a key of an epoch before the "
                            "files given (they begin at seq %" PRIu64 "): pass the earlier files too",
                            c->size, w->first_seq);
        if (r == -ENOKEY)
                return fail(ret, UINT64_MAX, 0,
                            "saved checkpoint (size %" PRIu64 ") is signed by a key this journal never had: "
                            "the journal was rolled back or replaced",
                            c->size);
        if (r < 0)
                return fail(ret, UINT64_MAX, 0, "saved checkpoint: %s", why);
        /* The same rule as for receipts: a key vouches only for trees that end in its own epoch, so a
         * later key cannot stand in for an earlier one (A31). */
        if (!journal_epoch_covers(epochs, n, idx, c->size))
                return fail(ret, UINT64_MAX, 0,
                            "saved checkpoint (size %" PRIu64 ") is signed by epoch %" PRIu64
                            "'s key, which does not cover that size",
                            c->size, epochs[idx].epoch);
        if (c->size > w->last_checkpoint_seq)
                return fail(ret, UINT64_MAX, w->end_offset,
                            "journal is shorter than the saved checkpoint (%" PRIu64 " < %" PRIu64
                            " records): truncated or rolled back",
                            w->last_checkpoint_seq, c->size);
        if (w->partial && c->size < w->first_seq)
                return fail(ret, UINT64_MAX, 0,
                            "saved checkpoint (size %" PRIu64 ") lies before the files given (they begin at "
                            "seq %" PRIu64 "): pass the earlier files too",
                            c->size, w->first_seq);
        /* RFC 6962: the tree of no leaves has the root SHA-256(""). A size-0 checkpoint is compared too,
         * or any root would pass with it. */
        if (c->size == 0)
                merkle_empty_root(root);
        else if (w->have_want_root)
                memcpy(root, w->want_root, MERKLE_HASH_SIZE);
        if ((c->size > 0 && !w->have_want_root) || memcmp(root, c->root, MERKLE_HASH_SIZE) != 0)
                return fail(ret, c->size > 0 ? c->size - 1 : UINT64_MAX, 0,
                            "journal does not extend the saved checkpoint (size %" PRIu64 "): %s", c->size,
                            c->size == 0 ? "its root is not that of the empty tree, SHA-256(\"\")"
                                         : "history was rewritten or rolled back");
        return 0;
}

static int verify_fds(const int *fds, const char *const *paths, size_t n, const JournalVerifyOptions *o,
                      const NoteVerifier *trusted_key, const Checkpoint *saved_cp, JournalVerifyResult *ret);
/* What a finished walk says, into ret (which takes the walk's checkpoint note and leaves); frees
 * the walk. r is the walk's outcome, returned unless filling needs memory it cannot get. */
int journal_verify_result_fill(JournalWalk *w, int r, JournalVerifyResult *ret)
{
        ret->partial = w->partial;
        ret->first_seq = w->first_seq;
        ret->prev_first_seq = w->prev_first_seq;
        ret->n_records = w->n;
        ret->n_checkpoints = w->n_checkpoints;
        ret->n_signatures = w->n_signatures;
        memcpy(ret->origin, w->origin, sizeof(ret->origin));
        ret->epoch = w->cur.epoch;
        ret->epoch_end_usec = w->cur.start_usec + w->cur.epoch_usec;
        if (w->last_checkpoint) {
                size_t text_len, n_sigs;
                Checkpoint c;

                if (note_parse(w->last_checkpoint, strlen(w->last_checkpoint), &text_len, &n_sigs, NULL) >=
                        0 &&
                    checkpoint_parse(w->last_checkpoint, text_len, &c, NULL) >= 0) {
                        ret->tree_size = c.size;
                        memcpy(ret->root, c.root, MERKLE_HASH_SIZE);
                }
                ret->last_checkpoint = TAKE_PTR(w->last_checkpoint);
        }
        ret->keys = calloc(w->n_keys + 1, sizeof(JournalEpochKey));
        if (ret->keys) {
                if (w->n_keys > 0)
                        memcpy(ret->keys, w->keys, w->n_keys * sizeof(JournalEpochKey));
                ret->keys[w->n_keys] = w->cur;
                ret->n_keys = w->n > 0 ? w->n_keys + 1 : 0;
        } else if (r >= 0)
                r = -ENOMEM;
        ret->leaves = TAKE_PTR(w->leaves);
        ret->n_leaves = w->n;
        journal_walk_done(w);
        if (r >= 0)
                ret->ok = true;
        return r;
}

static int verify_once(const int *fds, const char *const *paths, size_t n, const JournalVerifyOptions *o,
                       const NoteVerifier *trusted, const Checkpoint *saved_cp, JournalVerifyResult *ret);

int journal_verify_full(const char *path, const JournalVerifyOptions *o, JournalVerifyResult *ret)
{
        return journal_verify_series(&path, 1, o, ret);
}

int journal_verify_series(const char *const *paths, size_t n_paths, const JournalVerifyOptions *o,
                          JournalVerifyResult *ret)
{
        _cleanup_free_ int *fds = NULL;
        NoteVerifier trusted;
        Checkpoint saved = {};
        const char *why = NULL;
        size_t opened = 0;
        int r = 0;

        *ret = (JournalVerifyResult){.bad_seq = UINT64_MAX};
        if (!o || !o->pubkey_text || n_paths == 0 ||
            keys_parse_verifier_text(o->pubkey_text, strlen(o->pubkey_text), &trusted) < 0)
                return -EINVAL;
        if (o->saved_checkpoint) {
                size_t text_len, n_sigs;

                if (note_parse(o->saved_checkpoint, strlen(o->saved_checkpoint), &text_len, &n_sigs, &why) <
                        0 ||
                    checkpoint_parse(o->saved_checkpoint, text_len, &saved, &why) < 0)
                        return fail(ret, UINT64_MAX, 0, "saved checkpoint: %s", why);
        }
        fds = calloc(n_paths, sizeof(*fds));
        if (!fds)
                return -ENOMEM;
        for (; opened < n_paths; opened++) {
                fds[opened] = open(paths[opened], O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                if (fds[opened] < 0) {
                        r = -errno;
                        ret->bad_file = opened;
                        break;
                }
        }
        if (r >= 0)
                r = verify_fds(fds, paths, n_paths, o, &trusted, o->saved_checkpoint ? &saved : NULL, ret);
        for (size_t i = 0; i < opened; i++)
                close(fds[i]);
        return r;
}

/* A live journal grows while we read it: a commit caught half written looks like a torn or
 * unsealed tail. If the file changed size meanwhile, that is what happened: read it again. */
static bool grew_meanwhile(int fd, uint64_t size_before)
{
        struct stat st;
        return fstat(fd, &st) == 0 && (uint64_t)st.st_size != size_before;
}

static int verify_fds(const int *fds, const char *const *paths, size_t n, const JournalVerifyOptions *o,
                      const NoteVerifier *trusted_key, const Checkpoint *saved_cp, JournalVerifyResult *ret)
{
        for (int attempt = 0;; attempt++) {
                struct stat st;
                int r;

                if (fstat(fds[n - 1], &st) < 0)
                        return -errno;
                r = verify_once(fds, paths, n, o, trusted_key, saved_cp, ret);
                if (r != -EBADMSG || attempt >= 3 || ret->bad_file != n - 1 ||
                    ret->bad_offset < ret->tail_offset || !grew_meanwhile(fds[n - 1], (uint64_t)st.st_size))
                        return r;
                journal_verify_result_done(ret);
        }
}

/* Walk each file in turn: one walk, so the chain, the tree and the keys run on from file to file. */
static int walk_files(JournalWalk *w, const int *fds, const char *const *paths, size_t n, size_t *ret_bad,
                      uint64_t *ret_base)
{
        int r = 0;

        for (size_t i = 0; i < n; i++) {
                uint64_t partial = 0, named, before = w->n;

                *ret_bad = i;
                *ret_base = before;
                r = journal_walk_file(w, fds[i], &partial);
                if (i == 0 && w->partial)
                        *ret_base = w->first_seq;
                if (r >= 0 && partial > 0)
                        r = journal_walk_fail(w, w->n, w->end_offset,
                                              "torn tail: the file ends inside a record (%" PRIu64
                                              " bytes after seq %" PRIu64 ")",
                                              partial, w->n - 1);
                if (r >= 0 && w->n > before && journal_rotated_name_seq(paths[i], &named) &&
                    named != w->file_first_seq)
                        r = journal_walk_fail(w, w->file_first_seq, 0,
                                              "the file's name says it begins at seq %" PRIu64
                                              ", but it begins at seq %" PRIu64 " (renamed or substituted)",
                                              named, w->file_first_seq);
                /* Every file of a series ends with a checkpoint, whose signature is checked here; the
                 * last one's end is checked by the caller. */
                if (r >= 0 && i + 1 < n)
                        r = journal_walk_finish(w);
                if (r < 0)
                        return r;
                if (i + 1 < n)
                        w->end_offset = 0;
        }
        return r;
}

static int verify_once(const int *fds, const char *const *paths, size_t n, const JournalVerifyOptions *o,
                       const NoteVerifier *trusted, const Checkpoint *saved_cp, JournalVerifyResult *ret)
{
        Checkpoint saved = saved_cp ? *saved_cp : (Checkpoint){};
        JournalWalk w;
        uint64_t base = 0;
        size_t bad = 0;
        int r;

        *ret = (JournalVerifyResult){.bad_seq = UINT64_MAX};
        r = journal_walk_init(&w);
        if (r < 0) {
                journal_walk_done(&w);
                return r;
        }
        w.trusted = trusted;
        w.attribute = true;
        w.all_signatures = o->all_signatures;
        w.keep_leaves = o->keep_leaves;
        w.want_size = saved.size;

        r = walk_files(&w, fds, paths, n, &bad, &base);
        ret->tail_offset = w.last_checkpoint_end;
        if (r >= 0)
                r = journal_walk_finish(&w);
        if (r >= 0 && saved_cp)
                r = check_saved(&w, o->saved_checkpoint, &saved, ret);
        else if (r == -EBADMSG) {
                fail(ret, w.bad_seq, w.bad_offset, "%s", w.reason);
                /* Lines count within the file: its first line holds seq base (or failed to). */
                ret->bad_line = w.bad_offset == 0 && w.bad_seq != UINT64_MAX   ? 1
                                : w.bad_seq != UINT64_MAX && w.bad_seq >= base ? w.bad_seq - base + 1
                                                                               : 0;
        }
        ret->bad_file = bad;
        ret->n_files = n;
        return journal_verify_result_fill(&w, r, ret);
}

int journal_verify(const char *path, const char *pubkey_text, const char *saved_checkpoint,
                   JournalVerifyResult *ret)
{
        JournalVerifyOptions o = {.pubkey_text = pubkey_text, .saved_checkpoint = saved_checkpoint};
        return journal_verify_full(path, &o, ret);
}
