/* jitctl verify's second pass: every signed approval and denial re-checked offline against the
 * approvers file as the journal recorded it; and, with --approvers, whether the file on disk is
 * still the version the journal last recorded (a file changed after the fact). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "approval-check.h"
#include "journal-files.h"
#include "sha256.h"
#include "sshsig.h"
#include "util.h"
#include "verify-signed.h"

static int compare_approvers(const ApprovalCheck *c, const char *path, VerifySigned *out,
                             JournalVerifyResult *res)
{
        _cleanup_free_ char *text = NULL;
        const char *hash, *recorded;
        size_t last;
        uint8_t h[32];
        char hex[65];
        int r;

        r = ctl_read_text(path, SSHSIG_MAX_ALLOWED + 1, &text);
        if (r < 0) {
                fprintf(stderr, "jitctl: verify: cannot read the approvers file %s: %s\n", path,
                        strerror(-r));
                return r;
        }
        if (jit_sha256_once(text, strlen(text), h) < 0)
                return -EIO;
        sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
        if (!approval_check_last_used(c, &last)) {
                snprintf(out->approvers_note, sizeof(out->approvers_note),
                         "no signed decision recorded a version of the approvers file; %s was not compared",
                         path);
                return 0;
        }
        approval_check_version(c, last, &hash, &recorded, &out->approvers_seq);
        if (streq(hash, hex)) {
                snprintf(out->approvers_note, sizeof(out->approvers_note),
                         "%s is the version the journal recorded last (seq %" PRIu64 ")", path,
                         out->approvers_seq);
                return 0;
        }
        res->ok = false;
        res->bad_line = 0;
        res->bad_seq = UINT64_MAX;
        snprintf(res->reason, sizeof(res->reason),
                 "the approvers file %s is not the version the journal recorded last (seq %" PRIu64
                 ", sha256 %.16s...): it changed after the last signed decision; the signatures were "
                 "checked against the recorded versions",
                 path, out->approvers_seq, hash);
        return -EBADMSG;
}

int verify_signed_decisions(const JournalFiles *files, const char *approvers_path, JournalVerifyResult *res,
                            VerifySigned *out)
{
        ApprovalCheck *c = NULL;
        int r;

        *out = (VerifySigned){};
        r = approval_check_new(res->origin, &c);
        if (r < 0)
                return r;
        for (size_t i = 0; i < files->n && r >= 0; i++) {
                _cleanup_(journal_reader_freep) JournalReader *reader = NULL;
                JournalRecord rec;
                uint64_t line = 0;

                r = journal_reader_open(files->paths[i], &reader);
                while (r >= 0 && (r = journal_reader_next(reader, &rec)) > 0) {
                        line++;
                        r = approval_check_record(c, &rec, res->reason, sizeof(res->reason));
                        if (r == -EBADMSG) {
                                res->ok = false;
                                res->bad_file = i;
                                res->bad_seq = rec.seq;
                                res->bad_line = line;
                        }
                }
                if (r < 0 && r != -EBADMSG)
                        fprintf(stderr, "jitctl: verify: cannot read %s again: %s\n", files->paths[i],
                                strerror(-r));
        }
        if (r >= 0 && approvers_path) {
                r = compare_approvers(c, approvers_path, out, res);
                if (r == -EBADMSG)
                        res->bad_file = files->n - 1;
        }
        out->n_signed = approval_check_signed(c);
        out->n_versions = approval_check_versions(c);
        approval_check_free(c);
        return r < 0 ? r : 0;
}
