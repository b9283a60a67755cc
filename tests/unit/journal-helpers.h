/* Shared by the journal's unit tests (tests/unit/test-journal-*.c); journal-helpers.c has the code. */
#pragma once

#include <inttypes.h>
#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "journal-internal.h"
#include "journal-util.h"
#include "journal.h"
#include "keys.h"
#include "util.h"
#include "tap.h"

/* One TAP stream per program. */
extern Tap tap;
#define ok(cond, ...) tap_ok(&tap, (cond), __VA_ARGS__)
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The tests hash with a context of their own; a failure to get one ends the test program. */
JitSha256 *sha_new(void);

#define ORIGIN "test.example/jit"
#define T0 UINT64_C(1700000000000000)
#define SEC UINT64_C(1000000)
#define EPOCH (10 * SEC)

/* A journal, its key directory and its published key, in a directory of their own. */
typedef struct Env {
        char dir[256], journal[300], keys[300], pub[300];
} Env;

int journal_test_begin(const char *name);
int journal_test_end(void);

void env_new(Env *e, const char *name);
/* A clone of an environment (journal, keys, published key) under a new name. */
void env_clone(const Env *from, Env *to, const char *name);
int writer_open(const Env *e, uint64_t now, JournalWriter **ret);
/* A record with the fields id, user, service. */
int append(JournalWriter *w, RecordType t, const char *id, uint64_t now);
/* The standard test journal: n_records requests (every fifth an approval) committed in groups of 3,
 * step apart; returns the time after the last. */
uint64_t build_journal(const Env *e, int n_records, uint64_t step);

char *read_all(const char *path, size_t *ret_len);
void write_all(const char *path, const char *buf, size_t len);
void copy_dir(const char *from, const char *to);
void remove_dir(const char *path);
/* The published key of e, as text. */
char *pubkey(const Env *e);
/* How many records of this type ("repair", ...) the file holds. */
int count_type(const char *path, const char *type);
/* Line boundaries of a buffer: starts[i] is where line i begins; starts[n] is the end. */
size_t split_lines(const char *buf, size_t len, size_t *starts, size_t max);

int verify_file(const char *path, const char *pub, const char *saved, JournalVerifyResult *res);
/* Verify and release: 0 or -EBADMSG; reason and bad line copied out if asked. */
int verify_simple(const char *path, const char *pub, const char *saved, uint64_t *ret_line, char *reason,
                  size_t n);

/* ---- building forged journals ---- */

typedef struct Rec {
        RecordType type;
        uint64_t time, epoch;
        JournalField f[8];
        size_t n;
        char store[4096];
} Rec;

/* Read every record of a journal into editable form. */
size_t load_records(const char *path, Rec *recs, size_t max);
/* Write records with a fresh seq/prev chain; checkpoint records are re-signed by signer (if not NULL)
 * over the rebuilt tree, except that the one at bad_root (if < n) signs a root with one bit flipped. */
void write_chain_bad_root(const char *path, Rec *recs, size_t n, NoteSigner *signer, size_t bad_root);
void write_chain(const char *path, Rec *recs, size_t n, NoteSigner *signer);
/* The writer's current epoch key, loaded from e's key directory (the only key there). */
NoteSigner *current_key(const Env *e);
/* Sign a checkpoint body for (size, root) with signer. */
char *signed_checkpoint(NoteSigner *signer, uint64_t size, const MerkleHash root);
