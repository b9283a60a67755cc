/* The journal as lines, the way a fleet collector gets it from journald: the writer reports every
 * record it makes itself (line hook) and the last appended line, so together they give every line
 * of the files; journal_verify_lines() verifies such lines as the walk verifies a file, and refuses
 * altered, reordered, missing, unsealed or foreign ones. */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal.h"
#include "util.h"
#include "tap.h"

static Tap tap;
#define ok(cond, ...) tap_ok(&tap, (cond), __VA_ARGS__)

#define ORIGIN "test.example/jit"
#define T0 UINT64_C(1700000000000000)
#define SEC UINT64_C(1000000)
#define EPOCH (10 * SEC)
#define MAX_SEQ 4096

typedef struct Lines {
        char *line[MAX_SEQ];
        size_t len[MAX_SEQ];
        unsigned own[_RECORD_TYPE_MAX];
        bool bad_origin;
} Lines;

static void put(Lines *l, uint64_t seq, const char *line, size_t len)
{
        if (seq >= MAX_SEQ || l->line[seq])
                abort(); /* each line is told once */
        l->line[seq] = strndup(line, len);
        l->len[seq] = len;
}

static void on_line(void *userdata, const char *origin, uint64_t seq, RecordType type, const char *line,
                    size_t len, const MerkleHash leaf)
{
        Lines *l = userdata;

        l->own[type]++;
        l->bad_origin |= strcmp(origin, ORIGIN) != 0;
        put(l, seq, line, len);
}

static int verify_lines(const Lines *l, uint64_t n, const char *pub, JournalVerifyResult *res)
{
        JournalLine *v = calloc(n ? n : 1, sizeof(*v));
        JournalVerifyOptions o = {.pubkey_text = pub, .all_signatures = true};
        int r;

        for (uint64_t i = 0; i < n; i++)
                v[i] = (JournalLine){l->line[i], l->line[i] ? l->len[i] : 0};
        r = journal_verify_lines(v, n, &o, res);
        free(v);
        return r;
}

static bool fails_at(const Lines *l, uint64_t n, const char *pub, uint64_t lo, uint64_t hi, const char *want)
{
        JournalVerifyResult res;
        int r = verify_lines(l, n, pub, &res);
        bool good =
            r == -EBADMSG && !res.ok && res.bad_seq >= lo && res.bad_seq <= hi && strstr(res.reason, want);

        if (!good)
                printf("#   r=%d seq %" PRIu64 ": %s\n", r, res.bad_seq, res.reason);
        journal_verify_result_done(&res);
        return good;
}

int main(void)
{
        const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        char base[64], dir[128], journal[160], keys[160], pubpath[160], cmd[200];
        JournalField f[] = {{"request_id", "K7Q2-M9XA"}, {"state", "pending"}, {"user", "alice"}};
        _cleanup_free_ char *pub = NULL;
        JournalVerifyResult file_res, res;
        JournalWriter *w = NULL;
        Lines *l = calloc(1, sizeof(*l));
        char **files = NULL;
        size_t n_files = 0;
        uint64_t now = T0, n;
        bool all_there = true;
        int rotations = 0, r;

        snprintf(base, sizeof(base), "%s/test-lines-XXXXXX", tmp);
        if (!l || sodium_init() < 0 || !mkdtemp(base))
                return 1;
        snprintf(dir, sizeof(dir), "%s/j", base);
        snprintf(journal, sizeof(journal), "%s/journal.jsonl", dir);
        snprintf(keys, sizeof(keys), "%s/keys", dir);
        snprintf(pubpath, sizeof(pubpath), "%s/journal.pub", dir);
        if (mkdir(dir, 0700) < 0)
                return 1;
        JournalOptions o = {
            .path = journal,
            .state_dir = keys,
            .pubkey_path = pubpath,
            .origin = ORIGIN,
            .epoch_usec = EPOCH,
            .now_usec = now,
            .max_file_size = 4096,
            .line_hook = on_line,
            .line_hook_userdata = l,
        };
        ok(journal_writer_open(&o, &w) == 0, "a writer with a line hook opens a new journal");
        ok(l->own[RECORD_KEY] == 1 && l->own[RECORD_CHECKPOINT] == 1 && l->line[0],
           "the hook was told the genesis record and its checkpoint while the journal was created");

        /* Records 3 s apart: epochs end (key records, seals) and files rotate (link records). */
        for (int i = 0; i < 40; i++) {
                const char *line;
                uint64_t seq;
                size_t len;

                now += 3 * SEC;
                if (journal_writer_append(w, RECORD_REQUEST, f, ELEMENTSOF(f), now, &seq, NULL) < 0)
                        break;
                journal_writer_last_line(w, &line, &len);
                put(l, seq, line, len);
                if (journal_writer_commit(w, now) < 0)
                        break;
                if (!journal_writer_wants_rotation(w))
                        continue;
                if (journal_writer_rotate_begin(w, now) < 0 ||
                    journal_writer_append(w, RECORD_LIVE, f, ELEMENTSOF(f), now, &seq, NULL) < 0)
                        break;
                journal_writer_last_line(w, &line, &len);
                put(l, seq, line, len);
                if (journal_writer_rotate_commit(w) < 0)
                        break;
                rotations++;
        }
        n = journal_writer_size(w);
        journal_writer_free(w);
        ok(n > 100 && rotations >= 2 && l->own[RECORD_KEY] > 5 && l->own[RECORD_LINK] == (unsigned)rotations,
           "%" PRIu64 " records over %d rotations: %u key records and %u links were told", n, rotations,
           l->own[RECORD_KEY], l->own[RECORD_LINK]);
        ok(!l->bad_origin, "the hook names the journal's origin");

        /* The files, line by line, against what the hook and last_line gave. */
        r = journal_series_list(journal, &files, &n_files);
        ok(r == 0 && n_files == (size_t)rotations + 1, "the series has %zu files", n_files);
        for (size_t i = 0; i < n_files && all_there; i++) {
                JournalReader *rd = NULL;
                JournalRecord rec;

                if (journal_reader_open(files[i], &rd) < 0)
                        all_there = false;
                while (all_there && journal_reader_next(rd, &rec) > 0)
                        all_there = rec.seq < MAX_SEQ && l->line[rec.seq] &&
                                    l->len[rec.seq] == rec.line_len &&
                                    memcmp(l->line[rec.seq], rec.line, rec.line_len) == 0;
                journal_reader_free(rd);
        }
        for (uint64_t i = 0; i < n; i++)
                all_there = all_there && l->line[i];
        ok(all_there, "every line of every file was told, byte for byte, and nothing else");

        pub = malloc(NOTE_VERIFIER_MAX + 2);
        FILE *pf = fopen(pubpath, "re");
        if (!pub || !pf || !fgets(pub, NOTE_VERIFIER_MAX + 2, pf))
                return 1;
        fclose(pf);
        JournalVerifyOptions fo = {.pubkey_text = pub, .all_signatures = true};
        r = journal_verify_series((const char *const *)files, n_files, &fo, &file_res);
        ok(r == 0, "the files verify");
        r = verify_lines(l, n, pub, &res);
        ok(r == 0 && res.ok, "the lines verify as one journal: %s", res.reason);
        ok(res.tree_size == file_res.tree_size && memcmp(res.root, file_res.root, MERKLE_HASH_SIZE) == 0 &&
               res.n_signatures == file_res.n_signatures && res.epoch == file_res.epoch,
           "...with the files' tree size, root, signatures and epoch");
        journal_verify_result_done(&res);
        journal_verify_result_done(&file_res);

        /* What a collector may be fed. */
        uint64_t k = 20;
        while (k < n && !strstr(l->line[k], "\"user\":\"alice\""))
                k++;
        char *saved = l->line[k];
        size_t saved_len = l->len[k];
        char *flipped = strndup(saved, saved_len);
        char *p = strstr(flipped, "alice");
        if (p)
                p[0] = 'A';
        l->line[k] = flipped;
        ok(p && fails_at(l, n, pub, k, k + 1, ""),
           "a rewritten record is refused at seq %" PRIu64 " or the next", k);
        l->line[k] = saved;
        free(flipped);

        char *a = l->line[30];
        size_t alen = l->len[30];
        l->line[30] = l->line[31], l->len[30] = l->len[31];
        l->line[31] = a, l->len[31] = alen;
        ok(fails_at(l, n, pub, 30, 30, "seq"), "two records swapped: refused at seq 30");
        l->line[31] = l->line[30], l->len[31] = l->len[30];
        l->line[30] = a, l->len[30] = alen;

        ok(fails_at(l, n - 1, pub, 0, n, "unsealed"), "the last checkpoint missing: unsealed records");
        char *huge = malloc(JOURNAL_MAX_LINE + 1);
        memset(huge, 'x', JOURNAL_MAX_LINE);
        saved = l->line[5], saved_len = l->len[5];
        l->line[5] = huge, l->len[5] = JOURNAL_MAX_LINE;
        ok(fails_at(l, n, pub, 5, 5, "longer"), "a line over the bound is refused at its seq");
        l->line[5] = saved, l->len[5] = saved_len;
        free(huge);

        JournalVerifyOptions with_cp = {.pubkey_text = pub, .saved_checkpoint = "x"};
        ok(journal_verify_lines(NULL, 0, &with_cp, &res) == -EINVAL,
           "a saved checkpoint is not taken (-EINVAL)");
        journal_verify_result_done(&res);

        journal_series_free(files);
        for (size_t i = 0; i < MAX_SEQ; i++)
                free(l->line[i]);
        free(l);
        if (tap.failed == 0) {
                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
                (void)system(cmd);
        }
        return tap_done(&tap);
}
