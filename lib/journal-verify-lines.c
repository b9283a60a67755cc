/* Verifying a journal given as lines in memory rather than as files: the journal a collector
 * rebuilt from journald (jitctl verify --journald --directory). The same walk as for a file, so a
 * record journald holds is held to every rule the file is; the lines of a rotated journal run on
 * across its link records as a series of files does. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "journal-internal.h"
#include "keys.h"
#include "util.h"

int journal_verify_lines(const JournalLine *lines, size_t n, const JournalVerifyOptions *o,
                         JournalVerifyResult *ret)
{
        NoteVerifier trusted;
        JournalWalk w;
        uint64_t offset = 0;
        int r;

        *ret = (JournalVerifyResult){.bad_seq = UINT64_MAX};
        if (!o || !o->pubkey_text || o->saved_checkpoint ||
            keys_parse_verifier_text(o->pubkey_text, strlen(o->pubkey_text), &trusted) < 0)
                return -EINVAL;
        r = journal_walk_init(&w);
        if (r < 0) {
                journal_walk_done(&w);
                return r;
        }
        w.trusted = &trusted;
        w.attribute = true;
        w.all_signatures = o->all_signatures;
        w.keep_leaves = o->keep_leaves;
        w.file_start = true;

        for (size_t i = 0; i < n && r >= 0; i++) {
                JournalRecordView v;
                const char *why;

                /* A link record begins the next file of a rotated journal: the file before it must end
                 * sealed, and the link must continue it exactly, as between two files. */
                if (i > 0 && lines[i].len < JOURNAL_MAX_LINE &&
                    journal_record_parse(lines[i].line, lines[i].len, &v, &why) >= 0 &&
                    v.type == RECORD_LINK) {
                        r = journal_walk_finish(&w);
                        if (r < 0)
                                break;
                        w.file_start = true;
                        w.end_offset = 0;
                        offset = 0;
                }
                if (lines[i].len >= JOURNAL_MAX_LINE)
                        r = journal_walk_fail(&w, w.n, offset, "line longer than %u bytes",
                                              (unsigned)JOURNAL_MAX_LINE - 1);
                else
                        r = journal_walk_line(&w, lines[i].line, lines[i].len, offset);
                offset += lines[i].len + 1;
        }
        if (r >= 0)
                r = journal_walk_finish(&w);
        if (r == -EBADMSG) {
                ret->bad_seq = w.bad_seq;
                ret->bad_offset = w.bad_offset;
                ret->bad_line = w.bad_seq != UINT64_MAX ? w.bad_seq + 1 : 0;
                memcpy(ret->reason, w.reason, sizeof(ret->reason));
        }
        ret->n_files = 1;
        return journal_verify_result_fill(&w, r, ret);
}
