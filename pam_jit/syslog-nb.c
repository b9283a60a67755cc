/* Logging for the front ends that a stopped journald cannot stall (see syslog-nb.h). */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "duration.h"
#include "syslog-nb.h"
#include "util.h"

#define LOG_SOCKET "/dev/log"

/* Send LINE, waiting at most JIT_SYSLOG_WAIT_USEC for room in the log's queue. */
static void send_bounded(int fd, const char *line)
{
        uint64_t deadline = jit_now_usec(CLOCK_MONOTONIC) + JIT_SYSLOG_WAIT_USEC, now;
        struct pollfd p = {.fd = fd, .events = POLLOUT};

        for (;;) {
                if (send(fd, line, strlen(line), MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
                        return;
                if (errno != EAGAIN && errno != EINTR)
                        return;
                now = jit_now_usec(CLOCK_MONOTONIC);
                if (now >= deadline)
                        return;
                /* A connected datagram socket polls writable once the reader's queue has room. */
                if (poll(&p, 1, (int)((deadline - now + 999) / 1000)) < 0 && errno != EINTR)
                        return;
        }
}

void jit_syslog(int priority, const char *ident, const char *fmt, ...)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX, .sun_path = LOG_SOCKET};
        char line[2048], stamp[32] = "";
        struct tm tm;
        time_t now = time(NULL);
        int saved = errno, fd, n;
        va_list ap;

        /* RFC 3164's header, as glibc writes it: what journald and rsyslog parse. */
        if (localtime_r(&now, &tm))
                strftime(stamp, sizeof(stamp), "%h %e %T", &tm);
        n = snprintf(line, sizeof(line), "<%d>%s %s[%ld]: ", priority, stamp, ident ? ident : "pam_jit",
                     (long)getpid());
        if (n < 0 || (size_t)n >= sizeof(line))
                goto out;
        va_start(ap, fmt);
        vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
        va_end(ap);

        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                goto out;
        if (connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) == 0)
                send_bounded(fd, line);
        close(fd);
out:
        errno = saved;
}
