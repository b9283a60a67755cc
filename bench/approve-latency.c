/* bench/approve-latency: how long after `jitctl approve` returns does the waiting sudo exit?
 *
 * Runs inside the sandbox (tests/sandbox.sh) as root. Each round: alice starts `sudo -n true`,
 * which pam_jit holds; once its request id appears, bob runs `jitctl approve`; we take the time
 * when jitctl has exited and when sudo has exited. As a side-by-side baseline, each round also
 * times a whole `sudo -n true` through a pam_permit stack, so the latency can be read against the
 * cost of sudo itself on the same machine at the same moment. */
#include <errno.h>
#include <stdbool.h>
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

/* Swap the host's PAM stack in place (/etc/pam.d is a bind mount in the sandbox: no rename). */
static int use_stack(const char *src, const char *dst)
{
        char cmd[512];
        snprintf(cmd, sizeof(cmd), "cat %s > %s", src, dst);
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
        if (argc != 6 || (strcmp(argv[5], "sudo") != 0 && strcmp(argv[5], "pamtester") != 0)) {
                fprintf(stderr, "usage: approve-latency RUNS JITCTL JIT_STACK PERMIT_STACK sudo|pamtester\n");
                return 2;
        }
        bool pamtester = strcmp(argv[5], "pamtester") == 0;
        int runs = (int)strtol(argv[1], NULL, 10);
        if (runs < 1 || runs > 10000)
                return 2;
        uint64_t *lat = calloc((size_t)runs, sizeof(uint64_t)), *base = calloc((size_t)runs, sizeof(uint64_t));
        /* sudo: the real setuid host. pamtester: only the PAM stack, so the tail is pam_jit's own. */
        char *sudo_argv[] = {"setpriv", "--reuid=alice", "--regid=alice", "--init-groups", "--",
                             "sudo", "-n", "true", NULL};
        char *pamtester_argv[] = {"pamtester", "jit-bench", "alice", "acct_mgmt", NULL};
        char **host_argv = pamtester ? pamtester_argv : sudo_argv;
        const char *stack = pamtester ? "/etc/pam.d/jit-bench" : "/etc/pam.d/sudo";
        if (!lat || !base)
                return 1;

        for (int i = 0; i < runs; i++) {
                int fds[2];
                char id[16];

                /* Baseline: the same sudo through pam_permit. */
                if (use_stack(argv[4], stack) != 0)
                        return 1;
                uint64_t t0 = now_ns();
                if (wait_exit(spawn(host_argv, -1)) != 0) {
                        fprintf(stderr, "baseline run failed\n");
                        return 1;
                }
                base[i] = now_ns() - t0;

                /* pam_jit: wait for the id, approve, time the tail. */
                if (use_stack(argv[3], stack) != 0 || pipe2(fds, O_CLOEXEC) < 0)
                        return 1;
                pid_t sudo = spawn(host_argv, fds[1]);
                close(fds[1]);
                if (read_id(fds[0], id) < 0) {
                        fprintf(stderr, "no request id\n");
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
                        fprintf(stderr, "%s exited %d after approval\n", host_argv[0], rc);
                        return 1;
                }
                lat[i] = t2 - t1;
                /* The approval opened a grant for this very command: end it, so the next round asks. */
                char *revoke_argv[] = {"setpriv", "--reuid=bob", "--regid=bob", "--init-groups", "--",
                                       argv[2], "revoke", id, NULL};
                if (wait_exit(spawn(revoke_argv, -1)) != 0) {
                        fprintf(stderr, "jitctl revoke %s failed\n", id);
                        return 1;
                }
        }
        double lmed = pct(lat, runs, 0.5), lp90 = pct(lat, runs, 0.9);
        double bmed = pct(base, runs, 0.5);
        const char *what = pamtester ? "pamtester acct_mgmt" : "sudo -n true";
        printf("%s, %d runs\n", what, runs);
        printf("  approve returned -> %s exited: median %.2f ms, p90 %.2f ms\n", host_argv[0], lmed, lp90);
        printf("  baseline, the whole %s through pam_permit: median %.2f ms\n", what, bmed);
        printf("  ratio (approval tail / whole baseline run): %.2f\n", lmed / bmed);
        free(lat);
        free(base);
        return 0;
}
