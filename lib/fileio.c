/* Bounded whole-file reads (lib/fileio.h). Linked into pam_jit.so too: libc only. */
#include <errno.h>
#include <unistd.h>

#include "fileio.h"

int jit_read_fd_bounded(int fd, char *buf, size_t max, size_t *ret_len)
{
        size_t n = 0;

        for (;;) {
                ssize_t r = read(fd, buf + n, max - n);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (r == 0)
                        break;
                n += (size_t)r;
                if (n == max)
                        return -EFBIG;
        }
        buf[n] = '\0';
        *ret_len = n;
        return 0;
}
