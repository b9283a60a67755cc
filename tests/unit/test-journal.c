/* The signed journal end to end: writer, reader, verifier, receipts, crash repair and attacks A27-A36. */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal-internal.h"
#include "journal-util.h"
#include "journal.h"
#include "keys.h"
#include "util.h"
#include "tap.h"

static Tap tap;
#define ok(cond, ...) tap_ok(&tap, (cond), __VA_ARGS__)

static void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void diag(const char *fmt, ...)
{
        va_list ap;

        printf("# ");
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
}

#define ORIGIN "test.example/jit"
#define T0 UINT64_C(1700000000000000)
#define SEC UINT64_C(1000000)
#define EPOCH (10 * SEC)

/* On tmpfs when there is one: the tests fsync a lot, and the disk is not what they test. */
static char base[64];

typedef struct Env {
        char dir[256], journal[300], keys[300], pub[300];
} Env;

static void env_new(Env *e, const char *name)
{
        snprintf(e->dir, sizeof(e->dir), "%s/%s", base, name);
        snprintf(e->journal, sizeof(e->journal), "%s/journal", e->dir);
        snprintf(e->keys, sizeof(e->keys), "%s/keys", e->dir);
        snprintf(e->pub, sizeof(e->pub), "%s/journal.pub", e->dir);
        if (mkdir(e->dir, 0700) < 0 && errno != EEXIST)
                abort();
}

static int writer_open(const Env *e, uint64_t now, JournalWriter **ret)
{
        JournalOptions o = {
            .path = e->journal,
            .state_dir = e->keys,
            .pubkey_path = e->pub,
            .origin = ORIGIN,
            .epoch_usec = EPOCH,
            .now_usec = now,
        };
        return journal_writer_open(&o, ret);
}

static int append(JournalWriter *w, RecordType t, const char *id, uint64_t now)
{
        JournalField f[] = {{"id", id}, {"user", "alice"}, {"service", "sudo"}};
        return journal_writer_append(w, t, f, ELEMENTSOF(f), now, NULL, NULL);
}

static char *read_all(const char *path, size_t *ret_len)
{
        FILE *f = fopen(path, "re");
        char *buf = NULL;
        size_t n = 0, cap = 0;

        if (!f)
                return NULL;
        for (;;) {
                if (cap - n < 65536) {
                        cap = cap * 2 + 65536;
                        buf = realloc(buf, cap + 1);
                }
                size_t k = fread(buf + n, 1, cap - n, f);
                n += k;
                if (k == 0)
                        break;
        }
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

static char *pubkey(const Env *e)
{
        return read_all(e->pub, NULL);
}

static int verify_file(const char *path, const char *pub, const char *saved, JournalVerifyResult *res)
{
        int r = journal_verify(path, pub, saved, res);
        return r;
}

/* Verify and release: 0 or -EBADMSG; reason and bad line copied out if asked. */
static int verify_simple(const char *path, const char *pub, const char *saved, uint64_t *ret_line,
                         char *reason, size_t n)
{
        JournalVerifyResult res;
        int r = verify_file(path, pub, saved, &res);

        if (ret_line)
                *ret_line = res.bad_line;
        if (reason)
                snprintf(reason, n, "%s", res.reason);
        journal_verify_result_done(&res);
        return r;
}

/* Line boundaries of a buffer: starts[i] is where line i begins; starts[n] is the end. */
static size_t split_lines(const char *buf, size_t len, size_t *starts, size_t max)
{
        size_t n = 0;

        starts[n++] = 0;
        for (size_t i = 0; i < len && n < max; i++)
                if (buf[i] == '\n')
                        starts[n++] = i + 1;
        return n - 1;
}

static void copy_dir(const char *from, const char *to)
{
        DIR *d = opendir(from);
        struct dirent *de;

        if (mkdir(to, 0700) < 0 && errno != EEXIST)
                abort();
        while ((de = readdir(d))) {
                char a[600], b[600];
                size_t n;
                char *buf;

                if (de->d_name[0] == '.')
                        continue;
                snprintf(a, sizeof(a), "%s/%s", from, de->d_name);
                snprintf(b, sizeof(b), "%s/%s", to, de->d_name);
                buf = read_all(a, &n);
                write_all(b, buf, n);
                chmod(b, 0600);
                free(buf);
        }
        closedir(d);
}

static void remove_dir(const char *path)
{
        DIR *d = opendir(path);
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d))) {
                char a[600];
                struct stat st;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                snprintf(a, sizeof(a), "%s/%s", path, de->d_name);
                if (lstat(a, &st) == 0 && S_ISDIR(st.st_mode))
                        remove_dir(a);
                else
                        unlink(a);
        }
        closedir(d);
        rmdir(path);
}

/* A clone of an environment (journal, keys, published key) under a new name. */
static void env_clone(const Env *from, Env *to, const char *name)
{
        char *buf;
        size_t n;

        env_new(to, name);
        remove_dir(to->keys);
        copy_dir(from->keys, to->keys);
        buf = read_all(from->journal, &n);
        write_all(to->journal, buf, n);
        free(buf);
        buf = read_all(from->pub, &n);
        write_all(to->pub, buf, n);
        free(buf);
}

/* The standard test journal: 24 requests in groups of 3 over 3 epochs of 10 s. */
static uint64_t build_journal(const Env *e, int n_records, uint64_t step)
{
        JournalWriter *w = NULL;
        uint64_t now = T0;
        char id[32];

        if (writer_open(e, now, &w) < 0)
                abort();
        for (int i = 0; i < n_records; i++) {
                snprintf(id, sizeof(id), "K7Q2-%04d", i);
                if (append(w, i % 5 == 4 ? RECORD_APPROVE : RECORD_REQUEST, id, now) < 0)
                        abort();
                if (i % 3 == 2 && journal_writer_commit(w, now) < 0)
                        abort();
                now += step;
        }
        if (journal_writer_commit(w, now) < 0)
                abort();
        journal_writer_free(w), w = NULL;
        return now;
}

/* ---- round trip ---- */

static void test_roundtrip(void)
{
        Env e;
        JournalWriter *w = NULL;
        JournalVerifyResult res;
        JournalReader *rd = NULL;
        JournalRecord rec;
        MerkleHash leaves[64];
        uint64_t seqs[64], now = T0, n_req = 0, n_key = 0, n_cp = 0;
        _cleanup_free_ char *pub = NULL, *cp = NULL;
        bool fields_ok = true, leaves_ok = true;
        int r;

        env_new(&e, "roundtrip");
        ok(writer_open(&e, now, &w) == 0, "writer creates a journal, an identity key and publishes it");
        pub = pubkey(&e);
        ok(pub && strncmp(pub, ORIGIN "+", strlen(ORIGIN) + 1) == 0 && pub[strlen(pub) - 1] == '\n' &&
               streq(journal_writer_identity(w), (char[NOTE_VERIFIER_MAX]){0}) == false,
           "published key is in verifier-key form: %.40s...", pub ? pub : "");
        for (int i = 0; i < 30; i++) {
                char id[16];
                snprintf(id, sizeof(id), "R%d", i);
                JournalField f[] = {{"id", id}, {"note", "line1\nline2 \"quoted\""}};
                r = journal_writer_append(w, RECORD_REQUEST, f, 2, now, &seqs[i], leaves[i]);
                if (r < 0)
                        break;
                if (i % 4 == 3)
                        r = journal_writer_commit(w, now);
                now += 1 * SEC + 500000;
        }
        ok(r == 0 && journal_writer_commit(w, now) == 0,
           "30 records appended and committed over %" PRIu64 " s", (now - T0) / SEC);
        ok(journal_writer_epoch(w) >= 4, "the writer moved through %" PRIu64 " epochs",
           journal_writer_epoch(w));
        ok(!journal_writer_dirty(w) && journal_writer_next_epoch_usec(w) > now,
           "clean after commit; next seal ahead");
        ok(journal_writer_last_checkpoint(w, &cp) == 0, "last checkpoint available");
        journal_writer_free(w), w = NULL;

        r = verify_file(e.journal, pub, NULL, &res);
        ok(r == 0 && res.ok,
           "verify passes: %" PRIu64 " records, %" PRIu64 " checkpoints, %zu epoch keys, %" PRIu64
           " signatures (%s)",
           res.n_records, res.n_checkpoints, res.n_keys, res.n_signatures, res.reason);
        ok(cp && res.last_checkpoint && streq(cp, res.last_checkpoint) && res.tree_size + 1 == res.n_records,
           "writer's last checkpoint is the file's last record and covers everything before it");
        ok(res.n_keys == res.epoch + 1 && res.keys[0].epoch == 0 &&
               res.keys[res.n_keys - 1].epoch == res.epoch,
           "one key per epoch, epoch 0 first");
        journal_verify_result_done(&res);

        ok(journal_reader_open(e.journal, &rd) == 0, "reader opens");
        while ((r = journal_reader_next(rd, &rec)) > 0) {
                if (rec.type == RECORD_REQUEST) {
                        if (n_req < 30 &&
                            (rec.seq != seqs[n_req] || memcmp(rec.leaf_hash, leaves[n_req], 32) != 0))
                                leaves_ok = false;
                        if (rec.n_fields != 2 || !streq(rec.fields[0].key, "id") ||
                            !streq(rec.fields[1].value, "line1\nline2 \"quoted\""))
                                fields_ok = false;
                        n_req++;
                } else if (rec.type == RECORD_KEY)
                        n_key++;
                else if (rec.type == RECORD_CHECKPOINT)
                        n_cp++;
        }
        ok(r == 0 && n_req == 30 && n_key >= 5 && n_cp >= 8,
           "reader replays %" PRIu64 " requests, %" PRIu64 " key records, %" PRIu64 " checkpoints", n_req,
           n_key, n_cp);
        ok(fields_ok, "reader returns the fields as written");
        ok(leaves_ok, "seq and leaf hash returned by append match the file");
        journal_reader_free(rd);

        /* Reopen in the same epoch: the chain continues, no repair. */
        ok(writer_open(&e, now, &w) == 0 && append(w, RECORD_START, "restart", now) == 0 &&
               journal_writer_commit(w, now) == 0,
           "writer reopens and continues");
        journal_writer_free(w), w = NULL;
        ok(verify_simple(e.journal, pub, cp, NULL, NULL, 0) == 0,
           "verify passes after reopen, and the journal extends the earlier checkpoint");
        {
                _cleanup_free_ char *all = read_all(e.journal, NULL);
                ok(!strstr(all, "\"type\":\"repair\""), "no repair record after a clean restart");
        }
}

static void test_empty_epochs(void)
{
        Env e;
        JournalWriter *w = NULL;
        JournalVerifyResult res;
        _cleanup_free_ char *pub = NULL;
        uint64_t now = T0, before;

        env_new(&e, "empty-epochs");
        if (writer_open(&e, now, &w) < 0)
                abort();
        before = journal_writer_epoch(w);
        journal_writer_free(w), w = NULL;
        now += 7 * EPOCH + EPOCH / 2;
        ok(writer_open(&e, now, &w) == 0 && journal_writer_epoch(w) == before + 1 &&
               journal_writer_next_epoch_usec(w) == T0 + 8 * EPOCH,
           "reopening 7.5 epochs later seals the old epoch once; the new one spans the gap to the next "
           "boundary");
        journal_writer_free(w), w = NULL;
        pub = pubkey(&e);
        ok(verify_file(e.journal, pub, NULL, &res) == 0 && res.epoch == 1 && res.n_keys == 2 &&
               res.epoch_end_usec == T0 + 8 * EPOCH && res.keys[1].epoch_usec == 7 * EPOCH,
           "verify passes; the gap shows as one long epoch (7 epoch lengths)");
        journal_verify_result_done(&res);
        {
                uint64_t epochs[8];
                size_t n;
                int dfd;
                keys_open_dir(e.keys, &dfd);
                ok(keys_list(dfd, epochs, 8, &n) == 0 && n == 1 && epochs[0] == 1,
                   "only the current epoch's key is left on disk");
                close(dfd);
        }
        /* The commit API also seals on its own (jitd's epoch timer). */
        ok(writer_open(&e, now, &w) == 0 &&
               journal_writer_commit(w, journal_writer_next_epoch_usec(w)) == 0 &&
               journal_writer_epoch(w) == 2 && journal_writer_next_epoch_usec(w) == T0 + 9 * EPOCH,
           "commit at the epoch end seals the epoch without new records; epochs are regular again");
        journal_writer_free(w), w = NULL;
}

/* ---- A36 ---- */

static void test_a36(void)
{
        Env e;
        JournalWriter *w1 = NULL, *w2 = NULL;

        env_new(&e, "a36");
        ok(writer_open(&e, T0, &w1) == 0, "a36-first-writer: first writer opens");
        ok(writer_open(&e, T0, &w2) == -EBUSY, "a36-second-writer-refused: a second writer gets EBUSY");
        journal_writer_free(w1), w1 = NULL;
        ok(writer_open(&e, T0, &w2) == 0, "a36-lock-released: after the first closes, another can open");
        journal_writer_free(w2), w2 = NULL;
}

/* ---- A27 ---- */

static int count_type(const char *path, const char *type)
{
        _cleanup_free_ char *all = read_all(path, NULL);
        char pat[64];
        int n = 0;

        snprintf(pat, sizeof(pat), "\"type\":\"%s\"", type);
        for (const char *p = all; (p = strstr(p, pat)); p++)
                n++;
        return n;
}

static void test_a27(void)
{
        Env e, c;
        size_t len, starts[256], n_lines;
        _cleanup_free_ char *orig = NULL, *pub = NULL;
        uint64_t now;
        int bad = 0, tried = 0, repaired = 0;

        env_new(&e, "a27");
        now = build_journal(&e, 20, SEC);
        {
                /* End with an ordinary group, so the key directory is what it was during the commit. */
                JournalWriter *w = NULL;
                if (writer_open(&e, now, &w) < 0)
                        abort();
                append(w, RECORD_REQUEST, "G1", now);
                append(w, RECORD_APPROVE, "G2", now);
                append(w, RECORD_GRANT_USE, "G3", now);
                if (journal_writer_commit(w, now) < 0)
                        abort();
                journal_writer_free(w);
        }
        pub = pubkey(&e);
        orig = read_all(e.journal, &len);
        n_lines = split_lines(orig, len, starts, ELEMENTSOF(starts));

        /* Every cut inside the last commit group (3 records and a checkpoint). */
        for (size_t t = starts[n_lines - 4]; t < len; t++) {
                JournalWriter *w = NULL;
                char reason[320] = "";
                int r;

                env_clone(&e, &c, "a27-clone");
                if (truncate(c.journal, (off_t)t) < 0)
                        abort();
                tried++;
                r = writer_open(&c, now, &w);
                if (r < 0) {
                        diag("cut at %zu: open failed: %s", t, strerror(-r));
                        bad++;
                        continue;
                }
                journal_writer_free(w), w = NULL;
                r = verify_simple(c.journal, pub, NULL, NULL, reason, sizeof(reason));
                {
                        _cleanup_free_ char *now_buf = read_all(c.journal, NULL);
                        size_t keep = t;
                        bool at_boundary = false;
                        for (size_t i = 0; i <= n_lines; i++)
                                if (starts[i] == t)
                                        at_boundary = true;
                        if (!at_boundary)
                                while (keep > 0 && orig[keep - 1] != '\n')
                                        keep--;
                        if (r < 0 || memcmp(now_buf, orig, keep) != 0 ||
                            count_type(c.journal, "repair") != (at_boundary ? 0 : 1)) {
                                diag("cut at %zu: verify %d (%s), prefix kept %d, repairs %d", t, r, reason,
                                     memcmp(now_buf, orig, keep) == 0, count_type(c.journal, "repair"));
                                bad++;
                        }
                        repaired += !at_boundary;
                }
                remove_dir(c.dir);
        }
        ok(bad == 0,
           "a27-truncate-every-byte: %d cuts in the last group, each reopened, %d repaired, all verify",
           tried, repaired);

        /* The repair record names the dropped bytes and their hash. */
        {
                JournalWriter *w = NULL;
                JournalReader *rd = NULL;
                JournalRecord rec;
                uint8_t h[32];
                char hex[65], want_off[24], want_n[24];
                bool found = false;
                size_t t = len - 17;

                env_clone(&e, &c, "a27-hash");
                truncate(c.journal, (off_t)t);
                crypto_hash_sha256(h, (const uint8_t *)orig + starts[n_lines - 1], t - starts[n_lines - 1]);
                jit_hex_encode(h, 32, hex);
                snprintf(want_off, sizeof(want_off), "%zu", starts[n_lines - 1]);
                snprintf(want_n, sizeof(want_n), "%zu", t - starts[n_lines - 1]);
                if (writer_open(&c, now, &w) == 0)
                        journal_writer_free(w), w = NULL;
                journal_reader_open(c.journal, &rd);
                while (journal_reader_next(rd, &rec) > 0)
                        if (rec.type == RECORD_REPAIR && rec.n_fields == 4 &&
                            streq(rec.fields[0].value, want_n) && streq(rec.fields[1].value, hex) &&
                            streq(rec.fields[2].value, want_off))
                                found = true;
                journal_reader_free(rd);
                ok(found, "a27-repair-record: repair names offset %s, %s bytes dropped and their SHA-256",
                   want_off, want_n);
                remove_dir(c.dir);
        }

        /* A torn seal: the key record survives but its checkpoint does not. */
        {
                Env s;
                JournalWriter *w = NULL;
                _cleanup_free_ char *buf = NULL, *spub = NULL;
                size_t sl, st[64], sn;
                uint64_t epochs[8];
                size_t ne;
                int dfd, r;

                Env snap;
                char from[700], to[700];

                env_new(&s, "a27-seal");
                if (writer_open(&s, T0, &w) < 0)
                        abort();
                /* A crash during the seal: on disk are the old key and the new one (written first). */
                env_new(&snap, "a27-seal-keys");
                copy_dir(s.keys, snap.keys);
                append(w, RECORD_REQUEST, "x", T0);
                journal_writer_commit(w, T0 + EPOCH); /* records, then the seal */
                journal_writer_free(w), w = NULL;
                snprintf(from, sizeof(from), "%s/journal-key.1", s.keys);
                snprintf(to, sizeof(to), "%s/journal-key.1", snap.keys);
                {
                        size_t kl;
                        char *kb = read_all(from, &kl);
                        write_all(to, kb, kl);
                        chmod(to, 0600);
                        free(kb);
                }
                remove_dir(s.keys);
                rename(snap.keys, s.keys);
                spub = pubkey(&s);
                buf = read_all(s.journal, &sl);
                sn = split_lines(buf, sl, st, ELEMENTSOF(st));
                truncate(s.journal, (off_t)(st[sn - 1] + 40)); /* inside the seal checkpoint */
                r = writer_open(&s, T0 + EPOCH, &w);
                ok(r == 0 && journal_writer_epoch(w) == 1,
                   "a27-torn-seal: reopened; the unsealed key record is dropped and the epoch sealed again");
                journal_writer_free(w), w = NULL;
                ok(verify_simple(s.journal, spub, NULL, NULL, NULL, 0) == 0 &&
                       count_type(s.journal, "repair") == 1,
                   "a27-torn-seal: verify passes, one repair record");
                keys_open_dir(s.keys, &dfd);
                ok(keys_list(dfd, epochs, 8, &ne) == 0 && ne == 1 && epochs[0] == 1,
                   "a27-torn-seal: the abandoned next-epoch key was erased; only the new one remains");
                close(dfd);
        }

        /* Garbage after a crash (zero-filled blocks) is a torn tail; a damaged record followed by a
         * committed checkpoint is corruption the writer refuses to cut away. */
        {
                JournalWriter *w = NULL;
                char zeros[300] = {};
                FILE *f;

                env_clone(&e, &c, "a27-zeros");
                f = fopen(c.journal, "ae");
                fwrite(zeros, 1, sizeof(zeros), f);
                fclose(f);
                ok(writer_open(&c, now, &w) == 0 && verify_simple(c.journal, pub, NULL, NULL, NULL, 0) == 0,
                   "a27-zero-tail: zero bytes after a crash are cut off and recorded");
                journal_writer_free(w), w = NULL;
                remove_dir(c.dir);

                /* More garbage than the longest line. */
                env_clone(&e, &c, "a27-long-tail");
                {
                        char *junk = malloc(100000);
                        uint64_t line;
                        char reason[320];

                        memset(junk, 'j', 100000);
                        f = fopen(c.journal, "ae");
                        fwrite(junk, 1, 100000, f);
                        fclose(f);
                        free(junk);
                        ok(verify_simple(c.journal, pub, NULL, &line, reason, sizeof(reason)) == -EBADMSG &&
                               strstr(reason, "longer than"),
                           "a27-long-tail: verify reports an over-long last line: %s", reason);
                }
                w = NULL;
                ok(writer_open(&c, now, &w) == 0 &&
                       verify_simple(c.journal, pub, NULL, NULL, NULL, 0) == 0 &&
                       count_type(c.journal, "repair") == 1,
                   "a27-long-tail: the writer cuts 100 kB of garbage and records it");
                journal_writer_free(w), w = NULL;
                remove_dir(c.dir);

                env_clone(&e, &c, "a27-corrupt");
                {
                        size_t n;
                        _cleanup_free_ char *b = read_all(c.journal, &n);
                        b[starts[5] + 10] ^= 1;
                        write_all(c.journal, b, n);
                }
                w = NULL;
                ok(writer_open(&c, now, &w) == -EBADMSG, "a27-no-silent-cut: damage before a committed "
                                                         "checkpoint makes the writer refuse (EBADMSG)");
                journal_writer_free(w), w = NULL;
                remove_dir(c.dir);
        }
}

/* ---- A28 ---- */

static void test_a28(void)
{
        Env e;
        _cleanup_free_ char *orig = NULL, *pub = NULL;
        size_t len, starts[256], n_lines;
        JournalVerifyResult res;
        int fd, missed = 0, misnamed = 0, total = 0;

        env_new(&e, "a28");
        build_journal(&e, 20, 1 * SEC + 200000);
        pub = pubkey(&e);
        orig = read_all(e.journal, &len);
        n_lines = split_lines(orig, len, starts, ELEMENTSOF(starts));
        if (verify_file(e.journal, pub, NULL, &res) < 0)
                abort();
        ok(res.n_records >= 20 && res.epoch >= 2,
           "a28-setup: %" PRIu64 " records spanning %" PRIu64 " epochs, %zu bytes", res.n_records,
           res.epoch + 1, len);
        journal_verify_result_done(&res);

        fd = open(e.journal, O_WRONLY | O_CLOEXEC);
        for (size_t i = 0; i < len; i++) {
                size_t line = 0;

                while (line + 1 < n_lines && starts[line + 1] <= i)
                        line++;
                for (int bit = 0; bit < 8; bit++) {
                        char c = (char)(orig[i] ^ (1 << bit));
                        int r;

                        pwrite(fd, &c, 1, (off_t)i);
                        r = verify_file(e.journal, pub, NULL, &res);
                        total++;
                        if (r != -EBADMSG) {
                                missed++;
                                diag("byte %zu bit %d not caught", i, bit);
                        } else if (res.bad_line != line + 1) {
                                misnamed++;
                                if (misnamed < 10)
                                        diag("byte %zu (line %zu) bit %d: named line %" PRIu64 ": %s", i,
                                             line + 1, bit, res.bad_line, res.reason);
                        }
                        journal_verify_result_done(&res);
                }
                pwrite(fd, &orig[i], 1, (off_t)i);
        }
        close(fd);
        ok(missed == 0, "a28-flip-every-bit: all %d single-bit flips are caught", total);
        ok(misnamed == 0, "a28-names-the-record: every flip names the line it is in (%d misnamed)",
           misnamed);
}

/* ---- building forged journals ---- */

typedef struct Rec {
        RecordType type;
        uint64_t time, epoch;
        JournalField f[8];
        size_t n;
        char store[4096];
} Rec;

/* Read every record of a journal into editable form. */
static size_t load_records(const char *path, Rec *recs, size_t max)
{
        JournalReader *rd = NULL;
        JournalRecord rec;
        size_t n = 0;

        if (journal_reader_open(path, &rd) < 0)
                abort();
        while (n < max && journal_reader_next(rd, &rec) > 0) {
                Rec *r = &recs[n++];
                size_t used = 0;

                r->type = rec.type;
                r->time = rec.time_usec;
                r->epoch = rec.epoch;
                r->n = rec.n_fields;
                for (size_t i = 0; i < rec.n_fields; i++) {
                        size_t kl = strlen(rec.fields[i].key) + 1, vl = strlen(rec.fields[i].value) + 1;
                        memcpy(r->store + used, rec.fields[i].key, kl);
                        r->f[i].key = r->store + used;
                        used += kl;
                        memcpy(r->store + used, rec.fields[i].value, vl);
                        r->f[i].value = r->store + used;
                        used += vl;
                }
        }
        journal_reader_free(rd);
        return n;
}

/* Write records with a fresh seq/prev chain; checkpoint records are re-signed by signer (if not NULL)
 * over the rebuilt tree, except that the one at bad_root (if < n) signs a root with one bit flipped. */
static void write_chain_bad_root(const char *path, Rec *recs, size_t n, NoteSigner *signer, size_t bad_root)
{
        FILE *f = fopen(path, "we");
        MerkleHash prev = {};
        MerkleFrontier tree;
        static char line[JOURNAL_MAX_LINE];

        merkle_frontier_init(&tree);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *note = NULL;
                size_t len;

                if (recs[i].type == RECORD_CHECKPOINT && signer) {
                        char body[CHECKPOINT_MAX_BODY];
                        MerkleHash root;
                        merkle_frontier_root(&tree, root);
                        if (i == bad_root)
                                root[7] ^= 0x10;
                        checkpoint_format(ORIGIN, i, root, body);
                        note_sign(signer, body, strlen(body), &note);
                        recs[i].f[0] = (JournalField){"note", note};
                        recs[i].n = 1;
                }
                if (journal_record_format(i, recs[i].time, recs[i].epoch, recs[i].type, prev, recs[i].f,
                                          recs[i].n, line, &len) < 0)
                        abort();
                fwrite(line, 1, len, f);
                merkle_leaf_hash(line, len - 1, prev);
                merkle_frontier_append(&tree, prev);
                recs[i].n = recs[i].n; /* fields may point at note, which dies here */
                if (recs[i].type == RECORD_CHECKPOINT && signer)
                        recs[i].n = 0;
        }
        fclose(f);
}

static void write_chain(const char *path, Rec *recs, size_t n, NoteSigner *signer)
{
        write_chain_bad_root(path, recs, n, signer, SIZE_MAX);
}

static NoteSigner *current_key(const Env *e)
{
        uint64_t epochs[4];
        size_t n;
        int dfd;
        NoteSigner *s = NULL;

        keys_open_dir(e->keys, &dfd);
        if (keys_list(dfd, epochs, 4, &n) < 0 || n != 1 || keys_load(dfd, epochs[0], ORIGIN, &s) < 0)
                abort();
        close(dfd);
        return s;
}

static Rec recs[512];

/* ---- A29 ---- */

static void test_a29(void)
{
        Env e;
        _cleanup_free_ char *orig = NULL, *pub = NULL, *forged = NULL;
        size_t len, starts[256], n_lines, k = 6;
        char path[400], reason[320];
        uint64_t line;
        int r;

        env_new(&e, "a29");
        build_journal(&e, 20, SEC);
        pub = pubkey(&e);
        orig = read_all(e.journal, &len);
        n_lines = split_lines(orig, len, starts, ELEMENTSOF(starts));
        snprintf(path, sizeof(path), "%s/forged", e.dir);
        forged = malloc(2 * len + 1);

        /* delete line k */
        memcpy(forged, orig, starts[k]);
        memcpy(forged + starts[k], orig + starts[k + 1], len - starts[k + 1]);
        write_all(path, forged, len - (starts[k + 1] - starts[k]));
        r = verify_simple(path, pub, NULL, &line, reason, sizeof(reason));
        ok(r == -EBADMSG && line == k + 1, "a29-delete: deleted record caught at line %" PRIu64 ": %s", line,
           reason);

        /* duplicate line k */
        memcpy(forged, orig, starts[k + 1]);
        memcpy(forged + starts[k + 1], orig + starts[k], len - starts[k]);
        write_all(path, forged, len + (starts[k + 1] - starts[k]));
        r = verify_simple(path, pub, NULL, &line, reason, sizeof(reason));
        ok(r == -EBADMSG && line == k + 2, "a29-duplicate: duplicated record caught at line %" PRIu64 ": %s",
           line, reason);

        /* swap lines k and k+1 */
        {
                size_t a = starts[k + 1] - starts[k], b = starts[k + 2] - starts[k + 1];
                memcpy(forged, orig, len);
                memcpy(forged + starts[k], orig + starts[k + 1], b);
                memcpy(forged + starts[k] + b, orig + starts[k], a);
                write_all(path, forged, len);
                r = verify_simple(path, pub, NULL, &line, reason, sizeof(reason));
                ok(r == -EBADMSG && line == k + 1,
                   "a29-reorder: swapped records caught at line %" PRIu64 ": %s", line, reason);
        }

        /* insert a well-formed record with the right seq and prev: the rest of the chain breaks */
        {
                JournalRecordView v;
                static char ins[JOURNAL_MAX_LINE];
                size_t il;
                JournalField f[] = {{"id", "FAKE-0001"}, {"user", "mallory"}};
                journal_record_parse(orig + starts[k], starts[k + 1] - starts[k] - 1, &v, NULL);
                journal_record_format(k, v.time_usec, v.epoch, RECORD_APPROVE, v.prev, f, 2, ins, &il);
                memcpy(forged, orig, starts[k]);
                memcpy(forged + starts[k], ins, il);
                memcpy(forged + starts[k] + il, orig + starts[k], len - starts[k]);
                write_all(path, forged, len + il);
                r = verify_simple(path, pub, NULL, &line, reason, sizeof(reason));
                ok(r == -EBADMSG && line == k + 2,
                   "a29-insert: inserted record caught at line %" PRIu64 ": %s", line, reason);
        }

        /* replay: an old record appended again after the last checkpoint */
        memcpy(forged, orig, len);
        memcpy(forged + len, orig + starts[k], starts[k + 1] - starts[k]);
        write_all(path, forged, len + starts[k + 1] - starts[k]);
        r = verify_simple(path, pub, NULL, &line, reason, sizeof(reason));
        ok(r == -EBADMSG && line == n_lines + 1,
           "a29-replay: replayed record caught at line %" PRIu64 ": %s", line, reason);

        /* replay with a forged, consistent seq/prev (attacker without a key): still unsealed */
        {
                JournalRecordView v;
                static char ins[JOURNAL_MAX_LINE];
                size_t il;
                MerkleHash last;
                JournalField f[] = {{"id", "K7Q2-0001"}, {"service", "sudo"}, {"user", "alice"}};

                merkle_leaf_hash(orig + starts[n_lines - 1], len - starts[n_lines - 1] - 1, last);
                journal_record_parse(orig + starts[n_lines - 1], len - starts[n_lines - 1] - 1, &v, NULL);
                {
                        JournalVerifyResult res;
                        verify_file(e.journal, pub, NULL, &res);
                        v.epoch = res.epoch;
                        journal_verify_result_done(&res);
                }
                journal_record_format(n_lines, v.time_usec, v.epoch, RECORD_APPROVE, last, f, 3, ins, &il);
                memcpy(forged, orig, len);
                memcpy(forged + len, ins, il);
                write_all(path, forged, len + il);
                r = verify_simple(path, pub, NULL, &line, reason, sizeof(reason));
                ok(r == -EBADMSG && line == n_lines + 1 && strstr(reason, "unsealed"),
                   "a29-replay-rechained: re-chained replay is an unsealed record at line %" PRIu64 ": %s",
                   line, reason);
        }
}

/* ---- A30, A31, A32 ---- */

static void test_a30(void)
{
        Env e, c;
        _cleanup_free_ char *orig = NULL, *pub = NULL, *saved = NULL;
        size_t len, starts[256], n_lines, cut_line = 0;
        char reason[320];
        uint64_t line, now;
        JournalWriter *w = NULL;
        int r;

        env_new(&e, "a30");
        now = build_journal(&e, 24, SEC + SEC / 2);
        pub = pubkey(&e);
        if (writer_open(&e, now, &w) < 0)
                abort();
        journal_writer_last_checkpoint(w, &saved);
        journal_writer_free(w), w = NULL;
        orig = read_all(e.journal, &len);
        n_lines = split_lines(orig, len, starts, ELEMENTSOF(starts));

        /* Cut right after a checkpoint in epoch 0. */
        for (size_t i = 3; i < n_lines; i++) {
                JournalRecordView v;
                if (journal_record_parse(orig + starts[i], starts[i + 1] - starts[i] - 1, &v, NULL) == 0 &&
                    v.type == RECORD_CHECKPOINT && v.epoch == 0)
                        cut_line = i + 1;
        }
        env_clone(&e, &c, "a30-boundary");
        truncate(c.journal, (off_t)starts[cut_line]);
        r = verify_simple(c.journal, pub, NULL, &line, reason, sizeof(reason));
        ok(r == 0,
           "a30-truncate-boundary: a prefix ending in a checkpoint verifies on its own (as designed)");
        r = verify_simple(c.journal, pub, saved, &line, reason, sizeof(reason));
        ok(r == -EBADMSG && strstr(reason, "rolled back"),
           "a30-truncate-boundary: caught against the saved checkpoint: %s", reason);
        {
                JournalVerifyResult res;
                verify_file(c.journal, pub, NULL, &res);
                ok(res.epoch <= 1 && res.epoch_end_usec < now,
                   "a30-epoch-gap: the cut journal ends in an early epoch, which ended %" PRIu64
                   " s before the last write",
                   (now - res.epoch_end_usec) / SEC);
                journal_verify_result_done(&res);
        }
        ok(writer_open(&c, now, &w) == -ENOKEY,
           "a30-writer-refuses: the writer cannot continue a cut journal (epoch 0's key is erased)");

        /* Mid-record cut. */
        truncate(c.journal, (off_t)starts[cut_line] - 7);
        r = verify_simple(c.journal, pub, NULL, &line, reason, sizeof(reason));
        ok(r == -EBADMSG && line == cut_line && strstr(reason, "torn"),
           "a30-truncate-mid-record: torn tail caught at line %" PRIu64 ": %s", line, reason);

        /* Cut, then continue with records and checkpoints signed by the current (stolen) key. */
        {
                NoteSigner *k = current_key(&e);
                size_t n = load_records(e.journal, recs, ELEMENTSOF(recs)), m = cut_line;

                for (size_t i = 0; i < 4; i++, m++) {
                        recs[m] = recs[3];
                        recs[m].time = now;
                        recs[m].epoch = 0;
                        if (i == 3) {
                                recs[m].type = RECORD_CHECKPOINT;
                                recs[m].n = 0;
                        }
                }
                (void)n;
                write_chain(c.journal, recs, m, k);
                r = verify_simple(c.journal, pub, NULL, &line, reason, sizeof(reason));
                ok(r == -EBADMSG && strstr(reason, "not signed by epoch 0"),
                   "a30-resign-current-key: continuation signed with the current key caught at line %" PRIu64
                   ": %s",
                   line, reason);
                note_signer_free(k);
        }
        remove_dir(c.dir);
}

static void test_a31(void)
{
        Env e;
        _cleanup_free_ char *pub = NULL;
        char path[400], reason[320];
        uint64_t line;
        size_t n, m;
        NoteSigner *k;
        int r;

        env_new(&e, "a31");
        build_journal(&e, 24, 2 * SEC);
        pub = pubkey(&e);
        k = current_key(&e);
        snprintf(path, sizeof(path), "%s/resealed", e.dir);

        /* Strip every checkpoint and key record, keep the records in epoch 0, re-seal with the current key.
         */
        n = load_records(e.journal, recs, ELEMENTSOF(recs));
        m = 1; /* keep the genesis */
        for (size_t i = 1; i < n; i++)
                if (recs[i].type != RECORD_CHECKPOINT && recs[i].type != RECORD_KEY) {
                        recs[m] = recs[i];
                        recs[m].epoch = 0;
                        m++;
                        if (m % 5 == 0) {
                                recs[m] = recs[m - 1];
                                recs[m].type = RECORD_CHECKPOINT;
                                recs[m].n = 0;
                                m++;
                        }
                }
        recs[m] = recs[m - 1];
        recs[m].type = RECORD_CHECKPOINT;
        recs[m++].n = 0;
        write_chain(path, recs, m, k);
        r = verify_simple(path, pub, NULL, &line, reason, sizeof(reason));
        ok(r == -EBADMSG && strstr(reason, "not signed by epoch 0"),
           "a31-reseal-current-key: history re-sealed with the current key caught at line %" PRIu64 ": %s",
           line, reason);

        /* Keep the key records but re-sign every checkpoint with the current key. */
        n = load_records(e.journal, recs, ELEMENTSOF(recs));
        for (size_t i = 0; i < n; i++)
                if (recs[i].type == RECORD_CHECKPOINT)
                        recs[i].n = 0;
        write_chain(path, recs, n, k);
        r = verify_simple(path, pub, NULL, &line, reason, sizeof(reason));
        ok(r == -EBADMSG && line == 2 && strstr(reason, "not signed by epoch 0"),
           "a31-resign-checkpoints: checkpoints re-signed with a later key caught at line %" PRIu64 ": %s",
           line, reason);

        /* Forge a key record for epoch 1 that the current key certifies itself. */
        char vkey[NOTE_VERIFIER_MAX];
        note_verifier_format(&k->verifier, vkey);
        n = load_records(e.journal, recs, ELEMENTSOF(recs));
        for (size_t i = 0; i < n; i++)
                if (recs[i].type == RECORD_KEY && i > 0) {
                        for (size_t j = 0; j < recs[i].n; j++)
                                if (streq(recs[i].f[j].key, "key"))
                                        recs[i].f[j].value = vkey;
                        break;
                }
        write_chain(path, recs, n, NULL);
        r = verify_simple(path, pub, NULL, &line, reason, sizeof(reason));
        ok(r == -EBADMSG,
           "a31-forged-key-record: a key record naming another key is caught at line %" PRIu64 ": %s", line,
           reason);
        note_signer_free(k);
}

static void test_a32(void)
{
        Env e, f;
        _cleanup_free_ char *pub = NULL, *fpub = NULL;
        char path[400], reason[320];
        uint64_t line;
        size_t n, m = 0;
        int r;

        env_new(&e, "a32");
        build_journal(&e, 10, 2 * SEC);
        pub = pubkey(&e);
        snprintf(path, sizeof(path), "%s/stripped", e.dir);

        n = load_records(e.journal, recs, ELEMENTSOF(recs));
        for (size_t i = 0; i < n; i++)
                if (recs[i].type != RECORD_CHECKPOINT && recs[i].type != RECORD_KEY)
                        recs[m++] = recs[i];
        for (size_t i = 0; i < m; i++)
                recs[i].epoch = 0;
        write_chain(path, recs, m, NULL);
        r = verify_simple(path, pub, NULL, &line, reason, sizeof(reason));
        ok(r == -EBADMSG && line == 1,
           "a32-no-checkpoints: a journal without key or checkpoints fails at line %" PRIu64 ": %s", line,
           reason);

        n = load_records(e.journal, recs, ELEMENTSOF(recs));
        m = 0;
        for (size_t i = 0; i < n && recs[i].type != RECORD_KEY + 100; i++)
                if (recs[i].type != RECORD_CHECKPOINT && (recs[i].type != RECORD_KEY || i == 0) &&
                    recs[i].epoch == 0)
                        recs[m++] = recs[i];
        write_chain(path, recs, m, NULL);
        r = verify_simple(path, pub, NULL, &line, reason, sizeof(reason));
        ok(r == -EBADMSG && strstr(reason, "no checkpoint"),
           "a32-unsealed-file: genesis and records but no checkpoint: %s", reason);

        env_new(&f, "a32-foreign");
        build_journal(&f, 10, 2 * SEC);
        fpub = pubkey(&f);
        r = verify_simple(f.journal, pub, NULL, &line, reason, sizeof(reason));
        ok(r == -EBADMSG && line == 1 && strstr(reason, "foreign"),
           "a32-foreign-key: another journal fails against our key at line 1: %s", reason);
        r = verify_simple(e.journal, fpub, NULL, &line, reason, sizeof(reason));
        ok(r == -EBADMSG && strstr(reason, "foreign"),
           "a32-foreign-key: our journal fails against a foreign key");
}

/* ---- A33 ---- */

static void test_a33(void)
{
        Env e, old;
        JournalWriter *w = NULL;
        _cleanup_free_ char *pub = NULL, *c_old = NULL, *c_new = NULL, *c_same = NULL;
        char reason[320];
        uint64_t line, now = T0;
        int r;

        env_new(&e, "a33");
        if (writer_open(&e, now, &w) < 0)
                abort();
        for (int i = 0; i < 5; i++)
                append(w, RECORD_REQUEST, "a", now), journal_writer_commit(w, now), now += SEC;
        journal_writer_last_checkpoint(w, &c_old);
        journal_writer_free(w), w = NULL;
        env_clone(&e, &old, "a33-old");
        pub = pubkey(&e);

        if (writer_open(&e, now, &w) < 0)
                abort();
        append(w, RECORD_APPROVE, "b", now);
        journal_writer_commit(w, now);
        journal_writer_last_checkpoint(w, &c_same);
        for (int i = 0; i < 10; i++)
                append(w, RECORD_REVOKE, "c", now), journal_writer_commit(w, now), now += 3 * SEC;
        journal_writer_last_checkpoint(w, &c_new);
        journal_writer_free(w), w = NULL;

        ok(verify_simple(e.journal, pub, c_old, NULL, NULL, 0) == 0,
           "a33-consistent: the live journal extends an older saved checkpoint");
        r = verify_simple(old.journal, pub, c_same, &line, reason, sizeof(reason));
        ok(r == -EBADMSG && strstr(reason, "shorter"),
           "a33-rollback-same-epoch: old copy caught against a later checkpoint: %s", reason);
        r = verify_simple(old.journal, pub, c_new, &line, reason, sizeof(reason));
        ok(r == -EBADMSG && strstr(reason, "never had"),
           "a33-rollback-older-epoch: old copy caught against a checkpoint of a later epoch: %s", reason);
        ok(verify_simple(old.journal, pub, NULL, NULL, NULL, 0) == 0,
           "a33-rollback: the old copy alone verifies (why a saved checkpoint or the mirror is needed)");

        /* A fork: same length as the saved checkpoint, different content (needs a key: use epoch 0's
         * from the old copy, as an attacker who copied the key directory back then could). */
        {
                NoteSigner *k = current_key(&old);
                char path[400];
                size_t n = load_records(old.journal, recs, ELEMENTSOF(recs));
                snprintf(path, sizeof(path), "%s/fork", e.dir);
                recs[n - 2].f[0].value = "forked";
                write_chain(path, recs, n, k);
                r = verify_simple(path, pub, c_old, &line, reason, sizeof(reason));
                ok(r == -EBADMSG && strstr(reason, "does not extend"),
                   "a33-fork: a rewritten copy of the same size is caught against the saved checkpoint: %s",
                   reason);
                note_signer_free(k);
        }
        {
                char bad[8192];
                snprintf(bad, sizeof(bad), "%s", c_old);
                bad[strlen(bad) - 6] ^= 1;
                r = verify_simple(e.journal, pub, bad, &line, reason, sizeof(reason));
                ok(r == -EBADMSG && strstr(reason, "saved checkpoint"),
                   "a33-bad-saved-checkpoint: a damaged saved checkpoint is reported as such: %s", reason);
        }
}

/* ---- A34 inside a journal ---- */

static void test_a34_journal(void)
{
        Env e;
        _cleanup_free_ char *pub = NULL;
        char path[400], reason[320];
        uint64_t line;
        size_t n;
        NoteSigner *k;
        int r;

        env_new(&e, "a34");
        build_journal(&e, 6, SEC);
        pub = pubkey(&e);
        k = current_key(&e);
        snprintf(path, sizeof(path), "%s/bad", e.dir);
        n = load_records(e.journal, recs, ELEMENTSOF(recs));
        {
                /* The last checkpoint rewritten, validly signed, with a leading zero in its size. */
                _cleanup_free_ char *note = NULL;
                char body[CHECKPOINT_MAX_BODY];
                MerkleHash root = {};
                checkpoint_format(ORIGIN, n - 1, root, body);
                memmove(body + strlen(ORIGIN) + 2, body + strlen(ORIGIN) + 1, strlen(body) - strlen(ORIGIN));
                body[strlen(ORIGIN) + 1] = '0';
                note_sign(k, body, strlen(body), &note);
                recs[n - 1].f[0].value = note;
                write_chain(path, recs, n, NULL);
        }
        r = verify_simple(path, pub, NULL, &line, reason, sizeof(reason));
        ok(r == -EBADMSG && line == n && strstr(reason, "leading zeros"),
           "a34-journal-leading-zero: checkpoint record with size 0%zu caught at line %" PRIu64 ": %s",
           n - 1, line, reason);
        note_signer_free(k);
}

/* ---- A35 ---- */

static void test_a35(void)
{
        Env e;
        JournalWriter *w = NULL;
        struct rlimit old, lim;
        struct stat st;
        _cleanup_free_ char *pub = NULL, *all = NULL;
        uint64_t size_before, now = T0;
        int r;

        env_new(&e, "a35");
        if (writer_open(&e, now, &w) < 0)
                abort();
        append(w, RECORD_REQUEST, "before", now);
        journal_writer_commit(w, now);
        pub = pubkey(&e);
        stat(e.journal, &st);
        size_before = (uint64_t)st.st_size;

        /* The file may not grow by more than 100 bytes: a write fails part way (EFBIG), like ENOSPC.
         * The limit holds for every file this process writes, stdout too when it is a file: the
         * results are printed only once it is lifted. */
        bool write_failed, file_valid, seal_failed;
        int r_write, r_seal;
        fflush(stdout);
        signal(SIGXFSZ, SIG_IGN);
        getrlimit(RLIMIT_FSIZE, &old);
        lim = old;
        lim.rlim_cur = size_before + 100;
        setrlimit(RLIMIT_FSIZE, &lim);
        append(w, RECORD_APPROVE, "LOST-0001", now);
        append(w, RECORD_APPROVE, "LOST-0002", now);
        r_write = journal_writer_commit(w, now);
        stat(e.journal, &st);
        write_failed = r_write == -EFBIG && (uint64_t)st.st_size == size_before && !journal_writer_dirty(w);
        file_valid = verify_simple(e.journal, pub, NULL, NULL, NULL, 0) == 0;

        /* A seal that cannot be written leaves the epoch and its key alone. */
        r_seal = journal_writer_commit(w, now + EPOCH);
        seal_failed = r_seal == -EFBIG && journal_writer_epoch(w) == 0;
        setrlimit(RLIMIT_FSIZE, &old);

        ok(write_failed,
           "a35-write-fails-closed: commit returns the error, file cut back, pending records dropped (%s)",
           strerror(-r_write));
        ok(file_valid, "a35-file-valid: the journal verifies after the failure");
        ok(seal_failed, "a35-seal-fails-closed: failed seal keeps epoch 0");

        append(w, RECORD_APPROVE, "AFTER-0001", now + EPOCH);
        r = journal_writer_commit(w, now + EPOCH);
        ok(r == 0 && journal_writer_epoch(w) == 1,
           "a35-recovers: once space returns, commit and seal succeed");
        journal_writer_free(w), w = NULL;
        all = read_all(e.journal, NULL);
        ok(verify_simple(e.journal, pub, NULL, NULL, NULL, 0) == 0 && !strstr(all, "LOST-") &&
               strstr(all, "AFTER-0001"),
           "a35-no-ghosts: verify passes; the failed group's records never appear");
}

/* ---- receipts ---- */

/* A receipt built by hand from the journal's own lines, with the chain given as line indices. */
static char *proof_with_chain(const char *orig, const size_t *starts, uint64_t seq, const size_t *chain_idx,
                              size_t n_chain, const JournalVerifyResult *res, const char *checkpoint)
{
        const char *chain[64];
        size_t chain_len[64];
        char *proof = NULL;

        assert(n_chain <= ELEMENTSOF(chain));
        for (size_t i = 0; i < n_chain; i++) {
                chain[i] = orig + starts[chain_idx[i]];
                chain_len[i] = starts[chain_idx[i] + 1] - starts[chain_idx[i]] - 1;
        }
        if (journal_proof_format(seq, orig + starts[seq], starts[seq + 1] - starts[seq] - 1, chain,
                                 chain_len, n_chain, res->leaves, res->n_leaves, checkpoint, &proof) < 0)
                return NULL;
        return proof;
}

static void test_proofs(void)
{
        Env e;
        JournalVerifyOptions o = {};
        JournalVerifyResult res;
        _cleanup_free_ char *orig = NULL, *pub = NULL, *late_proof = NULL;
        size_t len, starts[256], n_lines, key_lines[64], n_key_lines = 0;
        uint64_t late_seq = 0, max_epoch = 0;
        bool all = true, offline = true, tamper = true;
        const char *why = NULL;
        int r;

        env_new(&e, "proofs");
        build_journal(&e, 20, 2 * SEC);
        pub = pubkey(&e);
        orig = read_all(e.journal, &len);
        n_lines = split_lines(orig, len, starts, ELEMENTSOF(starts));
        o.pubkey_text = pub;
        o.keep_leaves = true;
        r = journal_verify_full(e.journal, &o, &res);
        ok(r == 0 && res.n_leaves == n_lines, "verify with keep_leaves returns %" PRIu64 " leaf hashes",
           res.n_leaves);
        for (size_t i = 0; i < n_lines; i++) {
                JournalRecordView v;
                if (journal_record_parse(orig + starts[i], starts[i + 1] - starts[i] - 1, &v, NULL) == 0 &&
                    v.type == RECORD_KEY)
                        key_lines[n_key_lines++] = i;
        }

        /* jitctl prove: every covered record, checked with the identity key alone and with the journal's
         * epoch keys. */
        for (uint64_t s = 0; s < res.tree_size; s++) {
                _cleanup_free_ char *proof = NULL, *record = NULL;
                JournalRecordView v;
                uint64_t seq;

                r = journal_prove(e.journal, res.leaves, res.n_leaves, s, &proof);
                if (r < 0 ||
                    journal_proof_verify(proof, strlen(proof), res.keys, 1, &record, &seq, &why) < 0 ||
                    seq != s || strncmp(record, orig + starts[s], strlen(record)) != 0) {
                        offline = false;
                        diag("seq %" PRIu64 " offline: %d %s", s, r, why);
                }
                if (r == 0 &&
                    journal_proof_verify(proof, strlen(proof), res.keys, res.n_keys, NULL, NULL, &why) < 0) {
                        all = false;
                        diag("seq %" PRIu64 " with the journal's keys: %s", s, why);
                }
                if (r == 0 &&
                    journal_record_parse(orig + starts[s], starts[s + 1] - starts[s] - 1, &v, NULL) == 0 &&
                    v.type != RECORD_CHECKPOINT && v.epoch >= 2 && v.epoch > max_epoch) {
                        max_epoch = v.epoch;
                        late_seq = s;
                        free(late_proof);
                        late_proof = TAKE_PTR(proof);
                }
        }
        ok(offline && late_proof && max_epoch >= 2,
           "a receipt for every covered record verifies with only the identity key (up to epoch %" PRIu64
           ")",
           max_epoch);
        ok(all, "and with the epoch keys of the verified journal");

        if (late_proof) {
                /* Tamper with the record, the index, a proof hash, the checkpoint. */
                static const char *marks[] = {"extra ", "index ", "\n\n"};
                for (size_t t = 0; t < 3; t++) {
                        char *p = strdup(late_proof), *at = strstr(p, marks[t]);
                        at += t == 2 ? -3 : (ptrdiff_t)strlen(marks[t]) + 2;
                        *at = *at == 'A' ? 'B' : 'A';
                        if (journal_proof_verify(p, strlen(p), res.keys, 1, NULL, NULL, &why) == 0) {
                                tamper = false;
                                diag("tampered receipt (mark %zu) accepted", t);
                        }
                        free(p);
                }
        }
        ok(tamper, "receipts with an altered record, index, proof hash or checkpoint fail");

        /* The certificate chain of the epoch >= 2 receipt, rebuilt by hand: the genesis record and the
         * key records of epochs 1..max_epoch, then without one, with one altered, out of order. */
        if (late_proof && n_key_lines > max_epoch) {
                _cleanup_free_ char *cp = NULL, *good = NULL, *missing = NULL, *swapped = NULL,
                                    *no_genesis = NULL, *altered = NULL, *bare = NULL, *past = NULL;
                const char *note_at = strstr(late_proof, "\n\n") + 2;
                size_t chain[64], n = max_epoch + 1, drop[64], swap[64];

                cp = strdup(note_at);
                memcpy(chain, key_lines, n * sizeof(size_t));
                good = proof_with_chain(orig, starts, late_seq, chain, n, &res, cp);
                ok(good && streq(good, late_proof),
                   "prove's receipt carries the genesis record and the key "
                   "records of epochs 1..%" PRIu64 " in its extra data",
                   max_epoch);

                for (size_t i = 0, k = 0; i < n; i++)
                        if (i != 1)
                                drop[k++] = chain[i];
                missing = proof_with_chain(orig, starts, late_seq, drop, n - 1, &res, cp);
                r = journal_proof_verify(missing, strlen(missing), res.keys, 1, NULL, NULL, &why);
                ok(r == -EBADMSG && strstr(why, "does not follow"),
                   "receipt-missing-certificate: without epoch 1's certificate it fails: %s", why);

                memcpy(swap, chain, n * sizeof(size_t));
                swap[1] = chain[2], swap[2] = chain[1];
                swapped = proof_with_chain(orig, starts, late_seq, swap, n, &res, cp);
                r = journal_proof_verify(swapped, strlen(swapped), res.keys, 1, NULL, NULL, &why);
                ok(r == -EBADMSG, "receipt-certificates-reordered: fails: %s", why);

                no_genesis = proof_with_chain(orig, starts, late_seq, chain + 1, n - 1, &res, cp);
                r = journal_proof_verify(no_genesis, strlen(no_genesis), res.keys, 1, NULL, NULL, &why);
                ok(r == -EBADMSG && strstr(why, "genesis"), "receipt-no-genesis: fails: %s", why);

                bare = proof_with_chain(orig, starts, late_seq, chain, 0, &res, cp);
                r = journal_proof_verify(bare, strlen(bare), res.keys, 1, NULL, NULL, &why);
                ok(r == -EBADMSG && strstr(why, "no key certificates"),
                   "a receipt from epoch %" PRIu64
                   " without certificates cannot be checked with the identity "
                   "key alone: %s",
                   max_epoch, why);

                if (n_key_lines > n) {
                        memcpy(chain, key_lines, (n + 1) * sizeof(size_t));
                        past = proof_with_chain(orig, starts, late_seq, chain, n + 1, &res, cp);
                        r = journal_proof_verify(past, strlen(past), res.keys, 1, NULL, NULL, &why);
                        ok(r == -EBADMSG && strstr(why, "goes past"),
                           "a chain beyond the signing epoch is refused: %s", why);
                }

                /* Alter epoch 2's certificate: one base64 character of its signature, inside the record
                 * (the record stays well-formed; the signature does not verify). */
                {
                        _cleanup_free_ char *copy = strdup(orig);
                        char *line = copy + starts[key_lines[2]], *sig = strstr(line, "\\u2014 ");
                        char *end;
                        if (!sig)
                                sig = strstr(line, "\xe2\x80\x94 ");
                        end = sig ? strstr(sig, "\\n") : NULL;
                        if (end) {
                                end[-5] = end[-5] == 'A' ? 'B' : 'A';
                                memcpy(chain, key_lines, n * sizeof(size_t));
                                altered = proof_with_chain(copy, starts, late_seq, chain, n, &res, cp);
                        }
                        r = altered ? journal_proof_verify(altered, strlen(altered), res.keys, 1, NULL, NULL,
                                                           &why)
                                    : 0;
                        ok(r == -EBADMSG && strstr(why, "does not follow"),
                           "receipt-altered-certificate: a changed signature in epoch 2's certificate "
                           "fails: %s",
                           altered ? why : "(no certificate found)");
                }
        }

        /* Forward security: a receipt for an epoch-0 record against the latest checkpoint (a later key)
         * is refused even with every key at hand. */
        {
                _cleanup_free_ char *proof = NULL;
                size_t chain[64];
                JournalRecordView last;

                /* The last checkpoint's own record says which epoch signed it. */
                if (journal_record_parse(orig + starts[n_lines - 1],
                                         starts[n_lines] - starts[n_lines - 1] - 1, &last, NULL) < 0)
                        abort();
                memcpy(chain, key_lines, (last.epoch + 1) * sizeof(size_t));
                proof = proof_with_chain(orig, starts, 0, chain, last.epoch + 1, &res, res.last_checkpoint);
                r = proof
                        ? journal_proof_verify(proof, strlen(proof), res.keys, res.n_keys, NULL, NULL, &why)
                        : 0;
                ok(r == -EBADMSG && strstr(why, "own epoch"),
                   "a receipt signed by a later epoch's key than its record's is refused: %s", why);
        }

        /* An epoch-0 receipt is the plain c2sp form: the record alone in its extra line. */
        {
                _cleanup_free_ char *proof = NULL, *extra = NULL;
                size_t n;

                r = journal_prove(e.journal, res.leaves, res.n_leaves, 0, &proof);
                extra = malloc(JOURNAL_MAX_LINE * 2);
                ok(r == 0 &&
                       jit_base64_decode_strict(
                           proof + strlen("c2sp.org/tlog-proof@v1\nextra "),
                           strcspn(proof + strlen("c2sp.org/tlog-proof@v1\nextra "), "\n"), (uint8_t *)extra,
                           JOURNAL_MAX_LINE * 2, &n) == 0 &&
                       n == starts[1] - 1 && memcmp(extra, orig, n) == 0 &&
                       journal_proof_verify(proof, strlen(proof), res.keys, 1, NULL, NULL, &why) == 0,
                   "an epoch-0 receipt holds only the record and verifies with the identity key");
        }
        journal_verify_result_done(&res);
}

/* ---- As strict as an outside verifier (issue 8, item 7) ---- */

/* Sign a checkpoint body for (size, root) with signer. */
static char *signed_checkpoint(NoteSigner *signer, uint64_t size, const MerkleHash root)
{
        char body[CHECKPOINT_MAX_BODY], *note = NULL;

        if (checkpoint_format(ORIGIN, size, root, body) < 0 ||
            note_sign(signer, body, strlen(body), &note) < 0)
                abort();
        return note;
}

/* An intermediate checkpoint whose root is wrong but whose signature is good (made with the writer's
 * own key, as a thief of today's key could): verify names it by default, not only with
 * --all-signatures. */
static void test_intermediate_root(void)
{
        Env e;
        NoteSigner *k;
        size_t n, bad = SIZE_MAX, n_cp = 0;
        char reason[320];
        uint64_t line;
        _cleanup_free_ char *pub = NULL;
        JournalVerifyOptions o = {};
        JournalVerifyResult res;
        int r;

        env_new(&e, "intermediate-root");
        build_journal(&e, 15, SEC / 10); /* 1.5 s: everything in epoch 0, whose key the writer still has */
        pub = pubkey(&e);
        k = current_key(&e);
        n = load_records(e.journal, recs, ELEMENTSOF(recs));
        for (size_t i = 0; i < n; i++)
                if (recs[i].type == RECORD_CHECKPOINT && ++n_cp == 2)
                        bad = i; /* neither the first nor the last */
        if (bad == SIZE_MAX || recs[n - 1].type != RECORD_CHECKPOINT || bad == n - 1)
                abort();
        write_chain_bad_root(e.journal, recs, n, k, bad);

        r = verify_simple(e.journal, pub, NULL, &line, reason, sizeof(reason));
        ok(r == -EBADMSG && line == bad + 1 && strstr(reason, "root does not match"),
           "intermediate checkpoint with a wrong, correctly signed root: verify fails at line %" PRIu64
           " (expected %zu): %s",
           line, bad + 1, reason);
        o.pubkey_text = pub;
        o.all_signatures = true;
        r = journal_verify_full(e.journal, &o, &res);
        ok(r == -EBADMSG && res.bad_line == bad + 1, "and with --all-signatures too");
        journal_verify_result_done(&res);

        /* The same journal re-signed with every root right verifies: the test forges only the root. */
        n = load_records(e.journal, recs, ELEMENTSOF(recs));
        write_chain(e.journal, recs, n, k);
        ok(verify_simple(e.journal, pub, NULL, NULL, NULL, 0) == 0,
           "re-signed with the right roots, it verifies");

        /* A saved checkpoint of size 0 (signed with the journal's epoch-0 key): only SHA-256("") will do. */
        {
                MerkleHash empty, wrong;
                _cleanup_free_ char *good = NULL, *forged = NULL;

                merkle_empty_root(empty);
                memcpy(wrong, empty, MERKLE_HASH_SIZE);
                wrong[0] ^= 1;
                good = signed_checkpoint(k, 0, empty);
                forged = signed_checkpoint(k, 0, wrong);
                ok(verify_simple(e.journal, pub, good, NULL, NULL, 0) == 0,
                   "a saved size-0 checkpoint with root SHA-256(\"\") is accepted");
                r = verify_simple(e.journal, pub, forged, NULL, reason, sizeof(reason));
                ok(r == -EBADMSG && strstr(reason, "empty tree"),
                   "a saved size-0 checkpoint with any other root is refused: %s", reason);
        }
        note_signer_free(k);
}

/* A saved checkpoint is only good from the key of the epoch its size lies in (§5.3): today's key
 * signing a correct root for a size of an earlier epoch is refused. */
static void test_saved_epoch_bounds(void)
{
        Env e;
        NoteSigner *k;
        _cleanup_free_ char *pub = NULL, *in_epoch = NULL, *early = NULL;
        JournalVerifyOptions o = {};
        JournalVerifyResult res;
        char reason[320];
        MerkleHash root;
        uint64_t first, size;
        int r;

        env_new(&e, "saved-bounds");
        build_journal(&e, 24, 2 * SEC);
        pub = pubkey(&e);
        k = current_key(&e);
        o.pubkey_text = pub;
        o.keep_leaves = true;
        r = journal_verify_full(e.journal, &o, &res);
        if (r < 0 || res.n_keys < 3)
                abort();
        first = res.keys[res.n_keys - 1].first_seq;
        size = res.keys[1].first_seq; /* inside epoch 1 */
        merkle_root(res.leaves, size, root);
        early = signed_checkpoint(k, size, root);
        merkle_root(res.leaves, first, root);
        in_epoch = signed_checkpoint(k, first, root);
        journal_verify_result_done(&res);

        ok(verify_simple(e.journal, pub, in_epoch, NULL, NULL, 0) == 0,
           "a saved checkpoint by the current key for a size in its own epoch (%" PRIu64 ") is accepted",
           first);
        r = verify_simple(e.journal, pub, early, NULL, reason, sizeof(reason));
        ok(r == -EBADMSG && strstr(reason, "does not cover that size"),
           "the current key vouching for size %" PRIu64 " of epoch 1 is refused: %s", size, reason);
        note_signer_free(k);
}

/* Flip the unused low bits of the last base64 character before the padding: the same bytes, spelled
 * non-canonically. b64 must end in one '=' (two unused bits) or two (four). */
static bool make_noncanonical(char *b64, size_t len)
{
        static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        size_t pad = len >= 2 && b64[len - 2] == '=' ? 2 : len >= 1 && b64[len - 1] == '=' ? 1 : 0;
        const char *at;

        if (pad == 0 || !(at = strchr(alphabet, b64[len - pad - 1])))
                return false;
        b64[len - pad - 1] = alphabet[(at - alphabet) | 1];
        return true;
}

static void test_canonical_base64(void)
{
        Env e;
        NoteSigner *k;
        _cleanup_free_ char *pub = NULL, *proof = NULL;
        JournalVerifyOptions o = {};
        JournalVerifyResult res;
        MerkleHash root;
        const char *why = NULL;
        int r;

        env_new(&e, "base64");
        build_journal(&e, 6, SEC / 10);
        pub = pubkey(&e);
        k = current_key(&e);
        o.pubkey_text = pub;
        o.keep_leaves = true;
        if (journal_verify_full(e.journal, &o, &res) < 0)
                abort();

        /* The signature line of a note: 4 + 64 bytes, one '='. */
        {
                _cleanup_free_ char *note = NULL;
                char *sig, *nl;
                size_t text_len, n_sigs;
                Checkpoint c;

                merkle_root(res.leaves, 1, root);
                note = signed_checkpoint(k, 1, root);
                sig = strrchr(note, ' ') + 1;
                nl = strchr(sig, '\n');
                r = make_noncanonical(sig, (size_t)(nl - sig))
                        ? note_parse(note, strlen(note), &text_len, &n_sigs, &why)
                        : 0;
                ok(r == -EBADMSG && strstr(why, "canonical") &&
                       checkpoint_open(note, strlen(note), ORIGIN, &k->verifier, 1, &c, NULL, NULL) < 0,
                   "a signature line in non-canonical base64 is refused: %s", why);
        }
        /* The root line of a checkpoint body: 32 bytes, one '='. */
        {
                char body[CHECKPOINT_MAX_BODY], *line3;
                Checkpoint c;

                checkpoint_format(ORIGIN, 1, root, body);
                line3 = strchr(strchr(body, '\n') + 1, '\n') + 1;
                r = make_noncanonical(line3, strlen(line3) - 1)
                        ? checkpoint_parse(body, strlen(body), &c, &why)
                        : 0;
                ok(r == -EBADMSG && strstr(why, "canonical"),
                   "a checkpoint root in non-canonical base64 is refused: %s", why);
        }
        /* A receipt's proof line and extra line. */
        r = journal_prove(e.journal, res.leaves, res.n_leaves, 1, &proof);
        ok(r == 0 && journal_proof_verify(proof, strlen(proof), res.keys, 1, NULL, NULL, &why) == 0,
           "a receipt verifies as made");
        {
                _cleanup_free_ char *p = strdup(proof);
                char *hash = strstr(p, "\nindex ");
                char *nl;

                hash = strchr(hash + 1, '\n') + 1;
                nl = strchr(hash, '\n');
                r = nl != hash && make_noncanonical(hash, (size_t)(nl - hash))
                        ? journal_proof_verify(p, strlen(p), res.keys, 1, NULL, NULL, &why)
                        : 0;
                ok(r == -EBADMSG && strstr(why, "canonical"),
                   "a receipt's proof line in non-canonical base64 is refused: %s", why);
        }
        /* The extra line: a record whose length is not a multiple of 3 leaves padding to play with. */
        r = 0;
        for (uint64_t seq = 0; seq + 1 < res.tree_size && r == 0; seq++) {
                _cleanup_free_ char *p = NULL;
                char *extra, *nl;

                if (journal_prove(e.journal, res.leaves, res.n_leaves, seq, &p) < 0)
                        break;
                extra = strstr(p, "\nextra ") + 7;
                nl = strchr(extra, '\n');
                if (make_noncanonical(extra, (size_t)(nl - extra)))
                        r = journal_proof_verify(p, strlen(p), res.keys, 1, NULL, NULL, &why);
        }
        ok(r == -EBADMSG && strstr(why, "canonical"),
           "a receipt's extra line in non-canonical base64 is refused: %s", why);
        journal_verify_result_done(&res);
        note_signer_free(k);
}

/* Numbers in key records: decimal digits only, no sign, no leading zeros, at most 2^63-1 (§4.2). */
static void test_key_numbers(void)
{
        /* Each: the field, then what goes before and after its value (NULL: the whole value instead). */
        static const struct {
                const char *field, *before, *after, *whole;
        } bad[] = {
            {"first_seq", "0", "", NULL},                  /* leading zero */
            {"epoch", "+", "", NULL},                      /* sign */
            {"epoch", "-", "", NULL},                      /* sign */
            {"start_usec", " ", "", NULL},                 /* space */
            {"epoch_usec", "", ".0", NULL},                /* not an integer */
            {"epoch", "0x", "", NULL},                     /* not decimal */
            {"start_usec", "", "", "9223372036854775808"}, /* 2^63 */
            {"epoch", "", "", ""},                         /* empty */
        };
        static const struct {
                const char *s;
                int want;
        } grammar[] = {
            {"0", 0},
            {"7", 0},
            {"9223372036854775807", 0},
            {"9223372036854775808", -EINVAL},
            {"18446744073709551616", -EINVAL},
            {"00", -EINVAL},
            {"01", -EINVAL},
            {"+1", -EINVAL},
            {"-0", -EINVAL},
            {"1 ", -EINVAL},
            {"", -EINVAL},
            {"１", -EINVAL},
        };
        Env e;
        _cleanup_free_ char *pub = NULL;
        size_t n, key_at = SIZE_MAX;
        bool all = true;

        for (size_t i = 0; i < ELEMENTSOF(grammar); i++) {
                uint64_t v;
                if (jit_parse_u64_strict(grammar[i].s, strlen(grammar[i].s), JOURNAL_MAX_NUMBER, &v) !=
                    grammar[i].want) {
                        all = false;
                        diag("'%s' parsed wrongly", grammar[i].s);
                }
        }
        ok(all, "the number grammar: 0, 7 and 2^63-1 parse; 2^63, leading zeros, signs, spaces, empty, "
                "non-ASCII digits do not");

        env_new(&e, "key-numbers");
        build_journal(&e, 12, 2 * SEC);
        pub = pubkey(&e);
        n = load_records(e.journal, recs, ELEMENTSOF(recs));
        for (size_t i = 1; i < n && key_at == SIZE_MAX; i++)
                if (recs[i].type == RECORD_KEY)
                        key_at = i;
        if (key_at == SIZE_MAX)
                abort();
        for (size_t t = 0; t < ELEMENTSOF(bad); t++) {
                Rec saved = recs[key_at];
                char value[64], reason[320], path[400];
                uint64_t line;
                int r;

                n = load_records(e.journal, recs, ELEMENTSOF(recs));
                saved = recs[key_at];
                for (size_t f = 0; f < recs[key_at].n; f++)
                        if (streq(recs[key_at].f[f].key, bad[t].field)) {
                                if (bad[t].whole)
                                        snprintf(value, sizeof(value), "%s", bad[t].whole);
                                else
                                        snprintf(value, sizeof(value), "%s%s%s", bad[t].before,
                                                 recs[key_at].f[f].value, bad[t].after);
                                recs[key_at].f[f].value = value;
                        }
                snprintf(path, sizeof(path), "%s/forged-%zu", e.dir, t);
                write_chain(path, recs, n, NULL);
                recs[key_at] = saved;
                r = verify_simple(path, pub, NULL, &line, reason, sizeof(reason));
                ok(r == -EBADMSG && line == key_at + 1 && strstr(reason, "malformed"),
                   "key record with %s=\"%s\": refused at its line (%" PRIu64 "): %s", bad[t].field, value,
                   line, reason);
        }
}

/* Two epochs whose keys share a key ID (seeds found by search: the IDs are 32 bits): the journal is
 * refused at the key record, though every signature is good. */
static void test_key_id_clash(void)
{
        static char line[JOURNAL_MAX_LINE];
        uint8_t seed_a[32] = {}, seed_b[32] = {};
        uint32_t ia = 86939, ib = 280774;
        NoteSigner *a = NULL, *b = NULL;
        MerkleFrontier tree;
        MerkleHash prev = {}, root;
        char pub[NOTE_VERIFIER_MAX + 1], vkey_a[NOTE_VERIFIER_MAX], vkey_b[NOTE_VERIFIER_MAX], path[400];
        char reason[320], start0[24], start1[24], len[24], first[24];
        uint64_t t = T0, seq = 0, line_no;
        FILE *f;
        Env e;
        int r;

        memcpy(seed_a, &ia, sizeof(ia));
        memcpy(seed_b, &ib, sizeof(ib));
        if (note_signer_from_seed(ORIGIN, seed_a, &a) < 0 || note_signer_from_seed(ORIGIN, seed_b, &b) < 0)
                abort();
        ok(a->verifier.key_id == b->verifier.key_id &&
               memcmp(a->verifier.public_key, b->verifier.public_key, NOTE_ED25519_KEY_SIZE) != 0,
           "two different keys with key ID %08" PRIx32, a->verifier.key_id);
        note_verifier_format(&a->verifier, vkey_a);
        note_verifier_format(&b->verifier, vkey_b);
        snprintf(pub, sizeof(pub), "%s\n", vkey_a);

        env_new(&e, "key-id-clash");
        snprintf(path, sizeof(path), "%s/journal", e.dir);
        f = fopen(path, "we");
        merkle_frontier_init(&tree);
#define EMIT(type, time, epoch, fields, n)                                                                  \
        do {                                                                                                \
                size_t l_;                                                                                  \
                if (journal_record_format(seq, time, epoch, type, prev, fields, n, line, &l_) < 0)          \
                        abort();                                                                            \
                fwrite(line, 1, l_, f);                                                                     \
                merkle_leaf_hash(line, l_ - 1, prev);                                                       \
                merkle_frontier_append(&tree, prev);                                                        \
                seq++;                                                                                      \
        } while (0)
        snprintf(start0, sizeof(start0), "%" PRIu64, t);
        snprintf(len, sizeof(len), "%" PRIu64, EPOCH);
        {
                JournalField g[] = {{"epoch", "0"},  {"epoch_usec", len}, {"first_seq", "0"},
                                    {"key", vkey_a}, {"origin", ORIGIN},  {"start_usec", start0}};
                EMIT(RECORD_KEY, t, 0, g, ELEMENTSOF(g));
        }
        {
                _cleanup_free_ char *note = NULL;
                merkle_frontier_root(&tree, root);
                note = signed_checkpoint(a, seq, root);
                JournalField c[] = {{"note", note}};
                EMIT(RECORD_CHECKPOINT, t, 0, c, 1);
        }
        t += EPOCH;
        {
                JournalEpochKey k = {.epoch = 1,
                                     .first_seq = seq + 2,
                                     .start_usec = T0 + EPOCH,
                                     .epoch_usec = EPOCH,
                                     .key = b->verifier};
                _cleanup_free_ char *text = NULL, *cert = NULL;
                if (journal_key_cert_text(ORIGIN, &k, prev, &text) < 0 ||
                    note_sign(a, text, strlen(text), &cert) < 0)
                        abort();
                snprintf(first, sizeof(first), "%" PRIu64, seq + 2);
                snprintf(start1, sizeof(start1), "%" PRIu64, T0 + EPOCH);
                JournalField kf[] = {{"cert", cert},        {"epoch", "1"},  {"epoch_usec", len},
                                     {"first_seq", first},  {"key", vkey_b}, {"origin", ORIGIN},
                                     {"start_usec", start1}};
                EMIT(RECORD_KEY, t, 0, kf, ELEMENTSOF(kf));
        }
        {
                _cleanup_free_ char *note = NULL;
                merkle_frontier_root(&tree, root);
                note = signed_checkpoint(a, seq, root);
                JournalField c[] = {{"note", note}};
                EMIT(RECORD_CHECKPOINT, t, 0, c, 1);
        }
        {
                JournalField q[] = {{"id", "K7Q2-0001"}};
                EMIT(RECORD_REQUEST, t, 1, q, 1);
        }
        {
                _cleanup_free_ char *note = NULL;
                merkle_frontier_root(&tree, root);
                note = signed_checkpoint(b, seq, root);
                JournalField c[] = {{"note", note}};
                EMIT(RECORD_CHECKPOINT, t, 1, c, 1);
        }
#undef EMIT
        fclose(f);
        r = verify_simple(path, pub, NULL, &line_no, reason, sizeof(reason));
        ok(r == -EBADMSG && line_no == 3 && strstr(reason, "reuses key ID"),
           "a key record whose key ID an earlier epoch had is refused at line %" PRIu64 ": %s", line_no,
           reason);
        note_signer_free(a);
        note_signer_free(b);
}

/* ---- open-time refusals and key hygiene ---- */

static void test_open_rules(void)
{
        Env e, c;
        JournalWriter *w = NULL;
        int dfd;
        NoteSigner *s = NULL;
        uint64_t epochs[8];
        size_t n;

        env_new(&e, "rules");
        build_journal(&e, 6, 4 * SEC);
        env_clone(&e, &c, "rules-nojournal");
        unlink(c.journal);
        ok(writer_open(&c, T0, &w) == -EEXIST,
           "a journal is never silently recreated over the keys of an existing one (EEXIST)");
        remove_dir(c.dir);

        env_new(&c, "rules-pub");
        write_all(c.pub, "someone.else+01020304+AQ==\n", 27);
        ok(writer_open(&c, T0, &w) == -EEXIST,
           "a new journal never overwrites a different published key (EEXIST)");
        remove_dir(c.dir);

        /* A leftover key for the next epoch (crash during a seal) is erased at open. */
        env_clone(&e, &c, "rules-leftover");
        keys_open_dir(c.keys, &dfd);
        keys_list(dfd, epochs, 8, &n);
        keys_create(dfd, epochs[0] + 1, ORIGIN, &s);
        note_signer_free(s);
        ok(writer_open(&c, T0 + 3 * EPOCH - 1, &w) == 0 && keys_list(dfd, epochs, 8, &n) == 0 && n == 1,
           "a leftover next-epoch key is erased when the writer opens");
        journal_writer_free(w), w = NULL;
        close(dfd);
        remove_dir(c.dir);

        /* Crash after the identity key was created but before the first commit: the key is reused. */
        env_new(&c, "rules-firstcrash");
        keys_open_dir(c.keys, &dfd);
        keys_create(dfd, 0, ORIGIN, &s);
        {
                char vk[NOTE_VERIFIER_MAX];
                note_verifier_format(&s->verifier, vk);
                ok(writer_open(&c, T0, &w) == 0 && streq(journal_writer_identity(w), vk),
                   "an identity key left by a crash before the first commit is reused");
        }
        note_signer_free(s);
        journal_writer_free(w), w = NULL;
        close(dfd);

        {
                struct stat st;
                stat(c.keys, &st);
                ok((st.st_mode & 0777) == 0700, "key directory is 0700");
                keys_open_dir(c.keys, &dfd);
                keys_list(dfd, epochs, 8, &n);
                char fn[600];
                snprintf(fn, sizeof(fn), "%s/journal-key.%" PRIu64, c.keys, epochs[0]);
                stat(fn, &st);
                ok((st.st_mode & 0777) == 0600, "key files are 0600");
                close(dfd);
        }
        chmod(c.keys, 0777);
        ok(writer_open(&c, T0, &w) == -EPERM, "a world-writable key directory is refused (EPERM)");
        chmod(c.keys, 0700);
}

static void test_reader_follow(void)
{
        Env e;
        JournalWriter *w = NULL;
        JournalReader *rd = NULL;
        JournalRecord rec;
        int n = 0, r;
        FILE *f;

        env_new(&e, "follow");
        writer_open(&e, T0, &w);
        journal_reader_open(e.journal, &rd);
        while ((r = journal_reader_next(rd, &rec)) > 0)
                n++;
        append(w, RECORD_DENY, "late", T0);
        journal_writer_commit(w, T0);
        while ((r = journal_reader_next(rd, &rec)) > 0)
                n++;
        ok(r == 0 && n == 4, "reader picks up records appended after it reached the end");
        f = fopen(e.journal, "ae");
        fputs("{\"seq\":4,", f);
        fclose(f);
        r = journal_reader_next(rd, &rec);
        ok(r == 0 && journal_reader_partial_bytes(rd) == 9,
           "a partial last line is held back, not returned");
        journal_reader_free(rd);
        journal_writer_free(w), w = NULL;
}

int main(int argc, char *argv[])
{
        const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

        snprintf(base, sizeof(base), "%s/test-journal-XXXXXX", tmp);
        if (sodium_init() < 0 || !mkdtemp(base))
                return 1;
        test_roundtrip();
        test_empty_epochs();
        test_a36();
        test_a27();
        test_a28();
        test_a29();
        test_a30();
        test_a31();
        test_a32();
        test_a33();
        test_a34_journal();
        test_a35();
        test_proofs();
        test_intermediate_root();
        test_saved_epoch_bounds();
        test_canonical_base64();
        test_key_numbers();
        test_key_id_clash();
        test_open_rules();
        test_reader_follow();
        printf("1..%d\n", tap.n);
        if (tap.failed == 0 && !getenv("KEEP_TEST_DIR"))
                remove_dir(base);
        else
                diag("test files kept in %s", base);
        return tap.failed == 0 ? 0 : 1;
}
