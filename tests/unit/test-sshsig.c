/* SSHSIG and allowed_signers, against signatures the real ssh-keygen makes: what verifies, what is
 * refused (another message, namespace, key, principal), and key types refused by name. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "fileio.h"
#include "sha256.h"
#include "sshsig.h"
#include "tap.h"
#include "util.h"

static char dir[] = "/tmp/test-sshsig-XXXXXX";

static char *slurp(const char *name)
{
        char path[256], *buf;
        FILE *f;
        long n;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "re");
        if (!f)
                return NULL;
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        rewind(f);
        buf = calloc(1, (size_t)n + 1);
        if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
                free(buf);
                buf = NULL;
        }
        fclose(f);
        return buf;
}

/* A key "name" made by ssh-keygen, and its signature of msg.txt in namespace ns. */
static int keygen(const char *name, const char *type)
{
        char cmd[512];

        snprintf(cmd, sizeof(cmd), "ssh-keygen -q -t %s -N '' -C test -f %s/%s >/dev/null", type, dir, name);
        return system(cmd);
}

static int sign(const char *name, const char *ns)
{
        char cmd[512];

        snprintf(cmd, sizeof(cmd),
                 "rm -f %s/msg.txt.sig && ssh-keygen -q -Y sign -n %s -f %s/%s %s/msg.txt 2>/dev/null", dir,
                 ns, dir, name, dir);
        return system(cmd);
}

static char *allowed_line(const char *principal, const char *opts, const char *name)
{
        char file[64], *pub, *line = NULL;

        snprintf(file, sizeof(file), "%s.pub", name);
        pub = slurp(file);
        if (!pub)
                return NULL;
        *strchrnul(pub, '\n') = '\0';
        if (asprintf(&line, "# approvers\n%s %s%s%s\n", principal, opts, *opts ? " " : "", pub) < 0)
                line = NULL;
        free(pub);
        return line;
}

int main(void)
{
        const char *msg = "pam-jit approval statement v1\nrequest=K7Q2-M9XA\n";
        Tap t = {};
        SshSig s = {}, s2 = {};
        char *armored, *al, *b64 = NULL;
        FILE *f;

        if (sodium_init() < 0 || !mkdtemp(dir))
                return 1;
        char path[256];
        snprintf(path, sizeof(path), "%s/msg.txt", dir);
        f = fopen(path, "we");
        fputs(msg, f);
        fclose(f);

        tap_ok(&t, keygen("bob", "ed25519") == 0 && keygen("carol", "ed25519") == 0,
               "ssh-keygen makes two Ed25519 keys");
        tap_ok(&t, sign("bob", "pam-jit") == 0 && (armored = slurp("msg.txt.sig")),
               "ssh-keygen -Y sign signs the statement");
        tap_ok(&t,
               sshsig_parse(armored, strlen(armored), &s) == 0 && s.key.type == SSH_KEY_ED25519 &&
                   streq(s.ns, "pam-jit") && streq(s.hash_alg, "sha512"),
               "the armored signature parses: ssh-ed25519, namespace pam-jit, sha512");
        tap_ok(&t, sshsig_verify(&s, "pam-jit", msg, strlen(msg)) == 0, "it verifies over the statement");
        tap_ok(&t, sshsig_verify(&s, "pam-jit", msg, strlen(msg) - 1) == -EBADMSG,
               "not over another statement");
        tap_ok(&t, sshsig_verify(&s, "git", msg, strlen(msg)) == -EBADMSG, "not in another namespace");
        tap_ok(&t, sshsig_armored_to_base64(armored, strlen(armored), &b64) == 0,
               "the blob as one base64 line");
        {
                uint8_t blob[2048];
                size_t len;
                tap_ok(&t,
                       sodium_base642bin(blob, sizeof(blob), b64, strlen(b64), NULL, &len, NULL,
                                         sodium_base64_VARIANT_ORIGINAL) == 0 &&
                           sshsig_parse_blob(blob, len, &s2) == 0 && memcmp(&s, &s2, sizeof(s)) == 0,
                       "the base64 blob parses to the same signature");
                blob[len - 1] ^= 1;
                tap_ok(&t,
                       sshsig_parse_blob(blob, len, &s2) == 0 &&
                           sshsig_verify(&s2, "pam-jit", msg, strlen(msg)) == -EBADMSG,
                       "a flipped signature bit is refused");
                tap_ok(&t, sshsig_parse_blob(blob, len - 1, &s2) == -EBADMSG, "a cut blob is malformed");
        }
        armored[40] ^= 0x20;
        tap_ok(&t,
               sshsig_parse(armored, strlen(armored), &s2) < 0 ||
                   sshsig_verify(&s2, "pam-jit", msg, strlen(msg)) < 0,
               "a changed armored byte never verifies");
        free(armored);
        free(b64);

        /* One allowed_signers line (principals, options, whose key) asked about bob's signing key. */
        static const struct {
                const char *principals, *options, *key, *asking;
                int want;
                const char *what;
        } lines[] = {
            {"bob", "", "bob", "bob", 1, "allowed_signers: bob's key for bob"},
            {"bob", "", "bob", "carol", 0, "...not for carol (another principal)"},
            {"alice,bob", "namespaces=\"git,pam-jit\"", "bob", "bob", 1,
             "a principal list and namespaces=\"git,pam-jit\""},
            {"bob", "namespaces=\"git\"", "bob", "bob", 0, "namespaces=\"git\" does not allow pam-jit"},
            {"bob", "cert-authority", "bob", "bob", 0, "cert-authority is not honoured: allows nobody"},
            {"bob", "valid-before=\"20990101\"", "bob", "bob", 0,
             "valid-before is not honoured: allows nobody"},
            {"*", "", "bob", "bob", 0, "a principal pattern matches nobody"},
            {"bob", "", "carol", "bob", 0, "carol's key listed for bob does not allow bob's key"},
        };
        for (size_t i = 0; i < ELEMENTSOF(lines); i++) {
                al = allowed_line(lines[i].principals, lines[i].options, lines[i].key);
                tap_ok(&t,
                       al && sshsig_allowed(al, strlen(al), lines[i].asking, "pam-jit", &s.key) ==
                                 lines[i].want,
                       "%s", lines[i].what);
                free(al);
        }
        tap_ok(&t, sshsig_allowed("bob ssh-ed25519 AAAA!!\n", 22, "bob", "pam-jit", &s.key) == -EBADMSG,
               "bad base64 is malformed");
        tap_ok(&t, sshsig_allowed("bob\n", 4, "bob", "pam-jit", &s.key) == -EBADMSG,
               "a line without a key is malformed");

        tap_ok(&t,
               keygen("rsa", "rsa -b 1024") == 0 && sign("rsa", "pam-jit") == 0 &&
                   (armored = slurp("msg.txt.sig")),
               "ssh-keygen signs with an RSA key");
        tap_ok(&t, sshsig_parse(armored, strlen(armored), &s2) == -EPROTONOSUPPORT,
               "an RSA signature is refused by name, never accepted");
        free(armored);
        al = allowed_line("bob", "", "rsa");
        tap_ok(&t, sshsig_allowed(al, strlen(al), "bob", "pam-jit", &s.key) == 0,
               "an RSA key line allows nothing");
        free(al);
        /* A large RSA key (8192 bits and more: a blob over 1 KiB) is still a line that allows
         * nothing, not a malformed file that would stop every signed approval. */
        {
                uint8_t blob[2100] = {0, 0, 0, 7, 's', 's', 'h', '-', 'r', 's', 'a'};
                char line[4 + 8 + sodium_base64_ENCODED_LEN(sizeof(blob), sodium_base64_VARIANT_ORIGINAL) +
                          1];
                int n = snprintf(line, sizeof(line), "bob ssh-rsa ");

                sodium_bin2base64(line + n, sizeof(line) - (size_t)n, blob, sizeof(blob),
                                  sodium_base64_VARIANT_ORIGINAL);
                tap_ok(&t, sshsig_allowed(line, strlen(line), "bob", "pam-jit", &s.key) == 0,
                       "an RSA key line with a 2 KiB blob allows nothing, and the file stays usable");
        }

        /* FIDO: no authenticator here, so the authenticator's side is done with libsodium as
         * PROTOCOL.u2f says: sign SHA-256(application) || flags || counter || SHA-256(data). */
        {
                uint8_t pk[32], sk[64], data[6 + 4 + 7 + 4 + 4 + 6 + 4 + 64], *p = data, h[64], tbs[69];
                SshSig f2 = {.key = {.type = SSH_KEY_SK_ED25519, .application = "ssh:"},
                             .ns = "pam-jit",
                             .hash_alg = "sha512",
                             .sk_flags = 1,
                             .sk_counter = 7};
                crypto_sign_keypair(pk, sk);
                memcpy(f2.key.pk, pk, 32);
                crypto_hash_sha512(h, (const uint8_t *)msg, strlen(msg));
                memcpy(p, "SSHSIG", 6), p += 6;
                memcpy(p, "\0\0\0\7pam-jit\0\0\0\0\0\0\0\6sha512\0\0\0\100", 4 + 7 + 4 + 4 + 6 + 4), p += 29;
                memcpy(p, h, 64);
                jit_sha256_once("ssh:", 4, tbs);
                tbs[32] = 1, tbs[33] = 0, tbs[34] = 0, tbs[35] = 0, tbs[36] = 7;
                jit_sha256_once(data, sizeof(data), tbs + 37);
                crypto_sign_detached(f2.sig, NULL, tbs, sizeof(tbs), sk);
                tap_ok(&t, sshsig_verify(&f2, "pam-jit", msg, strlen(msg)) == 0,
                       "an sk-ssh-ed25519 signature verifies (flags, counter, application)");
                f2.sk_counter = 8;
                tap_ok(&t, sshsig_verify(&f2, "pam-jit", msg, strlen(msg)) == -EBADMSG,
                       "...not with another counter");
                f2.sk_counter = 7;
                strcpy(f2.key.application, "ssh:x");
                tap_ok(&t, sshsig_verify(&f2, "pam-jit", msg, strlen(msg)) == -EBADMSG,
                       "...nor another application");
                strcpy(f2.key.application, "ssh:");
                f2.sk_flags = 0;
                tap_ok(&t, sshsig_verify(&f2, "pam-jit", msg, strlen(msg)) == -EBADMSG,
                       "...nor without user presence");
        }

        char cmd[300];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        (void)system(cmd);
        return tap_done(&t);
}
