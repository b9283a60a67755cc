/* Fuzz input as an argv: the bytes split on NUL into words, as /proc/PID/cmdline holds them. */
#pragma once

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A copy of data with a NUL after the last word (a trailing NUL in the input ends the last word),
 * and an array of exactly *ret_argc words into it, so that AddressSanitizer catches a read of
 * argv[argc]. Free both *ret_buf and the array. Aborts on ENOMEM. */
static inline char **fuzz_words(const uint8_t *data, size_t size, char **ret_buf, size_t *ret_argc)
{
        char *buf = malloc(size + 1), **argv;
        size_t argc = 0, r = 0;

        if (!buf)
                abort();
        memcpy(buf, data, size);
        buf[size] = '\0';
        for (size_t i = 0; i < size; i++)
                if (buf[i] == '\0' || i == size - 1)
                        argc++;
        argv = malloc(argc ? argc * sizeof(char *) : 1);
        if (!argv)
                abort();
        for (size_t i = 0; r < argc; i++) {
                argv[r++] = buf + i;
                i += strlen(buf + i);
        }
        *ret_buf = buf;
        *ret_argc = argc;
        return argv;
}
