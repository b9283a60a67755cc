/* Reading records in order for replay and display: strict parsing and the seq/prev chain, no signatures. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal-internal.h"
#include "util.h"

struct JournalReader {
        int fd;
        LineReader lr;
        uint64_t n;
        MerkleHash prev;
        JitSha256 *sha;
        uint64_t partial;
        char fields_buf[JOURNAL_MAX_LINE];
        JournalField fields[JOURNAL_MAX_FIELDS];
        char error[256];
};

int journal_reader_open(const char *path, JournalReader **ret)
{
        JournalReader *r;
        int k;

        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        k = jit_sha256_new(&r->sha);
        if (k < 0) {
                free(r);
                return k;
        }
        r->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (r->fd < 0) {
                k = -errno;
                jit_sha256_free(r->sha);
                free(r);
                return k;
        }
        k = line_reader_init(&r->lr, r->fd, 0);
        if (k < 0) {
                close(r->fd);
                jit_sha256_free(r->sha);
                free(r);
                return k;
        }
        *ret = r;
        return 0;
}

void journal_reader_free(JournalReader *r)
{
        if (!r)
                return;
        line_reader_done(&r->lr);
        close(r->fd);
        jit_sha256_free(r->sha);
        free(r);
}

const char *journal_reader_error(JournalReader *r)
{
        return r->error;
}

bool journal_reader_reads(JournalReader *r, const char *path)
{
        struct stat a, b;

        return fstat(r->fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

uint64_t journal_reader_partial_bytes(JournalReader *r)
{
        return r->partial;
}

int journal_reader_next(JournalReader *r, JournalRecord *ret)
{
        JournalRecordView v;
        const char *line, *why = NULL;
        size_t len;
        uint64_t off;
        int k;

        k = line_reader_next(&r->lr, &line, &len, &off);
        if (k == -EMSGSIZE) {
                snprintf(r->error, sizeof(r->error), "seq %" PRIu64 ": line longer than %d bytes", r->n,
                         JOURNAL_MAX_LINE);
                return -EBADMSG;
        }
        if (k < 0)
                return k;
        if (k == 0) {
                r->partial = len;
                return 0;
        }
        r->partial = 0;
        if (journal_record_parse(line, len, &v, &why) < 0) {
                snprintf(r->error, sizeof(r->error), "seq %" PRIu64 ": malformed record: %s", r->n, why);
                return -EBADMSG;
        }
        /* A rotated-in file begins with a link record: the log goes on from there (journal-link.c). */
        if (off == 0 && v.type == RECORD_LINK && r->n == 0) {
                r->n = v.seq;
                memcpy(r->prev, v.prev, MERKLE_HASH_SIZE);
        }
        if (v.seq != r->n) {
                snprintf(r->error, sizeof(r->error), "seq %" PRIu64 " where %" PRIu64 " was expected", v.seq,
                         r->n);
                return -EBADMSG;
        }
        if (memcmp(v.prev, r->prev, MERKLE_HASH_SIZE) != 0) {
                snprintf(r->error, sizeof(r->error),
                         "seq %" PRIu64 ": prev does not match the previous record", v.seq);
                return -EBADMSG;
        }
        k = journal_record_decode_fields(&v, r->fields_buf, sizeof(r->fields_buf), r->fields,
                                         ELEMENTSOF(r->fields));
        if (k < 0)
                return k;

        *ret = (JournalRecord){
            .seq = v.seq,
            .time_usec = v.time_usec,
            .epoch = v.epoch,
            .type = v.type,
            .type_name = journal_record_type_to_string(v.type),
            .fields = r->fields,
            .n_fields = v.n_fields,
            .line = line,
            .line_len = len,
            .offset = off,
        };
        k = merkle_leaf_hash(r->sha, line, len, ret->leaf_hash);
        if (k < 0)
                return k;
        memcpy(r->prev, ret->leaf_hash, MERKLE_HASH_SIZE);
        r->n++;
        return 1;
}
