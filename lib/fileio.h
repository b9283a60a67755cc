/* Reading a small file whole, bounded: the one read loop for configuration, keys and /proc. */
#pragma once

#include <stddef.h>

/* Read fd to its end into buf (max bytes at most, NUL-terminated: buf holds max + 1); -EFBIG when
 * the content fills max, so a longer file is never taken for a shorter one: a caller that accepts
 * up to N bytes passes max = N + 1. Other negative errno from read(2); EINTR is retried. */
int jit_read_fd_bounded(int fd, char *buf, size_t max, size_t *ret_len);
