/* The journal writer's state, shared by its files: commit (journal-writer.c), opening and crash
 * repair (journal-recover.c) and file rotation (journal-rotate.c). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "journal-internal.h"
#include "sha256.h"

/* The writer's own records in one commit: a repair or link, a key record and a checkpoint at most. */
#define JOURNAL_MAX_OWN_LINES 8

/* The tree, chain and clock after some prefix of records. */
typedef struct ChainState {
        uint64_t n;
        MerkleFrontier tree;
        MerkleHash prev;
        uint64_t last_time;
        MerkleFrontier before_checkpoint; /* the tree the last checkpoint signed (for a link record) */
} ChainState;

struct JournalWriter {
        int fd;
        int dir_fd;
        char *pubkey_path;
        char origin[NOTE_MAX_NAME + 1];
        char identity[NOTE_VERIFIER_MAX];
        uint64_t epoch_usec; /* length given to new epochs */

        /* What is durable on disk. */
        uint64_t size;
        ChainState durable;
        char *last_checkpoint;
        bool last_is_checkpoint;

        /* Durable plus buffered records. */
        ChainState live;
        char *buf;
        size_t buf_len, buf_alloc;

        JournalEpochKey cur;
        NoteSigner *signer;
        JitSha256 *sha;
        bool needs_truncate; /* a failed commit could not cut the file back yet */
        bool stale_key;      /* an old epoch key could not be erased yet */
        uint64_t stale_epoch;
        /* Key IDs of every epoch so far: a new epoch key must not reuse one (a note names its key by
         * name and ID only, and every epoch key has the journal's name). */
        uint32_t *key_ids;
        size_t n_key_ids;

        /* Rotation (journal-rotate.c). */
        char *path;
        uint64_t max_file_size;  /* 0: never rotate */
        uint64_t file_first_seq; /* seq of this file's first record */
        uint64_t head_size;      /* bytes of this file's first commit, when jitd rotated it in */
        bool rotating;           /* a link record is buffered for the next file */

        /* The line hook (journal-writer-lines.c): where the last record and the writer's own records
         * sit in the pending buffer, reported once they are durable. */
        JournalLineHook line_hook;
        void *line_hook_userdata;
        size_t last_line_start, last_line_len;
        struct {
                size_t start, len;
                uint64_t seq;
                RecordType type;
                MerkleHash leaf;
        } own[JOURNAL_MAX_OWN_LINES];
        size_t n_own;
};

uint64_t journal_epoch_end(const JournalEpochKey *r);
int journal_writer_remember_key_id(JournalWriter *w, uint32_t id);
/* Format a record into the pending buffer and fold it into the live chain. */
int journal_writer_buffer(JournalWriter *w, RecordType type, const JournalField *fields, size_t n_fields,
                          uint64_t now_usec, uint64_t *ret_seq, MerkleHash ret_leaf);
/* Sign a checkpoint over the live tree and buffer it; returns the note. */
int journal_writer_buffer_checkpoint(JournalWriter *w, char **ret_note);
void journal_writer_drop_pending(JournalWriter *w);
/* journal-writer-lines.c: note where the record just buffered lies; after a durable write, report the
 * writer's own records to the line hook (and forget them either way). */
void journal_writer_note_line(JournalWriter *w, RecordType type, uint64_t seq, size_t start, size_t len,
                              const MerkleHash leaf);
void journal_writer_report_lines(JournalWriter *w);
int journal_write_all_at(int fd, const char *p, size_t n, uint64_t off);
/* Remove what an interrupted rotation left behind: the next file not yet renamed into place, and the
 * rotated name of the current file made just before the rename. */
int journal_writer_rotation_cleanup(JournalWriter *w);
/* fsync the directory of path. */
int journal_fsync_dir_of(const char *path);
/* The register of epoch key IDs in the key directory (journal-key-ids.c): append one before the
 * journal certifies its key; at open, merge the register with what the journal file told and
 * complete it. */
int journal_key_ids_append(JournalWriter *w, uint32_t id);
int journal_key_ids_sync(JournalWriter *w);
