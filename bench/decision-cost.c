/* bench/decision-cost: jitd's decision path, from a CreateRequest arriving to its durable record
 * and the reply, measured from a client as round-trip time, side by side with two baselines in
 * the same run: a Peer.Ping to jitd (the bus round trip alone) and a raw 300-byte write +
 * fdatasync on the journal's file system (the durability floor). Runs as root in the sandbox
 * with an auto-approve rule for the command `true` (bench/run-decision-cost). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
        return x < y ? -1 : x > y;
}

static double median_us(uint64_t *v, int n)
{
        qsort(v, (size_t)n, sizeof(*v), cmp);
        return (double)v[n / 2] / 1000.0;
}

int main(int argc, char *argv[])
{
        int runs = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 200;
        const char *dir = argc > 2 ? argv[2] : "/var/lib/jit";
        uint64_t *create = calloc((size_t)runs, 8), *ping = calloc((size_t)runs, 8), *sync = calloc((size_t)runs, 8);
        sd_bus *bus = NULL;
        char path[512], line[300];
        int fd;

        if (!create || !ping || !sync || runs < 1 || sd_bus_open_system(&bus) < 0)
                return 1;
        snprintf(path, sizeof(path), "%s/bench-fdatasync", dir);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
                return 1;
        memset(line, 'x', sizeof(line) - 1);
        line[sizeof(line) - 1] = '\n';

        for (int i = 0; i < runs; i++) {
                sd_bus_error e = SD_BUS_ERROR_NULL;
                sd_bus_message *reply = NULL;
                const char *id, *state;
                uint64_t t0 = now_ns();

                if (sd_bus_call_method(bus, "org.pamjit.jit1", "/org/pamjit/jit1", "org.pamjit.jit1.Manager",
                                       "CreateRequest", &e, &reply, "a{sv}", 3, "user", "s", "alice", "service", "s",
                                       "bench", "argv", "as", 1, "true") < 0 ||
                    sd_bus_message_read(reply, "ss", &id, &state) < 0 || strcmp(state, "approved") != 0) {
                        fprintf(stderr, "CreateRequest failed: %s\n", e.message ? e.message : "not approved");
                        return 1;
                }
                create[i] = now_ns() - t0;
                sd_bus_message_unref(reply);

                t0 = now_ns();
                if (sd_bus_call_method(bus, "org.pamjit.jit1", "/org/pamjit/jit1", "org.freedesktop.DBus.Peer", "Ping",
                                       &e, NULL, "") < 0)
                        return 1;
                ping[i] = now_ns() - t0;

                t0 = now_ns();
                if (write(fd, line, sizeof(line)) != (ssize_t)sizeof(line) || fdatasync(fd) < 0)
                        return 1;
                sync[i] = now_ns() - t0;
        }
        double c = median_us(create, runs), p = median_us(ping, runs), s = median_us(sync, runs);
        printf("jitd decision path, %d runs (median)\n", runs);
        printf("  CreateRequest, auto-approved and journaled: %8.1f us\n", c);
        printf("  baseline: Peer.Ping to jitd (bus round trip): %6.1f us\n", p);
        printf("  baseline: 300-byte write + fdatasync:        %6.1f us\n", s);
        printf("  decision path in jitd (CreateRequest - Ping): %6.1f us = %.2f x one fdatasync\n", c - p,
               (c - p) / s);
        unlink(path);
        sd_bus_flush_close_unref(bus);
        return 0;
}
