/* The canonical statement: what statement_build writes, statement_check accepts, and nothing else. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "statement.h"
#include "tap.h"

static const char expected[] = "pam-jit approval statement v1\n"
                               "origin=host.example/pam_jit\n"
                               "request=K7Q2-M9XA\n"
                               "requester=alice\n"
                               "uid=1001\n"
                               "target=\n"
                               "runas=postgres\n"
                               "rungroup=\n"
                               "service=sudo\n"
                               "command-kind=exact\n"
                               "command=/usr/bin/systemctl restart nginx\n"
                               "cwd=/home/alice\n"
                               "runcwd=\n"
                               "deadline-usec=1700000000000000\n"
                               "grant-scope=command\n"
                               "grant-requested-usec=0\n"
                               "rule=ops\n";

int main(void)
{
        StatementFields f = {
            .origin = "host.example/pam_jit",
            .id = "K7Q2-M9XA",
            .user = "alice",
            .uid = "1001",
            .runas = "postgres",
            .service = "sudo",
            .command_kind = "exact",
            .command = "/usr/bin/systemctl restart nginx",
            .cwd = "/home/alice",
            .deadline_usec = "1700000000000000",
            .scope = "command",
            .rule = "ops",
        };
        Tap t = {};
        char *s = NULL, *bad = NULL;
        size_t off = 0, len = 0;

        tap_ok(&t, statement_build(&f, &s) == 0 && strcmp(s, expected) == 0,
               "the statement is the version line and sixteen key=value lines, empty numbers as 0");
        tap_ok(&t,
               statement_check(s, strlen(s), &off, &len) == 0 && len == 9 &&
                   memcmp(s + off, "K7Q2-M9XA", 9) == 0,
               "what statement_build writes passes statement_check, which finds the request id");
        tap_ok(&t, statement_check(s, strlen(s) - 1, NULL, NULL) == -EBADMSG,
               "a statement without its last newline is refused");
        free(s);

        f.command = "/bin/echo a\nrule=other";
        tap_ok(&t, statement_build(&f, &s) == -EINVAL,
               "a value with a newline cannot be built (no forged lines)");
        f.command = "/bin/echo \xe2\x80\xae"
                    "evil";
        tap_ok(&t, statement_build(&f, &s) == -EINVAL, "a value with a bidi override cannot be built");
        f.command = "/bin/echo \xff";
        tap_ok(&t, statement_build(&f, &s) == -EINVAL, "invalid UTF-8 cannot be built");

        bad = strdup(expected);
        bad[strlen("pam-jit approval statement v")] = '2';
        tap_ok(&t, statement_check(bad, strlen(bad), NULL, NULL) == -EBADMSG, "another version is refused");
        free(bad);
        bad = strdup(expected);
        memcpy(strstr(bad, "requester="), "requestor=", 10);
        tap_ok(&t, statement_check(bad, strlen(bad), NULL, NULL) == -EBADMSG, "an unknown key is refused");
        free(bad);
        if (asprintf(&bad, "%s%s", expected, "extra=1\n") > 0)
                tap_ok(&t, statement_check(bad, strlen(bad), NULL, NULL) == -EBADMSG,
                       "an extra line is refused");
        free(bad);
        bad = strdup(expected);
        *strstr(bad, "nginx") = '\t';
        tap_ok(&t, statement_check(bad, strlen(bad), NULL, NULL) == -EBADMSG,
               "a control character is refused");
        free(bad);
        return tap_done(&t);
}
