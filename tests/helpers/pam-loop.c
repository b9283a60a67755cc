/* tests/helpers/pam-loop: one long-lived PAM host (like sshd or a session daemon) calling the
 * account phase N times, reporting what the module left behind in the process (A20), and calling
 * it once more in a forked child (A21).
 *   pam-loop SERVICE USER N  → prints "fds A B", "threads A B", "rss_kb A B", "child RC" and exits
 *   0 if every call returned PAM_SUCCESS. */
#include <dirent.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
        (void)n, (void)msg, (void)data;
        *resp = NULL;
        return PAM_CONV_ERR; /* no prompts expected; info lines are dropped */
}

static long count_fds(void)
{
        DIR *d = opendir("/proc/self/fd");
        long n = 0;

        for (struct dirent *e; d && (e = readdir(d));)
                n += e->d_name[0] != '.';
        if (d)
                closedir(d);
        return n - 1; /* the directory's own fd */
}

static long status_field(const char *key)
{
        char line[256];
        long v = -1;
        FILE *f = fopen("/proc/self/status", "re");

        while (f && fgets(line, sizeof(line), f))
                if (strncmp(line, key, strlen(key)) == 0)
                        v = strtol(line + strlen(key), NULL, 10);
        if (f)
                fclose(f);
        return v;
}

int main(int argc, char *argv[])
{
        struct pam_conv c = {conv, NULL};
        pam_handle_t *h = NULL;
        long n, fds0, thr0, rss0;
        int failures = 0, status;

        if (argc != 4 || (n = strtol(argv[3], NULL, 10)) < 1)
                return 2;
        if (pam_start(argv[1], argv[2], &c, &h) != PAM_SUCCESS)
                return 2;
        /* Warm up: the module is loaded, libraries initialised, syslog's socket opened. */
        for (int i = 0; i < 5; i++)
                failures += pam_acct_mgmt(h, PAM_SILENT) != PAM_SUCCESS;
        fds0 = count_fds(), thr0 = status_field("Threads:"), rss0 = status_field("VmRSS:");
        for (long i = 0; i < n; i++)
                failures += pam_acct_mgmt(h, PAM_SILENT) != PAM_SUCCESS;
        printf("fds %ld %ld\nthreads %ld %ld\nrss_kb %ld %ld\n", fds0, count_fds(), thr0,
               status_field("Threads:"), rss0, status_field("VmRSS:"));
        fflush(stdout);

        pid_t pid = fork();
        if (pid == 0)
                _exit(pam_acct_mgmt(h, PAM_SILENT) == PAM_SUCCESS ? 0 : 1);
        waitpid(pid, &status, 0);
        printf("child %d\nfailures %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128, failures);
        pam_end(h, PAM_SUCCESS);
        return failures ? 1 : 0;
}
