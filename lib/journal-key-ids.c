/* The register of epoch key IDs the writer keeps beside the keys.
 *
 * A new epoch key must not reuse the key ID of any earlier epoch (docs/journal-format.md §5.1), so
 * the writer must know them all. Before rotation the journal file alone told it; after a rotation the
 * writer reads only the current file, whose key records need not go back to epoch 0, and the files
 * that held the others may have been archived. So every ID is also written here, one "<8 hex>\n"
 * line per epoch, appended and fdatasync'ed before the journal certifies the key. A missing
 * register is rebuilt from what the writer knows; a damaged line is skipped (the IDs in the journal
 * file still count). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "journal-writer-internal.h"
#include "util.h"

#define KEY_IDS_FILE "key-ids"
/* 4 GiB of hourly epochs would be 50 000 years: a bound only against a file that is not ours. */
#define KEY_IDS_MAX_BYTES (16U * 1024 * 1024)

static bool known(const JournalWriter *w, uint32_t id)
{
        for (size_t i = 0; i < w->n_key_ids; i++)
                if (w->key_ids[i] == id)
                        return true;
        return false;
}

static int append_ids(JournalWriter *w, const uint32_t *ids, size_t n)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = malloc(9 * n + 1);
        int r;

        if (!buf)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                snprintf(buf + 9 * i, 10, "%08" PRIx32 "\n", ids[i]);
        fd = openat(w->dir_fd, KEY_IDS_FILE, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        r = journal_write_all_at(fd, buf, 9 * n, (uint64_t)lseek(fd, 0, SEEK_END));
        if (r >= 0 && fdatasync(fd) < 0)
                r = -errno;
        return r;
}

int journal_key_ids_append(JournalWriter *w, uint32_t id)
{
        return append_ids(w, &id, 1);
}

int journal_key_ids_sync(JournalWriter *w)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        _cleanup_free_ bool *listed = NULL;
        _cleanup_free_ uint32_t *missing = NULL;
        size_t len = 0, n_missing = 0, n_known = w->n_key_ids;
        int r;

        fd = openat(w->dir_fd, KEY_IDS_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 && errno != ENOENT)
                return -errno;
        if (fd >= 0) {
                buf = malloc(KEY_IDS_MAX_BYTES + 1);
                if (!buf)
                        return -ENOMEM;
                r = jit_read_fd_bounded(fd, buf, KEY_IDS_MAX_BYTES, &len);
                if (r < 0)
                        return r;
        }
        /* What the register holds joins what the journal file told; then whatever the file knew
         * and the register lacks is added to it. */
        listed = calloc(n_known ? n_known : 1, sizeof(*listed));
        if (!listed)
                return -ENOMEM;
        for (size_t o = 0; o + 9 <= len; o += 9) {
                uint8_t b[4];
                uint32_t id;

                if (buf[o + 8] != '\n' || jit_hex_decode_strict(buf + o, 8, b, sizeof(b)) < 0)
                        continue;
                id = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
                for (size_t i = 0; i < n_known; i++)
                        if (w->key_ids[i] == id)
                                listed[i] = true;
                if (!known(w, id)) {
                        r = journal_writer_remember_key_id(w, id);
                        if (r < 0)
                                return r;
                }
        }
        missing = calloc(n_known ? n_known : 1, sizeof(*missing));
        if (!missing)
                return -ENOMEM;
        for (size_t i = 0; i < n_known; i++)
                if (!listed[i])
                        missing[n_missing++] = w->key_ids[i];
        return n_missing > 0 ? append_ids(w, missing, n_missing) : 0;
}
