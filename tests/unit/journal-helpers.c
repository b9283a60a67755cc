/* What the journal's unit tests (tests/unit/test-journal-*.c) share: a scratch directory per
 * program, journals built by the real writer, and forged journals written record by record. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal-helpers.h"

/* The tests hash with a context of their own; a failure to get one ends the test program. */
JitSha256 *sha_new(void)
{
        JitSha256 *h = NULL;

        if (jit_sha256_new(&h) < 0)
                abort();
        return h;
}

Tap tap;

void diag(const char *fmt, ...)
{
        va_list ap;

        printf("# ");
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
}

static char base[64];

void env_new(Env *e, const char *name)
{
        snprintf(e->dir, sizeof(e->dir), "%s/%s", base, name);
        snprintf(e->journal, sizeof(e->journal), "%s/journal", e->dir);
        snprintf(e->keys, sizeof(e->keys), "%s/keys", e->dir);
        snprintf(e->pub, sizeof(e->pub), "%s/journal.pub", e->dir);
        if (mkdir(e->dir, 0700) < 0 && errno != EEXIST)
                abort();
}

int writer_open(const Env *e, uint64_t now, JournalWriter **ret)
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

int append(JournalWriter *w, RecordType t, const char *id, uint64_t now)
{
        JournalField f[] = {{"id", id}, {"user", "alice"}, {"service", "sudo"}};
        return journal_writer_append(w, t, f, ELEMENTSOF(f), now, NULL, NULL);
}

char *read_all(const char *path, size_t *ret_len)
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
                size_t r = fread(buf + n, 1, cap - n, f);
                n += r;
                if (r == 0)
                        break;
        }
        fclose(f);
        buf[n] = '\0';
        if (ret_len)
                *ret_len = n;
        return buf;
}

void write_all(const char *path, const char *buf, size_t len)
{
        FILE *f = fopen(path, "we");
        if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0)
                abort();
}

char *pubkey(const Env *e)
{
        return read_all(e->pub, NULL);
}

int verify_file(const char *path, const char *pub, const char *saved, JournalVerifyResult *res)
{
        int r = journal_verify(path, pub, saved, res);
        return r;
}

/* Verify and release: 0 or -EBADMSG; reason and bad line copied out if asked. */
int verify_simple(const char *path, const char *pub, const char *saved, uint64_t *ret_line, char *reason,
                  size_t n)
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
size_t split_lines(const char *buf, size_t len, size_t *starts, size_t max)
{
        size_t n = 0;

        starts[n++] = 0;
        for (size_t i = 0; i < len && n < max; i++)
                if (buf[i] == '\n')
                        starts[n++] = i + 1;
        return n - 1;
}

void copy_dir(const char *from, const char *to)
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

void remove_dir(const char *path)
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
void env_clone(const Env *from, Env *to, const char *name)
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
uint64_t build_journal(const Env *e, int n_records, uint64_t step)
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

int count_type(const char *path, const char *type)
{
        _cleanup_free_ char *all = read_all(path, NULL);
        char pat[64];
        int n = 0;

        snprintf(pat, sizeof(pat), "\"type\":\"%s\"", type);
        for (const char *p = all; (p = strstr(p, pat)); p++)
                n++;
        return n;
}

/* Read every record of a journal into editable form. */
size_t load_records(const char *path, Rec *recs, size_t max)
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
void write_chain_bad_root(const char *path, Rec *recs, size_t n, NoteSigner *signer, size_t bad_root)
{
        _cleanup_(jit_sha256_freep) JitSha256 *sha = sha_new();
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
                        merkle_frontier_root(&tree, sha, root);
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
                merkle_leaf_hash(sha, line, len - 1, prev);
                merkle_frontier_append(&tree, sha, prev);
                recs[i].n = recs[i].n; /* fields may point at note, which dies here */
                if (recs[i].type == RECORD_CHECKPOINT && signer)
                        recs[i].n = 0;
        }
        fclose(f);
}

void write_chain(const char *path, Rec *recs, size_t n, NoteSigner *signer)
{
        write_chain_bad_root(path, recs, n, signer, SIZE_MAX);
}

NoteSigner *current_key(const Env *e)
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

/* Sign a checkpoint body for (size, root) with signer. */
char *signed_checkpoint(NoteSigner *signer, uint64_t size, const MerkleHash root)
{
        char body[CHECKPOINT_MAX_BODY], *note = NULL;

        if (checkpoint_format(ORIGIN, size, root, body) < 0 ||
            note_sign(signer, body, strlen(body), &note) < 0)
                abort();
        return note;
}

/* The scratch directory: on tmpfs when there is one, as the tests fsync a lot and the disk is not
 * what they test. NAME is the program's. */
int journal_test_begin(const char *name)
{
        const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

        snprintf(base, sizeof(base), "%s/%s-XXXXXX", tmp, name);
        if (sodium_init() < 0 || !mkdtemp(base))
                return -1;
        return 0;
}

/* The plan; the scratch directory is removed if every test passed and KEEP_TEST_DIR is not set. */
int journal_test_end(void)
{
        printf("1..%d\n", tap.n);
        if (tap.failed == 0 && !getenv("KEEP_TEST_DIR"))
                remove_dir(base);
        else
                diag("test files kept in %s", base);
        return tap.failed == 0 ? 0 : 1;
}
