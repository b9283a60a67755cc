/* Making untrusted strings safe to show: escapes for control bytes, bounded length. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Escape control characters, backslashes and invalid UTF-8 as \xNN, and every code point that shows
 * as nothing or as a blank, or that reorders text (C1 controls, non-ASCII spaces, format and bidi
 * characters, default ignorables, noncharacters: see jit_codepoint_escaped()) as \u{...}; cut at
 * max bytes (including the NUL) with a "..." marker. Returns a malloc'd string or NULL. */
char *jit_sanitize(const char *in, size_t in_len, size_t max);

/* The same without escaping backslashes: for text already sanitised upstream (jitd's answers),
 * made safe for a terminal once more without doubling every escape. */
char *jit_sanitize_terminal(const char *in, size_t in_len, size_t max);

/* Join a NUL-separated argv (as in /proc/PID/cmdline) into one shown line: each word sanitised, a
 * quote inside a word escaped as \x27; a word that is empty, or holds any whitespace (ASCII or
 * Unicode), a quote or an escaped character is single-quoted, so "a b" and "a" "b" differ and
 * 'sudo\u{a0}tail' is one word. NULL on ENOMEM. */
char *jit_join_argv(const char *buf, size_t len, size_t max);

/* Whether the code point c is shown as an escape (\xNN for ASCII controls, \u{...} past ASCII). */
bool jit_codepoint_escaped(uint32_t c);
