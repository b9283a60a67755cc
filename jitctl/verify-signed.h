/* jitctl verify's check of signed decisions (verify-signed.c). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "journal-files.h"
#include "journal.h"

typedef struct VerifySigned {
        uint64_t n_signed;        /* signed approvals and denials whose signatures checked out */
        size_t n_versions;        /* versions of the approvers file the journal recorded */
        uint64_t approvers_seq;   /* the last one's record */
        char approvers_note[512]; /* with --approvers: how the file on disk compares */
} VerifySigned;

/* Read files again (already verified) and check every signed decision; with approvers_path, compare
 * that file with the last recorded version. 0; -EBADMSG with res marked bad (ok false, the record,
 * the reason); another negative errno if a file cannot be read (said on stderr). */
int verify_signed_decisions(const JournalFiles *files, const char *approvers_path, JournalVerifyResult *res,
                            VerifySigned *out);
