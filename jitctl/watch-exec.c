/* jitctl watch --exec: one command per event, run in order, bounded in number and in time. */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "duration.h"
#include "jit-command.h"
#include "jit-limits.h"
#include "jitctl.h"
#include "request-view.h"
#include "sanitize.h"
#include "util.h"
#include "watch-exec.h"

extern char **environ;

struct Runner {
        sd_event *event;
        char **argv;
        uint64_t timeout_usec;
        /* A ring of events waiting for the CMD before them; a "dropped" marker takes a slot too. */
        json_object **queue;
        unsigned queue_max, head, n;
        uint64_t dropped; /* events lost since the last marker was queued */
        /* The CMD running now, if any: its pid (also its process group), which event, since when. */
        pid_t pid;
        char what[64];
        bool timed_out;
        bool stopped;
        sd_event_source *child, *timer;
};

static void json_putp(json_object **j)
{
        json_object_put(*j);
}

static bool privileged(void)
{
        return getauxval(AT_SECURE) != 0 || getuid() != geteuid() || getgid() != getegid();
}

int runner_new(sd_event *e, char **argv, uint64_t timeout_usec, unsigned queue_max, Runner **ret)
{
        Runner *r;

        assert(e && argv && argv[0] && queue_max > 0 && ret);
        if (privileged())
                return -EPERM;
        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->queue = calloc(queue_max, sizeof(*r->queue));
        if (!r->queue) {
                free(r);
                return -ENOMEM;
        }
        r->event = sd_event_ref(e);
        r->argv = argv;
        r->timeout_usec = timeout_usec;
        r->queue_max = queue_max;
        r->pid = -1;
        *ret = r;
        return 0;
}

Runner *runner_free(Runner *r)
{
        if (!r)
                return NULL;
        for (unsigned i = 0; i < r->n; i++)
                json_object_put(r->queue[(r->head + i) % r->queue_max]);
        free(r->queue);
        sd_event_source_disable_unref(r->child);
        sd_event_source_disable_unref(r->timer);
        sd_event_unref(r->event);
        free(r);
        return NULL;
}

void runner_env_free(char **env)
{
        for (size_t i = 0; env && env[i]; i++)
                free(env[i]);
        free(env);
}

/* "JIT_" and the key in capitals; "id" is the request's (as journald's JIT_REQUEST_ID). Keys come
 * from jitctl's own tables, but one with anything else than [a-z0-9_] is left out rather than
 * passed on. Returns 1 and the entry, 0 for a key left out, -ENOMEM. */
static int env_entry(const char *key, const char *value, char **ret)
{
        _cleanup_free_ char *safe = NULL;
        char name[64], *entry;
        size_t n;

        if (streq(key, "id"))
                key = "request_id";
        n = (size_t)snprintf(name, sizeof(name), "JIT_");
        for (const char *p = key; *p; p++) {
                if (n + 1 >= sizeof(name) ||
                    !(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_'))
                        return 0;
                name[n++] = (char)toupper((unsigned char)*p);
        }
        name[n] = '\0';
        /* Escaped already by replies.c; once more here, so nothing raw can reach CMD whatever the
         * event's origin, and bounded. */
        safe = jit_sanitize_terminal(value, strlen(value), JIT_MAX_COMMAND);
        if (!safe || asprintf(&entry, "%s=%s", name, safe) < 0)
                return -ENOMEM; /* asprintf leaves entry undefined: never handed out */
        *ret = entry;
        return 1;
}

char **runner_event_env(json_object *event, char **base)
{
        size_t n_base = 0, n_keys = (size_t)json_object_object_length(event), n = 0;
        bool has_command = false;
        char **env;

        while (base && base[n_base])
                n_base++;
        env = calloc(n_base + n_keys + 2, sizeof(char *));
        if (!env)
                return NULL;
        /* What watch itself inherited named JIT_* would read as part of the event: left out. */
        for (size_t i = 0; i < n_base; i++) {
                if (strncmp(base[i], "JIT_", 4) == 0)
                        continue;
                env[n] = strdup(base[i]);
                if (!env[n++])
                        goto fail;
        }
        json_object_object_foreach(event, key, value)
        {
                char num[24];
                const char *text;
                int r;

                if (streq(key, "command") || streq(key, JIT_COMMAND_KIND_KEY))
                        has_command = true;
                if (streq(key, "command"))
                        continue; /* below, as approvers see it */
                if (json_object_is_type(value, json_type_int)) {
                        snprintf(num, sizeof(num), "%" PRId64, json_object_get_int64(value));
                        text = num;
                } else if (json_object_is_type(value, json_type_string))
                        text = json_object_get_string(value);
                else
                        continue;
                r = env_entry(key, text, &env[n]);
                if (r < 0)
                        goto fail;
                n += (size_t)r;
        }
        /* A blanket request says so loudly here too (A40); an event without a command has none. */
        if (has_command && env_entry("command", command_shown(event), &env[n]) < 0)
                goto fail;
        return env;
fail:
        runner_env_free(env);
        return NULL;
}

static void start_next(Runner *r);

/* Queue the count of lost events as an event of its own, once there is room: it then runs after
 * everything that came before the loss and before everything after it. */
static void queue_dropped_marker(Runner *r)
{
        json_object *o;

        if (r->dropped == 0 || r->n >= r->queue_max)
                return;
        o = json_object_new_object();
        if (!o || json_object_object_add(o, "event", json_object_new_string("dropped")) < 0 ||
            json_object_object_add(o, "dropped", json_object_new_int64((int64_t)r->dropped)) < 0) {
                json_object_put(o);
                return; /* tried again at the next turn */
        }
        ctl_error("watch: %" PRIu64 " event%s dropped: CMD runs slower than events come (--queue %u)",
                  r->dropped, r->dropped == 1 ? "" : "s", r->queue_max);
        r->queue[(r->head + r->n++) % r->queue_max] = o;
        r->dropped = 0;
}

static void describe(json_object *event, char *buf, size_t n)
{
        json_object *e = NULL, *id = NULL;

        (void)json_object_object_get_ex(event, "event", &e);
        (void)json_object_object_get_ex(event, "id", &id);
        snprintf(buf, n, "%s%s%s", e ? json_object_get_string(e) : "event", id ? " " : "",
                 id ? json_object_get_string(id) : "");
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
        Runner *r = userdata;
        char d[32];

        /* The leader is not reaped before its child source fires, so its pid, and with it the
         * process group, still belong to it: the kill cannot reach a stranger. */
        r->timed_out = true;
        ctl_error("watch: CMD for %s still running after %s; killing its process group", r->what,
                  jit_format_duration(r->timeout_usec, d, sizeof(d)));
        (void)kill(-r->pid, SIGKILL);
        (void)kill(r->pid, SIGKILL); /* in case CMD left its group (setsid) */
        return 0;
}

static int on_child(sd_event_source *s, const siginfo_t *si, void *userdata)
{
        Runner *r = userdata;

        if (r->timed_out)
                ; /* said when it was killed */
        else if (si->si_code == CLD_EXITED && si->si_status != 0)
                ctl_error("watch: CMD for %s exited with status %d", r->what, si->si_status);
        else if (si->si_code != CLD_EXITED)
                ctl_error("watch: CMD for %s was killed by signal %s", r->what,
                          sigabbrev_np(si->si_status) ? sigabbrev_np(si->si_status) : "?");
        r->child = sd_event_source_disable_unref(r->child);
        r->timer = sd_event_source_disable_unref(r->timer);
        r->pid = -1;
        r->timed_out = false;
        start_next(r);
        return 0;
}

/* The event's JSON as a file CMD reads at its own pace: a pipe could fill and block watch. */
static int event_stdin(json_object *event)
{
        const char *text =
            json_object_to_json_string_ext(event, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        _cleanup_close_ int fd = -1;
        size_t len = strlen(text), done = 0;

        fd = memfd_create("jit-event", MFD_CLOEXEC);
        if (fd < 0)
                return -errno;
        while (done < len) {
                ssize_t w = write(fd, text + done, len - done);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0)
                        return -errno;
                done += (size_t)w;
        }
        if (write(fd, "\n", 1) != 1 || lseek(fd, 0, SEEK_SET) < 0)
                return -errno ? -errno : -EIO;
        return TAKE_FD(fd);
}

/* Start CMD for one event: its own process group (so a timeout kills what it started too), the
 * signals watch blocks unblocked, the event on stdin and in the environment. */
static int spawn(Runner *r, json_object *event, pid_t *ret)
{
        _cleanup_close_ int fd = -1;
        posix_spawn_file_actions_t actions;
        posix_spawnattr_t attr;
        sigset_t none, defaults;
        char **env;
        int k;

        fd = event_stdin(event);
        if (fd < 0)
                return fd;
        env = runner_event_env(event, environ);
        if (!env)
                return -ENOMEM;
        sigemptyset(&none);
        sigfillset(&defaults);
        k = posix_spawnattr_init(&attr);
        if (k == 0) {
                k = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                                        POSIX_SPAWN_SETSIGDEF);
                if (k == 0)
                        k = posix_spawnattr_setpgroup(&attr, 0);
                if (k == 0)
                        k = posix_spawnattr_setsigmask(&attr, &none);
                if (k == 0)
                        k = posix_spawnattr_setsigdefault(&attr, &defaults);
                if (k == 0)
                        k = posix_spawn_file_actions_init(&actions);
                if (k == 0) {
                        k = posix_spawn_file_actions_adddup2(&actions, fd, STDIN_FILENO);
                        /* glibc reports a CMD that cannot be executed here, not as an exit of 127. */
                        if (k == 0)
                                k = posix_spawnp(ret, r->argv[0], &actions, &attr, r->argv, env);
                        posix_spawn_file_actions_destroy(&actions);
                }
                posix_spawnattr_destroy(&attr);
        }
        runner_env_free(env);
        return -k;
}

/* Run queued events until one CMD is running or the queue is empty. */
static void start_next(Runner *r)
{
        while (r->pid < 0 && r->n > 0) {
                _cleanup_(json_putp) json_object *event = r->queue[r->head];
                pid_t pid;
                int k;

                r->queue[r->head] = NULL;
                r->head = (r->head + 1) % r->queue_max;
                r->n--;
                queue_dropped_marker(r);
                describe(event, r->what, sizeof(r->what));
                k = spawn(r, event, &pid);
                if (k < 0) {
                        ctl_error("watch: cannot run %s for %s: %s", r->argv[0], r->what, strerror(-k));
                        continue;
                }
                r->pid = pid;
                k = sd_event_add_child(r->event, &r->child, pid, WEXITED, on_child, r);
                if (k >= 0)
                        k = sd_event_add_time_relative(r->event, &r->timer, CLOCK_MONOTONIC, r->timeout_usec,
                                                       0, on_timeout, r);
                if (k < 0) {
                        /* Nothing could wait for it: it must not run unwatched. */
                        ctl_error("watch: cannot wait for CMD for %s: %s; killing it", r->what,
                                  strerror(-k));
                        (void)kill(-pid, SIGKILL);
                        (void)waitpid(pid, NULL, 0);
                        r->child = sd_event_source_disable_unref(r->child);
                        r->pid = -1;
                }
        }
}

int runner_push(Runner *r, json_object *event)
{
        queue_dropped_marker(r);
        if (r->dropped > 0 || r->n >= r->queue_max) {
                if (r->dropped++ == 0)
                        ctl_error("watch: %u events wait for CMD; dropping new ones until there is room",
                                  r->queue_max);
                return 0;
        }
        r->queue[(r->head + r->n++) % r->queue_max] = json_object_get(event);
        start_next(r);
        return 0;
}

void runner_stop(Runner *r)
{
        if (!r || r->stopped)
                return;
        r->stopped = true;
        if (r->pid > 0) {
                (void)kill(-r->pid, SIGTERM);
                ctl_error("watch: stopped; sent SIGTERM to CMD for %s", r->what);
        }
        if (r->n > 0)
                ctl_error("watch: stopped; %u queued event%s not run", r->n, r->n == 1 ? "" : "s");
        if (r->dropped > 0)
                ctl_error("watch: stopped; %" PRIu64 " event%s dropped", r->dropped,
                          r->dropped == 1 ? "" : "s");
}
