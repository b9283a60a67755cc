/* The journal's epoch signing keys on disk, and the published identity (epoch 0) verifier key. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "note.h"

/* Key files are named KEYS_FILE_PREFIX<epoch> inside the key directory. */
#define KEYS_FILE_PREFIX "journal-key."

/* Open (creating it 0700 if missing) the key directory, never through a symlink (-ELOOP); -EPERM if
 * it is writable by group or others or owned by anyone but root or the caller's euid. */
int keys_open_dir(const char *path, int *ret_fd);
/* Generate the key for an epoch and store it O_EXCL, 0600, fsync'ed with its directory. */
int keys_create(int dir_fd, uint64_t epoch, const char *name, NoteSigner **ret);
/* -ENOENT if the epoch has no key file; -ELOOP if it is a symlink, -EBADF if not a regular file,
 * -EPERM if anyone but its owner may read or write it or its owner is not root or the caller's euid. */
int keys_load(int dir_fd, uint64_t epoch, const char *name, NoteSigner **ret);
/* Overwrite the key file with zeros, sync, unlink, sync the directory. Missing is not an error.
 * (On copy-on-write or journalling file systems the overwrite is best effort; the unlink is not.) */
int keys_erase(int dir_fd, uint64_t epoch);
/* Epochs that have a key file, unsorted; -E2BIG if more than max. */
int keys_list(int dir_fd, uint64_t *ret, size_t max, size_t *ret_n);

/* Write "<verifier key>\n" to path (0644, atomically). If the file exists it must already hold the
 * same key: a different one is -EEXIST, so a new journal never silently replaces a published identity. */
int keys_publish(const char *path, const NoteVerifier *v);
/* Read a verifier key file: one key, optionally followed by one newline. */
int keys_read_verifier(const char *path, NoteVerifier *ret);
/* The same, from text already in memory. */
int keys_parse_verifier_text(const char *text, size_t len, NoteVerifier *ret);
