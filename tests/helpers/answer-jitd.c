/* A stand-in that owns jitd's bus name and answers pam_jit.so's GetRequest with an a{sv} of its
 * choosing (ATTACKS.md A10 from the module's side): the a{sv} a real jitd never sends. The module
 * must skip the keys it does not know (a newer jitd) and refuse an answer that gives a key it relies
 * on twice or with the wrong type (lib/asv.h). Used by tests/e2e/a10-malformed-answers.t only.
 *
 *   answer-jitd MODE
 *
 * Owns org.pamjit.jit1 (root only, as the bus policy says), answers CreateRequest with the pending
 * request ABCD-EFGH, announces RequestDecided(ABCD-EFGH, approved) right after, and answers
 * GetRequest with, by MODE:
 *   newer     the keys the module reads, and keys and types no jitd sends yet
 *   twice     state given twice: "denied", then "approved"
 *   mistyped  state as a number
 * Prints "ready" once it owns the name, then serves until killed. Exit status 1 on a setup error,
 * 2 on bad usage. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>

#define NAME "org.pamjit.jit1"
#define PATH "/org/pamjit/jit1"
#define IFACE "org.pamjit.jit1.Manager"
#define ID "ABCD-EFGH"

static const char *mode;

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int method_create(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        uint64_t now = now_usec();
        int r;

        r = sd_bus_reply_method_return(m, "sstts", ID, "pending", now + 60 * 1000000ULL, (uint64_t)0, "");
        if (r >= 0)
                r = sd_bus_emit_signal(sd_bus_message_get_bus(m), PATH, IFACE, "RequestDecided", "ssts", ID,
                                       "approved", now + 600 * 1000000ULL, "mallory");
        return r;
}

static int method_get(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        sd_bus_message *reply = NULL;
        uint64_t until = now_usec() + 600 * 1000000ULL;
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r >= 0)
                r = sd_bus_message_append(reply, "{sv}{sv}{sv}", "id", "s", ID, "by", "s", "mallory",
                                          "until_usec", "t", until);
        if (r >= 0 && strcmp(mode, "newer") == 0)
                r = sd_bus_message_append(reply, "{sv}{sv}{sv}{sv}", "newer_list", "as", 2, "a", "b",
                                          "newer_dict", "a{sv}", 1, "k", "u", 1, "state", "s", "approved",
                                          "newer_number", "i", -1);
        else if (r >= 0 && strcmp(mode, "twice") == 0)
                r = sd_bus_message_append(reply, "{sv}{sv}", "state", "s", "denied", "state", "s",
                                          "approved");
        else if (r >= 0)
                r = sd_bus_message_append(reply, "{sv}", "state", "u", 1);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        return r;
}

static int method_cancel(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        return sd_bus_reply_method_return(m, "");
}

static const sd_bus_vtable vtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD("CreateRequest", "a{sv}", "sstts", method_create, 0),
    SD_BUS_METHOD("GetRequest", "s", "a{sv}", method_get, 0),
    SD_BUS_METHOD("Cancel", "s", "", method_cancel, 0),
    SD_BUS_VTABLE_END,
};

int main(int argc, char *argv[])
{
        sd_bus *bus = NULL;
        int r;

        if (argc != 2 || (strcmp(argv[1], "newer") != 0 && strcmp(argv[1], "twice") != 0 &&
                          strcmp(argv[1], "mistyped") != 0)) {
                fprintf(stderr, "usage: answer-jitd newer|twice|mistyped\n");
                return 2;
        }
        mode = argv[1];
        r = sd_bus_open_system(&bus);
        if (r >= 0)
                r = sd_bus_add_object_vtable(bus, NULL, PATH, IFACE, vtable, NULL);
        if (r >= 0)
                r = sd_bus_request_name(bus, NAME, 0);
        if (r < 0) {
                fprintf(stderr, "answer-jitd: %s\n", strerror(-r));
                return 1;
        }
        printf("ready\n");
        fflush(stdout);
        for (;;) {
                r = sd_bus_process(bus, NULL);
                if (r > 0)
                        continue;
                if (r >= 0)
                        r = sd_bus_wait(bus, UINT64_MAX);
                if (r < 0 && r != -EINTR) {
                        fprintf(stderr, "answer-jitd: %s\n", strerror(-r));
                        return 1;
                }
        }
}
