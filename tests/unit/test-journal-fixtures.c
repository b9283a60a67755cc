/* Known-good and forged journals under tests/data/journal: each verifies, or fails where and why
 * expected.txt says. With --regenerate DIR the fixtures are written afresh (regenerate.sh). */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal-util.h"
#include "journal.h"
#include "keys.h"
#include "util.h"
#include "tap.h"

/* The tests hash with a context of their own; a failure to get one ends the test program. */
static JitSha256 *sha_new(void)
{
        JitSha256 *h = NULL;

        if (jit_sha256_new(&h) < 0)
                abort();
        return h;
}

static Tap tap;
#define ok(cond, ...) tap_ok(&tap, (cond), __VA_ARGS__)

static char *read_all(const char *path, size_t *ret_len)
{
        FILE *f = fopen(path, "re");
        char *buf;
        long n;

        if (!f)
                return NULL;
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        fseek(f, 0, SEEK_SET);
        buf = malloc((size_t)n + 1);
        if (fread(buf, 1, (size_t)n, f) != (size_t)n)
                abort();
        fclose(f);
        buf[n] = '\0';
        if (ret_len)
                *ret_len = (size_t)n;
        return buf;
}

static void write_all(const char *dir, const char *name, const char *buf, size_t len)
{
        char path[1024];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "we");
        if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0)
                abort();
}

/* ---- regeneration ---- */

#define ORIGIN "fixtures.example/jit"
#define T0 UINT64_C(1767225600000000) /* 2026-01-01 00:00:00 UTC */
#define SEC UINT64_C(1000000)
#define EPOCH (60 * SEC)

typedef struct Line {
        size_t start, len; /* len without the newline */
} Line;

static size_t split(const char *buf, size_t n, Line *lines, size_t max)
{
        size_t r = 0, s = 0;

        for (size_t i = 0; i < n && r < max; i++)
                if (buf[i] == '\n') {
                        lines[r++] = (Line){s, i - s};
                        s = i + 1;
                }
        return r;
}

/* Concatenate the given lines of buf (indices into lines[]), each with its newline. */
static char *join(const char *buf, const Line *lines, const size_t *idx, size_t n, size_t *ret_len)
{
        size_t total = 0, o = 0;
        char *out;

        for (size_t i = 0; i < n; i++)
                total += lines[idx[i]].len + 1;
        out = malloc(total + 1);
        for (size_t i = 0; i < n; i++) {
                memcpy(out + o, buf + lines[idx[i]].start, lines[idx[i]].len + 1);
                o += lines[idx[i]].len + 1;
        }
        *ret_len = total;
        return out;
}

/* Re-chain records from line `from` on (new seq/prev), re-signing checkpoints with signer: what an
 * attacker holding a later key could produce. */
static char *rechain(const char *buf, const Line *lines, const size_t *idx, size_t n, NoteSigner *signer,
                     size_t *ret_len)
{
        _cleanup_(jit_sha256_freep) JitSha256 *sha = sha_new();
        static char line[JOURNAL_MAX_LINE], dec[JOURNAL_MAX_LINE];
        MerkleHash prev = {};
        MerkleFrontier tree;
        char *out = malloc((size_t)n * JOURNAL_MAX_LINE / 16 + 65536);
        size_t o = 0;

        merkle_frontier_init(&tree);
        for (size_t i = 0; i < n; i++) {
                JournalRecordView v;
                JournalField f[JOURNAL_MAX_FIELDS];
                _cleanup_free_ char *note = NULL;
                size_t len;

                if (journal_record_parse(buf + lines[idx[i]].start, lines[idx[i]].len, &v, NULL) < 0 ||
                    journal_record_decode_fields(&v, dec, sizeof(dec), f, ELEMENTSOF(f)) < 0)
                        abort();
                if (v.type == RECORD_CHECKPOINT) {
                        char body[CHECKPOINT_MAX_BODY];
                        MerkleHash root;
                        merkle_frontier_root(&tree, sha, root);
                        checkpoint_format(ORIGIN, i, root, body);
                        note_sign(signer, body, strlen(body), &note);
                        f[0].value = note;
                }
                if (journal_record_format(i, v.time_usec, v.epoch, v.type, prev, f, v.n_fields, line, &len) <
                    0)
                        abort();
                memcpy(out + o, line, len);
                o += len;
                merkle_leaf_hash(sha, line, len - 1, prev);
                merkle_frontier_append(&tree, sha, prev);
        }
        *ret_len = o;
        return out;
}

/* Rewrite lines[from..n) with a fresh chain from there on; checkpoints from `from` on are signed by
 * signer over the rebuilt tree, the one at bad_root with one bit of its root flipped. Lines before
 * `from` are copied as they are. What a thief of the current key could produce. */
static char *rechain_from(const char *buf, const Line *lines, size_t n, size_t from, NoteSigner *signer,
                          size_t bad_root, size_t *ret_len)
{
        _cleanup_(jit_sha256_freep) JitSha256 *sha = sha_new();
        static char line[JOURNAL_MAX_LINE], dec[JOURNAL_MAX_LINE];
        MerkleHash prev = {};
        MerkleFrontier tree;
        char *out = malloc(lines[n - 1].start + (n - from) * JOURNAL_MAX_LINE / 16 + 65536);
        size_t o = 0;

        merkle_frontier_init(&tree);
        for (size_t i = 0; i < n; i++) {
                JournalRecordView v;
                JournalField f[JOURNAL_MAX_FIELDS];
                _cleanup_free_ char *note = NULL;
                size_t len;

                if (i < from) {
                        memcpy(out + o, buf + lines[i].start, lines[i].len + 1);
                        o += lines[i].len + 1;
                        merkle_leaf_hash(sha, buf + lines[i].start, lines[i].len, prev);
                        merkle_frontier_append(&tree, sha, prev);
                        continue;
                }
                if (journal_record_parse(buf + lines[i].start, lines[i].len, &v, NULL) < 0 ||
                    journal_record_decode_fields(&v, dec, sizeof(dec), f, ELEMENTSOF(f)) < 0)
                        abort();
                if (v.type == RECORD_CHECKPOINT) {
                        char body[CHECKPOINT_MAX_BODY];
                        MerkleHash root;
                        merkle_frontier_root(&tree, sha, root);
                        if (i == bad_root)
                                root[7] ^= 0x10;
                        checkpoint_format(ORIGIN, i, root, body);
                        note_sign(signer, body, strlen(body), &note);
                        f[0].value = note;
                }
                if (journal_record_format(i, v.time_usec, v.epoch, v.type, prev, f, v.n_fields, line, &len) <
                    0)
                        abort();
                memcpy(out + o, line, len);
                o += len;
                merkle_leaf_hash(sha, line, len - 1, prev);
                merkle_frontier_append(&tree, sha, prev);
        }
        *ret_len = o;
        return out;
}

static JournalWriter *open_writer(const char *tmp, const char *name, uint64_t now)
{
        char path[512], keys[512], pub[512];
        JournalOptions o = {
            .path = path,
            .state_dir = keys,
            .pubkey_path = pub,
            .origin = ORIGIN,
            .epoch_usec = EPOCH,
            .now_usec = now,
        };
        JournalWriter *w = NULL;

        snprintf(path, sizeof(path), "%s/%s.jsonl", tmp, name);
        snprintf(keys, sizeof(keys), "%s/%s.keys", tmp, name);
        snprintf(pub, sizeof(pub), "%s/%s.pub", tmp, name);
        if (journal_writer_open(&o, &w) < 0)
                abort();
        return w;
}

static uint64_t fill(JournalWriter *w, uint64_t now, int n, const char *who)
{
        static const char *const cmds[] = {"systemctl restart nginx", "apt-get upgrade",
                                           "journalctl -u ssh"};

        for (int i = 0; i < n; i++) {
                char id[16];
                snprintf(id, sizeof(id), "K7Q2-%04X", i);
                JournalField f[] = {
                    {"command", cmds[i % 3]},
                    {"id", id},
                    {"service", "sudo"},
                    {"user", who},
                };
                if (journal_writer_append(w, i % 4 == 1 ? RECORD_APPROVE : RECORD_REQUEST, f, ELEMENTSOF(f),
                                          now, NULL, NULL) < 0)
                        abort();
                if (i % 3 == 2 && journal_writer_commit(w, now) < 0)
                        abort();
                now += 13 * SEC;
        }
        if (journal_writer_commit(w, now) < 0)
                abort();
        return now;
}

static int regenerate(const char *dir)
{
        char tmp[] = "/tmp/jit-fixtures-XXXXXX", path[512];
        JournalWriter *w;
        _cleanup_free_ char *good = NULL, *cp_early = NULL, *cp_late = NULL, *pub = NULL;
        _cleanup_(note_signer_freep) NoteSigner *k0 = NULL;
        char *out;
        size_t len, n, olen;
        Line lines[512];
        size_t idx[512];
        FILE *exp;
        uint64_t now;

        if (sodium_init() < 0 || !mkdtemp(tmp))
                return 1;

        /* The good journal: 3 epochs of a minute, requests and approvals, one restart. */
        w = open_writer(tmp, "good", T0);
        {
                /* Keep epoch 0's key (the writer erases its file when the epoch is sealed) to sign saved
                 * checkpoints of size 0 below. */
                int dfd;
                snprintf(path, sizeof(path), "%s/good.keys", tmp);
                if (keys_open_dir(path, &dfd) < 0 || keys_load(dfd, 0, ORIGIN, &k0) < 0)
                        abort();
                close(dfd);
        }
        now = fill(w, T0, 6, "alice");
        journal_writer_last_checkpoint(w, &cp_early);
        journal_writer_free(w);
        snprintf(path, sizeof(path), "%s/good.jsonl", tmp);
        {
                _cleanup_free_ char *early = read_all(path, &len);
                write_all(dir, "rolled-back.jsonl", early, len);
        }
        w = open_writer(tmp, "good", now);
        journal_writer_append(w, RECORD_START, (JournalField[]){{"version", "0.1"}}, 1, now, NULL, NULL);
        now = fill(w, now, 10, "bob");
        journal_writer_last_checkpoint(w, &cp_late);
        /* Two more commit groups within the last epoch, so that it has an intermediate checkpoint. */
        for (int i = 0; i < 2; i++) {
                JournalField f[] = {{"id", i ? "K7Q2-0011" : "K7Q2-0010"}, {"user", "carol"}};
                if (journal_writer_append(w, RECORD_CANCEL, f, ELEMENTSOF(f), now, NULL, NULL) < 0 ||
                    journal_writer_commit(w, now) < 0)
                        abort();
        }
        journal_writer_free(w);

        good = read_all(path, &len);
        write_all(dir, "good.jsonl", good, len);
        snprintf(path, sizeof(path), "%s/good.pub", tmp);
        pub = read_all(path, NULL);
        write_all(dir, "journal.pub", pub, strlen(pub));
        write_all(dir, "checkpoint-early.txt", cp_early, strlen(cp_early));
        write_all(dir, "checkpoint-late.txt", cp_late, strlen(cp_late));
        n = split(good, len, lines, ELEMENTSOF(lines));

        snprintf(path, sizeof(path), "%s/expected.txt", dir);
        exp = fopen(path, "we");
        fprintf(exp, "# file | checkpoint file or - | first bad line (0: none) | reason contains\n"
                     "# Written by regenerate.sh; read by tests/unit/test-journal-fixtures.c.\n"
                     "good.jsonl | - | 0 |\n"
                     "good.jsonl | checkpoint-early.txt | 0 |\n"
                     "good.jsonl | checkpoint-late.txt | 0 |\n"
                     "rolled-back.jsonl | - | 0 |\n"
                     "rolled-back.jsonl | checkpoint-late.txt | 0 | never had\n");

        /* A28: one bit flipped in a request's user name (line 4). */
        out = malloc(len);
        memcpy(out, good, len);
        out[lines[3].start + lines[3].len - 6] ^= 0x01;
        write_all(dir, "forged-flipped-bit.jsonl", out, len);
        fprintf(exp, "forged-flipped-bit.jsonl | - | 4 | record altered\n");
        free(out);

        /* A29: deleted, duplicated, reordered, inserted records. */
        for (size_t i = 0, r = 0; i < n; i++)
                if (i != 5)
                        idx[r++] = i;
        out = join(good, lines, idx, n - 1, &olen);
        write_all(dir, "forged-deleted.jsonl", out, olen);
        fprintf(exp, "forged-deleted.jsonl | - | 6 | deleted\n");
        free(out);
        for (size_t i = 0, r = 0; i < n; i++) {
                idx[r++] = i;
                if (i == 5)
                        idx[r++] = i;
        }
        out = join(good, lines, idx, n + 1, &olen);
        write_all(dir, "forged-duplicated.jsonl", out, olen);
        fprintf(exp, "forged-duplicated.jsonl | - | 7 | duplicated\n");
        free(out);
        for (size_t i = 0; i < n; i++)
                idx[i] = i;
        idx[5] = 6;
        idx[6] = 5;
        out = join(good, lines, idx, n, &olen);
        write_all(dir, "forged-reordered.jsonl", out, olen);
        fprintf(exp, "forged-reordered.jsonl | - | 6 | reordered\n");
        free(out);

        /* A27/A30: the file cut inside its last record. */
        write_all(dir, "forged-torn-tail.jsonl", good, lines[n - 1].start + 50);
        fprintf(exp, "forged-torn-tail.jsonl | - | %zu | torn tail\n", n);

        /* A32: records only, no key record and no checkpoints; and records after the last checkpoint. */
        {
                size_t r = 0;
                for (size_t i = 0; i < n; i++)
                        if (strstr(good + lines[i].start, "\"type\":\"request\"") &&
                            strstr(good + lines[i].start, "\"type\":\"request\"") <
                                good + lines[i].start + lines[i].len)
                                idx[r++] = i;
                out = join(good, lines, idx, r, &olen);
                write_all(dir, "forged-no-checkpoints.jsonl", out, olen);
                fprintf(exp, "forged-no-checkpoints.jsonl | - | 1 | seq\n");
                free(out);
        }

        /* A31: the last epoch's key re-signs every checkpoint of the history. */
        {
                NoteSigner *r = NULL;
                uint64_t epochs[4];
                size_t ne;
                int dfd;

                snprintf(path, sizeof(path), "%s/good.keys", tmp);
                keys_open_dir(path, &dfd);
                keys_list(dfd, epochs, 4, &ne);
                keys_load(dfd, epochs[0], ORIGIN, &r);
                close(dfd);
                for (size_t i = 0; i < n; i++)
                        idx[i] = i;
                out = rechain(good, lines, idx, n, r, &olen);
                write_all(dir, "forged-resealed.jsonl", out, olen);
                fprintf(exp, "forged-resealed.jsonl | - | 2 | not signed by epoch 0\n");
                free(out);

                /* A34: the last checkpoint replaced by one with a leading zero in its size, validly signed.
                 */
                {
                        char body[CHECKPOINT_MAX_BODY], *note = NULL, *p;
                        MerkleHash root = {};
                        static char line[JOURNAL_MAX_LINE];
                        JournalRecordView v;
                        size_t ll;

                        snprintf(body, sizeof(body), ORIGIN "\n0%zu\n", n - 1);
                        p = body + strlen(body);
                        jit_base64_encode(root, MERKLE_HASH_SIZE, p);
                        strcat(body, "\n");
                        note_sign(r, body, strlen(body), &note);
                        journal_record_parse(good + lines[n - 1].start, lines[n - 1].len, &v, NULL);
                        journal_record_format(v.seq, v.time_usec, v.epoch, RECORD_CHECKPOINT, v.prev,
                                              (JournalField[]){{"note", note}}, 1, line, &ll);
                        out = malloc(lines[n - 1].start + ll);
                        memcpy(out, good, lines[n - 1].start);
                        memcpy(out + lines[n - 1].start, line, ll);
                        write_all(dir, "forged-checkpoint-leading-zero.jsonl", out, lines[n - 1].start + ll);
                        fprintf(exp, "forged-checkpoint-leading-zero.jsonl | - | %zu | leading zeros\n", n);
                        free(out);
                        free(note);
                }

                /* Item 7 of issue 8: an intermediate checkpoint of the last epoch with a wrong root,
                 * correctly signed by that epoch's key; the later ones re-signed with right roots. */
                {
                        size_t bad = SIZE_MAX, from = SIZE_MAX, last_key = 0;
                        JournalRecordView v;

                        for (size_t i = 0; i < n; i++) {
                                journal_record_parse(good + lines[i].start, lines[i].len, &v, NULL);
                                if (v.type == RECORD_KEY)
                                        last_key = i;
                        }
                        /* The seal checkpoint follows the key record; the next checkpoint is the first
                         * intermediate one of the last epoch. */
                        for (size_t i = last_key + 2; i + 1 < n && bad == SIZE_MAX; i++) {
                                journal_record_parse(good + lines[i].start, lines[i].len, &v, NULL);
                                if (v.type == RECORD_CHECKPOINT)
                                        bad = i;
                        }
                        if (bad == SIZE_MAX)
                                abort();
                        from = bad;
                        out = rechain_from(good, lines, n, from, r, bad, &olen);
                        write_all(dir, "forged-intermediate-root.jsonl", out, olen);
                        fprintf(exp, "forged-intermediate-root.jsonl | - | %zu | root does not match\n",
                                bad + 1);
                        free(out);
                }
                note_signer_free(r);
        }

        /* Saved checkpoints of size 0, signed by the identity (epoch 0) key: only the root SHA-256("")
         * is the tree of no records. */
        {
                char body[CHECKPOINT_MAX_BODY], *note = NULL;
                MerkleHash root;

                merkle_empty_root(root);
                checkpoint_format(ORIGIN, 0, root, body);
                note_sign(k0, body, strlen(body), &note);
                write_all(dir, "checkpoint-size0.txt", note, strlen(note));
                free(note);
                root[0] ^= 0x01;
                checkpoint_format(ORIGIN, 0, root, body);
                note_sign(k0, body, strlen(body), &note);
                write_all(dir, "checkpoint-size0-wrong-root.txt", note, strlen(note));
                free(note);
                fprintf(exp, "good.jsonl | checkpoint-size0.txt | 0 |\n"
                             "good.jsonl | checkpoint-size0-wrong-root.txt | 0 | empty tree\n");
        }

        /* A key record whose epoch is spelled with a leading zero ("01"): outside the number grammar,
         * refused at that line before its certificate is looked at. */
        {
                static char line[JOURNAL_MAX_LINE], dec[JOURNAL_MAX_LINE];
                JournalField f[JOURNAL_MAX_FIELDS];
                JournalRecordView v;
                size_t key_at = 0, ll;
                char value[32];

                for (size_t i = 1; i < n && key_at == 0; i++)
                        if (journal_record_parse(good + lines[i].start, lines[i].len, &v, NULL) == 0 &&
                            v.type == RECORD_KEY)
                                key_at = i;
                journal_record_parse(good + lines[key_at].start, lines[key_at].len, &v, NULL);
                journal_record_decode_fields(&v, dec, sizeof(dec), f, ELEMENTSOF(f));
                for (size_t i = 0; i < v.n_fields; i++)
                        if (streq(f[i].key, "epoch")) {
                                snprintf(value, sizeof(value), "0%s", f[i].value);
                                f[i].value = value;
                        }
                journal_record_format(v.seq, v.time_usec, v.epoch, RECORD_KEY, v.prev, f, v.n_fields, line,
                                      &ll);
                out = malloc(len + 8);
                memcpy(out, good, lines[key_at].start);
                memcpy(out + lines[key_at].start, line, ll);
                memcpy(out + lines[key_at].start + ll, good + lines[key_at + 1].start,
                       len - lines[key_at + 1].start);
                olen = lines[key_at].start + ll + (len - lines[key_at + 1].start);
                write_all(dir, "forged-key-number.jsonl", out, olen);
                fprintf(exp, "forged-key-number.jsonl | - | %zu | key record fields are malformed\n",
                        key_at + 1);
                free(out);
        }

        /* A32: a journal of another identity. */
        w = open_writer(tmp, "foreign", T0);
        fill(w, T0, 4, "mallory");
        journal_writer_free(w);
        snprintf(path, sizeof(path), "%s/foreign.jsonl", tmp);
        {
                _cleanup_free_ char *f = read_all(path, &olen);
                write_all(dir, "forged-foreign-key.jsonl", f, olen);
                fprintf(exp, "forged-foreign-key.jsonl | - | 1 | foreign\n");
        }
        fclose(exp);
        printf("fixtures written to %s (scratch in %s)\n", dir, tmp);
        return 0;
}

/* ---- checking ---- */

static char *trim(char *s)
{
        while (*s == ' ')
                s++;
        for (size_t n = strlen(s); n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\n'); n--)
                s[n - 1] = '\0';
        return s;
}

int main(int argc, char *argv[])
{
        const char *dir = getenv("JIT_FIXTURES");
        char path[2200], buf[1024];
        _cleanup_free_ char *pub = NULL;
        FILE *exp;

        if (argc == 3 && streq(argv[1], "--regenerate"))
                return regenerate(argv[2]);
        if (sodium_init() < 0)
                return 1;
        if (!dir) {
                /* Beside the source tree: build/tests/test-x -> tests/data/journal, else the cwd. */
                static char guess[1000];
                char exe[900];
                ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
                const char *b = getenv("JIT_BUILD");

                dir = "tests/data/journal";
                if (n > 0) {
                        exe[n] = '\0';
                        *strrchr(exe, '/') = '\0';
                        snprintf(guess, sizeof(guess), "%s/../../tests/data/journal", exe);
                        if (access(guess, R_OK) == 0)
                                dir = guess;
                }
                if (dir != guess && b) {
                        snprintf(guess, sizeof(guess), "%s/../tests/data/journal", b);
                        if (access(guess, R_OK) == 0)
                                dir = guess;
                }
        }
        snprintf(path, sizeof(path), "%s/journal.pub", dir);
        pub = read_all(path, NULL);
        snprintf(path, sizeof(path), "%s/expected.txt", dir);
        exp = fopen(path, "re");
        if (!pub || !exp) {
                printf("1..0 # SKIP fixtures not found in %s (run from the top of the tree)\n", dir);
                return 0;
        }
        while (fgets(buf, sizeof(buf), exp)) {
                char *file, *cp, *line, *reason, *save = NULL;
                _cleanup_free_ char *saved = NULL;
                JournalVerifyResult res;
                uint64_t want_line;
                int r;

                if (buf[0] == '#' || buf[0] == '\n')
                        continue;
                file = trim(strtok_r(buf, "|", &save));
                cp = trim(strtok_r(NULL, "|", &save));
                line = trim(strtok_r(NULL, "|", &save));
                reason = strtok_r(NULL, "|", &save);
                reason = reason ? trim(reason) : "";
                want_line = strtoull(line, NULL, 10);
                if (!streq(cp, "-")) {
                        snprintf(path, sizeof(path), "%s/%s", dir, cp);
                        saved = read_all(path, NULL);
                }
                snprintf(path, sizeof(path), "%s/%s", dir, file);
                r = journal_verify(path, pub, saved, &res);
                if (!*reason)
                        ok(r == 0, "%s%s%s verifies", file, saved ? " against " : "", saved ? cp : "");
                else
                        ok(r == -EBADMSG && res.bad_line == want_line && strstr(res.reason, reason),
                           "%s%s%s fails at line %" PRIu64 ": %s", file, saved ? " against " : "",
                           saved ? cp : "", res.bad_line, res.reason);
                journal_verify_result_done(&res);
        }
        fclose(exp);
        printf("1..%d\n", tap.n);
        return tap.failed == 0 ? 0 : 1;
}
