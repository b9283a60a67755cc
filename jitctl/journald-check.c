/* The journald cross-check of `jitctl verify --journald`. */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-journal.h>

#include "journal.h"
#include "journald-check.h"
#include "util.h"

#define MAX_CHECKPOINTS (1U << 20)
#define MAX_GAPS (1U << 16)
/* Gaps named one by one; past this, only counted. */
#define MAX_GAPS_SHOWN 16

/* What the file says about each seq. */
enum {
        SEQ_MIRRORED_TYPE = 1 << 0, /* jitd sends this record to journald */
        SEQ_IN_JOURNALD = 1 << 1,   /* and journald has it */
};

/* A mirror-gap record: journald missed records first..last, and jitd said so at seq. */
typedef struct Gap {
        uint64_t seq, dropped, first, last;
} Gap;

typedef struct Mirrored {
        uint64_t size;
        MerkleHash root;
} Mirrored;

void journald_closep(sd_journal **j)
{
        if (*j)
                sd_journal_close(*j);
}

const char *journald_entry_field(sd_journal *j, const char *name, size_t *ret_len)
{
        const void *data;
        size_t len, n = strlen(name);

        if (sd_journal_get_data(j, name, &data, &len) < 0 || len <= n + 1)
                return NULL;
        *ret_len = len - n - 1;
        return (const char *)data + n + 1;
}

/* "origin\nSIZE\nROOT\n..." → size and root; the signature is not ours to check here. */
static int parse_checkpoint(const char *note, size_t len, Mirrored *ret)
{
        const char *p = memchr(note, '\n', len), *q, *r;
        char num[24], b64[64];
        size_t bin_len;

        if (!p || !(q = memchr(p + 1, '\n', len - (size_t)(p + 1 - note))) ||
            (size_t)(q - p - 1) >= sizeof(num))
                return -EBADMSG;
        memcpy(num, p + 1, (size_t)(q - p - 1));
        num[q - p - 1] = '\0';
        if (!(r = memchr(q + 1, '\n', len - (size_t)(q + 1 - note))) || (size_t)(r - q - 1) >= sizeof(b64))
                return -EBADMSG;
        memcpy(b64, q + 1, (size_t)(r - q - 1));
        b64[r - q - 1] = '\0';
        char *end;
        errno = 0;
        ret->size = strtoull(num, &end, 10);
        if (errno || *end || !*num)
                return -EBADMSG;
        if (sodium_base642bin(ret->root, sizeof(ret->root), b64, strlen(b64), NULL, &bin_len, NULL,
                              sodium_base64_VARIANT_ORIGINAL) < 0 ||
            bin_len != sizeof(ret->root))
                return -EBADMSG;
        return 0;
}

/* Records jitd mirrors with their JIT_SEQ. Key, checkpoint and link records are the writer's own (a
 * key's or checkpoint's text goes to journald without a seq), and a repair record is written before
 * jitd runs. */
static bool type_mirrored(RecordType t)
{
        return t != RECORD_KEY && t != RECORD_CHECKPOINT && t != RECORD_REPAIR && t != RECORD_LINK;
}

static const char *record_field(const JournalRecord *rec, const char *key)
{
        for (size_t i = 0; i < rec->n_fields; i++)
                if (streq(rec->fields[i].key, key))
                        return rec->fields[i].value;
        return NULL;
}

static int parse_u64(const char *s, uint64_t *ret)
{
        char *end;

        if (!s || *s < '0' || *s > '9')
                return -EBADMSG;
        errno = 0;
        *ret = strtoull(s, &end, 10);
        return errno || *end ? -EBADMSG : 0;
}

/* One pass over the (verified) files: which records are mirrored, and the gaps jitd recorded. */
static int read_file_facts(const char *const *paths, size_t n_paths, uint64_t n_leaves, uint8_t *flags,
                           Gap **ret_gaps, size_t *ret_n)
{
        _cleanup_free_ Gap *gaps = NULL;
        size_t n = 0, cap = 0;
        JournalRecord rec;
        int r = 0;

        for (size_t i = 0; i < n_paths && r >= 0; i++) {
                _cleanup_(journal_reader_freep) JournalReader *rd = NULL;

                r = journal_reader_open(paths[i], &rd);
                if (r < 0)
                        return r;
                while ((r = journal_reader_next(rd, &rec)) > 0 && rec.seq < n_leaves) {
                        Gap g = {.seq = rec.seq};

                        if (type_mirrored(rec.type))
                                flags[rec.seq] |= SEQ_MIRRORED_TYPE;
                        if (rec.type != RECORD_MIRROR_GAP)
                                continue;
                        /* A gap of checkpoint entries only names no records: nothing to explain. */
                        if (parse_u64(record_field(&rec, "dropped"), &g.dropped) < 0 ||
                            parse_u64(record_field(&rec, "first_seq"), &g.first) < 0 ||
                            parse_u64(record_field(&rec, "last_seq"), &g.last) < 0 || g.first > g.last)
                                continue;
                        if (n == cap) {
                                Gap *m;
                                if (cap >= MAX_GAPS)
                                        return -E2BIG;
                                cap = cap ? cap * 2 : 16;
                                m = realloc(gaps, cap * sizeof(*gaps));
                                if (!m)
                                        return -ENOMEM;
                                gaps = m;
                        }
                        gaps[n++] = g;
                }
        }
        if (r < 0)
                return r;
        *ret_gaps = TAKE_PTR(gaps);
        *ret_n = n;
        return 0;
}

/* Records jitd mirrors that journald lacks, between its first and its last one, must each lie in a
 * recorded gap; each gap that explains a missing record is reported as such. */
static int check_missing(const uint8_t *flags, uint64_t lo, uint64_t hi, const Gap *gaps, size_t n_gaps,
                         char *reason, size_t reason_len)
{
        size_t shown = 0, not_shown = 0;

        for (uint64_t s = lo; s <= hi; s++) {
                bool explained = false;

                if ((flags[s] & SEQ_MIRRORED_TYPE) == 0 || (flags[s] & SEQ_IN_JOURNALD))
                        continue;
                for (size_t i = 0; i < n_gaps && !explained; i++)
                        explained = s >= gaps[i].first && s <= gaps[i].last;
                if (!explained) {
                        snprintf(reason, reason_len,
                                 "record %" PRIu64
                                 " is missing from journald and no mirror-gap record explains it: journald "
                                 "entries were removed, or journald discarded them itself (its rate limit)",
                                 s);
                        return -EBADMSG;
                }
        }
        for (size_t i = 0; i < n_gaps; i++) {
                uint64_t missing = 0;

                for (uint64_t s = gaps[i].first; s <= gaps[i].last && s <= hi; s++)
                        if ((flags[s] & SEQ_MIRRORED_TYPE) && !(flags[s] & SEQ_IN_JOURNALD))
                                missing++;
                if (missing == 0)
                        continue;
                if (shown++ >= MAX_GAPS_SHOWN) {
                        not_shown++;
                        continue;
                }
                fprintf(stderr,
                        "jitctl verify: journald missed records %" PRIu64 "..%" PRIu64
                        "; jitd recorded the gap (record %" PRIu64 ": %" PRIu64 " entries dropped, %" PRIu64
                        " of these records absent from journald)\n",
                        gaps[i].first, gaps[i].last, gaps[i].seq, gaps[i].dropped, missing);
        }
        if (not_shown > 0)
                fprintf(stderr, "jitctl verify: and %zu more recorded gaps\n", not_shown);
        return 0;
}

static int cmp_size(const void *a, const void *b)
{
        const Mirrored *x = a, *y = b;
        return x->size < y->size ? -1 : x->size > y->size;
}

int journald_cross_check(const char *const *paths, size_t n_paths, const MerkleHash *leaves,
                         uint64_t n_leaves, uint64_t first_seq, uint64_t *ret_n_checked, char *reason,
                         size_t reason_len)
{
        _cleanup_(journald_closep) sd_journal *j = NULL;
        _cleanup_free_ Mirrored *cps = NULL;
        _cleanup_free_ uint8_t *flags = NULL;
        _cleanup_free_ Gap *gaps = NULL;
        _cleanup_(jit_sha256_freep) JitSha256 *sha = NULL;
        size_t n_cps = 0, cap = 0, n_gaps = 0;
        uint64_t checked = 0, lo = UINT64_MAX, hi = 0;
        int r;

        flags = calloc(n_leaves ? n_leaves : 1, 1);
        if (!flags)
                return -ENOMEM;
        r = read_file_facts(paths, n_paths, n_leaves, flags, &gaps, &n_gaps);
        if (r < 0)
                return r;

        r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
        if (r < 0)
                return r;
        /* Decisions come as jitd, checkpoints as jitd-checkpoint (so that `journalctl -t jitd` reads as
         * a list of decisions): two matches on one field, which journald ORs. */
        r = sd_journal_add_match(j, "SYSLOG_IDENTIFIER=jitd", 0);
        if (r >= 0)
                r = sd_journal_add_match(j, "SYSLOG_IDENTIFIER=jitd-checkpoint", 0);
        if (r < 0)
                return r;
        SD_JOURNAL_FOREACH(j)
        {
                const char *v, *h;
                size_t len, hlen;

                if ((v = journald_entry_field(j, "JIT_CHECKPOINT", &len))) {
                        if (n_cps == cap) {
                                Mirrored *n;
                                if (cap >= MAX_CHECKPOINTS)
                                        return -E2BIG;
                                cap = cap ? cap * 2 : 64;
                                n = realloc(cps, cap * sizeof(*cps));
                                if (!n)
                                        return -ENOMEM;
                                cps = n;
                        }
                        if (parse_checkpoint(v, len, &cps[n_cps]) == 0)
                                n_cps++;
                        continue;
                }
                if (!(v = journald_entry_field(j, "JIT_SEQ", &len)) ||
                    !(h = journald_entry_field(j, "JIT_LEAF_HASH", &hlen)))
                        continue;
                char num[24], hex[2 * MERKLE_HASH_SIZE + 1];
                MerkleHash leaf;
                uint64_t seq;
                if (len >= sizeof(num) || hlen != 2 * MERKLE_HASH_SIZE)
                        continue;
                memcpy(num, v, len);
                num[len] = '\0';
                memcpy(hex, h, hlen);
                hex[hlen] = '\0';
                seq = strtoull(num, NULL, 10);
                if (sodium_hex2bin(leaf, sizeof(leaf), hex, hlen, NULL, NULL, NULL) < 0)
                        continue;
                /* Records in files not given (archived) cannot be compared. */
                if (seq < first_seq)
                        continue;
                checked++;
                if (seq >= n_leaves) {
                        snprintf(reason, reason_len,
                                 "journald mirrors record %" PRIu64 " but the file has only %" PRIu64
                                 " records: the file was truncated or rolled back",
                                 seq, n_leaves);
                        return -EBADMSG;
                }
                if (sodium_memcmp(leaf, leaves[seq], sizeof(leaf)) != 0) {
                        snprintf(reason, reason_len,
                                 "record %" PRIu64
                                 " differs from the one journald mirrored: history was rewritten",
                                 seq);
                        return -EBADMSG;
                }
                flags[seq] |= SEQ_IN_JOURNALD;
                lo = seq < lo ? seq : lo;
                hi = seq > hi ? seq : hi;
        }
        if (lo <= hi) {
                r = check_missing(flags, lo, hi, gaps, n_gaps, reason, reason_len);
                if (r < 0)
                        return r;
        }

        /* Every mirrored checkpoint must be this file's tree at that size: one pass over the leaves. */
        if (n_cps > 0)
                qsort(cps, n_cps, sizeof(*cps), cmp_size);
        MerkleFrontier f;
        merkle_frontier_init(&f);
        r = jit_sha256_new(&sha);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n_cps; i++) {
                MerkleHash root;
                if (cps[i].size > n_leaves) {
                        snprintf(reason, reason_len,
                                 "journald holds a checkpoint of %" PRIu64
                                 " records but the file has only %" PRIu64
                                 ": the file was truncated or rolled back",
                                 cps[i].size, n_leaves);
                        return -EBADMSG;
                }
                /* Without the leaves before first_seq no tree can be rebuilt: the records and the
                 * truncation check above still stand. */
                if (first_seq > 0)
                        continue;
                while (f.size < cps[i].size && r >= 0)
                        r = merkle_frontier_append(&f, sha, leaves[f.size]);
                if (r >= 0)
                        r = merkle_frontier_root(&f, sha, root);
                if (r < 0)
                        return r;
                if (sodium_memcmp(root, cps[i].root, sizeof(root)) != 0) {
                        snprintf(reason, reason_len,
                                 "the file's tree at %" PRIu64
                                 " records differs from the checkpoint journald holds",
                                 cps[i].size);
                        return -EBADMSG;
                }
                checked++;
        }
        /* Nothing compared proves nothing: journald never saw this journal (another host's copy, a
         * journald that lost everything, or a jitd that never ran here). */
        if (checked == 0) {
                snprintf(reason, reason_len,
                         "journald holds no record or checkpoint of this journal, so nothing was compared "
                         "(a copy from another host, or journald lost its entries)");
                return -EBADMSG;
        }
        *ret_n_checked = checked;
        return 0;
}
