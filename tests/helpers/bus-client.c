/* A small jitd bus client for attack tests: many calls over one connection, no process per call.
 *
 *   bus-client churn SECONDS ARGV_BYTES
 *       RequestAccess (argv of about ARGV_BYTES) then Cancel, in a loop for SECONDS (A41).
 *       Prints "pairs N", "limited N" (LimitExceeded answers), "other N" (any other error).
 *   bus-client slow-reader CALLS
 *       Sends CALLS ListRequests{state: all} calls, never reads a reply, prints "sent N", and
 *       waits until killed (A42).
 *   bus-client approve-burst ID COUNT MAX_DELAY_USEC
 *       COUNT times: a new connection sends Approve(ID) and closes after a delay that cycles from
 *       0 to MAX_DELAY_USEC without reading the answer (A01, polkit CVE-2021-3560). Prints "sent N".
 *   bus-client list-pages
 *       ListRequests{state: all} page by page; prints "pages N records M" (A42).
 *   bus-client create COUNT ARGV_BYTES USER SERVICE
 *       As root: COUNT CreateRequest calls for USER through SERVICE with an argv of about
 *       ARGV_BYTES, over one connection (to fill jitd with large records). Prints "created N".
 *   bus-client burst COUNT USER SERVICE
 *       As root: COUNT connections each send one CreateRequest at the same moment (so they reach
 *       jitd while one commit group is open) and wait for their answers. Prints one line per
 *       answer: "STATE ID" (approved, pending, denied...) or "error ERROR-NAME".
 *
 * Exit status 0 when it ran, 1 on a setup error, 2 on bad usage. */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

#include "asv.h"

#define NAME "org.pamjit.jit1"
#define PATH "/org/pamjit/jit1"
#define IFACE "org.pamjit.jit1.Manager"
#define LIMIT_EXCEEDED "org.pamjit.jit1.Error.LimitExceeded"

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int fail(const char *what, int r)
{
        fprintf(stderr, "bus-client: %s: %s\n", what, strerror(-r));
        return 1;
}

/* A RequestAccess call whose argv holds about `bytes` bytes in 64-byte words. */
static int request_access(sd_bus *bus, size_t bytes, char **ret_id, sd_bus_error *error)
{
        sd_bus_message *m = NULL, *reply = NULL;
        char word[65];
        const char *id;
        int r;

        memset(word, 'x', 64);
        word[64] = '\0';
        r = sd_bus_message_new_method_call(bus, &m, NAME, PATH, IFACE, "RequestAccess");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0)
                r = sd_bus_message_append(m, "{sv}", "reason", "s", "churn");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", "argv");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', "as");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "s");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", "/bin/true");
        for (size_t n = 0; r >= 0 && n < bytes / 65; n++)
                r = sd_bus_message_append(m, "s", word);
        for (int i = 0; r >= 0 && i < 4; i++)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_call(bus, m, 10 * 1000000, error, &reply);
        if (r >= 0)
                r = sd_bus_message_read(reply, "s", &id);
        if (r >= 0)
                *ret_id = strdup(id);
        sd_bus_message_unref(m);
        sd_bus_message_unref(reply);
        return r;
}

/* An argv of about `bytes` bytes in 64-byte words, as the a{sv} entry "argv". */
static int append_argv_entry(sd_bus_message *m, size_t bytes)
{
        char word[65];
        int r;

        memset(word, 'x', 64);
        word[64] = '\0';
        r = sd_bus_message_open_container(m, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", "argv");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', "as");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "s");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", "/bin/true");
        for (size_t n = 0; r >= 0 && n < bytes / 65; n++)
                r = sd_bus_message_append(m, "s", word);
        for (int i = 0; r >= 0 && i < 3; i++)
                r = sd_bus_message_close_container(m);
        return r;
}

static int create(sd_bus *bus, unsigned count, size_t bytes, const char *user, const char *service)
{
        unsigned created = 0;

        for (unsigned i = 0; i < count; i++) {
                sd_bus_error error = SD_BUS_ERROR_NULL;
                sd_bus_message *m = NULL, *reply = NULL;
                int r = sd_bus_message_new_method_call(bus, &m, NAME, PATH, IFACE, "CreateRequest");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'a', "{sv}");
                if (r >= 0)
                        r = sd_bus_message_append(m, "{sv}{sv}", "user", "s", user, "service", "s", service);
                if (r >= 0)
                        r = append_argv_entry(m, bytes);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
                if (r >= 0)
                        r = sd_bus_call(bus, m, 10 * 1000000, &error, &reply);
                if (r >= 0)
                        created++;
                else if (created == 0)
                        fprintf(stderr, "bus-client: CreateRequest: %s\n",
                                error.message ? error.message : strerror(-r));
                sd_bus_error_free(&error);
                sd_bus_message_unref(m);
                sd_bus_message_unref(reply);
        }
        printf("created %u\n", created);
        return created == count ? 0 : 1;
}

static int churn(sd_bus *bus, unsigned seconds, size_t bytes)
{
        uint64_t end = now_usec() + (uint64_t)seconds * 1000000;
        unsigned long pairs = 0, limited = 0, other = 0;

        while (now_usec() < end) {
                sd_bus_error error = SD_BUS_ERROR_NULL;
                char *id = NULL;
                int r = request_access(bus, bytes, &id, &error);

                if (r >= 0) {
                        sd_bus_error_free(&error);
                        r = sd_bus_call_method(bus, NAME, PATH, IFACE, "Cancel", &error, NULL, "s", id);
                        free(id);
                        if (r >= 0)
                                pairs++;
                }
                if (r < 0) {
                        if (sd_bus_error_has_name(&error, LIMIT_EXCEEDED)) {
                                if (!limited)
                                        printf("message %s\n", error.message);
                                limited++;
                        } else {
                                if (!other)
                                        printf("first-other %s\n",
                                               error.message ? error.message : strerror(-r));
                                other++;
                        }
                }
                sd_bus_error_free(&error);
        }
        printf("pairs %lu\nlimited %lu\nother %lu\n", pairs, limited, other);
        return 0;
}

static int slow_reader(sd_bus *bus, unsigned calls)
{
        unsigned sent = 0;
        int r = 0;

        for (; sent < calls; sent++) {
                sd_bus_message *m = NULL;
                r = sd_bus_message_new_method_call(bus, &m, NAME, PATH, IFACE, "ListRequests");
                if (r >= 0)
                        r = sd_bus_message_append(m, "a{sv}", 1, "state", "s", "all");
                if (r >= 0)
                        r = sd_bus_send(bus, m, NULL);
                sd_bus_message_unref(m);
                if (r < 0)
                        break;
        }
        if (r >= 0)
                r = sd_bus_flush(bus);
        printf("sent %u\n", sent);
        fflush(stdout);
        if (r < 0)
                return fail("sending", r);
        /* Never read: the replies pile up in dbus-daemon's queue for this connection. */
        for (;;)
                pause();
}

static int approve_burst(const char *id, unsigned count, unsigned max_delay)
{
        unsigned sent = 0;

        for (unsigned i = 0; i < count; i++) {
                sd_bus *bus = NULL;
                sd_bus_message *m = NULL;
                int r = sd_bus_open_system(&bus);

                if (r < 0)
                        return fail("connecting", r);
                r = sd_bus_message_new_method_call(bus, &m, NAME, PATH, IFACE, "Approve");
                if (r >= 0)
                        r = sd_bus_message_append(m, "sa{sv}", id, 1, "comment", "s", "burst");
                if (r >= 0)
                        r = sd_bus_send(bus, m, NULL);
                if (r >= 0)
                        r = sd_bus_flush(bus);
                sd_bus_message_unref(m);
                if (r >= 0)
                        sent++;
                /* Delays cycle through 0..max, so some leave before jitd asks who sent it, some
                 * while it asks, and some after. */
                if (max_delay > 0)
                        usleep((i * 37) % (max_delay + 1));
                sd_bus_close(bus);
                sd_bus_unref(bus);
        }
        printf("sent %u\n", sent);
        return 0;
}

/* ListRequests' second value, read with the reader jitctl uses. */
typedef struct Page {
        int truncated;
        const char *next;
} Page;

static const AsvField page_fields[] = {
    {"truncated", ASV_BOOL, offsetof(Page, truncated)},
    {"next", ASV_STRING, offsetof(Page, next)},
};
static const AsvTable page_table = ASV_TABLE(page_fields, ASV_SKIP_UNKNOWN);

static int list_pages(sd_bus *bus)
{
        char *after = strdup("");
        unsigned pages = 0, records = 0;
        int r = 0;

        while (after) {
                sd_bus_error error = SD_BUS_ERROR_NULL;
                sd_bus_message *reply = NULL;
                Page page = {.next = ""};

                r = sd_bus_call_method(bus, NAME, PATH, IFACE, "ListRequests", &error, &reply, "a{sv}", 2,
                                       "state", "s", "all", "after", "s", after);
                if (r < 0) {
                        fprintf(stderr, "bus-client: ListRequests: %s\n", error.message);
                        sd_bus_error_free(&error);
                        break;
                }
                r = sd_bus_message_enter_container(reply, 'a', "a{sv}");
                while (r >= 0 && (r = sd_bus_message_skip(reply, "a{sv}")) > 0)
                        records++;
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r >= 0)
                        r = asv_read(reply, &page_table, &page, NULL, NULL);
                if (r == 0)
                        r = -EBADMSG;
                pages++;
                free(after);
                after = r >= 0 && page.truncated ? strdup(page.next) : NULL;
                sd_bus_message_unref(reply);
                if (r < 0)
                        break;
        }
        printf("pages %u records %u\n", pages, records);
        return r < 0 ? 1 : 0;
}

typedef struct Burst {
        unsigned left;
} Burst;

static int on_burst_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        Burst *b = userdata;
        const char *id = "", *state = "";

        if (sd_bus_message_is_method_error(m, NULL))
                printf("error %s\n", sd_bus_message_get_error(m)->name);
        else if (sd_bus_message_read(m, "ss", &id, &state) >= 0)
                printf("%s %s\n", state, id);
        else
                printf("error unreadable-reply\n");
        b->left--;
        return 0;
}

static int burst(unsigned count, const char *user, const char *service)
{
        sd_event *event = NULL;
        sd_bus **buses = calloc(count, sizeof(*buses));
        Burst b = {.left = count};
        int r = buses ? sd_event_new(&event) : -ENOMEM;

        /* Every connection is up before the first call leaves, so the calls arrive together. */
        for (unsigned i = 0; r >= 0 && i < count; i++) {
                r = sd_bus_open_system(&buses[i]);
                if (r >= 0)
                        r = sd_bus_attach_event(buses[i], event, 0);
        }
        for (unsigned i = 0; r >= 0 && i < count; i++)
                r = sd_bus_call_method_async(buses[i], NULL, NAME, PATH, IFACE, "CreateRequest",
                                             on_burst_reply, &b, "a{sv}", 2, "user", "s", user, "service",
                                             "s", service);
        while (r >= 0 && b.left > 0)
                r = sd_event_run(event, UINT64_MAX);
        for (unsigned i = 0; buses && i < count; i++)
                sd_bus_flush_close_unref(buses[i]);
        free(buses);
        sd_event_unref(event);
        return r < 0 ? fail("burst", r) : 0;
}

int main(int argc, char *argv[])
{
        sd_bus *bus = NULL;
        int r, rc;

        if (argc == 5 && strcmp(argv[1], "approve-burst") == 0)
                return approve_burst(argv[2], (unsigned)strtoul(argv[3], NULL, 10),
                                     (unsigned)strtoul(argv[4], NULL, 10));
        if (argc == 5 && strcmp(argv[1], "burst") == 0)
                return burst((unsigned)strtoul(argv[2], NULL, 10), argv[3], argv[4]);
        r = sd_bus_open_system(&bus);
        if (r < 0)
                return fail("connecting", r);
        if (argc == 4 && strcmp(argv[1], "churn") == 0)
                rc = churn(bus, (unsigned)strtoul(argv[2], NULL, 10), strtoul(argv[3], NULL, 10));
        else if (argc == 3 && strcmp(argv[1], "slow-reader") == 0)
                rc = slow_reader(bus, (unsigned)strtoul(argv[2], NULL, 10));
        else if (argc == 2 && strcmp(argv[1], "list-pages") == 0)
                rc = list_pages(bus);
        else if (argc == 6 && strcmp(argv[1], "create") == 0)
                rc = create(bus, (unsigned)strtoul(argv[2], NULL, 10), strtoul(argv[3], NULL, 10), argv[4],
                            argv[5]);
        else {
                fprintf(stderr, "usage: bus-client churn SECONDS ARGV_BYTES | slow-reader CALLS | "
                                "approve-burst ID COUNT MAX_DELAY_USEC | list-pages | create COUNT BYTES "
                                "USER SERVICE | burst COUNT USER SERVICE\n");
                rc = 2;
        }
        sd_bus_flush_close_unref(bus);
        return rc;
}
