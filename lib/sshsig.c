/* OpenSSH signatures (PROTOCOL.sshsig): the armored text, the blob inside it, and its check.
 *
 * In-process rather than by running `ssh-keygen -Y verify`: `jitctl verify` re-checks every signed
 * approval of a journal, and one process per signature would cost milliseconds each (BENCHMARKS.md).
 * Ed25519 alone keeps this small: libsodium verifies it, and the wire format is a handful of
 * length-prefixed strings, each read against the bytes that remain. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sha256.h"
#include "sshsig.h"
#include "util.h"

#define ARMOR_BEGIN "-----BEGIN SSH SIGNATURE-----\n"
#define ARMOR_END "-----END SSH SIGNATURE-----"
#define MAGIC "SSHSIG"
#define SK_ED25519 "sk-ssh-ed25519@openssh.com"
#define SK_FLAG_USER_PRESENT 0x01
#define MAX_BLOB 2048

/* A cursor over wire bytes: every read checks what remains. */
typedef struct Wire {
        const uint8_t *p;
        size_t n;
} Wire;

static int wire_u32(Wire *w, uint32_t *ret)
{
        if (w->n < 4)
                return -EBADMSG;
        *ret = (uint32_t)w->p[0] << 24 | (uint32_t)w->p[1] << 16 | (uint32_t)w->p[2] << 8 | w->p[3];
        w->p += 4;
        w->n -= 4;
        return 0;
}

static int wire_string(Wire *w, Wire *ret)
{
        uint32_t len;

        if (wire_u32(w, &len) < 0 || len > w->n)
                return -EBADMSG;
        *ret = (Wire){w->p, len};
        w->p += len;
        w->n -= len;
        return 0;
}

static bool wire_eq(const Wire *w, const char *s)
{
        return w->n == strlen(s) && memcmp(w->p, s, w->n) == 0;
}

/* A text field: no NUL, fits buf. */
static int wire_text(const Wire *w, char *buf, size_t size)
{
        if (w->n >= size || memchr(w->p, 0, w->n))
                return -EBADMSG;
        memcpy(buf, w->p, w->n);
        buf[w->n] = '\0';
        return 0;
}

/* A public key blob: ssh-ed25519 or its FIDO form; any other type is refused by name. */
int sshkey_parse_blob(const uint8_t *blob, size_t n, SshKey *ret)
{
        Wire w = {blob, n}, type, pk, app;

        *ret = (SshKey){};
        if (wire_string(&w, &type) < 0)
                return -EBADMSG;
        if (wire_eq(&type, "ssh-ed25519"))
                ret->type = SSH_KEY_ED25519;
        else if (wire_eq(&type, SK_ED25519))
                ret->type = SSH_KEY_SK_ED25519;
        else
                return -EPROTONOSUPPORT;
        if (wire_string(&w, &pk) < 0 || pk.n != sizeof(ret->pk))
                return -EBADMSG;
        memcpy(ret->pk, pk.p, sizeof(ret->pk));
        if (ret->type == SSH_KEY_SK_ED25519) {
                if (wire_string(&w, &app) < 0 || app.n == 0 ||
                    wire_text(&app, ret->application, sizeof(ret->application)) < 0)
                        return -EBADMSG;
        }
        return w.n == 0 ? 0 : -EBADMSG;
}

bool sshkey_equal(const SshKey *a, const SshKey *b)
{
        return a->type == b->type && sodium_memcmp(a->pk, b->pk, sizeof(a->pk)) == 0 &&
               streq(a->application, b->application);
}

int sshsig_parse_blob(const uint8_t *blob, size_t n, SshSig *ret)
{
        Wire w = {blob, n}, key, ns, reserved, hash, sig, type, bytes;
        uint32_t version;
        SshSig s = {};
        int r;

        if (n > MAX_BLOB || n < 6 || memcmp(blob, MAGIC, 6) != 0)
                return -EBADMSG;
        w.p += 6;
        w.n -= 6;
        if (wire_u32(&w, &version) < 0)
                return -EBADMSG;
        if (version != 1)
                return -EPROTONOSUPPORT;
        if (wire_string(&w, &key) < 0 || wire_string(&w, &ns) < 0 || wire_string(&w, &reserved) < 0 ||
            wire_string(&w, &hash) < 0 || wire_string(&w, &sig) < 0 || w.n != 0)
                return -EBADMSG;
        r = sshkey_parse_blob(key.p, key.n, &s.key);
        if (r < 0)
                return r;
        if (wire_text(&ns, s.ns, sizeof(s.ns)) < 0 || wire_text(&hash, s.hash_alg, sizeof(s.hash_alg)) < 0)
                return -EBADMSG;
        if (!streq(s.hash_alg, "sha512") && !streq(s.hash_alg, "sha256"))
                return -EPROTONOSUPPORT;
        /* The signature names its own type: it must be the key's. */
        if (wire_string(&sig, &type) < 0 || wire_string(&sig, &bytes) < 0 || bytes.n != sizeof(s.sig) ||
            !wire_eq(&type, s.key.type == SSH_KEY_ED25519 ? "ssh-ed25519" : SK_ED25519))
                return -EBADMSG;
        memcpy(s.sig, bytes.p, sizeof(s.sig));
        if (s.key.type == SSH_KEY_SK_ED25519) {
                if (sig.n < 5)
                        return -EBADMSG;
                s.sk_flags = sig.p[0];
                s.sk_counter =
                    (uint32_t)sig.p[1] << 24 | (uint32_t)sig.p[2] << 16 | (uint32_t)sig.p[3] << 8 | sig.p[4];
                sig.p += 5;
                sig.n -= 5;
        }
        if (sig.n != 0)
                return -EBADMSG;
        *ret = s;
        return 0;
}

/* The blob inside the armor: the begin line, base64 lines, the end line, nothing else. */
static int armor_decode(const char *armored, size_t n, uint8_t *blob, size_t *ret_len)
{
        const char *body, *end;

        if (n > SSHSIG_MAX_ARMORED || memchr(armored, 0, n) || n < strlen(ARMOR_BEGIN) ||
            memcmp(armored, ARMOR_BEGIN, strlen(ARMOR_BEGIN)) != 0)
                return -EBADMSG;
        body = armored + strlen(ARMOR_BEGIN);
        end = memmem(body, n - (size_t)(body - armored), ARMOR_END, strlen(ARMOR_END));
        if (!end)
                return -EBADMSG;
        /* After the end line: at most one newline. */
        size_t tail = n - (size_t)(end - armored) - strlen(ARMOR_END);
        if (tail > 1 || (tail == 1 && end[strlen(ARMOR_END)] != '\n'))
                return -EBADMSG;
        if (sodium_base642bin(blob, MAX_BLOB, body, (size_t)(end - body), "\n", ret_len, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0)
                return -EBADMSG;
        return 0;
}

int sshsig_parse(const char *armored, size_t n, SshSig *ret)
{
        uint8_t blob[MAX_BLOB];
        size_t len;
        int r;

        r = armor_decode(armored, n, blob, &len);
        return r < 0 ? r : sshsig_parse_blob(blob, len, ret);
}

int sshsig_armored_to_base64(const char *armored, size_t n, char **ret)
{
        uint8_t blob[MAX_BLOB];
        size_t len;
        char *b;
        int r;

        r = armor_decode(armored, n, blob, &len);
        if (r < 0)
                return r;
        b = malloc(sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL));
        if (!b)
                return -ENOMEM;
        sodium_bin2base64(b, sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL), blob, len,
                          sodium_base64_VARIANT_ORIGINAL);
        *ret = b;
        return 0;
}

static void put_string(uint8_t **p, const void *s, size_t n)
{
        (*p)[0] = (uint8_t)(n >> 24);
        (*p)[1] = (uint8_t)(n >> 16);
        (*p)[2] = (uint8_t)(n >> 8);
        (*p)[3] = (uint8_t)n;
        memcpy(*p + 4, s, n);
        *p += 4 + n;
}

int sshsig_verify_hash(const SshSig *s, const char *ns, const uint8_t sha512[64])
{
        /* What was signed: MAGIC, namespace, reserved (empty), hash algorithm, H(message). */
        uint8_t data[6 + 4 + 64 + 4 + 4 + 16 + 4 + 64], *p = data;
        uint8_t sk[32 + 1 + 4 + 32];

        if (!streq(s->ns, ns) || strlen(ns) > 64 || !streq(s->hash_alg, "sha512"))
                return -EBADMSG;
        memcpy(p, MAGIC, 6);
        p += 6;
        put_string(&p, ns, strlen(ns));
        put_string(&p, "", 0);
        put_string(&p, "sha512", 6);
        put_string(&p, sha512, 64);
        if (s->key.type == SSH_KEY_ED25519)
                return crypto_sign_verify_detached(s->sig, data, (size_t)(p - data), s->key.pk) == 0
                           ? 0
                           : -EBADMSG;

        /* FIDO (PROTOCOL.u2f): the authenticator signs SHA-256(application) || flags || counter ||
         * SHA-256(data). Without the user-presence flag nobody touched the key: refused, as OpenSSH
         * does unless no-touch-required, which this reader does not honour. */
        if (!(s->sk_flags & SK_FLAG_USER_PRESENT))
                return -EBADMSG;
        if (jit_sha256_once(s->key.application, strlen(s->key.application), sk) < 0 ||
            jit_sha256_once(data, (size_t)(p - data), sk + 37) < 0)
                return -EIO;
        sk[32] = s->sk_flags;
        sk[33] = (uint8_t)(s->sk_counter >> 24);
        sk[34] = (uint8_t)(s->sk_counter >> 16);
        sk[35] = (uint8_t)(s->sk_counter >> 8);
        sk[36] = (uint8_t)s->sk_counter;
        return crypto_sign_verify_detached(s->sig, sk, sizeof(sk), s->key.pk) == 0 ? 0 : -EBADMSG;
}

int sshsig_verify(const SshSig *s, const char *ns, const void *msg, size_t n)
{
        uint8_t h[64];

        /* sha256 signatures are refused here too: the journal keeps the statement's SHA-512, which
         * is what ssh-keygen signs by default, so every recorded signature can be checked offline. */
        crypto_hash_sha512(h, msg, n);
        return sshsig_verify_hash(s, ns, h);
}
