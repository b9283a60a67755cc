/* bench/approve-latency: how long after `jitctl approve` returns does the waiting sudo exit?
 *
 * Runs inside the sandbox (tests/sandbox.sh) as root. Each round: alice starts `sudo -n true`,
 * which pam_jit holds; once its request id appears, bob runs `jitctl approve`; we take the time
 * when jitctl has exited and when sudo has exited. As a side-by-side baseline, each round also
 * times a whole `sudo -n true` through a pam_permit stack, so the latency can be read against the
 * cost of sudo itself on the same machine at the same moment. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static pid_t spawn(char *const argv[], int out_fd)
{
        pid_t pid = fork();

        if (pid == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                dup2(null, 0);
                dup2(out_fd >= 0 ? out_fd : null, 1);
                dup2(out_fd >= 0 ? out_fd : null, 2);
                execvp(argv[0], argv);
                _exit(127);
        }
        return pid;
}

static int wait_exit(pid_t pid)
{
        int status;

        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Read sudo's output until "jitctl approve ID" shows up. */
static int read_id(int fd, char id[16])
{
        char buf[4096];
        size_t len = 0;

        while (len < sizeof(buf) - 1) {
                ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
                if (n <= 0)
                        return -1;
                len += (size_t)n;
                buf[len] = '\0';
                char *p = strstr(buf, "jitctl approve ");
                if (p && strlen(p + 15) >= 9) {
                        memcpy(id, p + 15, 9);
                        id[9] = '\0';
                        return 0;
                }
        }
        return -1;
}

static int use_stack(const char *src)
{
        char cmd[512];
        snprintf(cmd, sizeof(cmd), "cp %s /etc/pam.d/sudo.new && mv /etc/pam.d/sudo.new /etc/pam.d/sudo", src);
        return system(cmd);
}

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
        return x < y ? -1 : x > y;
}

static double pct(uint64_t *v, int n, double p)
{
        qsort(v, (size_t)n, sizeof(*v), cmp_u64);
        return (double)v[(int)((n - 1) * p)] / 1e6;
}

int main(int argc, char *argv[])
{
        if (argc != 5) {
                fprintf(stderr, "usage: approve-latency RUNS JITCTL JIT_STACK PERMIT_STACK\n");
                return 2;
        }
        int runs = (int)strtol(argv[1], NULL, 10);
        if (runs < 1 || runs > 10000)
                return 2;
        uint64_t *lat = calloc((size_t)runs, sizeof(uint64_t)), *base = calloc((size_t)runs, sizeof(uint64_t));
        char *sudo_argv[] = {"setpriv", "--reuid=alice", "--regid=alice", "--init-groups", "--",
                             "sudo", "-n", "true", NULL};
        if (!lat || !base)
                return 1;

        for (int i = 0; i < runs; i++) {
                int fds[2];
                char id[16];

                /* Baseline: the same sudo through pam_permit. */
                if (use_stack(argv[4]) != 0)
                        return 1;
                uint64_t t0 = now_ns();
                if (wait_exit(spawn(sudo_argv, -1)) != 0) {
                        fprintf(stderr, "baseline sudo failed\n");
                        return 1;
                }
                base[i] = now_ns() - t0;

                /* pam_jit: wait for the id, approve, time the tail. */
                if (use_stack(argv[3]) != 0 || pipe2(fds, O_CLOEXEC) < 0)
                        return 1;
                pid_t sudo = spawn(sudo_argv, fds[1]);
                close(fds[1]);
                if (read_id(fds[0], id) < 0) {
                        fprintf(stderr, "no request id from sudo\n");
                        return 1;
                }
                char *approve_argv[] = {"setpriv", "--reuid=bob", "--regid=bob", "--init-groups", "--",
                                        argv[2], "approve", id, NULL};
                if (wait_exit(spawn(approve_argv, -1)) != 0) {
                        fprintf(stderr, "jitctl approve %s failed\n", id);
                        return 1;
                }
                uint64_t t1 = now_ns();
                int rc = wait_exit(sudo);
                uint64_t t2 = now_ns();
                close(fds[0]);
                if (rc != 0) {
                        fprintf(stderr, "sudo exited %d after approval\n", rc);
                        return 1;
                }
                lat[i] = t2 - t1;
        }
        double lmed = pct(lat, runs, 0.5), lp90 = pct(lat, runs, 0.9);
        double bmed = pct(base, runs, 0.5);
        printf("runs: %d\n", runs);
        printf("approve returned -> sudo exited: median %.2f ms, p90 %.2f ms\n", lmed, lp90);
        printf("baseline: whole sudo -n true via pam_permit: median %.2f ms\n", bmed);
        printf("ratio (approval tail / whole baseline sudo): %.2f\n", lmed / bmed);
        free(lat);
        free(base);
        return 0;
}
