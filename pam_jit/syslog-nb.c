/* Logging for the front ends that never stalls the host program (see syslog-nb.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "syslog-nb.h"
#include "util.h"

#define LOG_SOCKET "/dev/log"

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
                (void)send(fd, line, strlen(line), MSG_DONTWAIT | MSG_NOSIGNAL);
        close(fd);
out:
        errno = saved;
}
