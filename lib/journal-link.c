/* The link record: how a rotated-in journal file continues the one before it (docs/journal-format.md §4.6).
 *
 * Rotation splits one log over several files; it does not start a new log. Seq numbers, the hash chain,
 * the Merkle tree and the epoch keys all run on, so every checkpoint of every file is a checkpoint of
 * one tree under one origin, as C2SP tlog-checkpoint requires of a log (two trees under one origin
 * would look like a fork to any witness). The link record restates what a reader of the new file alone
 * needs to go on: the previous file's last checkpoint, the tree it signed (its frontier), the epoch key
 * in use and the identity key. A walk over the series checks every one of these against the files
 * before; a walk that begins at a link can only take its word, and says so (partial). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal-internal.h"
#include "util.h"

#define LINK_FIELDS 10

void journal_frontier_format(const MerkleFrontier *f, char *out)
{
        size_t o = 0;

        out[0] = '\0';
        for (int level = MERKLE_MAX_PROOF - 1; level >= 0; level--) {
                if (!(f->size & (UINT64_C(1) << level)))
                        continue;
                if (o > 0)
                        out[o++] = ' ';
                jit_base64_encode(f->node[level], MERKLE_HASH_SIZE, out + o);
                o += JIT_BASE64_LEN(MERKLE_HASH_SIZE);
        }
}

int journal_frontier_parse(const char *s, uint64_t size, MerkleFrontier *ret)
{
        const size_t b64 = JIT_BASE64_LEN(MERKLE_HASH_SIZE);

        merkle_frontier_init(ret);
        ret->size = size;
        for (int level = MERKLE_MAX_PROOF - 1; level >= 0; level--) {
                size_t n;

                if (!(size & (UINT64_C(1) << level)))
                        continue;
                if (ret->size != size || strlen(s) < b64)
                        return -EINVAL;
                if (jit_base64_decode_strict(s, b64, ret->node[level], MERKLE_HASH_SIZE, &n) < 0 ||
                    n != MERKLE_HASH_SIZE)
                        return -EINVAL;
                s += b64;
                /* One space between hashes, none after the last. */
                if (*s == ' ' && s[1] != '\0')
                        s++;
                else if (*s != '\0')
                        return -EINVAL;
        }
        return *s == '\0' ? 0 : -EINVAL;
}

bool journal_frontier_equal(const MerkleFrontier *a, const MerkleFrontier *b)
{
        if (a->size != b->size)
                return false;
        for (unsigned level = 0; level < MERKLE_MAX_PROOF; level++)
                if ((a->size & (UINT64_C(1) << level)) &&
                    memcmp(a->node[level], b->node[level], MERKLE_HASH_SIZE) != 0)
                        return false;
        return true;
}

typedef struct Link {
        JournalEpochKey cur;
        NoteVerifier identity;
        const char *origin;
        const char *prev_checkpoint;
        uint64_t prev_first_seq;
        MerkleFrontier tree; /* the records before the link, once the link's prev is appended */
} Link;

static bool u64_field(const JournalField *f, const char *key, uint64_t *ret)
{
        return streq(f->key, key) &&
               jit_parse_u64_strict(f->value, strlen(f->value), JOURNAL_MAX_NUMBER, ret) >= 0;
}

/* Read a link record's fields and check them against each other: 0 with *ret_why NULL if they hold,
 * 0 with *ret_why saying why not, or a negative errno if hashing failed (no verdict without a hash). */
static int link_bad(const char **ret_why, const char *reason)
{
        *ret_why = reason;
        return 0;
}

static int link_parse(JitSha256 *sha, const JournalRecordView *v, char *scratch, size_t scratch_size, Link *ret,
                      const char **ret_why)
{
        static const char *const names[LINK_FIELDS] = {
            "epoch",  "epoch_usec",      "first_seq",      "identity",   "key",
            "origin", "prev_checkpoint", "prev_first_seq", "start_usec", "tree",
        };
        JournalField f[JOURNAL_MAX_FIELDS];
        MerkleHash root;
        Checkpoint c;
        size_t text_len, n_sigs;
        int r;

        if (v->n_fields != LINK_FIELDS ||
            journal_record_decode_fields(v, scratch, scratch_size, f, ELEMENTSOF(f)) < 0)
                return link_bad(ret_why, "link record fields are malformed");
        for (size_t i = 0; i < LINK_FIELDS; i++)
                if (!streq(f[i].key, names[i]))
                        return link_bad(ret_why, "link record fields are malformed");
        if (!u64_field(&f[0], "epoch", &ret->cur.epoch) ||
            !u64_field(&f[1], "epoch_usec", &ret->cur.epoch_usec) ||
            !u64_field(&f[2], "first_seq", &ret->cur.first_seq) ||
            !u64_field(&f[7], "prev_first_seq", &ret->prev_first_seq) ||
            !u64_field(&f[8], "start_usec", &ret->cur.start_usec))
                return link_bad(ret_why, "link record fields are malformed");
        ret->origin = f[5].value;
        ret->prev_checkpoint = f[6].value;
        if (!note_name_valid(ret->origin, strlen(ret->origin)))
                return link_bad(ret_why, "link record names an invalid origin");
        if (note_verifier_parse(f[3].value, strlen(f[3].value), &ret->identity) < 0 ||
            note_verifier_parse(f[4].value, strlen(f[4].value), &ret->cur.key) < 0 ||
            !streq(ret->identity.name, ret->origin) || !streq(ret->cur.key.name, ret->origin))
                return link_bad(ret_why, "link record holds an invalid verifier key");
        if (ret->cur.epoch != v->epoch || ret->cur.first_seq > v->seq ||
            ret->cur.epoch_usec < JOURNAL_MIN_EPOCH_USEC || ret->cur.epoch_usec > JOURNAL_MAX_EPOCH_USEC)
                return link_bad(ret_why, "link record's epoch is not the one it is written in");
        if (v->seq < 2 || ret->prev_first_seq >= v->seq)
                return link_bad(ret_why, "link record at a seq no earlier file can end before");
        /* The previous file ends with its last checkpoint, at seq - 1, covering the seq - 1 records before
         * it: the tree restated here must be exactly the one that checkpoint signed. */
        if (note_parse(ret->prev_checkpoint, strlen(ret->prev_checkpoint), &text_len, &n_sigs, NULL) < 0 ||
            n_sigs != 1 || checkpoint_parse(ret->prev_checkpoint, text_len, &c, NULL) < 0 ||
            !streq(c.origin, ret->origin) || c.size != v->seq - 1)
                return link_bad(ret_why, "link record restates a malformed checkpoint, or one that does not end at the seq "
                       "before it");
        if (journal_frontier_parse(f[9].value, c.size, &ret->tree) < 0)
                return link_bad(ret_why, "link record's tree is malformed");
        r = merkle_frontier_root(&ret->tree, sha, root);
        if (r < 0)
                return r;
        if (memcmp(root, c.root, MERKLE_HASH_SIZE) != 0)
                return link_bad(ret_why, "link record's tree is not the tree its checkpoint signed");
        /* The link's prev is the hash of that checkpoint record, the last leaf before the link. */
        r = merkle_frontier_append(&ret->tree, sha, v->prev);
        if (r == -EOVERFLOW)
                return link_bad(ret_why, "link record's tree is too large");
        if (r < 0)
                return r;
        *ret_why = NULL;
        return 0;
}

#define FAIL(w, seq, off, ...) journal_walk_fail(w, seq, off, __VA_ARGS__)

int journal_walk_file_start(JournalWalk *w, const JournalRecordView *v, uint64_t offset)
{
        bool first = w->n == 0;
        const char *why;
        Link l = {};
        int r;

        if (v->type != RECORD_LINK) {
                if (first)
                        return 0; /* the genesis record; the walk's own rules check it */
                if (v->seq == 0 && v->type == RECORD_KEY)
                        return FAIL(w, w->n, offset,
                                    "this file starts a journal of its own (a genesis record): it does not "
                                    "continue the files before it");
                return FAIL(w, w->n, offset,
                            "this file does not begin with a link record: it does not continue the files "
                            "before it (substituted, or not a rotated journal file)");
        }
        if (!first && v->seq > w->n)
                return FAIL(w, w->n, offset,
                            "this file begins at seq %" PRIu64 " but the files before it end at seq %" PRIu64
                            ": records %" PRIu64 "..%" PRIu64
                            " are missing (a file between them was removed, or the previous file was cut "
                            "short)",
                            v->seq, w->n - 1, w->n, v->seq - 1);
        if (!first && v->seq < w->n)
                return FAIL(w, w->n, offset,
                            "this file begins at seq %" PRIu64 " but records %" PRIu64 "..%" PRIu64
                            " are already in the files before it (files reordered or given twice)",
                            v->seq, v->seq, w->n - 1);
        if (!w->scratch && !(w->scratch = malloc(JOURNAL_MAX_LINE)))
                return -ENOMEM;
        r = link_parse(w->sha, v, w->scratch, JOURNAL_MAX_LINE, &l, &why);
        if (r < 0)
                return r;
        if (why)
                return FAIL(w, v->seq, offset, "%s", why);

        if (first) {
                /* Nothing before this file is at hand: take the link's word for the state it restates,
                 * check what follows against it, and report the walk as partial. */
                if (w->trusted && !note_verifier_equal(&l.identity, w->trusted))
                        return FAIL(w, v->seq, offset,
                                    "journal identity key is not the trusted key (foreign key or foreign "
                                    "journal)");
                w->n = v->seq;
                memcpy(w->prev, v->prev, MERKLE_HASH_SIZE);
                w->tree = l.tree;
                w->cur = l.cur;
                w->identity = l.identity;
                snprintf(w->origin, sizeof(w->origin), "%s", l.origin);
                w->partial = true;
                w->first_seq = v->seq;
                w->prev_first_seq = l.prev_first_seq;
                w->file_first_seq = v->seq;
                if (w->want_size == v->seq) {
                        r = merkle_frontier_root(&w->tree, w->sha, w->want_root);
                        if (r < 0)
                                return r;
                        w->have_want_root = true;
                }
                return 0;
        }
        if (memcmp(v->prev, w->prev, MERKLE_HASH_SIZE) != 0 || !w->last_checkpoint ||
            !streq(l.prev_checkpoint, w->last_checkpoint) || !journal_frontier_equal(&l.tree, &w->tree))
                return FAIL(w, v->seq, offset,
                            "this file does not continue the previous one: its link record restates another "
                            "last checkpoint or tree (a file was substituted or altered)");
        if (l.prev_first_seq != w->file_first_seq)
                return FAIL(w, v->seq, offset,
                            "link record names the file that begins at seq %" PRIu64
                            " as its predecessor, but the previous file begins at seq %" PRIu64,
                            l.prev_first_seq, w->file_first_seq);
        if (!streq(l.origin, w->origin) || !note_verifier_equal(&l.identity, &w->identity) ||
            l.cur.epoch != w->cur.epoch || l.cur.first_seq != w->cur.first_seq ||
            l.cur.start_usec != w->cur.start_usec || l.cur.epoch_usec != w->cur.epoch_usec ||
            !note_verifier_equal(&l.cur.key, &w->cur.key))
                return FAIL(w, v->seq, offset,
                            "link record names another origin, identity or epoch key than the files before "
                            "it");
        w->file_first_seq = v->seq;
        return 0;
}
