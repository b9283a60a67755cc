/* Start-up check of jitd's state files: owner, mode and no symlinks (A43). */
#pragma once

#include "policy.h"

/* Check the state directory, its keys/ directory, every key file in it, the journal and the
 * published identity key. Each must be owned by root (or by jitd's own euid when it runs
 * unprivileged) and not be a symlink; directories, the journal and the published key must not be
 * group- or world-writable; key files must be 0600 or stricter. Missing ones are fine: the journal
 * writer creates them itself, with safe modes.
 * 0 if all is well. Otherwise a negative errno (-EPERM for a wrong owner or mode, -ELOOP for a
 * symlink, -ENOTDIR or -EBADF for the wrong kind of file, or what a failed check returned) and
 * *ret_message, one sentence that names the path, what is wrong and the fix. Never logs. */
int state_check(const PolicyDaemon *d, char **ret_message);
