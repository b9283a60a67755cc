/* lib/fileio.c: the bounded reader keeps what fits, refuses what fills its bound, and reads to the end
 * of pipes that deliver in pieces. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "tap.h"
#include "util.h"

/* A memfd holding s, read from its start. */
static int memfd_with(const char *s, size_t n)
{
        int fd = memfd_create("test-fileio", MFD_CLOEXEC);

        if (fd < 0 || write(fd, s, n) != (ssize_t)n || lseek(fd, 0, SEEK_SET) != 0)
                abort();
        return fd;
}

static int read_text(const char *s, size_t n, size_t max, char *buf, size_t *ret_len)
{
        _cleanup_close_ int fd = memfd_with(s, n);

        return jit_read_fd_bounded(fd, buf, max, ret_len);
}

int main(void)
{
        Tap t = {};
        char buf[16];
        size_t n = 99;
        int fds[2];
        pid_t pid;

        memset(buf, 'x', sizeof(buf));
        tap_ok(&t, read_text("", 0, 8, buf, &n) == 0 && n == 0 && buf[0] == '\0',
               "an empty file reads as \"\"");
        tap_ok(&t, read_text("abc", 3, 8, buf, &n) == 0 && n == 3 && streq(buf, "abc"),
               "a short file is read whole and NUL-terminated");
        tap_ok(&t, read_text("1234567", 7, 8, buf, &n) == 0 && n == 7, "max - 1 bytes fit");
        tap_ok(&t, read_text("12345678", 8, 8, buf, &n) == -EFBIG,
               "max bytes are refused (the file may go on)");
        tap_ok(&t, read_text("123456789abc", 12, 8, buf, &n) == -EFBIG, "a longer file is refused");
        tap_ok(&t, read_text("a\0b", 3, 8, buf, &n) == 0 && n == 3 && memcmp(buf, "a\0b", 4) == 0,
               "a NUL inside is kept; the length tells");

        /* A pipe that delivers in two writes: the reader goes on to the end of the file. */
        if (pipe2(fds, O_CLOEXEC) < 0)
                abort();
        pid = fork();
        if (pid < 0)
                abort();
        if (pid == 0) {
                close(fds[0]);
                if (write(fds[1], "ab", 2) != 2 || write(fds[1], "cd", 2) != 2)
                        _exit(1);
                _exit(0);
        }
        close(fds[1]);
        tap_ok(&t, jit_read_fd_bounded(fds[0], buf, 8, &n) == 0 && n == 4 && streq(buf, "abcd"),
               "a pipe is read to its end, whatever its pieces");
        close(fds[0]);
        waitpid(pid, NULL, 0);
        tap_ok(&t, jit_read_fd_bounded(-1, buf, 8, &n) == -EBADF, "a read error is returned as -errno");
        return tap_done(&t);
}
