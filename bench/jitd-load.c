/* bench/jitd-load: jitd under concurrent requesters. C connections (1, 8, 64 by default), each issuing its
 * next call as soon as the reply to the last one arrives: CreateRequest decided by an Action=approve rule
 * (each a durable record and signed checkpoint before the reply), and, side by side in the same run,
 * Peer.Ping to jitd (the bus round trip alone, the baseline). Prints calls/s and p50/p99 latency per phase
 * and the ratio to the Ping rate at the same concurrency; and, as the floor of durability at that moment,
 * how many 1 KiB write + fdatasync pairs the journal's file system does one after another (a commit group
 * pays one). One process drives every connection from one sd-event loop, so the load generator costs the
 * same for both phases. Runs as root in the sandbox (bench/run-jitd-load).
 *
 * Two ways to jitd, each with its own Ping and CreateRequest phases at every level, in the same run:
 * "system" through dbus-daemon, and "private" over jitd's private socket /run/jit/private the way
 * the PAM module and the sudo plugin talk to it (pam_jit/client-private.c: sd_bus_new on the socket,
 * peer-to-peer, EXTERNAL authentication as root, no fd passing). JIT_LOAD_BUSES="system private"
 * (the default) picks them and their order.
 *
 * With JITD_PID, DBUS_PID, JOURNALD_PID and JOURNAL (the journal file) set, each phase also prints
 * those processes' on-CPU time per completed call over its measured window (/proc/PID/schedstat)
 * and the records per signed checkpoint the journal gained in that window.
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
#include <sys/stat.h>
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

typedef enum Way { WAY_SYSTEM, WAY_PRIVATE, _WAY_MAX } Way;
static const char *const way_name[_WAY_MAX] = {"system bus", "private socket"};

struct Load {
        sd_event *event;
        Conn conns[_WAY_MAX][MAX_CONN];
        int n_conns[_WAY_MAX];
        Conn *conn; /* the connections of the phase that runs */
        int n_conn;
        Kind kind;
        bool measuring, stopping, finished;
        int in_flight;
        uint64_t done, t_start, t_end;
        uint64_t *lat; /* ns, one per call completed while measuring */
        size_t n_lat;
        int error;
        /* What the measured window cost: on-CPU ns of jitd, dbus-daemon and journald
         * (/proc/PID/schedstat), and the journal's size, at its start and its end. */
        pid_t pid[3];
        uint64_t cpu0[3], cpu1[3];
        const char *journal;
        off_t size0, size1;
};

static const char *const pid_env[3] = {"JITD_PID", "DBUS_PID", "JOURNALD_PID"};

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

static uint64_t cpu_ns(pid_t pid)
{
        char path[64];
        unsigned long long ns = 0;
        FILE *f;

        if (pid <= 0)
                return 0;
        snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
        f = fopen(path, "re");
        if (f) {
                if (fscanf(f, "%llu", &ns) != 1)
                        ns = 0;
                fclose(f);
        }
        return ns;
}

static off_t file_size(const char *path)
{
        struct stat st;
        return path && stat(path, &st) == 0 ? st.st_size : 0;
}

static void snapshot(Load *l, uint64_t cpu[3], off_t *size)
{
        for (int i = 0; i < 3; i++)
                cpu[i] = cpu_ns(l->pid[i]);
        *size = file_size(l->journal);
}

/* Records and checkpoints the journal gained in [from, to): the size of the commit groups. */
static void count_records(const char *path, off_t from, off_t to, uint64_t *ret_records,
                          uint64_t *ret_checkpoints)
{
        char line[65536];
        FILE *f = path ? fopen(path, "re") : NULL;

        *ret_records = *ret_checkpoints = 0;
        if (!f)
                return;
        if (fseeko(f, from, SEEK_SET) == 0)
                while (ftello(f) < to && fgets(line, sizeof(line), f)) {
                        if (strstr(line, "\"type\":\"checkpoint\""))
                                (*ret_checkpoints)++;
                        else
                                (*ret_records)++;
                }
        fclose(f);
}

/* Warm-up ends: count from now. Then the measured window ends: let the calls in flight finish. */
static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        Load *l = userdata;

        if (!l->measuring) {
                l->measuring = true;
                snapshot(l, l->cpu0, &l->size0);
                l->t_start = now_ns();
                return 0;
        }
        l->t_end = now_ns();
        snapshot(l, l->cpu1, &l->size1);
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
        double us_per_call[3]; /* on-CPU µs per completed call: jitd, dbus-daemon, journald */
        double records_per_checkpoint;
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
        for (int i = 0; i < 3; i++)
                ret->us_per_call[i] = (double)(l->cpu1[i] - l->cpu0[i]) / 1e3 / (double)l->done;
        {
                uint64_t records, checkpoints;
                /* A rotation in the window (the file started again): no count, shown as 0. */
                count_records(l->journal, l->size0, l->size1 > l->size0 ? l->size1 : l->size0, &records,
                              &checkpoints);
                ret->records_per_checkpoint = checkpoints ? (double)records / (double)checkpoints : 0;
        }
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

/* As pam_jit/client-private.c does, less its checks of the socket's owner (the sandbox's jitd made it). */
static int connect_private(sd_bus **ret)
{
        sd_bus *bus = NULL;
        int r = sd_bus_new(&bus);

        if (r >= 0)
                r = sd_bus_set_address(bus, "unix:path=/run/jit/private");
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, false);
        if (r >= 0)
                r = sd_bus_negotiate_fds(bus, 0);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0) {
                sd_bus_unref(bus);
                return r;
        }
        *ret = bus;
        return 0;
}

static int connect_all(Load *l, Way way, int n)
{
        for (int i = l->n_conns[way]; i < n; i++) {
                Conn *c = &l->conns[way][i];
                int r = way == WAY_PRIVATE ? connect_private(&c->bus) : sd_bus_open_system(&c->bus);
                if (r >= 0)
                        r = sd_bus_attach_event(c->bus, l->event, 0);
                if (r < 0)
                        return r;
                c->load = l;
                l->n_conns[way] = i + 1;
        }
        l->conn = l->conns[way];
        l->n_conn = n;
        return 0;
}

int main(int argc, char *argv[])
{
        double secs = argc > 1 ? strtod(argv[1], NULL) : 3.0;
        const char *dir = argc > 2 ? argv[2] : "/var/lib/jit";
        int levels[16] = {1, 8, 64}, n_levels = 3;
        double sync_rate, sync_p50 = 0;
        Way ways[2 * _WAY_MAX];
        int n_ways = 0;
        const char *buses;
        Load l = {};
        int r;

        buses = getenv("JIT_LOAD_BUSES");
        if (!buses || !*buses)
                buses = "system private";
        for (const char *p = buses; *p && n_ways < (int)ELEMENTS(ways);) {
                size_t len = strcspn(p, " ,");
                if (len == 6 && strncmp(p, "system", 6) == 0)
                        ways[n_ways++] = WAY_SYSTEM;
                else if (len == 7 && strncmp(p, "private", 7) == 0)
                        ways[n_ways++] = WAY_PRIVATE;
                else if (len > 0) {
                        fprintf(stderr, "JIT_LOAD_BUSES: \"%.*s\" is neither system nor private\n", (int)len,
                                p);
                        return 2;
                }
                p += len + strspn(p + len, " ,");
        }
        if (n_ways == 0)
                return 2;
        if (argc > 3) {
                n_levels = 0;
                for (int i = 3; i < argc && n_levels < 16; i++)
                        levels[n_levels++] = (int)strtol(argv[i], NULL, 10);
        }
        for (int i = 0; i < 3; i++) {
                const char *v = getenv(pid_env[i]);
                l.pid[i] = v ? (pid_t)strtol(v, NULL, 10) : 0;
        }
        l.journal = getenv("JOURNAL");
        l.lat = calloc(MAX_SAMPLES, sizeof(*l.lat));
        if (!l.lat || secs <= 0 || sd_event_new(&l.event) < 0)
                return 1;

        printf(
            "jitd under load: %.1f s per phase after 0.5 s warm-up; each connection calls again as soon as "
            "its reply arrives\n",
            secs);
        printf("%5s  %-14s %-30s %9s %8s %8s %8s  %-21s %s\n", "conns", "way", "call", "calls/s", "p50 ms",
               "p99 ms", "vs Ping", "CPU us/call jitd/dbus/jrnl", "recs/ckpt");
        for (int i = 0; i < n_levels; i++) {
                int n = levels[i];
                double last_create = 0;

                if (n < 1 || n > MAX_CONN)
                        return 2;
                for (int w = 0; w < n_ways; w++) {
                        Result ping, create;

                        r = connect_all(&l, ways[w], n);
                        if (r < 0) {
                                fprintf(stderr, "connect (%s): %s\n", way_name[ways[w]], strerror(-r));
                                return 1;
                        }
                        r = run_phase(&l, KIND_PING, secs, &ping);
                        if (r >= 0)
                                r = run_phase(&l, KIND_CREATE, secs, &create);
                        if (r < 0) {
                                fprintf(stderr, "phase with %d connections (%s) failed: %s\n", n,
                                        way_name[ways[w]], strerror(-r));
                                return 1;
                        }
                        printf("%5d  %-14s %-30s %9.0f %8.2f %8.2f %8s  %6.1f %6.1f %6.1f\n", n,
                               way_name[ways[w]], "Peer.Ping (baseline)", ping.rate, ping.p50_ms,
                               ping.p99_ms, "1.00", ping.us_per_call[0], ping.us_per_call[1],
                               ping.us_per_call[2]);
                        printf("%5d  %-14s %-30s %9.0f %8.2f %8.2f %7.2fx  %6.1f %6.1f %6.1f  %9.1f\n", n,
                               way_name[ways[w]], "CreateRequest (rule approves)", create.rate,
                               create.p50_ms, create.p99_ms, create.rate / ping.rate, create.us_per_call[0],
                               create.us_per_call[1], create.us_per_call[2], create.records_per_checkpoint);
                        fflush(stdout);
                        last_create = create.rate;
                }
                /* The disk at this moment (other work on the machine changes it): CreateRequest
                 * divided by this is the number of decisions one fdatasync carried. */
                sync_rate = fdatasync_rate(dir, secs / 2, &sync_p50);
                printf("%5s  %-14s %-30s %9.0f %8.2f %8s %7.1fx  (decisions per fdatasync)\n", "-", "disk",
                       "1 KiB write+fdatasync (floor)", sync_rate, sync_p50, "", last_create / sync_rate);
                fflush(stdout);
        }
        for (int w = 0; w < _WAY_MAX; w++)
                for (int i = 0; i < MAX_CONN; i++)
                        sd_bus_flush_close_unref(l.conns[w][i].bus);
        sd_event_unref(l.event);
        free(l.lat);
        return 0;
}
