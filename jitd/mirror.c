/* The journald mirror: one structured entry per record, so admins can use journalctl.
 *
 * journald is a neighbour jitd must not wait for (A37): stopped (SIGSTOP), killed, restarting or
 * slow, it must never delay or change a decision. So entries go out on a non-blocking datagram
 * socket jitd owns, in journald's native protocol (systemd.io/JOURNAL_NATIVE_PROTOCOL), instead
 * of sd_journal_sendv(), which blocks once journald's socket queue is full. What cannot be sent
 * waits in a bounded queue; what does not fit is dropped and counted, and the record layer writes
 * one mirror-gap record naming the dropped range once journald takes entries again. The signed
 * journal itself always has every record. */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-event.h>

#include "duration.h"
#include "jit-record.h"
#include "jit-command.h"
#include "jitd.h"
#include "journal-record.h"
#include "sanitize.h"
#include "util.h"

#define MIRROR_MAX_FIELDS 34
/* One entry is one datagram: well under the socket's send buffer even at its default size, so a
 * send never fails for size alone. Fields past this are cut, and the entry says so. */
#define MIRROR_MAX_DATAGRAM (64U * 1024)
#define MIRROR_TRUNCATED_FIELD "JIT_MIRROR_TRUNCATED=1\n"
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

struct MirrorEntry {
        struct MirrorEntry *next;
        bool has_seq;
        uint64_t seq;
        size_t n;
        char *fields[MIRROR_MAX_FIELDS];
        char *datagram; /* the native-protocol form, built once the entry is complete */
        size_t len;
};

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

static const struct {
        const char *message_id;
        int priority;
} record_info[_RECORD_TYPE_MAX] = {
    [RECORD_REQUEST] = {JIT_MESSAGE_REQUEST, LOG_NOTICE},
    [RECORD_APPROVE] = {JIT_MESSAGE_APPROVE, LOG_INFO},
    [RECORD_DENY] = {JIT_MESSAGE_DENY, LOG_WARNING},
    [RECORD_EXPIRE] = {JIT_MESSAGE_EXPIRE, LOG_NOTICE},
    [RECORD_CANCEL] = {JIT_MESSAGE_CANCEL, LOG_NOTICE},
    [RECORD_GRANT_USE] = {JIT_MESSAGE_GRANT_USE, LOG_INFO},
    [RECORD_REVOKE] = {JIT_MESSAGE_REVOKE, LOG_NOTICE},
    [RECORD_KEY] = {JIT_MESSAGE_KEY, LOG_INFO},
    [RECORD_START] = {JIT_MESSAGE_START, LOG_INFO},
    [RECORD_STOP] = {JIT_MESSAGE_STOP, LOG_INFO},
    [RECORD_REPAIR] = {JIT_MESSAGE_REPAIR, LOG_CRIT},
    [RECORD_CHECKPOINT] = {JIT_MESSAGE_CHECKPOINT, LOG_DEBUG},
    [RECORD_MIRROR_GAP] = {JIT_MESSAGE_MIRROR_GAP, LOG_WARNING},
};

/* Add KEY=value, bounded (A37). Values were sanitised when they arrived (their backslashes
 * doubled); this pass escapes anything unsafe that is left without doubling those again, so journald
 * shows what jitctl shows. */
static int entry_add(MirrorEntry *e, const char *key, const char *value)
{
        _cleanup_free_ char *v = NULL;

        if (!value || !*value)
                return 0;
        if (e->n >= MIRROR_MAX_FIELDS)
                return -E2BIG;
        v = jit_sanitize_terminal(value, strlen(value), JIT_MAX_COMMAND);
        if (!v || asprintf(&e->fields[e->n], "%s=%s", key, v) < 0)
                return -ENOMEM;
        e->n++;
        return 0;
}

/* For text jitd made itself (checkpoint notes, keys): kept byte for byte so it can be checked. */
static int entry_add_raw(MirrorEntry *e, const char *key, const char *value)
{
        if (e->n >= MIRROR_MAX_FIELDS)
                return -E2BIG;
        if (asprintf(&e->fields[e->n], "%s=%s", key, value) < 0)
                return -ENOMEM;
        e->n++;
        return 0;
}

static int entry_addf(MirrorEntry *e, const char *key, const char *fmt, ...)
{
        _cleanup_free_ char *v = NULL;
        va_list ap;
        int k;

        va_start(ap, fmt);
        k = vasprintf(&v, fmt, ap);
        va_end(ap);
        if (k < 0)
                return -ENOMEM;
        return entry_add(e, key, v);
}

static int entry_message(MirrorEntry *e, RecordType type, const Request *r)
{
        char until[64];

        switch (type) {
        case RECORD_REQUEST:
                return entry_addf(e, "MESSAGE", "request %s: %s wants %s: %s (%s)", r->id, r->user,
                                  r->service, request_command_shown(r),
                                  command_kind_to_string(r->command_kind));
        case RECORD_APPROVE:
                if (r->state == REQUEST_PENDING)
                        return entry_addf(e, "MESSAGE", "request %s: approval %zu of %u recorded", r->id,
                                          r->n_approvals, r->rule ? r->rule->approvals : 1);
                if (r->break_glass)
                        return entry_addf(e, "MESSAGE", "BREAK-GLASS: %s approved their own request %s: %s",
                                          r->user, r->id, r->comment);
                return entry_addf(
                    e, "MESSAGE", "request %s approved by %s until %s%s", r->id, r->by,
                    r->until_usec ? jit_format_time(r->until_usec, until, sizeof(until)) : "now",
                    request_scope(r) == POLICY_SCOPE_SERVICE ? "; the grant covers " JIT_COMMAND_ANY_SHOWN
                                                             : "");
        case RECORD_DENY:
                return entry_addf(e, "MESSAGE", "request %s denied by %s%s%s", r->id, r->by,
                                  *r->comment ? ": " : "", r->comment);
        case RECORD_EXPIRE:
                return entry_addf(e, "MESSAGE", "request %s expired", r->id);
        case RECORD_GRANT_USE:
                return entry_addf(e, "MESSAGE", "request %s: %s used grant %s for %s: %s (%s)", r->id,
                                  r->user, r->grant_id, r->service, request_command_shown(r),
                                  command_kind_to_string(r->command_kind));
        case RECORD_REVOKE:
                return entry_addf(e, "MESSAGE", "grant %s revoked by %s%s%s", r->id, r->by,
                                  *r->comment ? ": " : "", r->comment);
        case RECORD_CANCEL:
                return entry_addf(e, "MESSAGE", "request %s cancelled by %s%s%s", r->id, r->by,
                                  *r->comment ? ": " : "", r->comment);
        default:
                return entry_addf(e, "MESSAGE", "%s %s", journal_record_type_to_string(type),
                                  r ? r->id : "");
        }
}

MirrorEntry *mirror_entry_new_text(RecordType type, const char *key, const char *value)
{
        MirrorEntry *e = calloc(1, sizeof(*e));
        int k = 0;

        if (!e)
                return NULL;
        k |= entry_addf(e, "MESSAGE", "%s", journal_record_type_to_string(type));
        k |= entry_add(e, "MESSAGE_ID", record_info[type].message_id);
        k |= entry_addf(e, "PRIORITY", "%d", record_info[type].priority);
        /* Checkpoints come every few seconds: under an identifier of their own, `journalctl -t jitd`
         * reads as the list of decisions (jitctl verify --journald reads both). */
        k |= entry_add(e, "SYSLOG_IDENTIFIER", type == RECORD_CHECKPOINT ? "jitd-checkpoint" : "jitd");
        k |= entry_add(e, "JIT_RECORD", journal_record_type_to_string(type));
        k |= entry_add_raw(e, key, value);
        if (k != 0) {
                mirror_entry_free(e);
                return NULL;
        }
        return e;
}

MirrorEntry *mirror_entry_new(RecordType type, const Request *r, uint64_t seq, const uint8_t leaf_hash[32])
{
        char hex[65];

        MirrorEntry *e;
        int k = 0;

        assert((size_t)type < _RECORD_TYPE_MAX);
        e = calloc(1, sizeof(*e));
        if (!e)
                return NULL;
        e->has_seq = true;
        e->seq = seq;

        k |= entry_message(e, type, r);
        k |= entry_add(e, "MESSAGE_ID", record_info[type].message_id);
        /* Break-glass is announced loudly: alert priority, above every other record. */
        k |= entry_addf(e, "PRIORITY", "%d", r && r->break_glass ? LOG_ALERT : record_info[type].priority);
        k |= entry_add(e, "SYSLOG_IDENTIFIER", "jitd");
        k |= entry_add(e, "JIT_RECORD", journal_record_type_to_string(type));
        k |= entry_addf(e, "JIT_SEQ", "%llu", (unsigned long long)seq);
        for (size_t i = 0; i < 32; i++)
                snprintf(hex + 2 * i, 3, "%02x", leaf_hash[i]);
        k |= entry_add(e, "JIT_LEAF_HASH", hex);
        if (r) {
                k |= entry_add(e, "JIT_REQUEST_ID", r->id);
                k |= entry_add(e, "JIT_STATE", request_state_to_string(r->state));
                k |= entry_add(e, "JIT_USER", r->user);
                k |= entry_addf(e, "JIT_UID", "%u", (unsigned)r->uid);
                k |= entry_add(e, "JIT_TARGET_USER", r->target);
                k |= entry_add(e, "JIT_SERVICE", r->service);
                k |= entry_add(e, "JIT_COMMAND", request_command_shown(r));
                k |= entry_add(e, "JIT_COMMAND_KIND", command_kind_to_string(r->command_kind));
                k |= entry_add(e, "JIT_COMMAND_EXACT", r->command_kind == COMMAND_EXACT ? "1" : "0");
                k |= entry_add(e, "JIT_FRONT", request_front(r));
                k |= entry_add(e, "JIT_CWD", r->cwd);
                k |= entry_add(e, "JIT_RUNCWD", r->runcwd);
                k |= entry_add(e, "JIT_TTY", r->tty);
                k |= entry_add(e, "JIT_RHOST", r->rhost);
                k |= entry_add(e, "JIT_REASON", r->reason);
                /* For one of N approvals, the approver so far; for a decision, who decided. */
                k |= entry_add(e, "JIT_APPROVER",
                               type == RECORD_APPROVE || type == RECORD_DENY ? r->by : NULL);
                k |= entry_add(e, "JIT_DECIDED_BY", r->by);
                k |= entry_add(e, "JIT_COMMENT", r->comment);
                k |= entry_add(e, "JIT_GRANT_ID", r->grant_id);
                k |= entry_add(e, "JIT_RULE", r->rule ? r->rule->name : NULL);
                if (r->until_usec)
                        k |= entry_addf(e, "JIT_UNTIL_USEC", "%llu", (unsigned long long)r->until_usec);
        }
        if (k != 0) {
                mirror_entry_free(e);
                return NULL;
        }
        return e;
}

MirrorEntry *mirror_entry_new_gap(const MirrorGap *gap, uint64_t seq, const uint8_t leaf_hash[32])
{
        MirrorEntry *e = mirror_entry_new(RECORD_MIRROR_GAP, NULL, seq, leaf_hash);
        int k = 0;

        if (!e)
                return NULL;
        /* Replace the generic message with one that says what happened and what it means. */
        free(e->fields[0]);
        e->fields[0] = NULL;
        if (gap->have_seq)
                k = asprintf(&e->fields[0],
                             "MESSAGE=journald missed %llu jitd entries (records %llu..%llu); the signed "
                             "journal has every record",
                             (unsigned long long)gap->dropped, (unsigned long long)gap->first_seq,
                             (unsigned long long)gap->last_seq);
        else
                k = asprintf(&e->fields[0],
                             "MESSAGE=journald missed %llu jitd entries (checkpoints only); the signed "
                             "journal has every record",
                             (unsigned long long)gap->dropped);
        if (k < 0) {
                e->fields[0] = NULL;
                mirror_entry_free(e);
                return NULL;
        }
        k = entry_addf(e, "JIT_MIRROR_DROPPED", "%llu", (unsigned long long)gap->dropped);
        if (gap->have_seq) {
                k |= entry_addf(e, "JIT_MIRROR_FIRST_SEQ", "%llu", (unsigned long long)gap->first_seq);
                k |= entry_addf(e, "JIT_MIRROR_LAST_SEQ", "%llu", (unsigned long long)gap->last_seq);
        }
        if (k != 0) {
                mirror_entry_free(e);
                return NULL;
        }
        return e;
}

void mirror_entry_free(MirrorEntry *e)
{
        if (!e)
                return;
        for (size_t i = 0; i < e->n; i++)
                free(e->fields[i]);
        free(e->datagram);
        free(e);
}

/* ---- the native protocol ---- */

static void put(char *buf, size_t *o, const void *p, size_t n)
{
        memcpy(buf + *o, p, n);
        *o += n;
}

/* A value's length, cut to fit room without splitting a UTF-8 sequence. */
static size_t cut_utf8(const char *v, size_t len, size_t room)
{
        if (len <= room)
                return len;
        while (room > 0 && ((unsigned char)v[room] & 0xC0) == 0x80)
                room--;
        return room;
}

/* KEY=value\n, or KEY\n<64-bit LE length><value>\n for a value holding a newline (a checkpoint
 * note). Fields come in order of importance (MESSAGE_ID, JIT_RECORD, JIT_SEQ and JIT_LEAF_HASH
 * first), so when the entry would outgrow one datagram the later, free-text fields are cut and
 * JIT_MIRROR_TRUNCATED=1 says so. */
static int entry_serialize(MirrorEntry *e)
{
        const size_t reserve = sizeof(MIRROR_TRUNCATED_FIELD) - 1;
        size_t o = 0;
        bool truncated = false;
        char *buf;

        assert(!e->datagram);
        buf = malloc(MIRROR_MAX_DATAGRAM);
        if (!buf)
                return -ENOMEM;
        for (size_t i = 0; i < e->n; i++) {
                const char *f = e->fields[i], *eq = strchr(f, '=');
                size_t klen, vlen, room, overhead;
                bool binary;

                assert(eq);
                klen = (size_t)(eq - f);
                vlen = strlen(eq + 1);
                binary = memchr(eq + 1, '\n', vlen) != NULL;
                overhead = klen + 2 + (binary ? 8 : 0);
                room = MIRROR_MAX_DATAGRAM - reserve - o;
                if (overhead >= room) {
                        truncated = true;
                        continue;
                }
                if (vlen > room - overhead) {
                        vlen = cut_utf8(eq + 1, vlen, room - overhead);
                        truncated = true;
                }
                put(buf, &o, f, klen);
                if (binary) {
                        uint8_t le[8];
                        for (size_t b = 0; b < 8; b++)
                                le[b] = (uint8_t)((uint64_t)vlen >> (8 * b));
                        put(buf, &o, "\n", 1);
                        put(buf, &o, le, 8);
                } else
                        put(buf, &o, "=", 1);
                put(buf, &o, eq + 1, vlen);
                put(buf, &o, "\n", 1);
        }
        if (truncated)
                put(buf, &o, MIRROR_TRUNCATED_FIELD, reserve);
        /* Queued entries are bounded by their length (MIRROR_MAX_QUEUE_BYTES): each keeps only
         * that much, not the 64 KiB it was built in (4096 queued would hold 256 MiB). */
        e->datagram = realloc(buf, o ? o : 1);
        if (!e->datagram)
                e->datagram = buf;
        e->len = o;
        for (size_t i = 0; i < e->n; i++)
                free(e->fields[i]);
        e->n = 0;
        return 0;
}

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
                int k = -errno;
                close(fd);
                return k;
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
                int k = send_datagram(m, e);
                if (k == 0)
                        break;
                m->head = e->next;
                if (!m->head)
                        m->tail = &m->head;
                m->n_queued--;
                m->bytes_queued -= e->len;
                if (k > 0) {
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
        int k;

        if (!e)
                return;
        if (entry_serialize(e) < 0) {
                drop(m, e);
                return;
        }
        /* Older entries go first, so journald sees records in order. */
        if (flush_queue(m) == 0) {
                k = send_datagram(m, e);
                if (k != 0) {
                        if (k > 0) {
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

        if (!e || (!e->datagram && entry_serialize(e) < 0))
                return;
        (void)send_datagram(&m, e);
        mirror_disconnect(&m);
}
