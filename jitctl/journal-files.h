/* What jitctl's journal verbs share: default paths, small files, the trusted key, and which files of a
 * rotated journal a verb reads. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "journal.h"

#define EXIT_FAILED 1

/* --journal's default: $JIT_JOURNAL or /var/lib/jit/journal.jsonl; --key's: $JIT_JOURNAL_PUB or
 * /var/lib/jit/journal.pub. */
const char *ctl_default_journal(void);
const char *ctl_default_pubkey(void);
/* Read a small text file whole ("-" is stdin); NUL-terminated. */
int ctl_read_text(const char *path, size_t max, char **ret);
/* The trusted identity key, checked for form; says what is wrong on stderr. */
int ctl_load_pubkey(const char *path, char **ret);
void ctl_print_sanitized(FILE *f, const char *s, size_t max);

/* The files a verb reads, oldest first. */
typedef struct JournalFiles {
        char **paths; /* NULL-terminated */
        size_t n;
} JournalFiles;

/* Explicit files (each a file, or a directory standing for the series in it), in the order given; or
 * with none, the series of journal: that file and the rotated files beside it. Says what is wrong
 * on stderr (no such file; nothing to read). */
int ctl_journal_files(const char *verb, const char *journal, char *const *args, size_t n_args,
                      JournalFiles *ret);
void ctl_journal_files_done(JournalFiles *f);
/* jitd may rotate the journal between the listing of its files and their reading: then a file is
 * missing from the list, which looks like a gap. True if the series of journal lists other files
 * now than f (then read them again). */
bool ctl_journal_files_changed(const JournalFiles *f, const char *journal);

/* List the series of journal into files and verify it (so that what a verb prints can be trusted),
 * listing it again if jitd rotated the journal meanwhile; says why not on stderr. */
int ctl_journal_verified(const char *verb, const char *journal, const char *key, bool keep_leaves,
                         JournalFiles *files, JournalVerifyResult *res);
