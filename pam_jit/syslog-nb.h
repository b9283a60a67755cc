/* The system log without ever blocking the host program. */
#pragma once

/* Send one line to /dev/log as "<PRI>TIMESTAMP IDENT[PID]: LINE" on a socket of its own that is
 * non-blocking, and close it. When the log does not take the line at once (journald stopped, slow or
 * rate-limiting: its queue is full) the line is dropped: glibc's syslog(3), and so pam_syslog(), would
 * block sudo instead (A37). errno is left as it was; no fd stays open. */
void jit_syslog(int priority, const char *ident, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
