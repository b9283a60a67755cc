/* jitd's own diagnostics on stderr: with sd-daemon priority prefixes when systemd connected stderr
 * to journald (it sets JOURNAL_STREAM), plain for a person running jitd --check-config. */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#define log_full(level, ...)                                                                                \
        ({                                                                                                  \
                if (getenv("JOURNAL_STREAM"))                                                               \
                        fprintf(stderr, "<%d>", (level));                                                   \
                fprintf(stderr, __VA_ARGS__);                                                               \
                fputc('\n', stderr);                                                                        \
        })
#define log_debug(...) log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_full(LOG_ERR, __VA_ARGS__)
#define log_crit(...) log_full(LOG_CRIT, __VA_ARGS__)

/* Log with errno text and hand the negative errno back, for "return log_error_errno(r, ...)". */
#define log_error_errno(r, fmt, ...)                                                                        \
        ({                                                                                                  \
                int _e = (r) < 0 ? -(r) : (r);                                                              \
                log_full(LOG_ERR, fmt ": %s", ##__VA_ARGS__, strerror(_e));                                 \
                -_e;                                                                                        \
        })
