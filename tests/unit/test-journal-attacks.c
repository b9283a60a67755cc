/* Forged journals the verifier must refuse: every bit flipped (A28), records deleted, duplicated, reordered,
 * inserted or replayed (A29), truncation and re-signing (A30-A32), rollback and forks (A33), a non-canonical
 * number in a checkpoint (A34). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal-helpers.h"

static Rec recs[512];

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

/* ---- A29 ---- */

static void test_a29(void)
{
        _cleanup_(jit_sha256_freep) JitSha256 *sha = sha_new();
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

                merkle_leaf_hash(sha, orig + starts[n_lines - 1], len - starts[n_lines - 1] - 1, last);
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
        char path[400], reason[320], vkey[NOTE_VERIFIER_MAX];
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

        /* Forge a key record for epoch 1 that the current key certifies itself. The new value lives
         * in vkey until write_chain() has written it (no copy to leak). */
        n = load_records(e.journal, recs, ELEMENTSOF(recs));
        note_verifier_format(&k->verifier, vkey);
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

int main(int argc, char *argv[])
{
        if (journal_test_begin("test-journal-attacks") < 0)
                return 1;
        test_a28();
        test_a29();
        test_a30();
        test_a31();
        test_a32();
        test_a33();
        test_a34_journal();
        return journal_test_end();
}
