/* Signed decisions in a journal, checked offline (`jitctl verify`): each approve or deny record that
 * carries a signature is re-checked from the record alone, against the approvers file as the journal
 * recorded it then. Never logs. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "journal.h"

typedef struct ApprovalCheck ApprovalCheck;

/* origin: the journal's (the statement names it). -ENOMEM. */
int approval_check_new(const char *origin, ApprovalCheck **ret);
void approval_check_free(ApprovalCheck *c);

/* One record, in journal order. 0 if it is not a signed decision or its signature checks out;
 * -EBADMSG with reason set when it does not (the statement rebuilt from the record is not the one
 * signed, the signature does not verify, the approvers file it names is not in the journal or does
 * not list the key for the signer, the signer is not the record's approver); -ENOMEM. */
int approval_check_record(ApprovalCheck *c, const JournalRecord *rec, char *reason, size_t reason_size);

/* What was checked: signed decisions, and versions of the approvers file seen. */
uint64_t approval_check_signed(const ApprovalCheck *c);
size_t approval_check_versions(const ApprovalCheck *c);
/* The version the latest signed decision was checked against (a file changed back to an older
 * version is that older one again): its index, or false when no decision was signed. */
bool approval_check_last_used(const ApprovalCheck *c, size_t *ret_i);
/* The i-th version (0 = first): its SHA-256 (hex), text, and the seq of the record that recorded it. */
void approval_check_version(const ApprovalCheck *c, size_t i, const char **ret_hash, const char **ret_text,
                            uint64_t *ret_seq);
