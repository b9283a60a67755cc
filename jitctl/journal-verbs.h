/* jitctl verbs that read the signed journal offline: log, verify, checkpoint, prove, verify-proof.
 * argv[0] is the verb's name; each parses its own options. Exit status: 0 ok, 1 failed or tampered,
 * 2 bad usage. Defaults: --journal /var/lib/jit/journal.jsonl, --key /var/lib/jit/journal.pub, or
 * $JIT_JOURNAL and $JIT_JOURNAL_PUB. */
#pragma once

int verb_log(int argc, char *argv[]);          /* log [--json] [--follow] [--journal FILE] */
int verb_verify(int argc, char *argv[]);       /* verify [--journal FILE] [--key FILE] [--checkpoint FILE]
                                                  [--all-signatures] [--json] [--journald] */
int verb_checkpoint(int argc, char *argv[]);   /* checkpoint [--journal FILE] [--key FILE] */
int verb_prove(int argc, char *argv[]);        /* prove SEQ [--journal FILE] [--key FILE] */
int verb_verify_proof(int argc, char *argv[]); /* verify-proof [--key FILE] [--journal FILE] [RECEIPT|-] */
