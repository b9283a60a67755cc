/* C2SP signed notes (c2sp.org/signed-note) with Ed25519, and tlog checkpoints (c2sp.org/tlog-checkpoint). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "merkle.h"

#define NOTE_MAX_SIZE 16384
#define NOTE_MAX_NAME 256
#define NOTE_MAX_SIGNATURES 16
#define NOTE_ALG_ED25519 0x01
#define NOTE_ED25519_SIG_SIZE 64
#define NOTE_ED25519_KEY_SIZE 32
/* "<name>+<8 hex>+<base64(0x01 || key)>" plus NUL. */
#define NOTE_VERIFIER_MAX (NOTE_MAX_NAME + 1 + 8 + 1 + 44 + 1)
/* A checkpoint body: origin, size, base64 root, each ending in a newline. */
#define CHECKPOINT_MAX_BODY (NOTE_MAX_NAME + 1 + 20 + 1 + 44 + 1 + 1)

typedef struct NoteVerifier {
        char name[NOTE_MAX_NAME + 1];
        uint32_t key_id;
        uint8_t public_key[NOTE_ED25519_KEY_SIZE];
} NoteVerifier;

/* The secret half lives in sodium_malloc() memory and is wiped by note_signer_free(). */
typedef struct NoteSigner {
        NoteVerifier verifier;
        uint8_t *secret_key; /* crypto_sign_SECRETKEYBYTES */
} NoteSigner;

typedef struct Checkpoint {
        char origin[NOTE_MAX_NAME + 1];
        uint64_t size;
        MerkleHash root;
} Checkpoint;

/* Key names and origins: 1..NOTE_MAX_NAME bytes of printable ASCII without space or '+'. */
bool note_name_valid(const char *name, size_t len);
/* SHA-256(name || 0x0A || 0x01 || public key)[:4], big-endian. -EINVAL for a name longer than
 * NOTE_MAX_NAME, -ENOMEM or -EIO from libcrypto. */
int note_key_id(const char *name, const uint8_t public_key[NOTE_ED25519_KEY_SIZE], uint32_t *ret);

int note_signer_generate(const char *name, NoteSigner **ret);
int note_signer_from_seed(const char *name, const uint8_t seed[32], NoteSigner **ret);
/* "PRIVATE+KEY+<name>+<8 hex>+<base64(0x01 || seed)>" (the Go sumdb/note signer key form). */
int note_signer_parse(const char *text, size_t len, NoteSigner **ret);
/* Writes the signer key text into buf (which the caller wipes); -ENOBUFS if n is too small. */
int note_signer_format(const NoteSigner *s, char *buf, size_t n);
void note_signer_free(NoteSigner *s);
static inline void note_signer_freep(NoteSigner **s)
{
        if (*s)
                note_signer_free(*s);
}

/* "<name>+<8 hex>+<base64(0x01 || key)>": exactly that, no whitespace. -EINVAL otherwise; -ENOMEM or
 * -EIO if the key ID cannot be hashed. */
int note_verifier_parse(const char *text, size_t len, NoteVerifier *ret);
void note_verifier_format(const NoteVerifier *v, char buf[NOTE_VERIFIER_MAX]);
bool note_verifier_equal(const NoteVerifier *a, const NoteVerifier *b);

/* Sign text (non-empty, ending in one newline, valid note text) and return the malloc'd note. */
int note_sign(const NoteSigner *s, const char *text, size_t len, char **ret_note);

/* Check a note's grammar; on success *ret_text_len is the length of the signed text (with its final
 * newline) and *ret_n_sigs the number of signature lines. -EBADMSG and a reason otherwise. */
int note_parse(const char *note, size_t len, size_t *ret_text_len, size_t *ret_n_sigs,
               const char **ret_reason);

/* Verify a note against known keys, following the spec: signatures by unknown keys are ignored, a known
 * key's bad signature rejects the note, and at least one known key must have signed.
 * Returns 0 and the index of the first verifying key; -EBADMSG (malformed), -EKEYREJECTED (bad
 * signature) or -ENOKEY (no signature from a known key), each with a reason. */
int note_verify(const char *note, size_t len, const NoteVerifier *keys, size_t n_keys, size_t *ret_text_len,
                size_t *ret_key_index, const char **ret_reason);

/* Parse a note and tell whether it has a signature line naming this key (name and key ID), without
 * cryptography. 0 if so, -ENOKEY if not, -EBADMSG (and a reason) if the note is malformed. */
int note_find_signature(const char *note, size_t len, const NoteVerifier *key, size_t *ret_text_len,
                        size_t *ret_n_sigs, const char **ret_reason);

/* Checkpoint bodies. Strict: exactly three lines, no leading zeros, canonical base64, no extension lines. */
int checkpoint_format(const char *origin, uint64_t size, const MerkleHash root,
                      char buf[CHECKPOINT_MAX_BODY]);
int checkpoint_parse(const char *text, size_t len, Checkpoint *ret, const char **ret_reason);
/* Verify a signed checkpoint note and parse its body; origin, if not NULL, must match.
 * Errors as note_verify(), plus -EBADMSG for a bad body or a wrong origin. */
int checkpoint_open(const char *note, size_t len, const char *origin, const NoteVerifier *keys,
                    size_t n_keys, Checkpoint *ret, size_t *ret_key_index, const char **ret_reason);
