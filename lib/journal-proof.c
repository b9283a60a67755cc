/* Inclusion receipts in the c2sp.org/tlog-proof@v1 form, carrying the record itself as "extra" data. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal-util.h"
#include "journal.h"
#include "util.h"

#define PROOF_HEADER "c2sp.org/tlog-proof@v1\n"

static void set_reason(const char **ret_reason, const char *reason)
{
        if (ret_reason)
                *ret_reason = reason;
}

int journal_proof_format(uint64_t seq, const char *record_line, size_t record_len, const MerkleHash *leaves,
                         uint64_t n_leaves, const char *checkpoint_note, char **ret)
{
        MerkleHash path[MERKLE_MAX_PROOF];
        size_t path_len, text_len, n_sigs, size = 0;
        _cleanup_free_ char *extra = NULL;
        Checkpoint c;
        char *out = NULL;
        FILE *f;
        int r;

        if (!checkpoint_note ||
            note_parse(checkpoint_note, strlen(checkpoint_note), &text_len, &n_sigs, NULL) < 0 ||
            checkpoint_parse(checkpoint_note, text_len, &c, NULL) < 0)
                return -EINVAL;
        if (seq >= c.size || c.size > n_leaves)
                return -ERANGE;
        if (record_len >= JOURNAL_MAX_LINE)
                return -EINVAL;
        r = merkle_inclusion_proof(leaves, c.size, seq, path, &path_len);
        if (r < 0)
                return r;

        extra = malloc(JIT_BASE64_LEN(record_len) + 1);
        if (!extra)
                return -ENOMEM;
        jit_base64_encode((const uint8_t *)record_line, record_len, extra);

        f = open_memstream(&out, &size);
        if (!f)
                return -ENOMEM;
        fprintf(f, PROOF_HEADER "extra %s\nindex %" PRIu64 "\n", extra, seq);
        for (size_t i = 0; i < path_len; i++) {
                char b64[JIT_BASE64_LEN(MERKLE_HASH_SIZE) + 1];
                jit_base64_encode(path[i], MERKLE_HASH_SIZE, b64);
                fprintf(f, "%s\n", b64);
        }
        fprintf(f, "\n%s", checkpoint_note);
        if (fclose(f) != 0) {
                free(out);
                return -ENOMEM;
        }
        *ret = out;
        return 0;
}

/* Next line of [*p, end): without its newline; NULL if there is no complete line. */
static const char *next_line(const char **p, const char *end, size_t *ret_len)
{
        const char *s = *p, *nl;

        if (s >= end)
                return NULL;
        nl = memchr(s, '\n', (size_t)(end - s));
        if (!nl)
                return NULL;
        *ret_len = (size_t)(nl - s);
        *p = nl + 1;
        return s;
}

int journal_proof_verify(const char *proof, size_t len, const JournalEpochKey *keys, size_t n_keys,
                         char **ret_record, uint64_t *ret_seq, const char **ret_reason)
{
        const char *p = proof, *end = proof + len, *line, *why = NULL;
        MerkleHash path[MERKLE_MAX_PROOF], leaf;
        _cleanup_free_ char *record = NULL;
        _cleanup_free_ NoteVerifier *vk = NULL;
        JournalRecordView v;
        size_t line_len, path_len = 0, rec_len, idx;
        uint64_t index;
        Checkpoint c;
        int r;

        if (len > JOURNAL_MAX_LINE * 2) {
                set_reason(ret_reason, "receipt too large");
                return -EBADMSG;
        }
        line = next_line(&p, end, &line_len);
        if (!line || line_len + 1 != strlen(PROOF_HEADER) || memcmp(line, PROOF_HEADER, line_len) != 0) {
                set_reason(ret_reason, "not a c2sp.org/tlog-proof@v1 receipt");
                return -EBADMSG;
        }
        line = next_line(&p, end, &line_len);
        if (!line || line_len < 6 || memcmp(line, "extra ", 6) != 0) {
                set_reason(ret_reason, "receipt lacks the record (its \"extra\" line)");
                return -EBADMSG;
        }
        record = malloc(line_len);
        if (!record)
                return -ENOMEM;
        if (jit_base64_decode_strict(line + 6, line_len - 6, (uint8_t *)record, line_len - 1, &rec_len) <
                0 ||
            rec_len >= JOURNAL_MAX_LINE) {
                set_reason(ret_reason, "receipt's extra line is not canonical base64");
                return -EBADMSG;
        }
        record[rec_len] = '\0';
        line = next_line(&p, end, &line_len);
        if (!line || line_len < 7 || memcmp(line, "index ", 6) != 0 ||
            jit_parse_u64_strict(line + 6, line_len - 6, JOURNAL_MAX_NUMBER, &index) < 0) {
                set_reason(ret_reason, "receipt's index line is malformed");
                return -EBADMSG;
        }
        for (;;) {
                size_t n;

                line = next_line(&p, end, &line_len);
                if (!line) {
                        set_reason(ret_reason, "receipt has no checkpoint");
                        return -EBADMSG;
                }
                if (line_len == 0)
                        break;
                if (path_len >= MERKLE_MAX_PROOF ||
                    jit_base64_decode_strict(line, line_len, path[path_len], MERKLE_HASH_SIZE, &n) < 0 ||
                    n != MERKLE_HASH_SIZE) {
                        set_reason(ret_reason, "receipt's proof lines are not base64 hashes");
                        return -EBADMSG;
                }
                path_len++;
        }

        vk = calloc(n_keys ? n_keys : 1, sizeof(*vk));
        if (!vk)
                return -ENOMEM;
        for (size_t i = 0; i < n_keys; i++)
                vk[i] = keys[i].key;
        r = checkpoint_open(p, (size_t)(end - p), NULL, vk, n_keys, &c, &idx, &why);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                set_reason(ret_reason, why);
                return -EBADMSG;
        }
        if (!streq(c.origin, keys[idx].key.name)) {
                set_reason(ret_reason, "checkpoint origin does not match the key's name");
                return -EBADMSG;
        }
        /* An epoch key only vouches for trees that end within its epoch (A31). */
        if (c.size < keys[idx].first_seq || (idx + 1 < n_keys && c.size >= keys[idx + 1].first_seq)) {
                set_reason(ret_reason, "checkpoint signed by a key outside its epoch");
                return -EBADMSG;
        }
        if (journal_record_parse(record, rec_len, &v, &why) < 0) {
                set_reason(ret_reason, "receipt's record is malformed");
                return -EBADMSG;
        }
        if (v.seq != index) {
                set_reason(ret_reason, "receipt's record has another seq than its index");
                return -EBADMSG;
        }
        merkle_leaf_hash(record, rec_len, leaf);
        if (merkle_verify_inclusion(index, c.size, leaf, path, path_len, c.root) < 0) {
                set_reason(ret_reason, "inclusion proof does not lead to the checkpoint's root");
                return -EBADMSG;
        }
        if (ret_seq)
                *ret_seq = index;
        if (ret_record)
                *ret_record = TAKE_PTR(record);
        return 0;
}
