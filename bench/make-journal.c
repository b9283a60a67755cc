/* bench/make-journal: write a journal of N records shaped like jitd's (a request, then its
 * approval or denial, in commit groups of 8), ending now, for timing jitd's start-up on it.
 *   make-journal N DIR   → DIR/journal.jsonl, DIR/keys/, DIR/journal.pub
 * With MAKE_JOURNAL_MAX_FILE_SIZE=BYTES the journal is rotated at that size, as jitd's MaxFileSize=
 * does (nothing live to restate): DIR/journal-<seq>.jsonl, then DIR/journal.jsonl. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "journal.h"

int main(int argc, char *argv[])
{
        char path[512], keys[512], pub[512], id[16], uid[16], until[32], hash[65];
        uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000, t;
        struct timespec ts;
        JournalWriter *w;
        int r = 0;

        if (argc != 3)
                return 2;
        snprintf(path, sizeof(path), "%s/journal.jsonl", argv[2]);
        snprintf(keys, sizeof(keys), "%s/keys", argv[2]);
        snprintf(pub, sizeof(pub), "%s/journal.pub", argv[2]);
        clock_gettime(CLOCK_REALTIME, &ts);
        /* One record every 0.5 s of fake time, ending about now. */
        t = (uint64_t)ts.tv_sec * 1000000ULL - n * 500000ULL;
        const char *max = getenv("MAKE_JOURNAL_MAX_FILE_SIZE");
        JournalOptions o = {.path = path, .state_dir = keys, .pubkey_path = pub, .origin = "bench/pam_jit", .now_usec = t,
                            .max_file_size = max ? strtoull(max, NULL, 10) : 0};
        if (journal_writer_open(&o, &w) < 0)
                return 1;
        memset(hash, 'a', 64);
        hash[64] = '\0';
        for (uint64_t i = 0; journal_writer_size(w) < n && r >= 0; i++, t += 500000) {
                snprintf(id, sizeof(id), "%04" PRIX64 "-%04" PRIX64, (i >> 16) & 0xffff, i & 0xffff);
                for (char *p = id; *p; p++) /* Crockford base32 has no I, L, O, U: map them away */
                        if (*p == 'I' || *p == 'L' || *p == 'O' || *p == 'U')
                                *p = '7';
                snprintf(uid, sizeof(uid), "%d", 2001);
                snprintf(until, sizeof(until), "%" PRIu64, (uint64_t)(t + 900000000ULL));
                bool approve = i % 2 == 0;
                JournalField req[] = {
                        {"command", "sudo systemctl restart nginx.service"}, {"deadline_usec", until},
                        {"request_id", id}, {"rule", "(default)"}, {"scope", "command"}, {"scope_hash", hash},
                        {"service", "sudo"}, {"state", "pending"}, {"uid", uid}, {"user", "alice"},
                };
                JournalField dec[] = {
                        {"by", "bob"}, {"command", "sudo systemctl restart nginx.service"}, {"request_id", id},
                        {"rule", "(default)"}, {"scope", "command"}, {"scope_hash", hash}, {"service", "sudo"},
                        {"state", approve ? "approved" : "denied"}, {"uid", uid}, {"until_usec", until},
                        {"user", "alice"},
                };
                r = journal_writer_append(w, RECORD_REQUEST, req, sizeof(req) / sizeof(req[0]), t, NULL, NULL);
                if (r >= 0)
                        r = journal_writer_append(w, approve ? RECORD_APPROVE : RECORD_DENY, dec,
                                                  sizeof(dec) / sizeof(dec[0]) - (approve ? 0 : 1), t, NULL, NULL);
                if (r >= 0 && i % 4 == 3)
                        r = journal_writer_commit(w, t);
                if (r >= 0 && journal_writer_wants_rotation(w)) {
                        r = journal_writer_rotate_begin(w, t);
                        if (r >= 0)
                                r = journal_writer_rotate_commit(w);
                }
        }
        if (r >= 0)
                r = journal_writer_commit(w, t);
        printf("%s: %" PRIu64 " records (%s)\n", path, journal_writer_size(w), r < 0 ? strerror(-r) : "ok");
        journal_writer_free(w);
        return r < 0;
}
