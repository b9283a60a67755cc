/* The module's options as written on its PAM line, parsed afresh at every call. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define JIT_DEFAULT_TIMEOUT_SEC 300
#define JIT_MAX_TIMEOUT_SEC 86400

typedef struct JitOptions {
        uint64_t timeout_usec; /* how long the module waits for a decision */
        bool failmode_open;    /* let the stack go on (PAM_IGNORE) when jitd or the bus is unreachable */
        bool debug;            /* LOG_DEBUG traces through pam_syslog */
        bool quiet;            /* no chatter; the request id, approve command and outcome still show */
} JitOptions;

/* Parse the PAM line's arguments into *ret. On failure returns -EINVAL (unknown option or bad value)
 * or -ERANGE (value out of bounds) and points *ret_bad at the offending argument. Never logs. */
int jit_options_parse(int argc, const char **argv, JitOptions *ret, const char **ret_bad);
