/* bench/jitd-load: jitd under concurrent requesters. C connections to the system bus (1, 8, 64 by
 * default), each issuing its next call as soon as the reply to the last one arrives: CreateRequest
 * decided by an Action=approve rule (each a durable record and signed checkpoint before the reply),
 * and, side by side in the same run, Peer.Ping to jitd (the bus round trip alone, the baseline).
 * Prints calls/s and p50/p99 latency per phase and the ratio to the Ping rate at the same
 * concurrency; and, as the floor of durability at that moment, how many 1 KiB write + fdatasync
 * pairs the journal's file system does one after another (a commit group pays one). One process drives every
 * connection from one sd-event loop, so the load generator costs the same for both phases. Runs as root in
 * the sandbox (bench/run-jitd-load).
 *
 *   jitd-load [SECONDS] [DIR] [CONCURRENCY...]   defaults: 3 s, /var/lib/jit, 1 8 64 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONN 256
#define MAX_SAMPLES (4 * 1024 * 1024)
#define ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

typedef enum Kind { KIND_PING, KIND_CREATE } Kind;

typedef struct Load Load;

typedef struct Conn {
        Load *load;
        sd_bus *bus;
        uint64_t t0;
} Conn;

struct Load {
        sd_event *event;
        Conn conn[MAX_CONN];
        int n_conn;
        Kind kind;
        bool measuring, stopping, finished;
        int in_flight;
        uint64_t done, t_start, t_end;
        uint64_t *lat; /* ns, one per call completed while measuring */
        size_t n_lat;
        int error;
};

static uint64_t now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error);

static int issue(Conn *c)
{
        Load *l = c->load;
        int r;

        c->t0 = now_ns();
        if (l->kind == KIND_PING)
                r = sd_bus_call_method_async(c->bus, NULL, "org.pamjit.jit1", "/org/pamjit/jit1",
                                             "org.freedesktop.DBus.Peer", "Ping", on_reply, c, "");
        else
                r = sd_bus_call_method_async(c->bus, NULL, "org.pamjit.jit1", "/org/pamjit/jit1",
                                             "org.pamjit.jit1.Manager", "CreateRequest", on_reply, c,
                                             "a{sv}", 3, "user", "s", "alice", "service", "s", "bench",
                                             "argv", "as", 1, "true");
        if (r >= 0)
                l->in_flight++;
        return r;
}

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        Conn *c = userdata;
        Load *l = c->load;
        uint64_t t = now_ns();
        const char *id, *state;

        l->in_flight--;
        if (sd_bus_message_is_method_error(m, NULL)) {
                fprintf(stderr, "call failed: %s\n", sd_bus_message_get_error(m)->message);
                l->error = -EIO;
        } else if (l->kind == KIND_CREATE &&
                   (sd_bus_message_read(m, "ss", &id, &state) < 0 || strcmp(state, "approved") != 0)) {
                fprintf(stderr, "CreateRequest was not approved by the rule\n");
                l->error = -EIO;
        }
        if (l->error < 0 || l->stopping) {
                if (l->in_flight == 0)
                        l->finished = true;
                return 0;
        }
        if (l->measuring) {
                l->done++;
                if (l->n_lat < MAX_SAMPLES)
                        l->lat[l->n_lat++] = t - c->t0;
        }
        if (issue(c) < 0) {
                l->error = -EIO;
                if (l->in_flight == 0)
                        l->finished = true;
        }
        return 0;
}

/* Warm-up ends: count from now. Then the measured window ends: let the calls in flight finish. */
static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        Load *l = userdata;

        if (!l->measuring) {
                l->measuring = true;
                l->t_start = now_ns();
                return 0;
        }
        l->t_end = now_ns();
        l->measuring = false;
        l->stopping = true;
        if (l->in_flight == 0)
                l->finished = true;
        return 0;
}

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
        return x < y ? -1 : x > y;
}

typedef struct Result {
        double rate, p50_ms, p99_ms;
} Result;

static int run_phase(Load *l, Kind kind, double secs, Result *ret)
{
        sd_event_source *warm = NULL, *end = NULL;
        uint64_t now;
        int r;

        l->kind = kind;
        l->measuring = l->stopping = l->finished = false;
        l->done = l->n_lat = 0;
        l->error = 0;
        sd_event_now(l->event, CLOCK_MONOTONIC, &now);
        /* Half a second of warm-up: every connection has a call in flight before counting starts. */
        r = sd_event_add_time(l->event, &warm, CLOCK_MONOTONIC, now + 500000, 1000, on_timer, l);
        if (r >= 0)
                r = sd_event_add_time(l->event, &end, CLOCK_MONOTONIC, now + 500000 + (uint64_t)(secs * 1e6),
                                      1000, on_timer, l);
        for (int i = 0; r >= 0 && i < l->n_conn; i++)
                r = issue(&l->conn[i]);
        /* sd_event_loop() cannot run again once it has exited: each phase runs its own turns. */
        while (r >= 0 && !l->finished)
                r = sd_event_run(l->event, UINT64_MAX);
        sd_event_source_disable_unref(warm);
        sd_event_source_disable_unref(end);
        if (r < 0 || l->error < 0 || l->n_lat == 0)
                return r < 0 ? r : -EIO;
        qsort(l->lat, l->n_lat, sizeof(*l->lat), cmp_u64);
        ret->rate = (double)l->done / ((double)(l->t_end - l->t_start) / 1e9);
        ret->p50_ms = (double)l->lat[l->n_lat / 2] / 1e6;
        ret->p99_ms = (double)l->lat[l->n_lat * 99 / 100] / 1e6;
        return 0;
}

/* write + fdatasync of 1 KiB (about one commit group of a few records), one after another. */
static double fdatasync_rate(const char *dir, double secs, double *ret_p50_ms)
{
        static uint64_t lat[1 << 16];
        char path[512], buf[1024];
        uint64_t t0 = now_ns(), n = 0;
        int fd;

        snprintf(path, sizeof(path), "%s/bench-fdatasync", dir);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
        if (fd < 0)
                return -1;
        memset(buf, 'x', sizeof(buf));
        while (now_ns() - t0 < (uint64_t)(secs * 1e9)) {
                uint64_t t = now_ns();
                if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf) || fdatasync(fd) < 0)
                        break;
                if (n < ELEMENTS(lat))
                        lat[n] = now_ns() - t;
                n++;
        }
        close(fd);
        unlink(path);
        if (n == 0)
                return -1;
        qsort(lat, n < ELEMENTS(lat) ? n : ELEMENTS(lat), sizeof(*lat), cmp_u64);
        *ret_p50_ms = (double)lat[(n < ELEMENTS(lat) ? n : ELEMENTS(lat)) / 2] / 1e6;
        return (double)n / ((double)(now_ns() - t0) / 1e9);
}

static int connect_all(Load *l, int n)
{
        for (int i = l->n_conn; i < n; i++) {
                int r = sd_bus_open_system(&l->conn[i].bus);
                if (r >= 0)
                        r = sd_bus_attach_event(l->conn[i].bus, l->event, 0);
                if (r < 0)
                        return r;
                l->conn[i].load = l;
                l->n_conn = i + 1;
        }
        l->n_conn = n;
        return 0;
}

int main(int argc, char *argv[])
{
        double secs = argc > 1 ? strtod(argv[1], NULL) : 3.0;
        const char *dir = argc > 2 ? argv[2] : "/var/lib/jit";
        int levels[16] = {1, 8, 64}, n_levels = 3;
        double sync_rate, sync_p50 = 0;
        Load l = {};
        int r;

        if (argc > 3) {
                n_levels = 0;
                for (int i = 3; i < argc && n_levels < 16; i++)
                        levels[n_levels++] = (int)strtol(argv[i], NULL, 10);
        }
        l.lat = calloc(MAX_SAMPLES, sizeof(*l.lat));
        if (!l.lat || secs <= 0 || sd_event_new(&l.event) < 0)
                return 1;

        printf(
            "jitd under load: %.1f s per phase after 0.5 s warm-up; each connection calls again as soon as "
            "its reply arrives\n",
            secs);
        printf("%5s  %-34s %10s %9s %9s %12s\n", "conns", "call", "calls/s", "p50 ms", "p99 ms", "vs Ping");
        for (int i = 0; i < n_levels; i++) {
                Result ping, create;
                int n = levels[i];

                if (n < 1 || n > MAX_CONN)
                        return 2;
                r = connect_all(&l, n);
                if (r < 0) {
                        fprintf(stderr, "connect: %s\n", strerror(-r));
                        return 1;
                }
                l.n_conn = n;
                r = run_phase(&l, KIND_PING, secs, &ping);
                if (r >= 0)
                        r = run_phase(&l, KIND_CREATE, secs, &create);
                if (r < 0) {
                        fprintf(stderr, "phase with %d connections failed: %s\n", n, strerror(-r));
                        return 1;
                }
                printf("%5d  %-34s %10.0f %9.2f %9.2f %12s\n", n, "Peer.Ping (baseline)", ping.rate,
                       ping.p50_ms, ping.p99_ms, "1.00");
                printf("%5d  %-34s %10.0f %9.2f %9.2f %11.2fx\n", n, "CreateRequest (rule approves)",
                       create.rate, create.p50_ms, create.p99_ms, create.rate / ping.rate);
                /* The disk at this moment (other work on the machine changes it): CreateRequest
                 * divided by this is the number of decisions one fdatasync carried. */
                sync_rate = fdatasync_rate(dir, secs / 2, &sync_p50);
                printf("%5s  %-34s %10.0f %9.2f %9s %11.1fx\n", "-", "1 KiB write+fdatasync (floor)",
                       sync_rate, sync_p50, "", create.rate / sync_rate);
                fflush(stdout);
        }
        for (int i = 0; i < MAX_CONN; i++)
                sd_bus_flush_close_unref(l.conn[i].bus);
        sd_event_unref(l.event);
        free(l.lat);
        return 0;
}
