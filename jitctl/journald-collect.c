/* The fleet collector's check (jitctl verify --journald --directory): one host's signed journal,
 * rebuilt from the record lines jitd mirrored (JIT_RECORD_LINE) in a journal directory that
 * systemd-journal-remote filled, and verified by the same walk as a file (journal_verify_lines).
 * journald is not trusted here: it is only the carrier. What it holds must be the exact lines the
 * identity key's chain of epoch keys signed, or it is tampering; what it lacks is a gap. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-journal.h>

#include "journal-util.h"
#include "journald-check.h"
#include "journald-collect.h"
#include "util.h"

/* Entries read per origin: about 1 KiB of memory each. */
#define MAX_COLLECTED (1U << 22)

typedef struct Collected {
        uint64_t seq;
        RecordType type;
        char *line;
        size_t len;
} Collected;

typedef struct Collection {
        Collected *c;
        size_t n, cap;
} Collection;

static void collection_done(Collection *col)
{
        for (size_t i = 0; i < col->n; i++)
                free(col->c[i].line);
        free(col->c);
}

static int tampered(CollectReport *ret, uint64_t seq, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int tampered(CollectReport *ret, uint64_t seq, const char *fmt, ...)
{
        va_list ap;

        ret->verdict = COLLECT_TAMPERED;
        ret->bad_seq = seq;
        va_start(ap, fmt);
        vsnprintf(ret->reason, sizeof(ret->reason), fmt, ap);
        va_end(ap);
        return 0;
}

/* One entry: its seq and record line, copied. An entry that claims a seq its line does not hold, or
 * a line that is no record, is a forgery as much as an altered record: the walk would say so later,
 * but here the entry itself can be named. 1 if taken, 0 if skipped, -EBADMSG if tampered. */
static int collect_entry(sd_journal *j, Collection *col, CollectReport *ret)
{
        const char *s, *line, *why = NULL;
        size_t slen, len;
        JournalRecordView v;
        uint64_t seq;

        if (!(s = journald_entry_field(j, "JIT_SEQ", &slen)))
                return 0;
        if (jit_parse_u64_strict(s, slen, JOURNAL_MAX_NUMBER, &seq) < 0) {
                tampered(ret, UINT64_MAX, "an entry's JIT_SEQ is not a sequence number");
                return -EBADMSG;
        }
        /* Entries of a jitd older than the record line carry none: they cannot be checked. */
        if (!(line = journald_entry_field(j, "JIT_RECORD_LINE", &len))) {
                ret->n_no_line++;
                return 0;
        }
        if (len >= JOURNAL_MAX_LINE || journal_record_parse(line, len, &v, &why) < 0) {
                tampered(ret, seq, "journald's entry for record %" PRIu64 " holds no valid record: %s", seq,
                         why ? why : "line too long");
                return -EBADMSG;
        }
        if (v.seq != seq) {
                tampered(ret, seq, "journald's entry for record %" PRIu64 " holds record %" PRIu64, seq,
                         v.seq);
                return -EBADMSG;
        }
        if (col->n == col->cap) {
                Collected *c;
                size_t cap = col->cap ? 2 * col->cap : 256;

                if (col->cap >= MAX_COLLECTED)
                        return -E2BIG;
                c = reallocarray(col->c, cap, sizeof(*c));
                if (!c)
                        return -ENOMEM;
                col->c = c;
                col->cap = cap;
        }
        col->c[col->n] = (Collected){.seq = seq, .type = v.type, .len = len, .line = strndup(line, len)};
        if (!col->c[col->n].line)
                return -ENOMEM;
        col->n++;
        return 1;
}

static int cmp_seq(const void *a, const void *b)
{
        const Collected *x = a, *y = b;
        return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* journal-upload may send an entry twice (a restart after a lost reply): the same bytes are one
 * record. Two different records for one seq are not. */
static int dedupe(Collection *col, CollectReport *ret)
{
        size_t o = 0;

        for (size_t i = 0; i < col->n; i++) {
                if (o > 0 && col->c[o - 1].seq == col->c[i].seq) {
                        if (col->c[o - 1].len != col->c[i].len ||
                            memcmp(col->c[o - 1].line, col->c[i].line, col->c[i].len) != 0) {
                                uint64_t seq = col->c[i].seq;

                                /* Leave each line still owned in the array once, for collection_done():
                                 * slots before i were kept (moved to [0, o)) or freed as copies. */
                                memmove(&col->c[o], &col->c[i], (col->n - i) * sizeof(col->c[0]));
                                col->n = o + (col->n - i);
                                return tampered(ret, seq,
                                                "journald holds two different records with seq %" PRIu64
                                                ": one of them was forged",
                                                seq);
                        }
                        free(col->c[i].line);
                        continue;
                }
                col->c[o++] = col->c[i];
        }
        col->n = o;
        return 0;
}

/* Did jitd record [first, last] in a mirror-gap record (journald did not take those entries)? Such a
 * record lies after the gap; only its own fields are read here, as its chain cannot be checked. */
static void explain_gap(const Collection *col, size_t from, CollectReport *ret)
{
        for (size_t i = from; i < col->n; i++) {
                char a[24], b[24];
                uint64_t first, last;
                JournalRecordView v;
                const char *why;

                if (col->c[i].type != RECORD_MIRROR_GAP ||
                    journal_record_parse(col->c[i].line, col->c[i].len, &v, &why) < 0 ||
                    journal_record_get_field(&v, "first_seq", a, sizeof(a), NULL) < 0 ||
                    journal_record_get_field(&v, "last_seq", b, sizeof(b), NULL) < 0 ||
                    jit_parse_u64_strict(a, strlen(a), JOURNAL_MAX_NUMBER, &first) < 0 ||
                    jit_parse_u64_strict(b, strlen(b), JOURNAL_MAX_NUMBER, &last) < 0)
                        continue;
                if (first <= ret->gap_first && last >= ret->gap_last) {
                        ret->gap_recorded = true;
                        ret->gap_record_seq = col->c[i].seq;
                        return;
                }
        }
}

static int verify_collection(const Collection *col, const char *pubkey_text, CollectReport *ret)
{
        _cleanup_free_ JournalLine *lines = NULL;
        JournalVerifyOptions o = {.pubkey_text = pubkey_text, .all_signatures = true};
        size_t run = 0, last_cp = SIZE_MAX;
        int r;

        /* The records from seq 0 on without a hole, and the last checkpoint among them: records after
         * it are still on their way (their checkpoint is committed with them, and may come first or
         * later), so the walk stops there. */
        while (run < col->n && col->c[run].seq == run)
                run++;
        for (size_t i = 0; i < run; i++)
                if (col->c[i].type == RECORD_CHECKPOINT)
                        last_cp = i;
        if (run < col->n) {
                ret->verdict = COLLECT_GAP;
                ret->gap_first = run;
                ret->gap_last = col->c[run].seq - 1;
                explain_gap(col, run, ret);
        }
        if (last_cp == SIZE_MAX) {
                if (ret->verdict == COLLECT_OK)
                        snprintf(
                            ret->reason, sizeof(ret->reason),
                            "records 0..%zu arrived but no checkpoint among them: nothing is signed yet",
                            run - 1);
                ret->verdict = COLLECT_GAP;
                return 0;
        }
        ret->n_tail = run - last_cp - 1;
        lines = calloc(last_cp + 1, sizeof(*lines));
        if (!lines)
                return -ENOMEM;
        for (size_t i = 0; i <= last_cp; i++)
                lines[i] = (JournalLine){col->c[i].line, col->c[i].len};
        r = journal_verify_lines(lines, last_cp + 1, &o, &ret->res);
        if (r == -EBADMSG) {
                /* Tampering outranks a gap: it is the stronger finding. */
                ret->verdict = COLLECT_TAMPERED;
                ret->bad_seq = ret->res.bad_seq;
                snprintf(ret->reason, sizeof(ret->reason), "%s", ret->res.reason);
                return 0;
        }
        if (r < 0)
                return r;
        ret->n_verified = last_cp + 1;
        return 0;
}

int journald_collect_verify(const char *dir, const char *origin, const char *pubkey_text, CollectReport *ret)
{
        _cleanup_(journald_closep) sd_journal *j = NULL;
        _cleanup_free_ char *match = NULL;
        Collection col = {};
        int r;

        *ret = (CollectReport){.bad_seq = UINT64_MAX};
        ret->res.bad_seq = UINT64_MAX;
        r = sd_journal_open_directory(&j, dir, 0);
        if (r < 0)
                return r;
        /* A record line is up to 64 KiB; the default threshold would cut it. */
        r = sd_journal_set_data_threshold(j, JOURNAL_MAX_LINE + 64);
        if (r >= 0 && asprintf(&match, "JIT_ORIGIN=%s", origin) < 0)
                r = -ENOMEM;
        if (r >= 0)
                r = sd_journal_add_match(j, match, 0);
        if (r < 0)
                return r;
        SD_JOURNAL_FOREACH(j)
        {
                r = collect_entry(j, &col, ret);
                if (r == -EBADMSG)
                        break;
                if (r < 0)
                        goto out;
                ret->n_entries += (uint64_t)r;
        }
        r = 0;
        if (ret->verdict == COLLECT_TAMPERED)
                goto out;
        if (col.n == 0) {
                r = -ENODATA;
                goto out;
        }
        qsort(col.c, col.n, sizeof(*col.c), cmp_seq);
        r = dedupe(&col, ret);
        if (r >= 0 && ret->verdict == COLLECT_OK)
                r = verify_collection(&col, pubkey_text, ret);
out:
        collection_done(&col);
        return r;
}

void collect_report_done(CollectReport *r)
{
        journal_verify_result_done(&r->res);
}
