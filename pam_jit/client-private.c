/* The bus client's way to jitd's private socket (/run/jit/private): checked before it is trusted.
 *
 * The socket saves every sudo the round trips through dbus-daemon. It is trusted only as the system
 * bus is: a name only root may own there, a path only root may create here. So before connecting,
 * the directory and the socket must be root's and writable by nobody else, and after connecting the
 * kernel's word on the peer (SO_PEERCRED) must be uid 0. Only a socket that is not there at all (no
 * directory, no socket: a jitd without it, or one that stopped), or a host that is not root and so
 * may not look, sends the client to the system bus; anything else wrong denies. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "client-internal.h"
#include "duration.h"
#include "jit-bus.h"
#include "util.h"

/* Deny: the private socket is not what jitd would have made. The detail names what is wrong. */
static int unsafe(JitOutcome *o, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int unsafe(JitOutcome *o, int error, const char *fmt, ...)
{
        va_list ap;

        outcome_set(o, JIT_VERDICT_DENIED, JIT_REASON_UNSAFE_SOCKET, error, NULL);
        free(o->detail);
        va_start(ap, fmt);
        if (vasprintf(&o->detail, fmt, ap) < 0)
                o->detail = NULL;
        va_end(ap);
        return error;
}

/* Root's, and writable by root alone: a group or other write bit would let someone else replace the
 * socket jitd made. */
static int check_owner_mode(const struct stat *st, const char *path, JitOutcome *o)
{
        if (st->st_uid != 0)
                return unsafe(o, -EPERM, "%s is owned by uid %u, not root", path, (unsigned)st->st_uid);
        if (st->st_mode & 0022)
                return unsafe(o, -EPERM, "%s has mode %04o (writable by others than root)", path,
                              (unsigned)(st->st_mode & 07777));
        return 0;
}

/* A blocking connect, bounded by the send timeout (the kernel's wait for room in the listen backlog). */
static int connect_bounded(int fd)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX, .sun_path = JIT_PRIVATE_SOCKET};
        struct timeval tv = {.tv_sec = JIT_CALL_TIMEOUT_USEC / USEC_PER_SEC};

        if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
                return -errno;
        while (connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) < 0)
                if (errno != EINTR)
                        return -errno;
        return 0;
}

/* 1: connected to jitd on its private socket; 0: there is none, use the system bus; < 0: deny, *o
 * says why. */
int client_connect_private(Client *cl, JitOutcome *o)
{
        _cleanup_(sd_bus_close_unrefp) sd_bus *bus = NULL;
        _cleanup_close_ int dfd = -1, fd = -1;
        struct ucred cred;
        socklen_t len = sizeof(cred);
        struct stat st;
        int r;

        dfd = open(JIT_PRIVATE_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0 && errno == ENOENT)
                return 0;
        if (dfd < 0)
                return unsafe(o, -errno, "%s is not a directory: %s", JIT_PRIVATE_DIR, strerror(errno));
        if (fstat(dfd, &st) < 0)
                return unsafe(o, -errno, "cannot check %s: %s", JIT_PRIVATE_DIR, strerror(errno));
        r = check_owner_mode(&st, JIT_PRIVATE_DIR, o);
        if (r < 0)
                return r;
        if (fstatat(dfd, JIT_PRIVATE_NAME, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                        return 0;
                /* A host that is not root cannot look into root's 0700 directory: the socket is not
                 * for it. The system bus is, where jitd takes CreateRequest from root alone (A08),
                 * and the module denies saying that jitd refused. */
                if (errno == EACCES && geteuid() != 0)
                        return 0;
                return unsafe(o, -errno, "cannot check %s: %s", JIT_PRIVATE_SOCKET, strerror(errno));
        }
        if (!S_ISSOCK(st.st_mode))
                return unsafe(o, -ENOTSOCK, "%s is not a socket", JIT_PRIVATE_SOCKET);
        r = check_owner_mode(&st, JIT_PRIVATE_SOCKET, o);
        if (r < 0)
                return r;

        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
                outcome_set(o, JIT_VERDICT_DENIED, JIT_REASON_INTERNAL, -errno, NULL);
                return -errno;
        }
        r = connect_bounded(fd);
        if (r == -ENOENT)
                return 0; /* removed since the check: jitd stopped */
        if (r == -ECONNREFUSED) {
                /* A socket nobody listens on: a jitd that was killed. As on the bus, jitd is not running. */
                outcome_set(o, JIT_VERDICT_UNREACHABLE, JIT_REASON_NO_JITD, r, NULL);
                return r;
        }
        if (r == -EAGAIN || r == -ETIMEDOUT) {
                outcome_set(o, JIT_VERDICT_DENIED, JIT_REASON_NO_ANSWER, r, NULL);
                return r;
        }
        if (r < 0)
                return unsafe(o, r, "cannot connect to %s: %s", JIT_PRIVATE_SOCKET, strerror(-r));
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
                return unsafe(o, -errno, "cannot learn who listens on %s: %s", JIT_PRIVATE_SOCKET,
                              strerror(errno));
        if (cred.uid != 0)
                return unsafe(o, -EPERM, "%s is served by uid %u, not root", JIT_PRIVATE_SOCKET,
                              (unsigned)cred.uid);

        r = sd_bus_new(&bus);
        if (r >= 0) {
                r = sd_bus_set_fd(bus, fd, fd);
                if (r >= 0)
                        fd = -1; /* the bus closes it now */
        }
        /* Nobody may hand the host process a file descriptor through us. */
        if (r >= 0)
                r = sd_bus_negotiate_fds(bus, 0);
        if (r >= 0)
                r = sd_bus_set_method_call_timeout(bus, JIT_CALL_TIMEOUT_USEC);
        if (r >= 0)
                r = sd_bus_set_description(bus, "pam_jit");
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0) {
                outcome_set(o, JIT_VERDICT_DENIED, r == -ENOMEM ? JIT_REASON_INTERNAL : JIT_REASON_BUS_LOST, r,
                            NULL);
                return r;
        }
        cl->bus = TAKE_PTR(bus);
        cl->direct = true;
        client_debug(cl, "connected to %s", JIT_PRIVATE_SOCKET);
        return 1;
}
