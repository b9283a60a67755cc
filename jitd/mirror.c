/* The journald mirror: one structured entry per record, so admins can use journalctl. */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

#include "duration.h"
#include "jit-record.h"
#include "jit-command.h"
#include "jitd.h"
#include "journal-record.h"
#include "sanitize.h"
#include "util.h"

#define MIRROR_MAX_FIELDS 34

struct MirrorEntry {
        size_t n;
        char *fields[MIRROR_MAX_FIELDS];
};

static const struct {
        const char *message_id;
        int priority;
} record_info[_RECORD_TYPE_MAX] = {
    [RECORD_REQUEST] = {JIT_MESSAGE_REQUEST, LOG_NOTICE},
    [RECORD_APPROVE] = {JIT_MESSAGE_APPROVE, LOG_INFO},
    [RECORD_DENY] = {JIT_MESSAGE_DENY, LOG_WARNING},
    [RECORD_EXPIRE] = {JIT_MESSAGE_EXPIRE, LOG_NOTICE},
    [RECORD_CANCEL] = {JIT_MESSAGE_CANCEL, LOG_NOTICE},
    [RECORD_GRANT_USE] = {JIT_MESSAGE_GRANT_USE, LOG_INFO},
    [RECORD_REVOKE] = {JIT_MESSAGE_REVOKE, LOG_NOTICE},
    [RECORD_KEY] = {JIT_MESSAGE_KEY, LOG_INFO},
    [RECORD_START] = {JIT_MESSAGE_START, LOG_INFO},
    [RECORD_STOP] = {JIT_MESSAGE_STOP, LOG_INFO},
    [RECORD_REPAIR] = {JIT_MESSAGE_REPAIR, LOG_CRIT},
    [RECORD_CHECKPOINT] = {JIT_MESSAGE_CHECKPOINT, LOG_DEBUG},
};

/* Add KEY=value, bounded (A37). Values were sanitised when they arrived (their backslashes
 * doubled); this pass escapes anything unsafe that is left without doubling those again, so journald
 * shows what jitctl shows. */
static int entry_add(MirrorEntry *e, const char *key, const char *value)
{
        _cleanup_free_ char *v = NULL;

        if (!value || !*value)
                return 0;
        if (e->n >= MIRROR_MAX_FIELDS)
                return -E2BIG;
        v = jit_sanitize_terminal(value, strlen(value), JIT_MAX_COMMAND);
        if (!v || asprintf(&e->fields[e->n], "%s=%s", key, v) < 0)
                return -ENOMEM;
        e->n++;
        return 0;
}

/* For text jitd made itself (checkpoint notes, keys): kept byte for byte so it can be checked. */
static int entry_add_raw(MirrorEntry *e, const char *key, const char *value)
{
        if (e->n >= MIRROR_MAX_FIELDS)
                return -E2BIG;
        if (asprintf(&e->fields[e->n], "%s=%s", key, value) < 0)
                return -ENOMEM;
        e->n++;
        return 0;
}

static int entry_addf(MirrorEntry *e, const char *key, const char *fmt, ...)
{
        _cleanup_free_ char *v = NULL;
        va_list ap;
        int k;

        va_start(ap, fmt);
        k = vasprintf(&v, fmt, ap);
        va_end(ap);
        if (k < 0)
                return -ENOMEM;
        return entry_add(e, key, v);
}

static int entry_message(MirrorEntry *e, RecordType type, const Request *r)
{
        char until[64];

        switch (type) {
        case RECORD_REQUEST:
                return entry_addf(e, "MESSAGE", "request %s: %s wants %s: %s (%s)", r->id, r->user,
                                  r->service, request_command_shown(r),
                                  command_kind_to_string(r->command_kind));
        case RECORD_APPROVE:
                if (r->state == REQUEST_PENDING)
                        return entry_addf(e, "MESSAGE", "request %s: approval %zu of %u recorded", r->id,
                                          r->n_approvals, r->rule ? r->rule->approvals : 1);
                if (r->break_glass)
                        return entry_addf(e, "MESSAGE", "BREAK-GLASS: %s approved their own request %s: %s",
                                          r->user, r->id, r->comment);
                return entry_addf(
                    e, "MESSAGE", "request %s approved by %s until %s%s", r->id, r->by,
                    r->until_usec ? jit_format_time(r->until_usec, until, sizeof(until)) : "now",
                    request_scope(r) == POLICY_SCOPE_SERVICE ? "; the grant covers " JIT_COMMAND_ANY_SHOWN
                                                             : "");
        case RECORD_DENY:
                return entry_addf(e, "MESSAGE", "request %s denied by %s%s%s", r->id, r->by,
                                  *r->comment ? ": " : "", r->comment);
        case RECORD_EXPIRE:
                return entry_addf(e, "MESSAGE", "request %s expired", r->id);
        case RECORD_GRANT_USE:
                return entry_addf(e, "MESSAGE", "request %s: %s used grant %s for %s: %s (%s)", r->id,
                                  r->user, r->grant_id, r->service, request_command_shown(r),
                                  command_kind_to_string(r->command_kind));
        case RECORD_REVOKE:
                return entry_addf(e, "MESSAGE", "grant %s revoked by %s%s%s", r->id, r->by,
                                  *r->comment ? ": " : "", r->comment);
        case RECORD_CANCEL:
                return entry_addf(e, "MESSAGE", "request %s cancelled by %s%s%s", r->id, r->by,
                                  *r->comment ? ": " : "", r->comment);
        default:
                return entry_addf(e, "MESSAGE", "%s %s", journal_record_type_to_string(type),
                                  r ? r->id : "");
        }
}

MirrorEntry *mirror_entry_new_text(RecordType type, const char *key, const char *value)
{
        MirrorEntry *e = calloc(1, sizeof(*e));
        int k = 0;

        if (!e)
                return NULL;
        k |= entry_addf(e, "MESSAGE", "%s", journal_record_type_to_string(type));
        k |= entry_add(e, "MESSAGE_ID", record_info[type].message_id);
        k |= entry_addf(e, "PRIORITY", "%d", record_info[type].priority);
        k |= entry_add(e, "SYSLOG_IDENTIFIER", "jitd");
        k |= entry_add(e, "JIT_RECORD", journal_record_type_to_string(type));
        k |= entry_add_raw(e, key, value);
        if (k != 0) {
                mirror_entry_free(e);
                return NULL;
        }
        return e;
}

MirrorEntry *mirror_entry_new(RecordType type, const Request *r, uint64_t seq, const uint8_t leaf_hash[32])
{
        char hex[65];

        MirrorEntry *e;
        int k = 0;

        assert((size_t)type < _RECORD_TYPE_MAX);
        e = calloc(1, sizeof(*e));
        if (!e)
                return NULL;

        k |= entry_message(e, type, r);
        k |= entry_add(e, "MESSAGE_ID", record_info[type].message_id);
        /* Break-glass is announced loudly: alert priority, above every other record. */
        k |= entry_addf(e, "PRIORITY", "%d", r && r->break_glass ? LOG_ALERT : record_info[type].priority);
        k |= entry_add(e, "SYSLOG_IDENTIFIER", "jitd");
        k |= entry_add(e, "JIT_RECORD", journal_record_type_to_string(type));
        k |= entry_addf(e, "JIT_SEQ", "%llu", (unsigned long long)seq);
        for (size_t i = 0; i < 32; i++)
                snprintf(hex + 2 * i, 3, "%02x", leaf_hash[i]);
        k |= entry_add(e, "JIT_LEAF_HASH", hex);
        if (r) {
                k |= entry_add(e, "JIT_REQUEST_ID", r->id);
                k |= entry_add(e, "JIT_STATE", request_state_to_string(r->state));
                k |= entry_add(e, "JIT_USER", r->user);
                k |= entry_addf(e, "JIT_UID", "%u", (unsigned)r->uid);
                k |= entry_add(e, "JIT_TARGET_USER", r->target);
                k |= entry_add(e, "JIT_SERVICE", r->service);
                k |= entry_add(e, "JIT_COMMAND", request_command_shown(r));
                k |= entry_add(e, "JIT_COMMAND_KIND", command_kind_to_string(r->command_kind));
                k |= entry_add(e, "JIT_COMMAND_EXACT", r->command_kind == COMMAND_EXACT ? "1" : "0");
                k |= entry_add(e, "JIT_FRONT", request_front(r));
                k |= entry_add(e, "JIT_CWD", r->cwd);
                k |= entry_add(e, "JIT_RUNCWD", r->runcwd);
                k |= entry_add(e, "JIT_TTY", r->tty);
                k |= entry_add(e, "JIT_RHOST", r->rhost);
                k |= entry_add(e, "JIT_REASON", r->reason);
                /* For one of N approvals, the approver so far; for a decision, who decided. */
                k |= entry_add(e, "JIT_APPROVER",
                               type == RECORD_APPROVE || type == RECORD_DENY ? r->by : NULL);
                k |= entry_add(e, "JIT_DECIDED_BY", r->by);
                k |= entry_add(e, "JIT_COMMENT", r->comment);
                k |= entry_add(e, "JIT_GRANT_ID", r->grant_id);
                k |= entry_add(e, "JIT_RULE", r->rule ? r->rule->name : NULL);
                if (r->until_usec)
                        k |= entry_addf(e, "JIT_UNTIL_USEC", "%llu", (unsigned long long)r->until_usec);
        }
        if (k != 0) {
                mirror_entry_free(e);
                return NULL;
        }
        return e;
}

/* journald down or rate-limiting must never change a decision: the result is ignored on purpose. */
void mirror_entry_send(const MirrorEntry *e)
{
        struct iovec iov[MIRROR_MAX_FIELDS];

        for (size_t i = 0; i < e->n; i++)
                iov[i] = (struct iovec){.iov_base = e->fields[i], .iov_len = strlen(e->fields[i])};
        (void)sd_journal_sendv(iov, (int)e->n);
}

void mirror_entry_free(MirrorEntry *e)
{
        if (!e)
                return;
        for (size_t i = 0; i < e->n; i++)
                free(e->fields[i]);
        free(e);
}
