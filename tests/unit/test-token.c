/* Approval tokens: what token_format writes, token_parse takes back unchanged, and everything else
 * (a wrong prefix, field count, id, name, padding, blob, length) is refused. The signature is a real
 * one from ssh-keygen. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sshsig.h"
#include "tap.h"
#include "token.h"
#include "util.h"

static char dir[] = "/tmp/test-token-XXXXXX";

static char *slurp(const char *path)
{
        char *buf = NULL;
        size_t n = 0;
        FILE *f = fopen(path, "re");

        if (!f)
                return NULL;
        buf = calloc(1, 8192);
        if (buf)
                n = fread(buf, 1, 8191, f);
        fclose(f);
        if (buf && n == 0) {
                free(buf);
                buf = NULL;
        }
        return buf;
}

static int parse(const char *s)
{
        Token t = {};
        int r = token_parse(s, strlen(s), &t);

        token_done(&t);
        return r;
}

int main(void)
{
        char cmd[512], path[256], *armored, *b64 = NULL, *tok = NULL, *bad = NULL;
        Tap t = {};
        Token tk = {};

        if (sodium_init() < 0 || !mkdtemp(dir))
                return 1;
        snprintf(cmd, sizeof(cmd),
                 "ssh-keygen -q -t ed25519 -N '' -C t -f %s/k >/dev/null && printf 'x\\n' >%s/m && "
                 "ssh-keygen -q -Y sign -n pam-jit -f %s/k %s/m 2>/dev/null",
                 dir, dir, dir, dir);
        snprintf(path, sizeof(path), "%s/m.sig", dir);
        tap_ok(&t, system(cmd) == 0 && (armored = slurp(path)), "ssh-keygen signs a message");
        tap_ok(&t, sshsig_armored_to_base64(armored, strlen(armored), &b64) == 0, "its blob in base64");

        tap_ok(&t, token_format("K7Q2-M9XA", "host.example/pam_jit", "bob", b64, &tok) == 0,
               "a token is formatted");
        tap_ok(&t, strncmp(tok, "pamjit1.K7Q2-M9XA.", 18) == 0 && !strpbrk(tok, " \n=+/"),
               "one line: prefix, id, then URL-safe base64 without padding");
        tap_ok(&t,
               token_parse(tok, strlen(tok), &tk) == 0 && streq(tk.id, "K7Q2-M9XA") &&
                   streq(tk.origin, "host.example/pam_jit") && streq(tk.principal, "bob") &&
                   streq(tk.signature, b64),
               "it parses back to the same id, origin, principal and signature");
        token_done(&tk);

        (void)!asprintf(&bad, "  \n%s\r\n\n", tok);
        tap_ok(&t, parse(bad) == 0, "blanks and newlines around it are allowed");
        free(bad);
        (void)!asprintf(&bad, "%s.", tok);
        tap_ok(&t, parse(bad) == -EBADMSG, "a fifth field is refused");
        free(bad);
        (void)!asprintf(&bad, "%s=", tok);
        tap_ok(&t, parse(bad) == -EBADMSG, "padding is refused");
        free(bad);
        bad = strdup(tok);
        bad[6] = '2';
        tap_ok(&t, parse(bad) == -EBADMSG, "another version is refused");
        free(bad);
        bad = strdup(tok);
        bad[strlen(bad) - 8] = '\0';
        tap_ok(&t, parse(bad) == -EBADMSG, "a cut signature is refused");
        free(bad);
        bad = strdup(tok);
        bad[10] = ' ';
        tap_ok(&t, parse(bad) == -EBADMSG, "a blank inside is refused");
        free(bad);
        bad = strdup(tok);
        memcpy(bad + 8, "K7Q2.M9X", 8);
        tap_ok(&t, parse(bad) == -EBADMSG, "a malformed id is refused");
        free(bad);
        tap_ok(&t, parse("pamjit1.K7Q2-M9XA.aG9zdA.Ym9i.AAAA") == -EBADMSG, "a blob that is no SSHSIG is refused");
        tap_ok(&t, parse("pamjit1.K7Q2-M9XA..Ym9i.AAAA") == -EBADMSG, "an empty origin is refused");
        tap_ok(&t, parse("") == -EBADMSG && parse("pamjit1.") == -EBADMSG, "empty text is refused");
        {
                char *big = malloc(TOKEN_MAX + 64);
                memset(big, 'A', TOKEN_MAX + 63);
                big[TOKEN_MAX + 63] = '\0';
                memcpy(big, tok, strlen(tok));
                tap_ok(&t, parse(big) == -EBADMSG, "a token longer than TOKEN_MAX is refused");
                free(big);
        }

        free(tok);
        tok = NULL;
        tap_ok(&t, token_format("K7Q2-M9XA", "host example", "bob", b64, &tok) == -EINVAL,
               "an origin with a blank cannot be formatted");
        tap_ok(&t, token_format("K7Q2-M9XA", "h", "bob\n", b64, &tok) == -EINVAL,
               "a principal with a newline cannot be formatted");
        tap_ok(&t, token_format("nope", "h", "bob", b64, &tok) == -EINVAL, "nor a malformed id");
        tap_ok(&t, token_format("K7Q2-M9XA", "h", "bob", "AAAA", &tok) == -EINVAL,
               "nor a signature that is no SSHSIG");

        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        (void)!system(cmd);
        free(armored);
        free(b64);
        return tap_done(&t);
}
