/* Durations ("30m", "1h30m", "90s", "2d", or plain seconds) and time formatting. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Parse a positive duration no longer than JIT_MAX_DURATION_USEC; -EINVAL or -ERANGE otherwise. */
int jit_parse_duration(const char *s, uint64_t *ret_usec);
/* "1h30m", "45s", "0s". Writes at most n bytes. */
char *jit_format_duration(uint64_t usec, char *buf, size_t n);
/* CLOCK_REALTIME usec as "2026-11-27 14:32:05 UTC". */
char *jit_format_time(uint64_t usec, char *buf, size_t n);
uint64_t jit_now_usec(int clock);
