/* Fuzz the signed-note, verifier-key, checkpoint and tlog-proof parsers, and the strict base64 decoder
 * under them. Accepted checkpoints and base64 must re-serialise to the same text; nothing may crash or
 * read out of bounds. */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "journal-util.h"
#include "journal.h"
#include "note.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A fixed key, so that seeds signed with it reach the signature check. */
static const uint8_t seed[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static NoteSigner *signer;
        const char *s = (const char *)data;
        char *copy;
        size_t text_len, n_sigs, idx;
        Checkpoint c;
        NoteVerifier v;
        JournalEpochKey r = {};

        if (!signer && (sodium_init() < 0 || note_signer_from_seed("fuzz.example/log", seed, &signer) < 0))
                abort();
        if (size > 2 * NOTE_MAX_SIZE)
                return 0;
        /* NUL-terminated copy: the journal hands notes around as C strings. */
        copy = malloc(size + 1);
        memcpy(copy, data, size);
        copy[size] = '\0';

        if (note_parse(s, size, &text_len, &n_sigs, NULL) == 0) {
                if (text_len == 0 || text_len >= size || s[text_len - 1] != '\n' || n_sigs == 0)
                        abort();
                if (checkpoint_parse(s, text_len, &c, NULL) == 0) {
                        char body[CHECKPOINT_MAX_BODY];
                        if (checkpoint_format(c.origin, c.size, c.root, body) < 0 ||
                            strlen(body) != text_len || memcmp(body, s, text_len) != 0)
                                abort();
                }
        }
        (void)note_verify(s, size, &signer->verifier, 1, &text_len, &idx, NULL);
        (void)checkpoint_open(s, size, "fuzz.example/log", &signer->verifier, 1, &c, &idx, NULL);
        (void)note_find_signature(s, size, &signer->verifier, NULL, NULL, NULL);

        if (note_verifier_parse(s, size, &v) == 0) {
                char back[NOTE_VERIFIER_MAX];
                note_verifier_format(&v, back);
                if (strlen(back) != size || memcmp(back, s, size) != 0)
                        abort();
        }
        {
                NoteSigner *t = NULL;
                if (note_signer_parse(s, size, &t) == 0)
                        note_signer_free(t);
        }

        {
                /* Canonical only: whatever the decoder takes, encoding gives back byte for byte. */
                static uint8_t bin[2 * NOTE_MAX_SIZE];
                static char back[JIT_BASE64_LEN(2 * NOTE_MAX_SIZE) + 1];
                size_t n;
                if (jit_base64_decode_strict(s, size, bin, sizeof(bin), &n) == 0) {
                        jit_base64_encode(bin, n, back);
                        if (strlen(back) != size || memcmp(back, s, size) != 0)
                                abort();
                }
        }

        r.key = signer->verifier;
        {
                char *record = NULL;
                uint64_t seq;
                if (journal_proof_verify(copy, size, &r, 1, &record, &seq, NULL) == 0)
                        free(record);
        }
        free(copy);
        return 0;
}
