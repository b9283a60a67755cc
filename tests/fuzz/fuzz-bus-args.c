/* libFuzzer harness for the a{sv} reader (lib/asv.c) and jitd's tables for it (jitd/bus-args.c;
 * ATTACKS.md A10, A11).
 *
 * sd-bus has no public way to parse a marshalled message without a connection, so the harness
 * builds one: the input is a small program that appends keys and typed values to an a{sv} (known
 * keys, raw keys, the right and the wrong types, nested variants and dictionaries, long argv),
 * the message is sealed as a received one would be, and the reader chosen by the first byte reads
 * it: CreateRequest's context, RequestAccess's or Approve's options, the ListRequests filter (all
 * refusing unknown keys), or a table of every type that skips unknown keys, as the clients read
 * jitd's replies. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "bus-args.h"

typedef struct Input {
        const uint8_t *p;
        size_t n;
} Input;

static uint8_t take(Input *in)
{
        if (in->n == 0)
                return 0;
        in->n--;
        return *in->p++;
}

/* A string of up to 255 bytes from the input (sd-bus refuses invalid UTF-8: then a fixed one). */
static void take_string(Input *in, char *buf, size_t size)
{
        size_t len = take(in);

        if (len > in->n)
                len = in->n;
        if (len >= size)
                len = size - 1;
        memcpy(buf, in->p, len);
        buf[len] = '\0';
        in->p += len;
        in->n -= len;
}

static const char *const keys[] = {
    "user",   "ruid",     "service",      "tty",      "rhost",   "ruser",      "cwd",
    "argv",   "reason",   "front",        "exe",      "command", "runas_user", "runas_group",
    "runcwd", "sudoedit", "timeout_usec", "duration", "comment", "state",      "limit",
    "after",  "unknown",  "id",           "by",       "next",    "truncated",
};

static int append_string(sd_bus_message *m, Input *in)
{
        char s[256];

        take_string(in, s, sizeof(s));
        if (sd_bus_message_append_basic(m, 's', s) < 0)
                return sd_bus_message_append_basic(m, 's', "x");
        return 0;
}

static int append_value(sd_bus_message *m, Input *in, unsigned depth)
{
        uint8_t t = take(in) % 9;
        uint64_t big = (uint64_t)take(in) << 56 | take(in);
        uint32_t u = (uint32_t)take(in) << 24 | take(in);
        int r;

        switch (t) {
        case 0:
                r = sd_bus_message_open_container(m, 'v', "s");
                if (r >= 0)
                        r = append_string(m, in);
                break;
        case 1:
                r = sd_bus_message_append(m, "v", "u", u);
                return r;
        case 2:
                return sd_bus_message_append(m, "v", "t", big);
        case 3:
                return sd_bus_message_append(m, "v", "b", (int)(u & 1));
        case 4: {
                /* argv: many words, some long, to cross JIT_MAX_ARGV_READ. */
                unsigned n = take(in) * 4;
                char word[1024];
                memset(word, 'w', sizeof(word) - 1);
                word[sizeof(word) - 1] = '\0';
                r = sd_bus_message_open_container(m, 'v', "as");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'a', "s");
                for (unsigned i = 0; r >= 0 && i < n; i++)
                        r = (take(in) & 1) ? sd_bus_message_append_basic(m, 's', word)
                                           : append_string(m, in);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
                break;
        }
        case 5:
                return sd_bus_message_append(m, "v", "i", (int32_t)u);
        case 6:
                /* A variant inside a variant. */
                if (depth > 16)
                        return sd_bus_message_append(m, "v", "s", "deep");
                r = sd_bus_message_open_container(m, 'v', "v");
                if (r >= 0)
                        r = append_value(m, in, depth + 1);
                break;
        case 7:
                /* A dictionary where a plain value belongs. */
                r = sd_bus_message_open_container(m, 'v', "a{sv}");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'a', "{sv}");
                if (r >= 0)
                        r = sd_bus_message_append(m, "{sv}", "k", "s", "v");
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
                break;
        default:
                return sd_bus_message_append(m, "v", "ay", 0);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

static int build(sd_bus *bus, Input *in, uint8_t reader, sd_bus_message **ret)
{
        sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, "org.pamjit.jit1", "/org/pamjit/jit1",
                                           "org.pamjit.jit1.Manager", "Fuzz");
        if (r >= 0 && reader == 2)
                r = sd_bus_message_append(m, "s", "ABCD-EFGH"); /* Approve(s id, a{sv} options) */
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sv}");
        for (unsigned i = 0; r >= 0 && in->n > 0 && i < 64; i++) {
                uint8_t op = take(in);
                char raw[256];
                r = sd_bus_message_open_container(m, 'e', "sv");
                if (r < 0)
                        break;
                if (op & 0x80) {
                        take_string(in, raw, sizeof(raw));
                        if (sd_bus_message_append_basic(m, 's', raw) < 0)
                                r = sd_bus_message_append_basic(m, 's', "raw");
                } else
                        r = sd_bus_message_append_basic(m, 's', keys[op % (sizeof(keys) / sizeof(keys[0]))]);
                if (r >= 0)
                        r = append_value(m, in, 0);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        /* Sealed, the message reads as one jitd received. */
        if (r >= 0)
                r = sd_bus_message_seal(m, 1, 0);
        if (r < 0) {
                sd_bus_message_unref(m);
                return r;
        }
        *ret = m;
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static sd_bus *bus;
        Input in = {data, size};
        sd_bus_message *m = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        uint8_t reader = take(&in) % 5;

        /* A bus on one end of a socket pair: enough for sd-bus to make messages; nothing is sent. */
        if (!bus) {
                int fds[2];
                if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0 || sd_bus_new(&bus) < 0 ||
                    sd_bus_set_fd(bus, fds[0], fds[0]) < 0 || sd_bus_start(bus) < 0)
                        abort();
        }
        if (build(bus, &in, reader, &m) < 0)
                return 0;

        switch (reader) {
        case 0: {
                CreateArgs a = {.user = "", .service = "", .front = "pam"};
                (void)bus_read_create_context(m, &a, &error);
                create_args_done(&a);
                break;
        }
        case 1: {
                CreateArgs a = {.service = "sudo", .reason = ""};
                (void)bus_read_access_options(m, &a, &error);
                create_args_done(&a);
                break;
        }
        case 2: {
                ApproveArgs a = {.comment = ""};
                const char *id;
                if (sd_bus_message_read(m, "s", &id) >= 0)
                        (void)bus_read_approve_options(m, &a, &error);
                break;
        }
        case 3: {
                ListFilter f = {.state = "pending", .limit = 100, .after = ""};
                (void)bus_read_list_filter(m, &f, &error);
                break;
        }
        default: {
                typedef struct Reply {
                        const char *id, *by;
                        uint32_t uses;
                        uint64_t until_usec;
                        int truncated;
                        Argv argv;
                } Reply;
                static const AsvField fields[] = {
                    {"id", ASV_STRING, offsetof(Reply, id)},
                    {"by", ASV_STRING, offsetof(Reply, by)},
                    {"limit", ASV_UINT32, offsetof(Reply, uses)},
                    {"duration", ASV_UINT64, offsetof(Reply, until_usec)},
                    {"truncated", ASV_BOOL, offsetof(Reply, truncated)},
                    {"argv", ASV_STRV, offsetof(Reply, argv)},
                };
                static const AsvTable table = ASV_TABLE(fields, ASV_SKIP_UNKNOWN);
                Reply r = {};
                (void)asv_read(m, &table, &r, NULL, &error);
                argv_done(&r.argv);
                break;
        }
        }
        sd_bus_error_free(&error);
        sd_bus_message_unref(m);
        return 0;
}
