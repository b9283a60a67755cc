/* Reading a journal file line by line in large chunks: the one bounded reader of the writer's
 * recovery, the verifier and the record reader. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal-internal.h"

/* Room for the longest line and what follows it; reads of this size keep syscalls rare. */
#define LINE_BUF_SIZE (256 * 1024)

int line_reader_init(LineReader *lr, int fd, uint64_t offset)
{
        struct stat st;
        size_t cap = LINE_BUF_SIZE;

        /* Small files get a small buffer; it grows if the file does (jitctl log --follow). */
        if (fstat(fd, &st) == 0 && (uint64_t)st.st_size >= offset && (uint64_t)st.st_size - offset < cap)
                cap = (size_t)st.st_size - offset + 1 < 4096 ? 4096 : (size_t)st.st_size - offset + 1;
        *lr = (LineReader){.fd = fd, .offset = offset, .cap = cap};
        lr->buf = malloc(lr->cap);
        if (!lr->buf)
                return -ENOMEM;
        if (lseek(fd, (off_t)offset, SEEK_SET) < 0) {
                free(lr->buf);
                lr->buf = NULL;
                return -errno;
        }
        return 0;
}

void line_reader_done(LineReader *lr)
{
        free(lr->buf);
        lr->buf = NULL;
}

int line_reader_next(LineReader *lr, const char **ret_line, size_t *ret_len, uint64_t *ret_offset)
{
        size_t scanned = 0;

        for (;;) {
                char *start = lr->buf + lr->start;
                char *nl = memchr(start + scanned, '\n', lr->end - lr->start - scanned);

                if (nl) {
                        size_t len = (size_t)(nl - start);

                        if (len >= JOURNAL_MAX_LINE)
                                return -EMSGSIZE;
                        *ret_line = start;
                        *ret_len = len;
                        *ret_offset = lr->offset;
                        lr->start += len + 1;
                        lr->offset += len + 1;
                        return 1;
                }
                scanned = lr->end - lr->start;
                if (scanned >= JOURNAL_MAX_LINE)
                        return -EMSGSIZE;
                if (lr->start > 0) {
                        memmove(lr->buf, start, scanned);
                        lr->end = scanned;
                        lr->start = 0;
                }
                if (lr->end == lr->cap) {
                        size_t cap = lr->cap * 2 > LINE_BUF_SIZE ? LINE_BUF_SIZE : lr->cap * 2;
                        char *b = cap > lr->cap ? realloc(lr->buf, cap) : NULL;

                        if (!b)
                                return -ENOMEM;
                        lr->buf = b;
                        lr->cap = cap;
                }
                ssize_t r = read(lr->fd, lr->buf + lr->end, lr->cap - lr->end);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (r == 0) {
                        *ret_line = lr->buf + lr->start;
                        *ret_len = lr->end - lr->start;
                        *ret_offset = lr->offset;
                        return 0;
                }
                lr->end += (size_t)r;
        }
}
