/* The signed journal's writer and reader: a round trip, empty epochs, the writer's lock (A36), the rules it
 * opens by, and a reader that follows the file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal-helpers.h"

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
        if (journal_test_begin("test-journal-write") < 0)
                return 1;
        test_roundtrip();
        test_empty_epochs();
        test_a36();
        test_open_rules();
        test_reader_follow();
        return journal_test_end();
}
