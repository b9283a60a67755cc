/* Fuzz jitd's config parser (policy_load) over a main file and its drop-ins.
 *
 * An input is split at lines that read exactly "%%" into the main file and up to three drop-ins (a
 * fourth "%%" stays in the last drop-in's text), written to a private directory made once per process
 * and rewritten for every input. policy_load must never crash, must fail only with the errors
 * jitd/policy.h documents for a readable file we own (-EINVAL, -E2BIG, -EFBIG, -ENOMEM), must say
 * why in a "FILE..." message on failure, and on success must hand back a policy that keeps the bounds
 * the header promises; policy_match then runs over it so the glob matcher sees fuzzed patterns. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_DROPINS 3

typedef struct FuzzDir {
        char root[64];    /* mkdtemp'ed, removed at exit */
        char main[96];    /* root/jitd.conf */
        char dropins[96]; /* root/jitd.conf.d */
        char dropin[MAX_DROPINS][128];
} FuzzDir;

static FuzzDir *fuzz_policy_dir(void);

/* Registered with atexit(), which passes nothing: it finds the directory the same way every input does. */
static void fuzz_dir_remove(void)
{
        FuzzDir *d = fuzz_policy_dir();

        for (size_t i = 0; i < MAX_DROPINS; i++)
                (void)unlink(d->dropin[i]);
        (void)rmdir(d->dropins);
        (void)unlink(d->main);
        (void)rmdir(d->root);
}

static FuzzDir *fuzz_policy_dir(void)
{
        /* One directory for the life of the process: libFuzzer calls us millions of times and a
         * directory per input would cost more than the parse. */
        static FuzzDir dir;
        static bool made;

        if (made)
                return &dir;
        snprintf(dir.root, sizeof(dir.root), "%s", "/tmp/fuzz-policy-XXXXXX");
        if (!mkdtemp(dir.root))
                abort();
        snprintf(dir.main, sizeof(dir.main), "%s/jitd.conf", dir.root);
        snprintf(dir.dropins, sizeof(dir.dropins), "%s/jitd.conf.d", dir.root);
        if (mkdir(dir.dropins, 0700) < 0)
                abort();
        for (size_t i = 0; i < MAX_DROPINS; i++)
                snprintf(dir.dropin[i], sizeof(dir.dropin[i]), "%s/%zu0-fuzz.conf", dir.dropins, i + 1);
        made = true;
        if (atexit(fuzz_dir_remove) != 0)
                abort();
        return &dir;
}

static void write_file(const char *path, const uint8_t *data, size_t size)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);

        if (fd < 0)
                abort();
        while (size > 0) {
                ssize_t n = write(fd, data, size);
                if (n <= 0)
                        abort();
                data += n;
                size -= (size_t)n;
        }
        if (close(fd) < 0)
                abort();
}

/* The next "%%\n" line at or after `from`, or size when there is none. A separator is a whole line. */
static size_t next_separator(const uint8_t *data, size_t size, size_t from)
{
        for (size_t i = from; i + 3 <= size; i++)
                if ((i == 0 || data[i - 1] == '\n') && memcmp(data + i, "%%\n", 3) == 0)
                        return i;
        return size;
}

static void check_policy(const Policy *p, size_t n_dropins)
{
        static char *const argv[] = {"systemctl", "restart", "nginx", NULL};
        static char *const groups[] = {"wheel", "deployers", NULL};
        const PolicyInput in = {
            .user = "dave",
            .groups = groups,
            .service = "sudo",
            .argv = argv,
            .argc = 3,
            .host = "web-1.example",
        };
        const PolicyRule *r;

        if (p->n_files != 1 + n_dropins || p->n_rules > POLICY_MAX_RULES)
                abort();
        for (size_t i = 0; i < p->n_rules; i++) {
                const PolicyRule *rule = &p->rules[i];
                if (!rule->name || rule->approvals < 1 || rule->approvals > POLICY_MAX_APPROVALS ||
                    rule->default_grant_usec > rule->max_grant_usec || rule->action >= _POLICY_ACTION_MAX)
                        abort();
        }
        if (p->daemon.default_grant_usec > p->daemon.max_grant_usec || !p->daemon.journal_file)
                abort();
        r = policy_match(p, &in);
        if (!r)
                abort();
        (void)policy_rule_is_catch_all(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        FuzzDir *d = fuzz_policy_dir();
        size_t start = 0, end, n_dropins = 0;
        PolicyError error = {};
        Policy *p = NULL;
        int r;

        end = next_separator(data, size, 0);
        write_file(d->main, data, end);
        for (size_t i = 0; i < MAX_DROPINS; i++) {
                if (end >= size) {
                        (void)unlink(d->dropin[i]); /* a drop-in only this input's predecessor had */
                        continue;
                }
                start = end + 3;
                end = i + 1 < MAX_DROPINS ? next_separator(data, size, start) : size;
                write_file(d->dropin[i], data + start, end - start);
                n_dropins++;
        }

        r = policy_load(d->main, d->dropins, &p, &error);
        if (r == 0) {
                if (!p || error.message)
                        abort();
                check_policy(p, n_dropins);
                policy_free(p);
                return 0;
        }
        /* Our files exist, are ours and are 0600: no open or ownership error may be reported. */
        if (r != -EINVAL && r != -E2BIG && r != -EFBIG && r != -ENOMEM)
                abort();
        if (r != -ENOMEM && (!error.message || strncmp(error.message, d->root, strlen(d->root)) != 0 ||
                             strchr(error.message, '\n')))
                abort();
        policy_error_done(&error);
        return 0;
}
