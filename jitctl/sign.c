/* Signing a request's statement with the approver's SSH key, by OpenSSH's own ssh-keygen.
 *
 * ssh-keygen does the signing so that every key an approver has works as it does for git: a key
 * file, a key held by ssh-agent, a FIDO key that wants a touch (its prompt reaches the terminal on
 * stderr). jitctl only chooses the key and hands the statement over on stdin. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jitctl.h"
#include "sshsig.h"
#include "util.h"

#define MAX_AGENT_LIST (256 * 1024)

/* Run argv with input on its stdin; its stdout (at most max bytes) in *ret. stderr is ours. */
static int run_capture(char *const argv[], const char *input, size_t input_len, char **ret, size_t max)
{
        int in[2] = {-1, -1}, out[2] = {-1, -1}, status, r = 0;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        pid_t pid;

        buf = malloc(max + 1);
        if (!buf || pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
                r = buf ? -errno : -ENOMEM;
                goto fail;
        }
        pid = fork();
        if (pid < 0) {
                r = -errno;
                goto fail;
        }
        if (pid == 0) {
                if (dup2(in[0], STDIN_FILENO) < 0 || dup2(out[1], STDOUT_FILENO) < 0)
                        _exit(127);
                execvp(argv[0], argv);
                _exit(127);
        }
        close(in[0]);
        close(out[1]);
        in[0] = out[1] = -1;
        /* The statement is far smaller than a pipe's buffer: it is written whole before reading. A
         * child that exits without reading must fail the signing, not kill jitctl with SIGPIPE. */
        struct sigaction ign = {.sa_handler = SIG_IGN}, old_pipe;
        sigaction(SIGPIPE, &ign, &old_pipe);
        for (size_t o = 0; o < input_len;) {
                ssize_t n = write(in[1], input + o, input_len - o);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        r = -EPIPE;
                        break;
                }
                o += (size_t)n;
        }
        close(in[1]);
        in[1] = -1;
        sigaction(SIGPIPE, &old_pipe, NULL);
        while (r == 0) {
                ssize_t n = read(out[0], buf + len, max - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        r = -errno;
                else if (n == 0)
                        break;
                else if ((len += (size_t)n) >= max)
                        r = -EFBIG;
        }
        close(out[0]);
        out[0] = -1;
        if (r < 0)
                kill(pid, SIGTERM);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (r < 0)
                return r;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return -ECHILD;
        buf[len] = '\0';
        *ret = TAKE_PTR(buf);
        return 0;
fail:
        for (int i = 0; i < 2; i++) {
                if (in[i] >= 0)
                        close(in[i]);
                if (out[i] >= 0)
                        close(out[i]);
        }
        return r;
}

/* The first Ed25519 key (plain or FIDO) ssh-agent holds, written to a private temporary file whose
 * path is in ret (ssh-keygen signs with an agent's key named by its public half). */
static int agent_key(char ret[static 64])
{
        char *const argv[] = {(char *)"ssh-add", (char *)"-L", NULL};
        _cleanup_free_ char *list = NULL;
        char *line, *save = NULL;
        int r, fd;

        r = run_capture(argv, "", 0, &list, MAX_AGENT_LIST);
        if (r < 0)
                return r;
        for (line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                if (strncmp(line, "ssh-ed25519 ", 12) != 0 &&
                    strncmp(line, "sk-ssh-ed25519@openssh.com ", 27) != 0)
                        continue;
                snprintf(ret, 64, "/tmp/jitctl-agent-key-XXXXXX");
                fd = mkstemp(ret);
                if (fd < 0)
                        return -errno;
                r = dprintf(fd, "%s\n", line) < 0 ? -EIO : 0;
                close(fd);
                if (r < 0)
                        unlink(ret);
                return r;
        }
        return -ENOKEY;
}

int ctl_sign_statement(const char *statement, const char *key, char **ret)
{
        char tmp[64] = "";
        int r;

        if (!key) {
                if (!getenv("SSH_AUTH_SOCK")) {
                        ctl_error("no signing key: give --key FILE, or run ssh-agent with an Ed25519 key");
                        return -ENOKEY;
                }
                r = agent_key(tmp);
                if (r < 0) {
                        ctl_error("ssh-agent holds no Ed25519 key (ssh-ed25519 or sk-ssh-ed25519); give "
                                  "--key FILE");
                        return r;
                }
                key = tmp;
        }
        char *const argv[] = {(char *)"ssh-keygen", (char *)"-q", (char *)"-Y",
                              (char *)"sign",       (char *)"-n", (char *)SSHSIG_NAMESPACE,
                              (char *)"-f",         (char *)key,  NULL};
        r = run_capture(argv, statement, strlen(statement), ret, SSHSIG_MAX_ARMORED);
        if (*tmp)
                unlink(tmp);
        if (r < 0)
                ctl_error("ssh-keygen -Y sign -n " SSHSIG_NAMESPACE " -f %s failed; nothing was sent", key);
        return r;
}
