/* Journal benchmark: durable records/s under 1, 8 and 64 concurrent writers against a raw write+fdatasync
 * loop on the same file system; verify and replay of 1 M records against plain SHA-256 of the same bytes.
 * Run through bench/journal. Prints one line per measurement and the ratios side by side. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"
#include "sha256.h"

#define ORIGIN "bench.example/jit"

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t now_usec(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void fields_for(uint64_t i, JournalField f[9], char id[16])
{
        snprintf(id, 16, "K%03" PRIu64 "-M9XA", i % 1000);
        f[0] = (JournalField){"command", "/usr/bin/systemctl restart nginx.service --no-block"};
        f[1] = (JournalField){"cwd", "/home/alice/src/deploy"};
        f[2] = (JournalField){"id", id};
        f[3] = (JournalField){"reason", "deploy 2.4.1 after the change window opened"};
        f[4] = (JournalField){"rhost", ""};
        f[5] = (JournalField){"ruser", "alice"};
        f[6] = (JournalField){"service", "sudo"};
        f[7] = (JournalField){"tty", "/dev/pts/3"};
        f[8] = (JournalField){"user", "alice"};
}

/* ---- durable appends ---- */

typedef struct Shared {
        pthread_mutex_t lock;
        pthread_cond_t dirty; /* a record was appended */
        pthread_cond_t done;  /* a commit finished */
        JournalWriter *w;
        uint64_t durable; /* records durable so far */
        uint64_t commits;
        uint64_t records;
        double deadline;
        bool stop;
        unsigned n_threads;
        unsigned appended; /* records appended since the last commit */
        int error;
} Shared;

/* A requester (a sudo waiting in pam_jit): append one record, wait until a commit covers it. */
static void *requester(void *userdata)
{
        Shared *s = userdata;
        JournalField f[9];
        char id[16];

        pthread_mutex_lock(&s->lock);
        while (!s->stop && !s->error) {
                uint64_t seq;
                int r;

                fields_for(s->records, f, id);
                r = journal_writer_append(s->w, RECORD_REQUEST, f, 9, now_usec(), &seq, NULL);
                if (r < 0) {
                        s->error = r;
                        break;
                }
                s->appended++;
                pthread_cond_signal(&s->dirty);
                while (s->durable <= seq && !s->error)
                        pthread_cond_wait(&s->done, &s->lock);
                s->records++;
        }
        pthread_mutex_unlock(&s->lock);
        return NULL;
}

/* jitd commits once its bus is drained: when everyone who could send has sent. The same here:
 * wait until every requester has appended, or 1 ms after the first did (a requester the scheduler
 * left behind waits for the next group, not the others for it). Committing as soon as the first
 * record is there instead gave groups of 9.7 records with 64 writers (BENCHMARKS.md). */
static struct timespec realtime_in(long nsec)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += nsec;
        ts.tv_sec += ts.tv_nsec / 1000000000;
        ts.tv_nsec %= 1000000000;
        return ts;
}

static void wait_for_group(Shared *s)
{
        bool waited = false;

        while (now_s() < s->deadline && !s->error) {
                struct timespec ts = realtime_in(s->appended == 0 ? 100000000 : 1000000);

                if (s->appended > 0 && (s->appended >= s->n_threads || waited))
                        return;
                if (pthread_cond_timedwait(&s->dirty, &s->lock, &ts) == ETIMEDOUT && s->appended > 0)
                        waited = true;
        }
}

/* The committer is jitd's event loop: while it is in commit (fdatasync), requests queue up; then it
 * commits whatever was appended meanwhile as one group, with one fdatasync and one signature. */
static void *committer(void *userdata)
{
        Shared *s = userdata;

        pthread_mutex_lock(&s->lock);
        while (!s->error) {
                int r;

                wait_for_group(s);
                if (now_s() >= s->deadline) {
                        s->stop = true;
                        if (!journal_writer_dirty(s->w))
                                break;
                }
                s->appended = 0;
                r = journal_writer_commit(s->w, now_usec());
                if (r < 0)
                        s->error = r;
                s->durable = journal_writer_size(s->w);
                s->commits++;
                pthread_cond_broadcast(&s->done);
                if (s->stop)
                        break;
        }
        pthread_cond_broadcast(&s->done);
        pthread_mutex_unlock(&s->lock);
        return NULL;
}

static int bench_writers(const char *dir, int n_threads, double secs, double *ret_rps, double *ret_cps)
{
        char path[512], keys[512], pub[512];
        JournalOptions o = {
            .path = path, .state_dir = keys, .pubkey_path = pub, .origin = ORIGIN, .now_usec = now_usec()};
        Shared s = {.lock = PTHREAD_MUTEX_INITIALIZER,
                    .dirty = PTHREAD_COND_INITIALIZER,
                    .done = PTHREAD_COND_INITIALIZER,
                    .n_threads = (unsigned)n_threads};
        pthread_t t[64], c;
        double t0, el;
        int r;

        snprintf(path, sizeof(path), "%s/writers-%d.jsonl", dir, n_threads);
        snprintf(keys, sizeof(keys), "%s/keys-%d", dir, n_threads);
        snprintf(pub, sizeof(pub), "%s/writers-%d.pub", dir, n_threads);
        r = journal_writer_open(&o, &s.w);
        if (r < 0)
                return r;
        s.durable = journal_writer_size(s.w);
        t0 = now_s();
        s.deadline = t0 + secs;
        pthread_create(&c, NULL, committer, &s);
        for (int i = 0; i < n_threads; i++)
                pthread_create(&t[i], NULL, requester, &s);
        pthread_join(c, NULL);
        for (int i = 0; i < n_threads; i++)
                pthread_join(t[i], NULL);
        el = now_s() - t0;
        *ret_rps = (double)s.records / el;
        *ret_cps = (double)s.commits / el;
        journal_writer_free(s.w);
        return s.error;
}

/* The baseline: one ~400-byte record per write and fdatasync, the fastest a durable log can go
 * without grouping. */
static double bench_raw(const char *dir, double secs)
{
        char path[512], rec[400];
        uint64_t n = 0;
        double t0;
        int fd;

        memset(rec, 'x', sizeof(rec));
        rec[sizeof(rec) - 1] = '\n';
        snprintf(path, sizeof(path), "%s/raw.log", dir);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
        if (fd < 0)
                return -1;
        t0 = now_s();
        while (now_s() - t0 < secs) {
                if (write(fd, rec, sizeof(rec)) != (ssize_t)sizeof(rec) || fdatasync(fd) < 0)
                        return -1;
                n++;
        }
        close(fd);
        return (double)n / (now_s() - t0);
}

/* ---- verification of a large journal ---- */

static int make_big(const char *path, const char *dir, uint64_t n_lines, uint64_t group)
{
        char keys[512], pub[512];
        uint64_t t = UINT64_C(1767225600000000);
        JournalOptions o = {
            .path = path, .state_dir = keys, .pubkey_path = pub, .origin = ORIGIN, .now_usec = t};
        JournalWriter *w;
        JournalField f[9];
        char id[16];
        int r;

        snprintf(keys, sizeof(keys), "%s/big-keys", dir);
        snprintf(pub, sizeof(pub), "%s/big.pub", dir);
        r = journal_writer_open(&o, &w);
        if (r < 0)
                return r;
        /* One record every 0.7 s of fake time: hourly epochs, about 8 days. */
        for (uint64_t i = 0; journal_writer_size(w) < n_lines; i++) {
                fields_for(i, f, id);
                r = journal_writer_append(w, RECORD_REQUEST, f, 9, t, NULL, NULL);
                if (r >= 0 && i % group == group - 1)
                        r = journal_writer_commit(w, t);
                if (r < 0)
                        break;
                t += 700000;
        }
        if (r >= 0)
                r = journal_writer_commit(w, t);
        journal_writer_free(w);
        return r;
}

/* SHA-256 of the whole file in one message, through libcrypto (lib/sha256.c) or libsodium. */
static double time_sha(const char *path, bool libcrypto, uint64_t *ret_bytes)
{
        static char buf[1 << 20];
        uint8_t h[32];
        JitSha256 *c = NULL;
        uint64_t n = 0;
        double t0 = cpu_s();
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        crypto_hash_sha256_state st;
        ssize_t r;

        if (libcrypto) {
                if (jit_sha256_new(&c) < 0)
                        abort();
                jit_sha256_begin(c);
        } else
                crypto_hash_sha256_init(&st);
        while ((r = read(fd, buf, sizeof(buf))) > 0) {
                if (libcrypto)
                        jit_sha256_add(c, buf, (size_t)r);
                else
                        crypto_hash_sha256_update(&st, (const uint8_t *)buf, (size_t)r);
                n += (uint64_t)r;
        }
        if (libcrypto) {
                if (jit_sha256_end(c, h) < 0)
                        abort();
                jit_sha256_free(c);
        } else
                crypto_hash_sha256_final(&st, h);
        close(fd);
        *ret_bytes = n;
        return cpu_s() - t0;
}

static char *slurp(const char *path)
{
        static char buf[1024];
        FILE *f = fopen(path, "re");
        size_t n;

        if (!f)
                return NULL;
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = '\0';
        return buf;
}

int main(int argc, char *argv[])
{
        const char *dir = argc > 1 ? argv[1] : "/var/tmp";
        const char *bigdir = argc > 2 ? argv[2] : dir;
        double secs = getenv("BENCH_SECONDS") ? atof(getenv("BENCH_SECONDS")) : 5.0;
        uint64_t n_big = getenv("BENCH_RECORDS") ? strtoull(getenv("BENCH_RECORDS"), NULL, 10) : 1000000;
        uint64_t group = getenv("BENCH_GROUP") ? strtoull(getenv("BENCH_GROUP"), NULL, 10) : 8;
        static const int writers[] = {1, 8, 64};
        char big[512];
        double raw, rps, cps, t0, c0, t_verify, c_verify, t_all, t_replay, c_replay, t_open, c_open, t_sha,
            t_sha_crypto;
        uint64_t bytes, n;
        JournalVerifyResult res;
        JournalVerifyOptions vo = {};
        int r;

        if (sodium_init() < 0)
                return 1;
        printf("# journal benchmark in %s, %.0f s per run\n", dir, secs);

        /* Each journal run beside its own baseline run, so that load from elsewhere hits both alike. */
        for (size_t i = 0; i < sizeof(writers) / sizeof(writers[0]); i++) {
                raw = bench_raw(dir, secs);
                r = bench_writers(dir, writers[i], secs, &rps, &cps);
                if (raw <= 0 || r < 0) {
                        fprintf(stderr, "writers %d: %s\n", writers[i],
                                r < 0 ? strerror(-r) : "raw run failed");
                        return 1;
                }
                printf("%2d writers: journal %7.0f durable records/s in %6.0f commits/s (%5.1f "
                       "records/commit) | "
                       "raw write+fdatasync %5.0f/s | records/s vs raw %6.2fx | time per commit / one "
                       "fdatasync %.2fx\n",
                       writers[i], rps, cps, rps / cps, raw, rps / raw, raw / cps);
        }

        snprintf(big, sizeof(big), "%s/big.jsonl", bigdir);
        unlink(big);
        printf("# building %" PRIu64 " records, a checkpoint every %" PRIu64 " records, in %s\n", n_big,
               group, bigdir);
        t0 = now_s();
        r = make_big(big, bigdir, n_big, group);
        if (r < 0) {
                fprintf(stderr, "building: %s\n", strerror(-r));
                return 1;
        }
        printf("built in %.2f s\n", now_s() - t0);
        {
                char pubpath[600];
                snprintf(pubpath, sizeof(pubpath), "%s/big.pub", bigdir);
                vo.pubkey_text = slurp(pubpath);
        }

        /* Warm the page cache so both sides read from memory. */
        t_sha = time_sha(big, false, &bytes);
        t_sha = time_sha(big, false, &bytes);
        t_sha_crypto = time_sha(big, true, &bytes);

        t0 = now_s();
        c0 = cpu_s();
        r = journal_verify_full(big, &vo, &res);
        t_verify = now_s() - t0;
        c_verify = cpu_s() - c0;
        n = res.n_records;
        if (r < 0) {
                fprintf(stderr, "verify failed: %s\n", res.reason);
                return 1;
        }
        printf("verify: %" PRIu64 " records (%" PRIu64 " checkpoints, %" PRIu64 " epochs, %" PRIu64
               " signatures), %.1f MB: %.3f s wall, %.3f s CPU = %.0f records/s (CPU)\n",
               n, res.n_checkpoints, res.epoch + 1, res.n_signatures, (double)bytes / 1e6, t_verify,
               c_verify, (double)n / c_verify);
        journal_verify_result_done(&res);

        vo.all_signatures = true;
        t0 = now_s();
        r = journal_verify_full(big, &vo, &res);
        t_all = now_s() - t0;
        printf("verify --all-signatures: %.3f s (%" PRIu64 " signatures)\n", t_all, res.n_signatures);
        journal_verify_result_done(&res);

        printf("plain SHA-256 of the same bytes (CPU, from the page cache): libsodium %.3f s, libcrypto "
               "%.3f s; "
               "verify CPU / libsodium SHA-256 = %.2fx, verify CPU / libcrypto SHA-256 = %.2fx\n",
               t_sha, t_sha_crypto, c_verify / t_sha, c_verify / t_sha_crypto);

        {
                JournalReader *rd;
                JournalRecord rec;
                uint64_t k = 0;

                t0 = now_s();
                c0 = cpu_s();
                journal_reader_open(big, &rd);
                while (journal_reader_next(rd, &rec) > 0)
                        k++;
                journal_reader_free(rd);
                t_replay = now_s() - t0;
                c_replay = cpu_s() - c0;
                printf("replay (reader, all fields decoded): %" PRIu64
                       " records in %.3f s wall, %.3f s CPU\n",
                       k, t_replay, c_replay);
        }
        {
                char keys[600], pub[600];
                JournalOptions o = {.path = big, .state_dir = keys, .pubkey_path = pub, .origin = ORIGIN};
                JournalWriter *w;

                snprintf(keys, sizeof(keys), "%s/big-keys", bigdir);
                snprintf(pub, sizeof(pub), "%s/big.pub", bigdir);
                o.now_usec = UINT64_C(1767225600000000) + n_big * 700000;
                t0 = now_s();
                c0 = cpu_s();
                r = journal_writer_open(&o, &w);
                t_open = now_s() - t0;
                c_open = cpu_s() - c0;
                printf("writer open (recovery scan) of %" PRIu64 " records: %.3f s wall, %.3f s CPU (%s); "
                       "jitd start-up ~ open + replay = %.2f s wall, %.2f s CPU\n",
                       n, t_open, c_open, r < 0 ? strerror(-r) : "ok", t_open + t_replay, c_open + c_replay);
                if (r >= 0)
                        journal_writer_free(w);
        }
        return 0;
}
