/* OpenSSH signatures (PROTOCOL.sshsig) and allowed_signers files, read and checked in-process.
 *
 * Only Ed25519 keys are verified here: ssh-ed25519 and sk-ssh-ed25519@openssh.com (FIDO, with its
 * flags, counter and application). Any other key type is refused with -EPROTONOSUPPORT, never
 * accepted unchecked. Every parser is bounded and fuzzed (tests/fuzz/fuzz-sshsig.c). Never logs. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SSHSIG_NAMESPACE "pam-jit"
#define SSHSIG_MAX_ARMORED 4096        /* an Ed25519 signature is ~300 bytes armored */
#define SSHSIG_MAX_ALLOWED (32 * 1024) /* the allowed_signers file: the journal keeps it in a record */
#define SSHSIG_MAX_APPLICATION 64      /* a FIDO key's application string ("ssh:" usually) */

typedef enum SshKeyType {
        SSH_KEY_ED25519,
        SSH_KEY_SK_ED25519,
} SshKeyType;

typedef struct SshKey {
        SshKeyType type;
        uint8_t pk[32];
        char application[SSHSIG_MAX_APPLICATION + 1]; /* sk keys only */
} SshKey;

typedef struct SshSig {
        SshKey key;
        char ns[64];
        char hash_alg[16]; /* "sha512" or "sha256" */
        uint8_t sig[64];
        uint8_t sk_flags; /* sk keys: FIDO flags (0x01 = user present) and counter */
        uint32_t sk_counter;
} SshSig;

/* A public key blob (the wire form inside signatures and allowed_signers lines). 0, -EBADMSG,
 * -EPROTONOSUPPORT. */
int sshkey_parse_blob(const uint8_t *blob, size_t n, SshKey *ret);
/* The same key: type, public key and (sk) application. */
bool sshkey_equal(const SshKey *a, const SshKey *b);

/* Parse an armored signature ("-----BEGIN SSH SIGNATURE-----" ... as ssh-keygen -Y sign writes
 * it). 0; -EBADMSG if it is malformed; -EPROTONOSUPPORT for a key type or version we do not verify. */
int sshsig_parse(const char *armored, size_t n, SshSig *ret);

/* The same from the signature blob itself (what the journal keeps, base64). */
int sshsig_parse_blob(const uint8_t *blob, size_t n, SshSig *ret);

/* The blob of an armored signature, for the journal: malloc'd base64 (one line) in *ret. */
int sshsig_armored_to_base64(const char *armored, size_t n, char **ret);

/* Whether s signs msg in namespace ns: 0, or -EBADMSG (wrong namespace, hash, signature; an sk
 * signature without the user-presence flag). */
int sshsig_verify(const SshSig *s, const char *ns, const void *msg, size_t n);

/* The same with the message's SHA-512 already computed (what `jitctl verify` has offline). */
int sshsig_verify_hash(const SshSig *s, const char *ns, const uint8_t sha512[64]);

/* Whether allowed_signers text (OpenSSH's format) lets principal sign with key in namespace ns:
 * 1 yes, 0 no. A line with options this reader does not honour (cert-authority, valid-after,
 * valid-before, anything unknown) or a key type it does not verify never allows (fail closed);
 * -EBADMSG if the text is malformed or too big. */
int sshsig_allowed(const char *text, size_t n, const char *principal, const char *ns, const SshKey *key);
