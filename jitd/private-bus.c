/* jitd's private socket for root clients: /run/jit/private, peer-to-peer D-Bus.
 *
 * The PAM module and the sudo plugin run as root and ask jitd on every sudo. On the system bus each
 * such call costs a connection to dbus-daemon (Hello), AddMatch, GetNameOwner, dbus-daemon's hop
 * for the call and its reply, and jitd's question to dbus-daemon about the caller. Here, as on
 * systemd's /run/systemd/private, a root client talks to jitd directly: the same object, methods and
 * errors, one sd_bus per accepted connection on jitd's event loop.
 *
 * Who may connect: the directory is root's and mode 0700 (the unit's RuntimeDirectory=, or made
 * here), the socket mode 0600, and a peer whose SO_PEERCRED uid is not 0 is turned away at once.
 * Each method still checks its caller exactly as on the system bus (bus-caller.c): the uid is the
 * socket's SO_PEERCRED, the uid the peer connected with, never a pid (A04).
 *
 * Bounds (A09, A42): at most JIT_MAX_PRIVATE_CONNECTIONS at once (beyond that, jitd stops accepting
 * and new ones wait in the backlog); a connection whose own send queue reaches JIT_MAX_QUEUED_WRITES
 * (it sends calls but does not read the replies) is dropped. Every socket is non-blocking, so no
 * client can stall jitd. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <systemd/sd-id128.h>

#include "jit-bus.h"
#include "jitd.h"
#include "log.h"
#include "util.h"

typedef struct PrivateBus {
        int fd;
        sd_event_source *source;
        sd_event_source *settle; /* runs while some connection is still authenticating */
        size_t n_unready;
} PrivateBus;

/* sd-bus (as of systemd 252) reads a client's first message together with the BEGIN that ends
 * authentication when the client sends both at once (libdbus and GDBus do), and then waits for the
 * socket to become readable again before it looks at that message: the call would sit unanswered.
 * So once a new connection is ready, jitd processes it once by hand. Only connections still
 * authenticating are looked at, and only while there are any. */
static int on_settle(sd_event_source *s, void *userdata)
{
        Context *ctx = userdata;
        PrivateBus *pb = ctx->private_bus;

        for (Peer *p = ctx->peers, *next; p && pb->n_unready > 0; p = next) {
                sd_bus *bus;

                next = p->next; /* processing p may drop p, never another connection */
                if (p->ready || sd_bus_is_ready(p->bus) <= 0)
                        continue;
                bus = sd_bus_ref(p->bus); /* p itself may be dropped meanwhile */
                p->ready = true;
                pb->n_unready--;
                while (sd_bus_process(bus, NULL) > 0)
                        ;
                sd_bus_unref(bus);
        }
        return sd_event_source_set_enabled(s, pb->n_unready > 0 ? SD_EVENT_ON : SD_EVENT_OFF);
}

static void private_conn_drop(Peer *p)
{
        Context *ctx = p->ctx;
        sd_bus *bus = sd_bus_ref(p->bus);

        if (!p->ready && ctx->private_bus)
                ctx->private_bus->n_unready--;
        /* The requests waiting on it are cancelled first (peer.c), as when a module leaves the bus. */
        peer_free(p);
        (void)sd_bus_detach_event(bus);
        sd_bus_close_unref(bus);
        if (ctx->private_bus && ctx->n_peers < JIT_MAX_PRIVATE_CONNECTIONS)
                (void)sd_event_source_set_enabled(ctx->private_bus->source, SD_EVENT_ON);
}

static int on_disconnected(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        private_conn_drop(userdata);
        return 0;
}

/* Runs before every incoming message is dispatched: a client that keeps calling without reading
 * its replies would make jitd queue them without end. */
static int on_incoming(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Peer *p = userdata;
        uint64_t queued = 0;

        if (sd_bus_get_n_queued_write(p->bus, &queued) < 0 || queued < JIT_MAX_QUEUED_WRITES)
                return 0;
        log_warning("Dropping a private connection that does not read its replies (%llu queued)",
                    (unsigned long long)queued);
        private_conn_drop(p);
        return 1;
}

static int private_conn_new(Context *ctx, int fd)
{
        _cleanup_(sd_bus_unrefp) sd_bus *bus = NULL; /* the last reference closes it */
        sd_id128_t id;
        Peer *p;
        int r;

        r = sd_id128_randomize(&id);
        if (r >= 0)
                r = sd_bus_new(&bus);
        if (r < 0) {
                close(fd);
                return r;
        }
        r = sd_bus_set_fd(bus, fd, fd); /* from here on the bus closes fd */
        if (r < 0) {
                close(fd);
                return r;
        }
        r = sd_bus_set_server(bus, 1, id);
        /* Nothing jitd serves takes a file descriptor (A10). */
        if (r >= 0)
                r = sd_bus_negotiate_fds(bus, false);
        if (r >= 0)
                r = sd_bus_set_trusted(bus, false);
        if (r >= 0)
                r = bus_add_manager(ctx, bus);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0)
                return r;
        r = peer_new(ctx, bus, &p);
        if (r < 0)
                return r;
        /* sd-bus tells a closed peer by this local signal; it never reaches the peer itself. */
        r = sd_bus_match_signal(bus, NULL, "org.freedesktop.DBus.Local", "/org/freedesktop/DBus/Local",
                                "org.freedesktop.DBus.Local", "Disconnected", on_disconnected, p);
        if (r >= 0)
                r = sd_bus_add_filter(bus, NULL, on_incoming, p);
        if (r >= 0)
                r = sd_bus_attach_event(bus, ctx->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0) {
                peer_free(p);
                return r;
        }
        /* From here on the table's reference (peer.c) is the only one: private_conn_drop() ends it. */
        ctx->private_bus->n_unready++;
        return sd_event_source_set_enabled(ctx->private_bus->settle, SD_EVENT_ON);
}

/* The connection's uid, from the kernel: 0 for the module inside sudo, su, login and sshd. */
static int peer_uid(int fd, uid_t *ret)
{
        struct ucred cred;
        socklen_t len = sizeof(cred);

        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
                return -errno;
        *ret = cred.uid;
        return 0;
}

static int on_accept(sd_event_source *s, int listen_fd, uint32_t revents, void *userdata)
{
        Context *ctx = userdata;

        while (ctx->n_peers < JIT_MAX_PRIVATE_CONNECTIONS) {
                uid_t uid = (uid_t)-1;
                int fd, r;

                fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd < 0) {
                        if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
                                log_warning("Failed to accept on %s: %s", JIT_PRIVATE_SOCKET,
                                            strerror(errno));
                        return 0;
                }
                r = peer_uid(fd, &uid);
                if (r < 0 || uid != 0) {
                        /* Only root can reach the socket; a peer that did anyway is turned away. */
                        log_warning("Refusing a connection on %s from uid %ld: root only",
                                    JIT_PRIVATE_SOCKET, r < 0 ? -1L : (long)uid);
                        close(fd);
                        continue;
                }
                r = private_conn_new(ctx, fd);
                if (r < 0)
                        log_warning("Failed to serve a connection on %s: %s", JIT_PRIVATE_SOCKET,
                                    strerror(-r));
        }
        /* Full: the rest wait in the backlog until a connection closes (private_conn_drop). */
        return sd_event_source_set_enabled(s, SD_EVENT_OFF);
}

/* The directory must be root's (jitd's) and closed to everyone else: the module trusts the socket
 * only under that condition, so jitd refuses to serve a socket it would not trust itself. */
static int private_dir_check(void)
{
        struct stat st;

        if (mkdir(JIT_PRIVATE_DIR, 0700) < 0 && errno != EEXIST)
                return log_error_errno(-errno, "Refusing to start: cannot create %s", JIT_PRIVATE_DIR);
        if (lstat(JIT_PRIVATE_DIR, &st) < 0)
                return log_error_errno(-errno, "Refusing to start: cannot check %s", JIT_PRIVATE_DIR);
        if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 0077)) {
                log_error("Refusing to start: %s must be a directory owned by uid %u with mode 0700 "
                          "(it is %s, uid %u, mode %04o)",
                          JIT_PRIVATE_DIR, (unsigned)geteuid(),
                          S_ISDIR(st.st_mode) ? "a directory" : "not a directory", (unsigned)st.st_uid,
                          (unsigned)(st.st_mode & 07777));
                return -EPERM;
        }
        return 0;
}

int private_bus_setup(Context *ctx)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX, .sun_path = JIT_PRIVATE_SOCKET};
        _cleanup_close_ int fd = -1;
        PrivateBus *pb;
        mode_t old;
        int r;

        r = private_dir_check();
        if (r < 0)
                return r;
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return log_error_errno(-errno, "Failed to create a socket");
        /* A socket left by a jitd that was killed; nobody else can write in the directory. */
        if (unlink(JIT_PRIVATE_SOCKET) < 0 && errno != ENOENT)
                return log_error_errno(-errno, "Failed to remove the old %s", JIT_PRIVATE_SOCKET);
        old = umask(0177); /* the socket's mode: 0600 */
        r = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0;
        umask(old);
        if (r < 0)
                return log_error_errno(r, "Failed to bind %s", JIT_PRIVATE_SOCKET);
        if (listen(fd, SOMAXCONN) < 0)
                return log_error_errno(-errno, "Failed to listen on %s", JIT_PRIVATE_SOCKET);

        pb = calloc(1, sizeof(*pb));
        if (!pb)
                return log_error_errno(-ENOMEM, "Failed to listen on %s", JIT_PRIVATE_SOCKET);
        pb->fd = -1;
        ctx->private_bus = pb;
        r = sd_event_add_io(ctx->event, &pb->source, fd, EPOLLIN, on_accept, ctx);
        if (r >= 0)
                r = sd_event_add_post(ctx->event, &pb->settle, on_settle, ctx);
        if (r >= 0)
                r = sd_event_source_set_enabled(pb->settle, SD_EVENT_OFF);
        if (r < 0)
                return log_error_errno(r, "Failed to watch %s", JIT_PRIVATE_SOCKET);
        pb->fd = TAKE_FD(fd);
        return 0;
}

void private_bus_done(Context *ctx)
{
        PrivateBus *pb = ctx->private_bus;

        while (ctx->peers)
                private_conn_drop(ctx->peers);
        if (!pb)
                return;
        ctx->private_bus = NULL;
        sd_event_source_disable_unref(pb->source);
        sd_event_source_disable_unref(pb->settle);
        if (pb->fd >= 0) {
                /* A stopped jitd leaves no socket behind: modules then see the system bus say so. */
                (void)unlink(JIT_PRIVATE_SOCKET);
                close(pb->fd);
        }
        free(pb);
}
