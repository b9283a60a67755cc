/* C2SP signed notes with Ed25519 signatures, verifier/signer key texts, and tlog checkpoint bodies. */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "sha256.h"
#include "journal-util.h"
#include "note.h"
#include "util.h"
#include "utf8.h"

#define EM_DASH "\xe2\x80\x94"
#define SIG_PREFIX EM_DASH " "
#define SIG_PREFIX_LEN 4
#define SIGNER_PREFIX "PRIVATE+KEY+"

static void set_reason(const char **ret_reason, const char *reason)
{
        if (ret_reason)
                *ret_reason = reason;
}

bool note_name_valid(const char *name, size_t len)
{
        if (len == 0 || len > NOTE_MAX_NAME)
                return false;
        for (size_t i = 0; i < len; i++)
                if (name[i] <= 0x20 || name[i] >= 0x7f || name[i] == '+')
                        return false;
        return true;
}

int note_key_id(const char *name, const uint8_t public_key[NOTE_ED25519_KEY_SIZE], uint32_t *ret)
{
        uint8_t buf[NOTE_MAX_NAME + 2 + NOTE_ED25519_KEY_SIZE], h[JIT_SHA256_SIZE];
        size_t n = strlen(name);
        int r;

        if (n > NOTE_MAX_NAME)
                return -EINVAL;
        memcpy(buf, name, n);
        buf[n] = '\n';
        buf[n + 1] = NOTE_ALG_ED25519;
        memcpy(buf + n + 2, public_key, NOTE_ED25519_KEY_SIZE);
        r = jit_sha256_once(buf, n + 2 + NOTE_ED25519_KEY_SIZE, h);
        if (r < 0)
                return r;
        *ret = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
        return 0;
}

static int signer_new(const char *name, NoteSigner **ret)
{
        NoteSigner *s;
        size_t len = strlen(name);

        if (!note_name_valid(name, len))
                return -EINVAL;
        if (sodium_init() < 0)
                return -EIO;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->secret_key = sodium_malloc(crypto_sign_SECRETKEYBYTES);
        if (!s->secret_key) {
                free(s);
                return -ENOMEM;
        }
        memcpy(s->verifier.name, name, len + 1);
        *ret = s;
        return 0;
}

void note_signer_free(NoteSigner *s)
{
        if (!s)
                return;
        sodium_free(s->secret_key); /* zeroes the memory before unmapping it */
        free(s);
}

int note_signer_generate(const char *name, NoteSigner **ret)
{
        NoteSigner *s;
        int r;

        r = signer_new(name, &s);
        if (r < 0)
                return r;
        crypto_sign_keypair(s->verifier.public_key, s->secret_key);
        r = note_key_id(name, s->verifier.public_key, &s->verifier.key_id);
        if (r < 0) {
                note_signer_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

int note_signer_from_seed(const char *name, const uint8_t seed[32], NoteSigner **ret)
{
        NoteSigner *s;
        int r;

        r = signer_new(name, &s);
        if (r < 0)
                return r;
        crypto_sign_seed_keypair(s->verifier.public_key, s->secret_key, seed);
        r = note_key_id(name, s->verifier.public_key, &s->verifier.key_id);
        if (r < 0) {
                note_signer_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

/* Split "<name>+<8 hex>+<base64>" into its parts. */
static int split_key_text(const char *text, size_t len, char name[NOTE_MAX_NAME + 1], uint32_t *ret_id,
                          const char **ret_b64, size_t *ret_b64_len)
{
        const char *p1, *p2;
        uint8_t id[4];
        size_t name_len;

        p1 = memchr(text, '+', len);
        if (!p1)
                return -EINVAL;
        name_len = (size_t)(p1 - text);
        if (!note_name_valid(text, name_len))
                return -EINVAL;
        p2 = p1 + 1 + 8;
        if ((size_t)(p2 - text) >= len || *p2 != '+')
                return -EINVAL;
        if (jit_hex_decode_strict(p1 + 1, 8, id, 4) < 0)
                return -EINVAL;
        memcpy(name, text, name_len);
        name[name_len] = '\0';
        *ret_id = (uint32_t)id[0] << 24 | (uint32_t)id[1] << 16 | (uint32_t)id[2] << 8 | id[3];
        *ret_b64 = p2 + 1;
        *ret_b64_len = len - (size_t)(p2 + 1 - text);
        return 0;
}

int note_verifier_parse(const char *text, size_t len, NoteVerifier *ret)
{
        NoteVerifier v = {};
        uint8_t raw[1 + NOTE_ED25519_KEY_SIZE + 2];
        const char *b64;
        size_t b64_len, n;
        uint32_t id;
        int r;

        if (len >= NOTE_VERIFIER_MAX)
                return -EINVAL;
        if (split_key_text(text, len, v.name, &v.key_id, &b64, &b64_len) < 0)
                return -EINVAL;
        if (jit_base64_decode_strict(b64, b64_len, raw, sizeof(raw), &n) < 0 ||
            n != 1 + NOTE_ED25519_KEY_SIZE || raw[0] != NOTE_ALG_ED25519)
                return -EINVAL;
        memcpy(v.public_key, raw + 1, NOTE_ED25519_KEY_SIZE);
        r = note_key_id(v.name, v.public_key, &id);
        if (r < 0)
                return r;
        if (id != v.key_id)
                return -EINVAL;
        *ret = v;
        return 0;
}

void note_verifier_format(const NoteVerifier *v, char buf[NOTE_VERIFIER_MAX])
{
        uint8_t raw[1 + NOTE_ED25519_KEY_SIZE];
        char b64[JIT_BASE64_LEN(sizeof(raw)) + 1];

        raw[0] = NOTE_ALG_ED25519;
        memcpy(raw + 1, v->public_key, NOTE_ED25519_KEY_SIZE);
        jit_base64_encode(raw, sizeof(raw), b64);
        snprintf(buf, NOTE_VERIFIER_MAX, "%s+%08" PRIx32 "+%s", v->name, v->key_id, b64);
}

bool note_verifier_equal(const NoteVerifier *a, const NoteVerifier *b)
{
        return streq(a->name, b->name) && a->key_id == b->key_id &&
               sodium_memcmp(a->public_key, b->public_key, NOTE_ED25519_KEY_SIZE) == 0;
}

int note_signer_parse(const char *text, size_t len, NoteSigner **ret)
{
        _cleanup_(note_signer_freep) NoteSigner *s = NULL;
        char name[NOTE_MAX_NAME + 1];
        uint8_t *raw;
        const char *b64;
        size_t b64_len, n = 0, plen = strlen(SIGNER_PREFIX);
        uint32_t id;
        int r;

        if (len <= plen || memcmp(text, SIGNER_PREFIX, plen) != 0)
                return -EINVAL;
        if (split_key_text(text + plen, len - plen, name, &id, &b64, &b64_len) < 0)
                return -EINVAL;
        raw = sodium_malloc(64);
        if (!raw)
                return -ENOMEM;
        if (jit_base64_decode_strict(b64, b64_len, raw, 64, &n) < 0 || n != 33 ||
            raw[0] != NOTE_ALG_ED25519) {
                sodium_free(raw);
                return -EINVAL;
        }
        r = note_signer_from_seed(name, raw + 1, &s);
        sodium_free(raw);
        if (r < 0)
                return r;
        if (s->verifier.key_id != id)
                return -EINVAL;
        *ret = TAKE_PTR(s);
        return 0;
}

int note_signer_format(const NoteSigner *s, char *buf, size_t n)
{
        uint8_t raw[33];
        char b64[JIT_BASE64_LEN(33) + 1];
        int r;

        raw[0] = NOTE_ALG_ED25519;
        crypto_sign_ed25519_sk_to_seed(raw + 1, s->secret_key);
        jit_base64_encode(raw, sizeof(raw), b64);
        r = snprintf(buf, n, SIGNER_PREFIX "%s+%08" PRIx32 "+%s", s->verifier.name, s->verifier.key_id, b64);
        sodium_memzero(raw, sizeof(raw));
        sodium_memzero(b64, sizeof(b64));
        if (r < 0 || (size_t)r >= n)
                return -ENOBUFS;
        return 0;
}

/* Note text: valid UTF-8, no control characters but newline, non-empty, ends in exactly one newline. */
static bool text_valid(const char *text, size_t len, const char **ret_reason)
{
        if (len == 0 || text[len - 1] != '\n') {
                set_reason(ret_reason, "note text does not end in a newline");
                return false;
        }
        if (len >= 2 && text[len - 2] == '\n') {
                set_reason(ret_reason, "note text ends in an empty line");
                return false;
        }
        for (size_t i = 0; i < len; i++)
                if (((uint8_t)text[i] < 0x20 && text[i] != '\n') || text[i] == 0x7f) {
                        set_reason(ret_reason, "note contains a control character");
                        return false;
                }
        if (!jit_utf8_well_formed(text, len)) {
                set_reason(ret_reason, "note is not valid UTF-8");
                return false;
        }
        return true;
}

int note_sign(const NoteSigner *s, const char *text, size_t len, char **ret_note)
{
        uint8_t sig[4 + NOTE_ED25519_SIG_SIZE];
        char b64[JIT_BASE64_LEN(sizeof(sig)) + 1];
        size_t name_len = strlen(s->verifier.name), total;
        char *note, *p;

        if (!text_valid(text, len, NULL) || len > NOTE_MAX_SIZE)
                return -EINVAL;
        sig[0] = (uint8_t)(s->verifier.key_id >> 24);
        sig[1] = (uint8_t)(s->verifier.key_id >> 16);
        sig[2] = (uint8_t)(s->verifier.key_id >> 8);
        sig[3] = (uint8_t)s->verifier.key_id;
        crypto_sign_detached(sig + 4, NULL, (const uint8_t *)text, len, s->secret_key);
        jit_base64_encode(sig, sizeof(sig), b64);

        total = len + 1 + SIG_PREFIX_LEN + name_len + 1 + strlen(b64) + 1;
        note = malloc(total + 1);
        if (!note)
                return -ENOMEM;
        p = mempcpy(note, text, len);
        *p++ = '\n';
        p = mempcpy(p, SIG_PREFIX, SIG_PREFIX_LEN);
        p = mempcpy(p, s->verifier.name, name_len);
        *p++ = ' ';
        p = mempcpy(p, b64, strlen(b64));
        *p++ = '\n';
        *p = '\0';
        *ret_note = note;
        return 0;
}

typedef struct SigLine {
        const char *name;
        size_t name_len;
        uint8_t raw[4 + NOTE_ED25519_SIG_SIZE];
        size_t raw_len;
} SigLine;

/* Parse one "— <name> <base64>\n" line starting at p; returns its length or -EBADMSG. */
static ssize_t parse_sig_line(const char *p, size_t avail, SigLine *ret, const char **ret_reason)
{
        const char *nl = memchr(p, '\n', avail), *sp;
        size_t line_len;
        uint8_t big[1024];

        if (!nl) {
                set_reason(ret_reason, "signature line does not end in a newline");
                return -EBADMSG;
        }
        line_len = (size_t)(nl - p);
        if (line_len < SIG_PREFIX_LEN || memcmp(p, SIG_PREFIX, SIG_PREFIX_LEN) != 0) {
                set_reason(ret_reason, "line after the blank line is not a signature line");
                return -EBADMSG;
        }
        sp = memchr(p + SIG_PREFIX_LEN, ' ', line_len - SIG_PREFIX_LEN);
        if (!sp) {
                set_reason(ret_reason, "signature line has no signature");
                return -EBADMSG;
        }
        ret->name = p + SIG_PREFIX_LEN;
        ret->name_len = (size_t)(sp - ret->name);
        if (!note_name_valid(ret->name, ret->name_len)) {
                set_reason(ret_reason, "signature line has an invalid key name");
                return -EBADMSG;
        }
        /* Signatures of other algorithms may be longer; decode into a scratch buffer and keep only
         * what fits an Ed25519 signature, since only those can match a known key. */
        if (jit_base64_decode_strict(sp + 1, (size_t)(nl - sp - 1), big, sizeof(big), &ret->raw_len) < 0 ||
            ret->raw_len < 5) {
                set_reason(ret_reason, "signature is not canonical base64 of a key ID and signature");
                return -EBADMSG;
        }
        memcpy(ret->raw, big, ret->raw_len < sizeof(ret->raw) ? ret->raw_len : sizeof(ret->raw));
        return (ssize_t)line_len + 1;
}

static int parse_note(const char *note, size_t len, size_t *ret_text_len, SigLine *sigs, size_t *ret_n_sigs,
                      const char **ret_reason)
{
        size_t text_len = 0, n = 0, pos;

        if (len > NOTE_MAX_SIZE) {
                set_reason(ret_reason, "note is too large");
                return -EBADMSG;
        }
        if (len == 0 || note[len - 1] != '\n') {
                set_reason(ret_reason, "note does not end in a newline");
                return -EBADMSG;
        }
        for (size_t i = 0; i < len; i++)
                if (((uint8_t)note[i] < 0x20 && note[i] != '\n') || note[i] == 0x7f) {
                        set_reason(ret_reason, "note contains a control character");
                        return -EBADMSG;
                }
        if (!jit_utf8_well_formed(note, len)) {
                set_reason(ret_reason, "note is not valid UTF-8");
                return -EBADMSG;
        }
        /* The text ends at the last blank line; signature lines are never empty. */
        for (size_t i = len - 1; i > 0; i--)
                if (note[i] == '\n' && note[i - 1] == '\n') {
                        text_len = i;
                        break;
                }
        if (text_len == 0) {
                set_reason(ret_reason, "note has no blank line before its signatures");
                return -EBADMSG;
        }
        if (!text_valid(note, text_len, ret_reason))
                return -EBADMSG;
        pos = text_len + 1;
        if (pos >= len) {
                set_reason(ret_reason, "note has no signatures");
                return -EBADMSG;
        }
        while (pos < len) {
                SigLine tmp;
                ssize_t r;

                if (n >= NOTE_MAX_SIGNATURES) {
                        set_reason(ret_reason, "note has too many signatures");
                        return -EBADMSG;
                }
                r = parse_sig_line(note + pos, len - pos, sigs ? &sigs[n] : &tmp, ret_reason);
                if (r < 0)
                        return (int)r;
                pos += (size_t)r;
                n++;
        }
        *ret_text_len = text_len;
        *ret_n_sigs = n;
        return 0;
}

int note_parse(const char *note, size_t len, size_t *ret_text_len, size_t *ret_n_sigs,
               const char **ret_reason)
{
        return parse_note(note, len, ret_text_len, NULL, ret_n_sigs, ret_reason);
}

int note_verify(const char *note, size_t len, const NoteVerifier *keys, size_t n_keys, size_t *ret_text_len,
                size_t *ret_key_index, const char **ret_reason)
{
        SigLine sigs[NOTE_MAX_SIGNATURES];
        size_t text_len, n_sigs, found = SIZE_MAX;
        int r;

        r = parse_note(note, len, &text_len, sigs, &n_sigs, ret_reason);
        if (r < 0)
                return r;
        if (sodium_init() < 0)
                return -EIO;
        for (size_t i = 0; i < n_sigs; i++) {
                uint32_t id = (uint32_t)sigs[i].raw[0] << 24 | (uint32_t)sigs[i].raw[1] << 16 |
                              (uint32_t)sigs[i].raw[2] << 8 | sigs[i].raw[3];

                for (size_t k = 0; k < n_keys; k++) {
                        if (keys[k].key_id != id || strlen(keys[k].name) != sigs[i].name_len ||
                            memcmp(keys[k].name, sigs[i].name, sigs[i].name_len) != 0)
                                continue;
                        if (sigs[i].raw_len != 4 + NOTE_ED25519_SIG_SIZE ||
                            crypto_sign_verify_detached(sigs[i].raw + 4, (const uint8_t *)note, text_len,
                                                        keys[k].public_key) != 0) {
                                set_reason(ret_reason, "bad signature");
                                return -EKEYREJECTED;
                        }
                        if (found == SIZE_MAX)
                                found = k;
                }
        }
        if (found == SIZE_MAX) {
                set_reason(ret_reason, "not signed by a known key");
                return -ENOKEY;
        }
        if (ret_text_len)
                *ret_text_len = text_len;
        if (ret_key_index)
                *ret_key_index = found;
        return 0;
}

int note_find_signature(const char *note, size_t len, const NoteVerifier *key, size_t *ret_text_len,
                        size_t *ret_n_sigs, const char **ret_reason)
{
        SigLine sigs[NOTE_MAX_SIGNATURES];
        size_t text_len, n_sigs;
        int r;

        r = parse_note(note, len, &text_len, sigs, &n_sigs, ret_reason);
        if (r < 0)
                return r;
        if (ret_text_len)
                *ret_text_len = text_len;
        if (ret_n_sigs)
                *ret_n_sigs = n_sigs;
        for (size_t i = 0; i < n_sigs; i++) {
                uint32_t id = (uint32_t)sigs[i].raw[0] << 24 | (uint32_t)sigs[i].raw[1] << 16 |
                              (uint32_t)sigs[i].raw[2] << 8 | sigs[i].raw[3];
                if (id == key->key_id && strlen(key->name) == sigs[i].name_len &&
                    memcmp(key->name, sigs[i].name, sigs[i].name_len) == 0)
                        return 0;
        }
        return -ENOKEY;
}

int checkpoint_format(const char *origin, uint64_t size, const MerkleHash root,
                      char buf[CHECKPOINT_MAX_BODY])
{
        char b64[JIT_BASE64_LEN(MERKLE_HASH_SIZE) + 1];

        if (!note_name_valid(origin, strlen(origin)) || size > INT64_MAX)
                return -EINVAL;
        jit_base64_encode(root, MERKLE_HASH_SIZE, b64);
        snprintf(buf, CHECKPOINT_MAX_BODY, "%s\n%" PRIu64 "\n%s\n", origin, size, b64);
        return 0;
}

int checkpoint_parse(const char *text, size_t len, Checkpoint *ret, const char **ret_reason)
{
        const char *line[3];
        size_t line_len[3], pos = 0, n;
        Checkpoint c = {};

        for (int i = 0; i < 3; i++) {
                const char *nl = pos < len ? memchr(text + pos, '\n', len - pos) : NULL;
                if (!nl) {
                        set_reason(ret_reason, "checkpoint has fewer than three lines");
                        return -EBADMSG;
                }
                line[i] = text + pos;
                line_len[i] = (size_t)(nl - line[i]);
                pos += line_len[i] + 1;
        }
        if (pos != len) {
                set_reason(ret_reason, "checkpoint has extra lines");
                return -EBADMSG;
        }
        if (!note_name_valid(line[0], line_len[0])) {
                set_reason(ret_reason, "checkpoint origin is empty or has spaces, '+' or non-ASCII");
                return -EBADMSG;
        }
        memcpy(c.origin, line[0], line_len[0]);
        if (jit_parse_u64_strict(line[1], line_len[1], INT64_MAX, &c.size) < 0) {
                set_reason(ret_reason, "checkpoint tree size is not a decimal without leading zeros");
                return -EBADMSG;
        }
        if (jit_base64_decode_strict(line[2], line_len[2], c.root, MERKLE_HASH_SIZE, &n) < 0 ||
            n != MERKLE_HASH_SIZE) {
                set_reason(ret_reason, "checkpoint root is not canonical base64 of 32 bytes");
                return -EBADMSG;
        }
        *ret = c;
        return 0;
}

int checkpoint_open(const char *note, size_t len, const char *origin, const NoteVerifier *keys,
                    size_t n_keys, Checkpoint *ret, size_t *ret_key_index, const char **ret_reason)
{
        size_t text_len;
        Checkpoint c;
        int r;

        /* Parse the body first so a malformed checkpoint is named as such even if unsigned. */
        r = note_parse(note, len, &text_len, &(size_t){0}, ret_reason);
        if (r < 0)
                return r;
        r = checkpoint_parse(note, text_len, &c, ret_reason);
        if (r < 0)
                return r;
        if (origin && !streq(c.origin, origin)) {
                set_reason(ret_reason, "checkpoint is for another origin");
                return -EBADMSG;
        }
        r = note_verify(note, len, keys, n_keys, NULL, ret_key_index, ret_reason);
        if (r < 0)
                return r;
        *ret = c;
        return 0;
}
