/* Journal rotation: the writer starts new files for the same log, and the verifier checks a series of
 * files as one history, naming the file and the reason when one is missing, reordered, altered,
 * substituted, renamed or cut short. */
#include <errno.h>
#include <fcntl.h>
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

static char base[64];

typedef struct Env {
        char dir[256], journal[300], keys[300], pub[300];
} Env;

static void env_new(Env *e, const char *name)
{
        snprintf(e->dir, sizeof(e->dir), "%s/%s", base, name);
        snprintf(e->journal, sizeof(e->journal), "%s/journal.jsonl", e->dir);
        snprintf(e->keys, sizeof(e->keys), "%s/keys", e->dir);
        snprintf(e->pub, sizeof(e->pub), "%s/journal.pub", e->dir);
        if (mkdir(e->dir, 0700) < 0 && errno != EEXIST)
                abort();
}

static int writer_open(const Env *e, uint64_t now, uint64_t max_size, JournalWriter **ret)
{
        JournalOptions o = {
            .path = e->journal,
            .state_dir = e->keys,
            .pubkey_path = e->pub,
            .origin = ORIGIN,
            .epoch_usec = EPOCH,
            .now_usec = now,
            .max_file_size = max_size,
        };
        return journal_writer_open(&o, ret);
}

static char *read_all(const char *path, size_t *ret_len)
{
        FILE *f = fopen(path, "re");
        char *buf = malloc(1 << 22);
        size_t n;

        if (!f || !buf)
                abort();
        n = fread(buf, 1, (1 << 22) - 1, f);
        fclose(f);
        buf[n] = '\0';
        if (ret_len)
                *ret_len = n;
        return buf;
}

static void write_all(const char *path, const char *buf, size_t len)
{
        FILE *f = fopen(path, "we");
        if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0)
                abort();
}

/* Records and commits, one second apart, rotating whenever the writer asks, with one "live" record
 * restated at the head of each new file. Returns how many rotations happened. */
static int fill(JournalWriter *w, uint64_t *now, int n)
{
        JournalField f[] = {{"request_id", "K7Q2-M9XA"}, {"state", "pending"}, {"user", "alice"}};
        int rotations = 0;

        for (int i = 0; i < n; i++) {
                *now += SEC;
                if (journal_writer_append(w, RECORD_REQUEST, f, ELEMENTSOF(f), *now, NULL, NULL) < 0 ||
                    journal_writer_commit(w, *now) < 0)
                        return -1;
                if (!journal_writer_wants_rotation(w))
                        continue;
                if (journal_writer_rotate_begin(w, *now) < 0 ||
                    journal_writer_append(w, RECORD_LIVE, f, ELEMENTSOF(f), *now, NULL, NULL) < 0 ||
                    journal_writer_rotate_commit(w) < 0)
                        return -1;
                rotations++;
        }
        return rotations;
}

static int verify(char **paths, size_t n, const char *pub, const char *saved, JournalVerifyResult *res)
{
        JournalVerifyOptions o = {.pubkey_text = pub, .saved_checkpoint = saved};
        return journal_verify_series((const char *const *)paths, n, &o, res);
}

/* Verify, print the outcome, and say whether it failed in file bad_file for a reason containing want. */
static bool fails_with(char **paths, size_t n, const char *pub, size_t bad_file, const char *want)
{
        JournalVerifyResult res;
        int r = verify(paths, n, pub, NULL, &res);
        bool good = r == -EBADMSG && !res.ok && res.bad_file == bad_file && strstr(res.reason, want);

        if (!good)
                printf("#   r=%d file %zu line %" PRIu64 ": %s\n", r, res.bad_file, res.bad_line,
                       res.reason);
        journal_verify_result_done(&res);
        return good;
}

static void test_rotation(void)
{
        _cleanup_free_ char *pub = NULL, *saved_early = NULL;
        JournalWriter *w = NULL;
        JournalVerifyResult res;
        char **files = NULL;
        size_t n = 0;
        uint64_t now = T0, size;
        Env e;
        int rot;

        env_new(&e, "series");
        ok(writer_open(&e, now, 4096, &w) == 0, "a writer with MaxFileSize 4096 opens");
        ok(journal_writer_last_checkpoint(w, &saved_early) == 0, "its first checkpoint is saved");
        rot = fill(w, &now, 60);
        ok(rot >= 4, "60 commits over 4 KiB files rotate %d times, across epochs (epoch %" PRIu64 ")", rot,
           journal_writer_epoch(w));
        ok(journal_writer_file_first_seq(w) > 0, "the current file begins at seq %" PRIu64,
           journal_writer_file_first_seq(w));
        size = journal_writer_size(w);
        journal_writer_free(w);
        pub = read_all(e.pub, NULL);

        ok(journal_series_list(e.journal, &files, &n) == 0 && n == (size_t)rot + 1,
           "the series lists the rotated files and the current one");
        ok(n > 0 && streq(files[n - 1], e.journal), "the current file comes last");
        ok(n > 1 && strstr(files[0], "journal-0000000000000000.jsonl"), "the first is named by seq 0: %s",
           n ? files[0] : "");

        ok(verify(files, n, pub, NULL, &res) == 0 && res.ok && !res.partial && res.n_records == size &&
               res.n_files == n,
           "the whole series verifies as one log");
        journal_verify_result_done(&res);

        ok(verify(files, n, pub, saved_early, &res) == 0 && res.ok,
           "a checkpoint saved before the first rotation is extended by the series");
        journal_verify_result_done(&res);

        ok(verify(files + n - 1, 1, pub, NULL, &res) == 0 && res.ok && res.partial && res.first_seq > 0,
           "the current file alone verifies, with history before its first seq not checked");
        journal_verify_result_done(&res);

        ok(verify(files + n - 1, 1, pub, saved_early, &res) == -EBADMSG &&
               strstr(res.reason, "pass the earlier files too"),
           "the current file alone cannot extend an early saved checkpoint");
        journal_verify_result_done(&res);

        ok(verify(files + 1, n - 1, pub, NULL, &res) == 0 && res.ok && res.partial,
           "the series without its first (archived) file verifies as partial");
        journal_verify_result_done(&res);

        /* A file missing in the middle. */
        {
                char **gap = calloc(n, sizeof(*gap));
                size_t r = 0;

                for (size_t i = 0; i < n; i++)
                        if (i != 1)
                                gap[r++] = files[i];
                ok(fails_with(gap, r, pub, 1, "are missing"), "a missing middle file is named and reported");
                free(gap);
        }
        /* Two files swapped. */
        {
                char **sw = calloc(n, sizeof(*sw));

                memcpy(sw, files, n * sizeof(*sw));
                sw[1] = files[2];
                sw[2] = files[1];
                ok(fails_with(sw, n, pub, 1, "are missing"), "files out of order are reported");
                sw[1] = files[0];
                sw[2] = files[2];
                sw[0] = files[1];
                ok(fails_with(sw, n, pub, 1, "genesis record"),
                   "the genesis file after another is reported");
                free(sw);
        }
        /* A file given twice. */
        {
                char **dup = calloc(n + 1, sizeof(*dup));

                dup[0] = files[0];
                dup[1] = files[1];
                dup[2] = files[1];
                memcpy(dup + 3, files + 2, (n - 2) * sizeof(*dup));
                ok(fails_with(dup, n + 1, pub, 2, "already in the files before it"),
                   "a file given twice is reported");
                free(dup);
        }
        /* A byte altered in a middle file. */
        {
                size_t len;
                _cleanup_free_ char *orig = read_all(files[1], &len);
                char *copy = malloc(len);
                char *p;

                memcpy(copy, orig, len);
                p = strstr(copy, "alice");
                p[0] = 'A';
                write_all(files[1], copy, len);
                ok(fails_with(files, n, pub, 1, "altered"), "an altered record in a middle file is named");
                /* Cut short after its second-to-last commit: its last checkpoint is gone. */
                p = copy + len - 2;
                while (*p != '\n')
                        p--;
                write_all(files[1], orig, (size_t)(p - copy) + 1);
                ok(fails_with(files, n, pub, 1, "unsealed records") ||
                       fails_with(files, n, pub, 2, "are missing"),
                   "a middle file cut short is reported");
                write_all(files[1], orig, len);
                free(copy);
        }
        /* Renamed: the file's name must give the seq it begins at. */
        {
                char renamed[400];
                size_t len;
                _cleanup_free_ char *buf = read_all(files[2], &len);
                char **rn = calloc(n, sizeof(*rn));

                snprintf(renamed, sizeof(renamed), "%s/other", e.dir);
                (void)mkdir(renamed, 0700);
                snprintf(renamed, sizeof(renamed), "%s/other/journal-0000000000000001.jsonl", e.dir);
                write_all(renamed, buf, len);
                memcpy(rn, files, n * sizeof(*rn));
                rn[2] = renamed;
                ok(fails_with(rn, n, pub, 2, "renamed"), "a file under another seq's name is reported");
                free(rn);
        }
        /* Substituted: the same position taken by a file of another journal. */
        {
                Env o;
                JournalWriter *w2 = NULL;
                uint64_t t = T0;
                char **other = NULL, **sub = calloc(n, sizeof(*sub));
                size_t n2 = 0;

                env_new(&o, "other-journal");
                if (writer_open(&o, t, 4096, &w2) == 0 && fill(w2, &t, 60) > 2) {
                        journal_writer_free(w2);
                        journal_series_list(o.journal, &other, &n2);
                        memcpy(sub, files, n * sizeof(*sub));
                        sub[1] = other[1];
                        ok(fails_with(sub, n, pub, 1, "does not continue"),
                           "a rotated file of another journal in the middle is reported");
                } else
                        ok(false, "a second journal for the substitution test");
                journal_series_free(other);
                free(sub);
        }
        journal_series_free(files);
}

/* A crash between the steps of a rotation leaves the old file current; the next open tidies up. */
static void test_interrupted(void)
{
        _cleanup_free_ char *pub = NULL, *rotated = NULL, *tmp = NULL;
        JournalWriter *w = NULL;
        JournalVerifyResult res;
        char **files = NULL;
        size_t n = 0, before = 0;
        uint64_t now = T0;
        Env e;

        env_new(&e, "interrupted");
        ok(writer_open(&e, now, 4096, &w) == 0 && fill(w, &now, 30) >= 1, "a rotated journal");
        journal_writer_free(w);
        journal_series_list(e.journal, &files, &before);
        journal_series_free(files);

        /* As if jitd died after step (2): the current file also under its rotated name, and a
         * half-written next file. */
        if (journal_writer_open(&(JournalOptions){.path = e.journal,
                                                  .state_dir = e.keys,
                                                  .pubkey_path = e.pub,
                                                  .origin = ORIGIN,
                                                  .epoch_usec = EPOCH,
                                                  .now_usec = now},
                                &w) == 0) {
                journal_rotated_name(e.journal, journal_writer_file_first_seq(w), &rotated);
                journal_writer_free(w);
        }
        ok(rotated && link(e.journal, rotated) == 0, "the current file gets its rotated name too");
        asprintf(&tmp, "%s.new", e.journal);
        write_all(tmp, "{\"seq\":", 7);

        /* What an auditor sees meanwhile (a live rotation between its steps 2 and 3 looks the
         * same): the series as it was, not the current file twice. */
        pub = read_all(e.pub, NULL);
        journal_series_list(e.journal, &files, &n);
        ok(n == before && streq(files[n - 1], e.journal) && verify(files, n, pub, NULL, &res) == 0 && res.ok,
           "the series leaves out the current file's rotated name and verifies (%zu files)", n);
        journal_verify_result_done(&res);
        journal_series_free(files);

        ok(writer_open(&e, now + SEC, 4096, &w) == 0, "the writer opens after the interrupted rotation");
        ok(access(rotated, F_OK) < 0 && access(tmp, F_OK) < 0,
           "the rotated name of the current file and the unfinished next file are gone");
        ok(fill(w, &now, 30) >= 1, "and it rotates again later");
        journal_writer_free(w);

        journal_series_list(e.journal, &files, &n);
        ok(n > before && verify(files, n, pub, NULL, &res) == 0 && res.ok && !res.partial,
           "the series of %zu files verifies", n);
        journal_verify_result_done(&res);
        journal_series_free(files);

        /* A torn commit in a rotated-in file is repaired like any other (T27). */
        {
                FILE *fp = fopen(e.journal, "ae");
                fputs("{\"seq\":99999,\"ti", fp);
                fclose(fp);
        }
        ok(writer_open(&e, now + 2 * SEC, 4096, &w) == 0,
           "the writer opens a rotated-in file with a torn tail");
        journal_writer_free(w);
        {
                _cleanup_free_ char *buf = read_all(e.journal, NULL);
                ok(strstr(buf, "\"type\":\"repair\"") != NULL, "and records the repair");
        }
        journal_series_list(e.journal, &files, &n);
        ok(verify(files, n, pub, NULL, &res) == 0 && res.ok, "the repaired series verifies");
        journal_verify_result_done(&res);

        /* The reader (jitd's replay) reads the current file alone, from its link record on. */
        {
                JournalReader *rd = NULL;
                JournalRecord rec;
                uint64_t first = UINT64_MAX, count = 0;
                bool live = false;
                int r;

                ok(journal_reader_open(e.journal, &rd) == 0, "the reader opens the current file");
                while ((r = journal_reader_next(rd, &rec)) > 0) {
                        if (first == UINT64_MAX)
                                first = rec.seq;
                        live |= rec.type == RECORD_LIVE;
                        count++;
                }
                if (r < 0)
                        printf("#   reader: %s\n", journal_reader_error(rd));
                ok(r == 0 && first > 0 && live && count >= 3,
                   "and reads it from seq %" PRIu64 " with its restated live records", first);
                journal_reader_free(rd);
        }
        journal_series_free(files);
}

/* A rotation that cannot be done (here: the rotated name is taken by another file, which is never
 * replaced) changes nothing: the current file stays current and takes the next commits. */
static void test_refused(void)
{
        _cleanup_free_ char *pub = NULL, *taken = NULL;
        JournalField f[] = {{"request_id", "K7Q2-M9XA"}, {"user", "alice"}};
        JournalWriter *w = NULL;
        JournalVerifyResult res;
        char **files = NULL;
        size_t n = 0;
        uint64_t now = T0, size;
        Env e;
        int r;

        env_new(&e, "refused");
        ok(writer_open(&e, now, 65536, &w) == 0, "a writer with MaxFileSize 64K");
        journal_rotated_name(e.journal, 0, &taken);
        write_all(taken, "an archived copy\n", 17);
        while (!journal_writer_wants_rotation(w)) {
                now += SEC;
                if (journal_writer_append(w, RECORD_REQUEST, f, ELEMENTSOF(f), now, NULL, NULL) < 0 ||
                    journal_writer_commit(w, now) < 0)
                        break;
        }
        size = journal_writer_size(w);
        r = journal_writer_rotate_begin(w, now);
        if (r >= 0)
                r = journal_writer_rotate_commit(w);
        ok(r == -EEXIST, "the rotation is refused when its name is taken (%s)", strerror(-r));
        ok(journal_writer_size(w) == size && journal_writer_file_first_seq(w) == 0,
           "the writer is where it was, in the same file");
        now += SEC;
        ok(journal_writer_append(w, RECORD_REQUEST, f, ELEMENTSOF(f), now, NULL, NULL) >= 0 &&
               journal_writer_commit(w, now) == 0,
           "and the next commit goes to the current file");
        journal_writer_free(w);
        unlink(taken);
        pub = read_all(e.pub, NULL);
        ok(journal_series_list(e.journal, &files, &n) == 0 && n == 1 &&
               verify(files, n, pub, NULL, &res) == 0 && res.ok && !res.partial,
           "one file, which verifies, and no leftover next file");
        journal_verify_result_done(&res);
        journal_series_free(files);
        {
                char tmp[400];
                snprintf(tmp, sizeof(tmp), "%s.new", e.journal);
                ok(access(tmp, F_OK) < 0, "the unfinished next file was removed");
        }
}

/* The link record cannot be changed without the signatures noticing, even in a file read alone. */
static void test_link_tamper(void)
{
        _cleanup_free_ char *pub = NULL, *buf = NULL;
        JournalWriter *w = NULL;
        JournalVerifyResult res;
        char *path;
        uint64_t now = T0;
        size_t len;
        char *p;
        Env e;

        env_new(&e, "tamper");
        ok(writer_open(&e, now, 4096, &w) == 0 && fill(w, &now, 30) >= 1, "a rotated journal");
        journal_writer_free(w);
        pub = read_all(e.pub, NULL);
        buf = read_all(e.journal, &len);
        path = e.journal;

        /* The first hash of the restated tree: change one base64 character. */
        p = strstr(buf, "\"tree\":\"");
        p += strlen("\"tree\":\"");
        *p = *p == 'A' ? 'B' : 'A';
        write_all(path, buf, len);
        ok(verify(&path, 1, pub, NULL, &res) == -EBADMSG && res.bad_line == 1,
           "a changed tree in the link record is named at line 1");
        journal_verify_result_done(&res);
}

static size_t count_lines(const char *path)
{
        _cleanup_free_ char *buf = read_all(path, NULL);
        size_t n = 0;

        for (char *p = buf; *p; p++)
                n += *p == '\n';
        return n;
}

/* Every epoch's key ID stays known to the writer after rotated files are archived away: a new epoch
 * key must not reuse any of them (journal-format.md §5.1). */
static void test_key_ids(void)
{
        _cleanup_free_ char *before = NULL, *after = NULL;
        char reg[400];
        JournalWriter *w = NULL;
        char **files = NULL;
        size_t n = 0, lines;
        uint64_t now = T0, epochs;
        Env e;

        env_new(&e, "key-ids");
        snprintf(reg, sizeof(reg), "%s/key-ids", e.keys);
        ok(writer_open(&e, now, 4096, &w) == 0 && fill(w, &now, 60) >= 2, "a rotated journal over 7 epochs");
        epochs = journal_writer_epoch(w) + 1;
        journal_writer_free(w);
        lines = count_lines(reg);
        ok(lines == epochs, "the key directory lists one key ID per epoch (%zu of %" PRIu64 ")", lines,
           epochs);
        before = read_all(reg, NULL);

        journal_series_list(e.journal, &files, &n);
        for (size_t i = 0; i + 1 < n; i++)
                unlink(files[i]);
        journal_series_free(files);
        now += 30 * SEC;
        ok(writer_open(&e, now, 4096, &w) == 0, "the writer opens with the rotated files archived away");
        epochs = journal_writer_epoch(w) + 1;
        journal_writer_free(w);
        after = read_all(reg, NULL);
        ok(count_lines(reg) == epochs && strncmp(after, before, strlen(before)) == 0,
           "the register keeps the archived epochs' IDs and adds the new ones");

        unlink(reg);
        ok(writer_open(&e, now, 4096, &w) == 0, "the writer opens without its register");
        journal_writer_free(w);
        ok(count_lines(reg) > 0, "and rebuilds it from the current file");
}

int main(void)
{
        const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        char cmd[128];

        snprintf(base, sizeof(base), "%s/test-rotate-XXXXXX", tmp);
        if (sodium_init() < 0 || !mkdtemp(base))
                return 1;
        test_rotation();
        test_interrupted();
        test_link_tamper();
        test_refused();
        test_key_ids();
        if (tap.failed == 0 && !getenv("KEEP_TEST_DIR")) {
                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
                (void)system(cmd);
        } else
                printf("# test files kept in %s\n", base);
        return tap_done(&tap);
}
