/* Fuzz the SSHSIG readers (armored and blob), the allowed_signers reader and the statement check:
 * bounded, no crash, no read out of bounds, and what parses is consistent (a parsed signature
 * names a key type we verify; a statement that passes the check rebuilds to the same bytes). */
#include <errno.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sshsig.h"
#include "statement.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char msg[] = "pam-jit approval statement v1\n";
        const char *s = (const char *)data;
        SshSig sig;
        SshKey key = {.type = SSH_KEY_ED25519};
        int r;

        if (sodium_init() < 0)
                abort();
        if (size > 3 * SSHSIG_MAX_ALLOWED)
                return 0;

        r = sshsig_parse(s, size, &sig);
        if (r == 0) {
                if (sig.key.type != SSH_KEY_ED25519 && sig.key.type != SSH_KEY_SK_ED25519)
                        abort();
                (void)sshsig_verify(&sig, SSHSIG_NAMESPACE, msg, sizeof(msg) - 1);
        } else if (r != -EBADMSG && r != -EPROTONOSUPPORT)
                abort();

        r = sshsig_parse_blob(data, size, &sig);
        if (r == 0)
                (void)sshsig_verify(&sig, SSHSIG_NAMESPACE, msg, sizeof(msg) - 1);
        else if (r != -EBADMSG && r != -EPROTONOSUPPORT)
                abort();

        r = sshsig_allowed(s, size, "bob", SSHSIG_NAMESPACE, &key);
        if (r < -EBADMSG || (r < 0 && r != -EBADMSG) || r > 1)
                abort();

        size_t off, len;
        if (statement_check(s, size, &off, &len) == 0 && (off + len > size || memchr(s, 0, size)))
                abort();
        return 0;
}
