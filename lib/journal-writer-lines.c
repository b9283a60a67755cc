/* The writer's line hook: its own records (key, checkpoint, link, repair), told to the caller once
 * durable, so jitd can mirror every line of the journal and a collector rebuild it from journald. */
#include <string.h>

#include "journal-writer-internal.h"

static bool type_is_own(RecordType type)
{
        return type == RECORD_KEY || type == RECORD_CHECKPOINT || type == RECORD_LINK ||
               type == RECORD_REPAIR;
}

void journal_writer_note_line(JournalWriter *w, RecordType type, uint64_t seq, size_t start, size_t len,
                              const MerkleHash leaf)
{
        w->last_line_start = start;
        w->last_line_len = len;
        /* More than the bound cannot happen in one commit; were it to, the collector would see a gap,
         * never a wrong line. */
        if (!w->line_hook || !type_is_own(type) || w->n_own >= JOURNAL_MAX_OWN_LINES)
                return;
        w->own[w->n_own].start = start;
        w->own[w->n_own].len = len;
        w->own[w->n_own].seq = seq;
        w->own[w->n_own].type = type;
        memcpy(w->own[w->n_own].leaf, leaf, MERKLE_HASH_SIZE);
        w->n_own++;
}

void journal_writer_report_lines(JournalWriter *w)
{
        for (size_t i = 0; i < w->n_own; i++)
                w->line_hook(w->line_hook_userdata, w->origin, w->own[i].seq, w->own[i].type,
                             w->buf + w->own[i].start, w->own[i].len, w->own[i].leaf);
        w->n_own = 0;
}

void journal_writer_last_line(JournalWriter *w, const char **ret_line, size_t *ret_len)
{
        *ret_line = w->buf + w->last_line_start;
        *ret_len = w->last_line_len;
}
