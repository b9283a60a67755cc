/* The signed journal: writer (jitd), reader (replay, jitctl log) and offline verifier (jitctl verify).
 * Format: docs/journal-format.md. Library code: never logs, returns negative errno. Besides the errors
 * each function names, anything that hashes may return -EIO if libcrypto's SHA-256 fails (lib/sha256.h):
 * never a record or verdict without its hash. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "journal-record.h"
#include "merkle.h"
#include "note.h"

#define JOURNAL_DEFAULT_EPOCH_USEC (3600ULL * 1000000ULL)
#define JOURNAL_MIN_EPOCH_USEC 1000ULL
#define JOURNAL_MAX_EPOCH_USEC (366ULL * 24 * 3600 * 1000000ULL)
/* Records buffered between commits; an append beyond this returns -ENOBUFS. */
#define JOURNAL_MAX_PENDING_BYTES (16U * 1024 * 1024)

/* ---- writer ---- */

/* Told of each record the writer makes itself (key, checkpoint, link, repair) once it is durable, e.g.
 * to mirror it: seq, type, its exact line (without the newline) and leaf hash. Must not call the
 * writer. */
typedef void (*JournalLineHook)(void *userdata, const char *origin, uint64_t seq, RecordType type,
                                const char *line, size_t len, const MerkleHash leaf);

typedef struct JournalOptions {
        const char *path;      /* the journal file, e.g. /var/lib/jit/journal */
        const char *state_dir; /* epoch keys, e.g. /var/lib/jit/keys (created 0700) */
        const char
            *pubkey_path;   /* where the identity verifier key is published, e.g. /var/lib/jit/journal.pub */
        const char *origin; /* checkpoint origin and key name, e.g. "host.example/jit" */
        uint64_t epoch_usec;       /* key epoch length for new epochs; 0 = JOURNAL_DEFAULT_EPOCH_USEC */
        uint64_t now_usec;         /* CLOCK_REALTIME; tests pass fake times */
        uint64_t max_file_size;    /* journal_writer_wants_rotation() from this size on; 0 = never */
        JournalLineHook line_hook; /* optional, also called for what opening the journal writes */
        void *line_hook_userdata;
} JournalOptions;

typedef struct JournalWriter JournalWriter;

/* Open or create the journal and take its lock. A new journal gets a new identity key (epoch 0),
 * published to pubkey_path, and a first "key" record plus checkpoint. An existing one is checked;
 * a torn tail (crash during a commit) is cut off and recorded in a "repair" record; uncovered
 * complete records are kept and covered by a new checkpoint; epochs that ended are sealed.
 * -EBUSY if another writer holds the lock (A36); -EBADMSG if the file is damaged before its
 * last checkpoint (run jitctl verify); -ENOKEY if the current epoch's key is missing;
 * -EEXIST if pubkey_path already holds a different key when creating a journal; -ELOOP if the
 * journal, the key directory or a key file is a symlink; -EPERM if one of them has a wrong owner
 * (neither root nor the caller's euid) or mode (journal or key directory group- or world-writable,
 * a key file accessible to group or others). */
int journal_writer_open(const JournalOptions *o, JournalWriter **ret);

/* Buffer one record; not durable until journal_writer_commit() returns 0. The record's seq and leaf
 * hash (for the journald mirror) are returned; they are only valid if the commit succeeds.
 * -EINVAL (bad type, key, duplicate key, non-UTF-8 value), -EMSGSIZE (line over 64 KiB), -ENOBUFS. */
int journal_writer_append(JournalWriter *w, RecordType type, const JournalField *fields, size_t n_fields,
                          uint64_t now_usec, uint64_t *ret_seq, MerkleHash ret_leaf_hash);

/* Group commit: write the buffered records and one signed checkpoint with one write and one fdatasync,
 * and seal every epoch that has ended by now_usec (each in its own durable step). On failure
 * (ENOSPC, EIO, EROFS, ...) the buffered records are dropped, the file is cut back to its last
 * durable state and the error returned; the caller must treat those records as never written.
 * A later commit can succeed once the cause is gone (A35). */
int journal_writer_commit(JournalWriter *w, uint64_t now_usec);

/* The exact line (without its newline) of the record the last successful journal_writer_append()
 * buffered; valid until the next call on w. */
void journal_writer_last_line(JournalWriter *w, const char **ret_line, size_t *ret_len);

/* True if records are buffered. */
bool journal_writer_dirty(JournalWriter *w);
/* When the current epoch ends: call journal_writer_commit() then (even if not dirty) to seal it. */
uint64_t journal_writer_next_epoch_usec(JournalWriter *w);
/* Copy of the last durable checkpoint note. */
int journal_writer_last_checkpoint(JournalWriter *w, char **ret_note);
/* Durable records (the next seq once pending records are dropped or written). */
uint64_t journal_writer_size(JournalWriter *w);
uint64_t journal_writer_epoch(JournalWriter *w);
/* Identity (epoch 0) verifier key text, as published. */
const char *journal_writer_identity(JournalWriter *w);
/* The journal's origin (the name of its checkpoints and keys): the host a request was made on. */
const char *journal_writer_origin(JournalWriter *w);
/* ---- rotation (journal-rotate.c) ----
 *
 * The file is rotated between commits: path is renamed to its rotated name (journal_rotated_name: the
 * seq of its first record, so names sort in order) and a new file takes its place, beginning with a
 * link record that commits to the previous file's last checkpoint (docs/journal-format.md §4.6). The
 * log itself goes on: seq, chain, tree and epoch keys continue. The new file is written whole and made
 * durable under a temporary name first, so a crash leaves either the old file current or the new one
 * complete. */

/* The file has reached max_file_size (and more than twice its own head, so a large head does not
 * rotate at every commit), and nothing is buffered. */
bool journal_writer_wants_rotation(JournalWriter *w);
/* Buffer the link record of the next file. Records appended now (journal_writer_append) go into the
 * next file with it, e.g. the state a reader of that file alone needs; then commit or abort.
 * -EBUSY if records are buffered. */
int journal_writer_rotate_begin(JournalWriter *w, uint64_t now_usec);
/* Write the next file (link, appended records, a checkpoint), fsync it, give the current file its
 * rotated name, rename the next file into place and fsync the directory. On failure nothing changed:
 * the buffered records are dropped and the current file stays current; -EEXIST if the rotated name is
 * taken by another file. */
int journal_writer_rotate_commit(JournalWriter *w);
void journal_writer_rotate_abort(JournalWriter *w);
/* A new MaxFileSize (a configuration reload); 0 never rotates. */
void journal_writer_set_max_file_size(JournalWriter *w, uint64_t max_file_size);
/* Seq of the current file's first record (0 until the first rotation). */
uint64_t journal_writer_file_first_seq(JournalWriter *w);

/* <dir>/<stem>-<first_seq as 16 digits><ext> for path <dir>/<stem><ext> (ext: from the last dot of the
 * file name, e.g. ".jsonl"). */
int journal_rotated_name(const char *path, uint64_t first_seq, char **ret);
/* The files of the series path is the current file of: the rotated files beside it, in seq order, then
 * path itself if it exists. path may also be a directory: the files of the default name in it
 * (journal.jsonl and journal-*.jsonl). A rotated name that is a second name of the current file (a
 * rotation not finished yet) is left out. *ret is a NULL-terminated array; free with
 * journal_series_free. */
int journal_series_list(const char *path, char ***ret, size_t *ret_n);
void journal_series_free(char **list);

/* Write a clean "stop" record is up to the caller; this only flushes nothing and releases the lock. */
void journal_writer_free(JournalWriter *w);
static inline void journal_writer_freep(JournalWriter **w)
{
        if (*w)
                journal_writer_free(*w);
}

/* ---- reader ---- */

typedef struct JournalRecord {
        uint64_t seq;
        uint64_t time_usec;
        uint64_t epoch;
        RecordType type;
        const char *type_name;
        const JournalField *fields; /* sorted by key; strings valid until the next call */
        size_t n_fields;
        const char *line; /* raw bytes without the newline */
        size_t line_len;
        uint64_t offset;
        MerkleHash leaf_hash;
} JournalRecord;

typedef struct JournalReader JournalReader;

int journal_reader_open(const char *path, JournalReader **ret);
/* 1 and a record; 0 at the end (call again later to follow a growing file); -EBADMSG if the record
 * is malformed or breaks the seq/prev chain (journal_reader_error() says why). Signatures are not
 * checked here: use journal_verify(). A partial last line is not returned until it is complete. */
int journal_reader_next(JournalReader *r, JournalRecord *ret);
const char *journal_reader_error(JournalReader *r);
/* Bytes after the last complete record (a torn tail, or a record being written). */
uint64_t journal_reader_partial_bytes(JournalReader *r);
/* Does path still name the file r reads? (Not once the journal was rotated.) */
bool journal_reader_reads(JournalReader *r, const char *path);
void journal_reader_free(JournalReader *r);
static inline void journal_reader_freep(JournalReader **r)
{
        if (*r)
                journal_reader_free(*r);
}

/* ---- verifier ---- */

typedef struct JournalEpochKey {
        uint64_t epoch;
        uint64_t first_seq;
        uint64_t start_usec;
        uint64_t epoch_usec;
        NoteVerifier key;
} JournalEpochKey;

typedef struct JournalVerifyOptions {
        const char *pubkey_text;      /* the trusted identity (epoch 0) verifier key; required */
        const char *saved_checkpoint; /* a checkpoint note saved earlier, or NULL */
        bool all_signatures;          /* also verify every intermediate checkpoint signature */
        bool keep_leaves;             /* return every leaf hash (for proofs, mirror cross-checks) */
} JournalVerifyOptions;

typedef struct JournalVerifyResult {
        bool ok;
        /* The first bad record: line (1-based) and seq, or 0 / UINT64_MAX when the failure is not tied
         * to one line (e.g. the saved checkpoint does not match); reason says what is wrong. */
        uint64_t bad_line;
        uint64_t bad_seq;
        uint64_t bad_offset;
        char reason[320];
        uint64_t tail_offset; /* where the records after the last checkpoint begin */

        uint64_t n_records;
        uint64_t n_checkpoints;
        uint64_t n_signatures; /* signatures verified */
        uint64_t tree_size;    /* size of the last checkpoint */
        MerkleHash root;       /* its root */
        char origin[NOTE_MAX_NAME + 1];
        uint64_t epoch;          /* current epoch */
        uint64_t epoch_end_usec; /* when it ends; a live journal is sealed again soon after */
        char *last_checkpoint;   /* the last checkpoint note (malloc'd) */
        JournalEpochKey *keys;   /* every epoch's key, epoch 0 first */
        size_t n_keys;
        MerkleHash *leaves; /* with keep_leaves: leaf hash of every record (zero before first_seq) */
        uint64_t n_leaves;

        /* A series of files (rotation): which one failed (index into the paths given), and whether the
         * first file continues one that was not given: then nothing before first_seq was checked, and
         * the epoch key the first file's link names is taken on its word (prev_first_seq: where the
         * file before it began). */
        size_t n_files;
        size_t bad_file;
        bool partial;
        uint64_t first_seq;
        uint64_t prev_first_seq;
} JournalVerifyResult;

/* 0 if the journal verifies; -EBADMSG if it does not (ret says where and why); other negative errno
 * if it cannot be read or the key is unusable (-EINVAL). ret must be released with
 * journal_verify_result_done() in every case. */
int journal_verify_full(const char *path, const JournalVerifyOptions *o, JournalVerifyResult *ret);
int journal_verify(const char *path, const char *pubkey_text, const char *saved_checkpoint,
                   JournalVerifyResult *ret);
/* The same over a series of files, oldest first, checked as one log: each file after the first must
 * begin with a link record that continues the one before it exactly; every file but the last must end
 * with a checkpoint; a rotated file's name must give the seq it begins at. bad_line counts lines of the
 * file bad_file. */
int journal_verify_series(const char *const *paths, size_t n_paths, const JournalVerifyOptions *o,
                          JournalVerifyResult *ret);
/* The same over lines in memory (each without its newline), seq 0 first, as one file: what a collector
 * rebuilt from journald. No saved checkpoint (-EINVAL). bad_line is bad_seq + 1. */
typedef struct JournalLine {
        const char *line;
        size_t len;
} JournalLine;
int journal_verify_lines(const JournalLine *lines, size_t n, const JournalVerifyOptions *o,
                         JournalVerifyResult *ret);
/* Does path's file name have the form of a rotated file ("<stem>-<16 digits><ext>")? Its seq, if so. */
bool journal_rotated_name_seq(const char *path, uint64_t *ret);
void journal_verify_result_done(JournalVerifyResult *r);

/* ---- receipts (c2sp.org/tlog-proof) ---- */

/* The largest receipt: its certificate chain grows by about 1 KiB (base64) per epoch, so this holds
 * some 60 000 epochs, seven years of hourly ones. */
#define JOURNAL_MAX_RECEIPT (64U * 1024 * 1024)

/* Build a receipt for record seq against checkpoint_note (which must cover it), using all leaf
 * hashes. The "extra" data is record_line, then each of chain[] (the genesis record and the key
 * records up to the checkpoint's epoch; none for epoch 0) after a newline, so the receipt shows what it
 * proves and carries what it takes to check it. -ERANGE if the checkpoint does not cover seq, -E2BIG
 * over JOURNAL_MAX_RECEIPT, -EINVAL for a malformed checkpoint or line. */
int journal_proof_format(uint64_t seq, const char *record_line, size_t record_len, const char *const *chain,
                         const size_t *chain_len, size_t n_chain, const MerkleHash *leaves,
                         uint64_t n_leaves, const char *checkpoint_note, char **ret);
/* A receipt for record seq of the journal at path, whose leaves[] a verification returned: against the
 * first checkpoint after the record (signed in the record's own epoch), with the certificate chain from
 * the identity key to that epoch. -ERANGE if no checkpoint covers seq yet; reader errors otherwise. */
int journal_prove(const char *path, const MerkleHash *leaves, uint64_t n_leaves, uint64_t seq, char **ret);
/* The same over a series of files from the first (genesis) one on. */
int journal_prove_series(const char *const *paths, size_t n_paths, const MerkleHash *leaves,
                         uint64_t n_leaves, uint64_t seq, char **ret);
/* Check a receipt. keys[0] is the trusted identity key (epoch 0); further keys, if any, are the epoch
 * keys of a verified journal. A receipt that carries a certificate chain needs only keys[0]: the chain
 * must start at the genesis record of that key and certify each epoch in turn up to the one that
 * signed the checkpoint (and agree with any further keys[]). The checkpoint must be signed by that
 * epoch's key for a size within its epoch, and in the record's own epoch (the next one for a seal
 * checkpoint); the extra data must start with a record with that seq, and the inclusion proof must
 * lead to the root. Returns 0 and the record line (malloc'd), -EBADMSG with a reason, -EINVAL if
 * keys[0] is not an epoch-0 key, -ENOMEM. */
int journal_proof_verify(const char *proof, size_t len, const JournalEpochKey *keys, size_t n_keys,
                         char **ret_record, uint64_t *ret_seq, const char **ret_reason);
