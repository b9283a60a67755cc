/* Making untrusted strings safe to show: escapes for control bytes, bounded length. */
#pragma once

#include <stddef.h>

/* Escape control characters, backslashes, invalid UTF-8 and bidi overrides as \xNN or \u{...};
 * cut at max bytes (including the NUL) with a "..." marker. Returns a malloc'd string or NULL. */
char *jit_sanitize(const char *in, size_t in_len, size_t max);

/* The same without escaping backslashes: for text already sanitised upstream (jitd's answers),
 * made safe for a terminal once more without doubling every escape. */
char *jit_sanitize_terminal(const char *in, size_t in_len, size_t max);

/* Join a NUL-separated argv (as in /proc/PID/cmdline) into one shown line: each word sanitised,
 * words holding spaces or quotes are single-quoted, so "a b" and "a" "b" differ. NULL on ENOMEM. */
char *jit_join_argv(const char *buf, size_t len, size_t max);
