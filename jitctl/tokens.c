/* Approving a host the approver cannot reach: `jitctl sign` on the approver's own machine (no jitd,
 * no bus) turns a request's statement into an approval token; `jitctl redeem` on the host hands the
 * token to jitd, which checks it and records the approval as the signer's. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "jit-bus.h"
#include "jitctl.h"
#include "sanitize.h"
#include "sshsig.h"
#include "statement.h"
#include "token.h"
#include "util.h"

#define CALL_TIMEOUT_USEC (10 * USEC_PER_SEC)

/* Read what arg names (a file, or "-"/NULL for stdin) into buf, at most max bytes. */
static int read_input(const char *verb, const char *arg, char *buf, size_t max, size_t *ret_len)
{
        _cleanup_close_ int fd = -1;
        int r;

        if (!arg || streq(arg, "-"))
                fd = dup(STDIN_FILENO);
        else
                fd = open(arg, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                ctl_error("%s: %s: %s", verb, arg ? arg : "stdin", strerror(errno));
                return -errno;
        }
        r = jit_read_fd_bounded(fd, buf, max + 1, ret_len);
        if (r < 0)
                ctl_error("%s: %s: %s", verb, arg && !streq(arg, "-") ? arg : "stdin",
                          r == -EFBIG ? "too long" : strerror(-r));
        return r;
}

/* The value of the statement's "origin=" line (statement_check has accepted the text). */
static int statement_origin(const char *text, char *ret, size_t n)
{
        const char *p = strstr(text, "\norigin="), *end;

        if (!p)
                return -EBADMSG;
        p += strlen("\norigin=");
        end = strchr(p, '\n');
        if (!end || (size_t)(end - p) >= n)
                return -EBADMSG;
        memcpy(ret, p, (size_t)(end - p));
        ret[end - p] = '\0';
        return 0;
}

int verb_sign(Ctl *ctl, const VerbArgs *a)
{
        _cleanup_free_ char *text = NULL, *armored = NULL, *b64 = NULL, *token = NULL;
        char id[JIT_ID_LEN + 1], origin[TOKEN_MAX_ORIGIN + 1];
        const char *principal = a->principal;
        size_t len = 0, off, id_len;
        int r;

        if (ctl->host) {
                ctl_error("sign runs on your own machine and talks to no jitd: drop -H");
                return EXIT_USAGE;
        }
        if (!principal) {
                struct passwd *pw = getpwuid(getuid());
                if (!pw) {
                        ctl_error("sign: you have no user name here; give --principal NAME");
                        return EXIT_REFUSED;
                }
                principal = pw->pw_name;
        }
        text = malloc(JIT_STATEMENT_MAX + 3);
        if (!text)
                return EXIT_REFUSED;
        if (read_input("sign", a->n_args ? a->args[0] : NULL, text, JIT_STATEMENT_MAX, &len) < 0)
                return EXIT_REFUSED;
        /* A statement pasted from a chat often lost its last newline; it cannot have lost more. */
        if (len > 0 && text[len - 1] != '\n') {
                text[len++] = '\n';
                text[len] = '\0';
        }
        if (memchr(text, 0, len) || statement_check(text, len, &off, &id_len) < 0 || id_len != JIT_ID_LEN ||
            statement_origin(text, origin, sizeof(origin)) < 0) {
                ctl_error("sign: that is not a request's statement (jitctl show --statement ID prints one)");
                return EXIT_REFUSED;
        }
        memcpy(id, text + off, JIT_ID_LEN);
        id[JIT_ID_LEN] = '\0';
        /* The approver reads the statement before signing; this line says what the token will do. */
        fprintf(stderr, "Signing an approval of request %s on %s as %s.\n", id, origin, principal);
        r = ctl_sign_statement(text, a->key, &armored);
        if (r < 0)
                return EXIT_REFUSED;
        r = sshsig_armored_to_base64(armored, strlen(armored), &b64);
        if (r >= 0)
                r = token_format(id, origin, principal, b64, &token);
        if (r < 0) {
                ctl_error("sign: cannot make a token: %s",
                          r == -EINVAL ? "a value it cannot carry, or a signature jitd would not verify"
                                       : strerror(-r));
                return EXIT_REFUSED;
        }
        printf("%s\n", token);
        return 0;
}

int verb_redeem(Ctl *ctl, const VerbArgs *a)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *text = NULL, *safe = NULL;
        const char *arg = a->n_args ? a->args[0] : NULL, *id, *signer;
        uint64_t until;
        size_t len = 0;
        sd_bus *bus;
        char buf[64];
        int r;

        if (arg && strncmp(arg, TOKEN_PREFIX, strlen(TOKEN_PREFIX)) == 0)
                text = strdup(arg);
        else {
                text = malloc(TOKEN_MAX + 2);
                if (text && read_input("redeem", arg, text, TOKEN_MAX, &len) < 0)
                        return EXIT_REFUSED;
        }
        if (!text)
                return ctl_refused(ctl, "redeem", NULL, &error, -ENOMEM);
        r = ctl_bus(ctl, &bus);
        if (r >= 0)
                r = sd_bus_message_new_method_call(bus, &m, JIT_BUS_NAME, JIT_BUS_PATH, JIT_BUS_INTERFACE,
                                                   "Redeem");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", text);
        if (r >= 0)
                r = sd_bus_call(bus, m, CALL_TIMEOUT_USEC, &error, &reply);
        if (r >= 0)
                r = sd_bus_message_read(reply, "sst", &id, &signer, &until);
        if (r < 0)
                return ctl_refused(ctl, "redeem", NULL, &error, r);
        /* jitd's words, but a name is shown only as it is safe on a terminal. */
        safe = jit_sanitize_terminal(signer, strlen(signer), JIT_MAX_FIELD);
        if (!safe)
                return ctl_refused(ctl, "redeem", NULL, &SD_BUS_ERROR_NULL, -ENOMEM);
        if (ctl->json) {
                json_object *o = json_object_new_object();
                if (!o || json_object_object_add(o, "id", json_object_new_string(id)) < 0 ||
                    json_object_object_add(o, "signer", json_object_new_string(signer)) < 0 ||
                    json_object_object_add(o, "state", json_object_new_string(until ? JIT_STATE_APPROVED
                                                                                   : JIT_STATE_PENDING)) < 0 ||
                    json_object_object_add(o, "until_usec", json_object_new_uint64(until)) < 0) {
                        json_object_put(o);
                        return ctl_refused(ctl, "redeem", NULL, &SD_BUS_ERROR_NULL, -ENOMEM);
                }
                ctl_print_json(o, ctl->pretty);
                json_object_put(o);
        } else if (until == 0)
                printf("%s's approval of %s recorded; it needs more approvers.\n", safe, id);
        else
                printf("Approved %s (signed by %s) until %s.\n", id, safe,
                       ctl_format_time(ctl, until, buf, sizeof(buf)));
        return 0;
}
