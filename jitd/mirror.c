/* The journald mirror: each record's entry (mirror-entry.c) sent to journald, so admins can use
 * journalctl, without ever waiting for journald.
 *
 * journald is a neighbour jitd must not wait for (A37): stopped (SIGSTOP), killed, restarting or
 * slow, it must never delay or change a decision. So entries go out on a non-blocking datagram
 * socket jitd owns, in journald's native protocol (systemd.io/JOURNAL_NATIVE_PROTOCOL), instead
 * of sd_journal_sendv(), which blocks once journald's socket queue is full. What cannot be sent
 * waits in a bounded queue; what does not fit is dropped and counted, and the record layer writes
 * one mirror-gap record naming the dropped range once journald takes entries again. The signed
 * journal itself always has every record. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-event.h>

#include "duration.h"
#include "jitd.h"
#include "mirror-entry.h"
#include "util.h"

/* Bytes the queue may hold whatever MirrorQueue= says (entries are at most MIRROR_MAX_DATAGRAM). */
#define MIRROR_MAX_QUEUE_BYTES (8U * 1024 * 1024)
/* Asked for, not required: more room in the kernel for a burst while journald is busy. */
#define MIRROR_SNDBUF (8 * 1024 * 1024)
/* After a failed connect, wait this long before the next try, so a dead journald costs jitd one
 * socket() per interval rather than one per record. */
#define MIRROR_RECONNECT_USEC (100 * USEC_PER_MSEC)
/* While entries wait on a connected socket, the kernel wakes jitd when journald's queue has room
 * (EPOLLOUT); this timer is the fallback for what poll does not report (ENOBUFS). */
#define MIRROR_RETRY_USEC (250 * USEC_PER_MSEC)

struct Mirror {
        char *socket_path;
        int fd; /* connected to journald's socket, or -1 */
        uint64_t next_connect_usec;
        sd_event *event;             /* NULL: send once or never, no retries */
        sd_event_source *io, *timer; /* wake-ups while entries wait */
        int io_fd;                   /* the fd io watches */
        MirrorNotify notify;         /* told after a retry sent or dropped entries */
        void *userdata;
        MirrorEntry *head, **tail;
        size_t n_queued, bytes_queued;
        MirrorGap gap;        /* entries dropped and not yet reported */
        MirrorGap reporting;  /* taken for a mirror-gap record not yet committed */
        bool sent_since_drop; /* journald took an entry after the last drop */
};

/* ---- the socket ---- */

static int socket_connect(const char *path)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int fd, sndbuf = MIRROR_SNDBUF;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, strlen(path));
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)) < 0)
                (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

static void mirror_disconnect(Mirror *m)
{
        if (m->fd >= 0)
                close(m->fd);
        m->fd = -1;
}

/* 1 if journald took the datagram, 0 if it must wait (journald stopped, busy or gone), -EMSGSIZE if
 * it never can be sent. Never blocks. A socket whose journald went away (a restart replaces the
 * socket file) is reconnected once per call. */
static int send_datagram(Mirror *m, const MirrorEntry *e)
{
        for (unsigned attempt = 0; attempt < 2; attempt++) {
                if (m->fd < 0) {
                        uint64_t now = jit_now_usec(CLOCK_MONOTONIC);
                        int fd;

                        if (now < m->next_connect_usec)
                                return 0;
                        fd = socket_connect(m->socket_path);
                        if (fd < 0) {
                                m->next_connect_usec = now + MIRROR_RECONNECT_USEC;
                                return 0;
                        }
                        m->fd = fd;
                }
                if (send(m->fd, e->datagram, e->len, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
                        return 1;
                switch (errno) {
                case EINTR:
                case EAGAIN:
                case ENOBUFS:
                        return 0;
                case EMSGSIZE:
                        return -EMSGSIZE;
                default:
                        /* ECONNREFUSED, ENOTCONN, ECONNRESET, EPIPE: the journald we were connected to
                         * is gone. Connect to whoever owns the socket path now. */
                        mirror_disconnect(m);
                }
        }
        return 0;
}

int mirror_new(sd_event *event, const char *socket_path, MirrorNotify notify, void *userdata, Mirror **ret)
{
        Mirror *m = calloc(1, sizeof(*m));

        if (!m)
                return -ENOMEM;
        m->event = event ? sd_event_ref(event) : NULL;
        m->notify = notify;
        m->userdata = userdata;
        m->socket_path = strdup(socket_path);
        if (!m->socket_path) {
                free(m);
                return -ENOMEM;
        }
        m->fd = -1;
        m->tail = &m->head;
        *ret = m;
        return 0;
}

void mirror_free(Mirror *m)
{
        MirrorEntry *e;

        if (!m)
                return;
        while ((e = m->head)) {
                m->head = e->next;
                mirror_entry_free(e);
        }
        m->io = sd_event_source_disable_unref(m->io);
        m->timer = sd_event_source_disable_unref(m->timer);
        sd_event_unref(m->event);
        mirror_disconnect(m);
        free(m->socket_path);
        free(m);
}

static void drop(Mirror *m, MirrorEntry *e)
{
        if (e->has_seq) {
                if (!m->gap.have_seq || e->seq < m->gap.first_seq)
                        m->gap.first_seq = e->seq;
                if (!m->gap.have_seq || e->seq > m->gap.last_seq)
                        m->gap.last_seq = e->seq;
                m->gap.have_seq = true;
        }
        m->gap.dropped++;
        m->sent_since_drop = false;
        mirror_entry_free(e);
}

static size_t flush_queue(Mirror *m)
{
        MirrorEntry *e;

        while ((e = m->head)) {
                int r = send_datagram(m, e);
                if (r == 0)
                        break;
                m->head = e->next;
                if (!m->head)
                        m->tail = &m->head;
                m->n_queued--;
                m->bytes_queued -= e->len;
                if (r > 0) {
                        m->sent_since_drop = true;
                        mirror_entry_free(e);
                } else
                        drop(m, e);
        }
        return m->n_queued;
}

static int on_wake_io(sd_event_source *s, int fd, uint32_t revents, void *userdata);
static int on_wake_timer(sd_event_source *s, uint64_t usec, void *userdata);

/* Wake up when journald may take entries again: EPOLLOUT on the connected socket (the kernel
 * reports it once journald's queue has room; never while journald is stopped, so no busy loop),
 * and a timer for reconnecting and as a fallback. Nothing while the queue is empty. */
static void arm_wakeups_full(Mirror *m, bool use_io)
{
        uint64_t at;

        if (!m->event)
                return;
        if (m->io && (m->n_queued == 0 || m->io_fd != m->fd))
                m->io = sd_event_source_disable_unref(m->io);
        if (m->n_queued == 0) {
                if (m->timer)
                        (void)sd_event_source_set_enabled(m->timer, SD_EVENT_OFF);
                return;
        }
        if (use_io && m->fd >= 0 && !m->io &&
            sd_event_add_io(m->event, &m->io, m->fd, EPOLLOUT, on_wake_io, m) >= 0)
                m->io_fd = m->fd;
        if (m->io)
                (void)sd_event_source_set_enabled(m->io, use_io ? SD_EVENT_ONESHOT : SD_EVENT_OFF);
        at = jit_now_usec(CLOCK_MONOTONIC) + (m->fd >= 0 ? MIRROR_RETRY_USEC : MIRROR_RECONNECT_USEC);
        if (!m->timer) {
                if (sd_event_add_time(m->event, &m->timer, CLOCK_MONOTONIC, at, 10 * USEC_PER_MSEC,
                                      on_wake_timer, m) < 0)
                        return;
        } else {
                int enabled = SD_EVENT_OFF;
                (void)sd_event_source_get_enabled(m->timer, &enabled);
                if (enabled != SD_EVENT_OFF)
                        return; /* already due: do not push it back with every new entry */
                (void)sd_event_source_set_time(m->timer, at);
        }
        (void)sd_event_source_set_enabled(m->timer, SD_EVENT_ONESHOT);
}

static void arm_wakeups(Mirror *m)
{
        arm_wakeups_full(m, true);
}

size_t mirror_flush(Mirror *m)
{
        size_t left = flush_queue(m);

        arm_wakeups(m);
        return left;
}

static void retry(Mirror *m, bool from_io)
{
        size_t before = m->n_queued;

        (void)flush_queue(m);
        /* Writable but nothing went (ENOBUFS): wait for the timer, or poll would wake us at once. */
        arm_wakeups_full(m, !from_io || m->n_queued < before);
        if (m->notify)
                m->notify(m->userdata);
}

static int on_wake_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        retry(userdata, true);
        return 0;
}

static int on_wake_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        retry(userdata, false);
        return 0;
}

void mirror_push(Mirror *m, MirrorEntry *e, size_t max_queued)
{
        int r;

        if (!e)
                return;
        if (mirror_entry_serialize(e) < 0) {
                drop(m, e);
                return;
        }
        /* Older entries go first, so journald sees records in order. */
        if (flush_queue(m) == 0) {
                r = send_datagram(m, e);
                if (r != 0) {
                        if (r > 0) {
                                m->sent_since_drop = true;
                                mirror_entry_free(e);
                        } else
                                drop(m, e);
                        arm_wakeups(m);
                        return;
                }
        }
        if (max_queued == 0) {
                drop(m, e);
                arm_wakeups(m);
                return;
        }
        /* Full: the oldest entry goes, so journald gets the newest events as soon as it is back. */
        while (m->head && (m->n_queued >= max_queued || e->len > MIRROR_MAX_QUEUE_BYTES - m->bytes_queued)) {
                MirrorEntry *old = m->head;
                m->head = old->next;
                if (!m->head)
                        m->tail = &m->head;
                m->n_queued--;
                m->bytes_queued -= old->len;
                drop(m, old);
        }
        e->next = NULL;
        *m->tail = e;
        m->tail = &e->next;
        m->n_queued++;
        m->bytes_queued += e->len;
        arm_wakeups(m);
}

size_t mirror_queued(const Mirror *m)
{
        return m->n_queued;
}

bool mirror_take_gap(Mirror *m, MirrorGap *ret)
{
        /* Only once the queue has drained: recording the gap earlier would queue its own entries
         * behind a full queue and start the next gap at once. */
        if (m->gap.dropped == 0 || !m->sent_since_drop || m->n_queued > 0 || m->reporting.dropped > 0)
                return false;
        *ret = m->reporting = m->gap;
        m->gap = (MirrorGap){};
        return true;
}

void mirror_gap_done(Mirror *m, bool recorded)
{
        const MirrorGap *r = &m->reporting;

        /* Not recorded (the commit failed): those drops are reported with the next gap instead. */
        if (!recorded && r->dropped > 0) {
                if (r->have_seq) {
                        if (!m->gap.have_seq || r->first_seq < m->gap.first_seq)
                                m->gap.first_seq = r->first_seq;
                        if (!m->gap.have_seq || r->last_seq > m->gap.last_seq)
                                m->gap.last_seq = r->last_seq;
                        m->gap.have_seq = true;
                }
                m->gap.dropped += r->dropped;
        }
        m->reporting = (MirrorGap){};
}

void mirror_peek_gap(const Mirror *m, MirrorGap *ret)
{
        *ret = m->gap;
}

/* One entry, sent at once or never, on a socket of its own: for the start-up announcement, before
 * anything is queued. Never blocks. */
void mirror_entry_send(MirrorEntry *e)
{
        Mirror m = {.fd = -1, .socket_path = (char *)MIRROR_JOURNALD_SOCKET};

        if (!e || (!e->datagram && mirror_entry_serialize(e) < 0))
                return;
        (void)send_datagram(&m, e);
        mirror_disconnect(&m);
}
