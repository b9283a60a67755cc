/* The signed journal after a crash (A27: torn tails cut and recorded, never damage before a checkpoint) and
 * when the disk is full (A35: the writer fails closed). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal-helpers.h"

/* ---- A27 ---- */

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
                sodium_bin2hex(hex, sizeof(hex), h, 32);
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

int main(int argc, char *argv[])
{
        if (journal_test_begin("test-journal-crash") < 0)
                return 1;
        test_a27();
        test_a35();
        return journal_test_end();
}
