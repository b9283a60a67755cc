/* Internals shared by the journal writer, reader and verifier: line reading and the record walk. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "journal.h"
#include "journal-util.h"

/* ---- reading lines from a file in large chunks ---- */

typedef struct LineReader {
        int fd;
        char *buf;
        size_t cap;
        size_t start, end; /* unread bytes are buf[start..end) */
        uint64_t offset;   /* file offset of buf[start] */
} LineReader;

int line_reader_init(LineReader *lr, int fd, uint64_t offset);
void line_reader_done(LineReader *lr);
/* 1 and a line without its newline; 0 at the end of the file (*ret_len then counts the bytes of an
 * unterminated last line, which stay unread); -EMSGSIZE for a line longer than JOURNAL_MAX_LINE;
 * other negative errno for read errors. *ret_offset is where the line starts. */
int line_reader_next(LineReader *lr, const char **ret_line, size_t *ret_len, uint64_t *ret_offset);

/* ---- walking records: every rule of the format except the final checks ---- */

typedef struct JournalWalk {
        /* Settings. */
        const NoteVerifier *trusted; /* epoch-0 key the genesis record must carry; NULL accepts any */
        bool file_start;             /* the next line is the first of a file (journal-link.c) */
        bool all_signatures;
        bool attribute; /* on a prev mismatch, use the next checkpoint to name the altered record */
        bool keep_leaves;
        uint64_t want_size; /* remember the root at this size (saved checkpoint); 0 = none */

        JitSha256 *sha;

        /* State after the last accepted record. */
        uint64_t n; /* records accepted = next seq */
        MerkleHash prev;
        uint64_t prev_offset; /* where the last accepted record starts */
        MerkleFrontier tree;
        MerkleFrontier tree_before_checkpoint; /* the tree the last checkpoint signed */
        uint64_t last_time;
        NoteVerifier identity; /* epoch 0's key: from the genesis record, or a link record */
        /* Rotation: the walk began at a link record (history before first_seq not at hand), and
         * where the file being walked begins. */
        bool partial;
        uint64_t first_seq;
        uint64_t file_first_seq;
        uint64_t prev_first_seq; /* with partial: where the file before the first one began */
        uint64_t end_offset;
        char origin[NOTE_MAX_NAME + 1];
        JournalEpochKey cur;
        JournalEpochKey *keys; /* ended epochs */
        size_t n_keys, keys_alloc;
        bool in_seal; /* the last record is a key record: a checkpoint must follow */
        JournalEpochKey next;
        uint64_t key_record_offset;
        uint64_t n_checkpoints, n_signatures;
        bool last_is_checkpoint;
        uint64_t last_checkpoint_seq;
        uint64_t last_checkpoint_end;
        uint64_t last_checkpoint_offset;
        char *last_checkpoint; /* note text */
        bool last_checkpoint_verified;
        NoteVerifier last_checkpoint_key;
        MerkleHash last_checkpoint_root;
        MerkleHash *leaves;
        uint64_t leaves_alloc;
        bool have_want_root;
        MerkleHash want_root;

        /* Attribution of a prev mismatch (see journal-walk.c). */
        bool suspect;
        uint64_t suspect_seq;
        uint64_t suspect_offset;
        uint64_t suspect_prev_offset;

        char *scratch; /* decoded fields of key and checkpoint records */

        /* The failure. */
        uint64_t bad_seq;
        uint64_t bad_offset;
        char reason[320];
} JournalWalk;

/* -ENOMEM or -EIO (no SHA-256 context); journal_walk_done() is safe either way. */
int journal_walk_init(JournalWalk *w);
void journal_walk_done(JournalWalk *w);
/* Feed the next line. 0 if accepted; -EBADMSG with bad_seq/bad_offset/reason otherwise. Other
 * negative errno (ENOMEM, or EIO if libcrypto fails to hash) for resource failures. */
int journal_walk_line(JournalWalk *w, const char *line, size_t len, uint64_t offset);
/* After the last line: the journal must end in a checkpoint, whose signature is checked now. */
int journal_walk_finish(JournalWalk *w);
/* Record a failure that is not about one record's content (torn tail, read error). */
int journal_walk_fail(JournalWalk *w, uint64_t seq, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Is a checkpoint of this size one that epoch idx's key may sign? keys[] holds consecutive epochs,
 * keys[0] first; the last one is open-ended. A checkpoint at seq n covers n records and is written in
 * the epoch of seq n, so epoch e's key signs sizes first_seq(e) .. first_seq(e+1) - 1
 * (docs/journal-format.md §5.3). */
bool journal_epoch_covers(const JournalEpochKey *keys, size_t n_keys, size_t idx, uint64_t size);

/* Check a key record (docs/journal-format.md §4.2-4.3) on its own, as the walk and receipts both do.
 * Seq 0 is the genesis record: its key must equal trusted (unless NULL); the origin it names is copied
 * to ret_origin (NOTE_MAX_NAME + 1 bytes) if not NULL. Any other seq seals epoch cur: it must certify
 * epoch cur->epoch + 1 for this origin with cur's key, under a key ID no earlier epoch (earlier[],
 * then cur) had. scratch holds the decoded fields (JOURNAL_MAX_LINE bytes). 0 and *ret the key the
 * record names; -EBADMSG and a reason; -ENOMEM. */
int journal_key_record_check(const JournalRecordView *v, const NoteVerifier *trusted, const char *origin,
                             const JournalEpochKey *cur, const JournalEpochKey *earlier, size_t n_earlier,
                             char *scratch, size_t scratch_size, JournalEpochKey *ret, char *ret_origin,
                             char *reason, size_t reason_size);

/* The key certificate text a key record's "cert" note signs. */
int journal_key_cert_text(const char *origin, const JournalEpochKey *r, const MerkleHash prev, char **ret);

/* The first line of a file (journal-link.c): a link record continues the files walked before, or
 * starts a walk that has no history before it (partial); a genesis record must come first. */
int journal_walk_file_start(JournalWalk *w, const JournalRecordView *v, uint64_t offset);
/* The tree of a link record: the frontier hashes as standard base64, largest subtree first, one space
 * between them. out holds JOURNAL_FRONTIER_TEXT_MAX bytes. */
#define JOURNAL_FRONTIER_TEXT_MAX (MERKLE_MAX_PROOF * (JIT_BASE64_LEN(MERKLE_HASH_SIZE) + 1) + 1)
void journal_frontier_format(const MerkleFrontier *f, char *out);
int journal_frontier_parse(const char *s, uint64_t size, MerkleFrontier *ret);
bool journal_frontier_equal(const MerkleFrontier *a, const MerkleFrontier *b);

/* journal-verify.c: a finished walk's result (takes its note and leaves, frees the walk); returns r,
 * or -ENOMEM. */
int journal_verify_result_fill(JournalWalk *w, int r, JournalVerifyResult *ret);

/* Walk a whole file (from offset 0) through w; on a clean end returns 0 with *ret_partial the bytes of an
 * unterminated last line (not fed to w). Stops at the first failure. */
int journal_walk_file(JournalWalk *w, int fd, uint64_t *ret_partial);
