/* The system log without letting a stopped journald stall the host program. */
#pragma once

/* How long one line may wait for room in /dev/log's queue. The queue holds few lines
 * (net.unix.max_dgram_qlen: 10 unless sysctl raised it), so a journald that is merely busy fills it
 * for a moment; a stopped one fills it for good. */
#define JIT_SYSLOG_WAIT_USEC (200 * 1000ULL)

/* Send one line to /dev/log as "<PRI>TIMESTAMP IDENT[PID]: LINE" on a socket of its own, waiting
 * at most JIT_SYSLOG_WAIT_USEC for the log to take it, and close the socket. When it does not take
 * the line by then (journald stopped, or rate-limiting) the line is dropped: glibc's syslog(3), and
 * so pam_syslog(), would block sudo for as long as journald does (A37). errno is left as it was; no
 * fd stays open. */
void jit_syslog(int priority, const char *ident, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
