/* The journald mirror's entries: what one record says in journald (its fields, message and
 * priority), and the datagram that carries it in journald's native protocol
 * (systemd.io/JOURNAL_NATIVE_PROTOCOL). mirror.c sends them. */
#include <assert.h>
#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "duration.h"
#include "jit-command.h"
#include "jit-record.h"
#include "jitd.h"
#include "journal-record.h"
#include "mirror-entry.h"
#include "note.h"
#include "sanitize.h"
#include "util.h"

#define MIRROR_TRUNCATED_FIELD "JIT_MIRROR_TRUNCATED=1\n"

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
    [RECORD_MIRROR_GAP] = {JIT_MESSAGE_MIRROR_GAP, LOG_WARNING},
    [RECORD_LIVE] = {JIT_MESSAGE_LIVE, LOG_INFO},
    /* A new journal file begins: no catalog entry of its own (nothing for an admin to do). */
    [RECORD_LINK] = {NULL, LOG_INFO},
};

/* The builders below add field after field and look once at the end: the first failure sticks to
 * the entry (e->error), and every later addition is a no-op. */
static void entry_fail(MirrorEntry *e, int r)
{
        if (e->error == 0)
                e->error = r;
}

/* For text jitd made itself (checkpoint notes, keys): kept byte for byte so it can be checked. */
static void entry_add_raw(MirrorEntry *e, const char *key, const char *value)
{
        if (e->error < 0)
                return;
        if (e->n >= MIRROR_MAX_FIELDS)
                entry_fail(e, -E2BIG);
        else if (asprintf(&e->fields[e->n], "%s=%s", key, value) < 0)
                entry_fail(e, -ENOMEM);
        else
                e->n++;
}

/* Add KEY=value, bounded (A37); nothing for an empty value. Values were sanitised when they
 * arrived (their backslashes doubled); this pass escapes anything unsafe that is left without
 * doubling those again, so journald shows what jitctl shows. */
static void entry_add(MirrorEntry *e, const char *key, const char *value)
{
        _cleanup_free_ char *v = NULL;

        if (e->error < 0 || !value || !*value)
                return;
        v = jit_sanitize_terminal(value, strlen(value), JIT_MAX_COMMAND);
        if (v)
                entry_add_raw(e, key, v);
        else
                entry_fail(e, -ENOMEM);
}

static void entry_addf(MirrorEntry *e, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void entry_addf(MirrorEntry *e, const char *key, const char *fmt, ...)
{
        _cleanup_free_ char *v = NULL;
        va_list ap;
        int r;

        if (e->error < 0)
                return;
        va_start(ap, fmt);
        r = vasprintf(&v, fmt, ap);
        va_end(ap);
        if (r >= 0)
                entry_add(e, key, v);
        else {
                v = NULL; /* vasprintf leaves it undefined on failure */
                entry_fail(e, -ENOMEM);
        }
}

static void entry_message(MirrorEntry *e, RecordType type, const Request *req)
{
        char until[64];

        switch (type) {
        case RECORD_REQUEST:
                entry_addf(e, "MESSAGE", "request %s: %s wants %s: %s (%s)", req->id, req->user,
                           req->service, request_command_shown(req),
                           command_kind_to_string(req->command_kind));
                break;
        case RECORD_APPROVE:
                if (req->state == REQUEST_PENDING)
                        entry_addf(e, "MESSAGE", "request %s: approval %zu of %u recorded", req->id,
                                   req->n_approvals, req->rule ? req->rule->approvals : 1);
                else if (req->break_glass)
                        entry_addf(e, "MESSAGE", "BREAK-GLASS: %s approved their own request %s: %s",
                                   req->user, req->id, req->comment);
                else
                        entry_addf(e, "MESSAGE", "request %s approved by %s until %s%s", req->id, req->by,
                                   req->until_usec ? jit_format_time(req->until_usec, until, sizeof(until))
                                                   : "now",
                                   request_scope(req) == POLICY_SCOPE_SERVICE
                                       ? "; the grant covers " JIT_COMMAND_ANY_SHOWN
                                       : "");
                break;
        case RECORD_DENY:
                entry_addf(e, "MESSAGE", "request %s denied by %s%s%s", req->id, req->by,
                           *req->comment ? ": " : "", req->comment);
                break;
        case RECORD_EXPIRE:
                entry_addf(e, "MESSAGE", "request %s expired", req->id);
                break;
        case RECORD_GRANT_USE:
                entry_addf(e, "MESSAGE", "request %s: %s used grant %s for %s: %s (%s)", req->id, req->user,
                           req->grant_id, req->service, request_command_shown(req),
                           command_kind_to_string(req->command_kind));
                break;
        case RECORD_REVOKE:
                entry_addf(e, "MESSAGE", "grant %s revoked by %s%s%s", req->id, req->by,
                           *req->comment ? ": " : "", req->comment);
                break;
        case RECORD_CANCEL:
                entry_addf(e, "MESSAGE", "request %s cancelled by %s%s%s", req->id, req->by,
                           *req->comment ? ": " : "", req->comment);
                break;
        case RECORD_LIVE:
                if (req->state == REQUEST_PENDING)
                        entry_addf(e, "MESSAGE", "request %s still pending: restated in a new journal file",
                                   req->id);
                else
                        entry_addf(e, "MESSAGE", "grant %s live until %s: restated in a new journal file",
                                   req->id, jit_format_time(req->until_usec, until, sizeof(until)));
                break;
        default:
                entry_addf(e, "MESSAGE", "%s %s", journal_record_type_to_string(type), req ? req->id : "");
        }
}

/* The entry, or NULL (and the entry freed) if any field could not be added. */
static MirrorEntry *entry_done(MirrorEntry *e)
{
        if (e->error < 0) {
                mirror_entry_free(e);
                return NULL;
        }
        return e;
}

MirrorEntry *mirror_entry_new_text(RecordType type, const char *key, const char *value)
{
        MirrorEntry *e = calloc(1, sizeof(*e));

        if (!e)
                return NULL;
        entry_addf(e, "MESSAGE", "%s", journal_record_type_to_string(type));
        entry_add(e, "MESSAGE_ID", record_info[type].message_id);
        entry_addf(e, "PRIORITY", "%d", record_info[type].priority);
        /* Checkpoints come every few seconds: under an identifier of their own, `journalctl -t jitd`
         * reads as the list of decisions (jitctl verify --journald reads both). */
        entry_add(e, "SYSLOG_IDENTIFIER", type == RECORD_CHECKPOINT ? "jitd-checkpoint" : "jitd");
        entry_add(e, "JIT_RECORD", journal_record_type_to_string(type));
        entry_add_raw(e, key, value);
        return entry_done(e);
}

/* The fields that tie an entry to its record: seq, leaf hash, origin and the exact line. They come
 * before the free-text fields, so a cut entry still carries them whole. */
static void entry_add_record(MirrorEntry *e, RecordType type, const MirrorLine *l)
{
        char hex[2 * 32 + 1];

        entry_add(e, "JIT_RECORD", journal_record_type_to_string(type));
        entry_addf(e, "JIT_SEQ", "%llu", (unsigned long long)l->seq);
        sodium_bin2hex(hex, sizeof(hex), l->leaf_hash, 32);
        entry_add(e, "JIT_LEAF_HASH", hex);
        entry_add_raw(e, "JIT_ORIGIN", l->origin);
        if (e->error < 0)
                return;
        if (e->n >= MIRROR_MAX_FIELDS)
                entry_fail(e, -E2BIG);
        /* The bytes the journal hashed, unchanged: a record line has no newline and no NUL. */
        else if (asprintf(&e->fields[e->n], "JIT_RECORD_LINE=%.*s", (int)l->len, l->line) < 0)
                entry_fail(e, -ENOMEM);
        else
                e->n++;
}

/* An empty entry for the record l (its seq counted if it is dropped). */
static MirrorEntry *entry_new_for(RecordType type, const MirrorLine *l)
{
        MirrorEntry *e;

        assert((size_t)type < _RECORD_TYPE_MAX);
        e = calloc(1, sizeof(*e));
        if (!e)
                return NULL;
        e->has_seq = true;
        e->seq = l->seq;
        return e;
}

MirrorEntry *mirror_entry_new(RecordType type, const Request *req, const MirrorLine *l)
{
        MirrorEntry *e = entry_new_for(type, l);

        if (!e)
                return NULL;
        entry_message(e, type, req);
        entry_add(e, "MESSAGE_ID", record_info[type].message_id);
        /* Break-glass is announced loudly: alert priority, above every other record. */
        entry_addf(e, "PRIORITY", "%d", req && req->break_glass ? LOG_ALERT : record_info[type].priority);
        entry_add(e, "SYSLOG_IDENTIFIER", "jitd");
        entry_add_record(e, type, l);
        if (req) {
                entry_add(e, "JIT_REQUEST_ID", req->id);
                entry_add(e, "JIT_STATE", request_state_to_string(req->state));
                entry_add(e, "JIT_USER", req->user);
                entry_addf(e, "JIT_UID", "%u", (unsigned)req->uid);
                entry_add(e, "JIT_TARGET_USER", req->target);
                entry_add(e, "JIT_SERVICE", req->service);
                entry_add(e, "JIT_COMMAND", request_command_shown(req));
                entry_add(e, "JIT_COMMAND_KIND", command_kind_to_string(req->command_kind));
                entry_add(e, "JIT_COMMAND_EXACT", req->command_kind == COMMAND_EXACT ? "1" : "0");
                entry_add(e, "JIT_FRONT", request_front(req));
                entry_add(e, "JIT_CWD", req->cwd);
                entry_add(e, "JIT_RUNCWD", req->runcwd);
                entry_add(e, "JIT_TTY", req->tty);
                entry_add(e, "JIT_RHOST", req->rhost);
                entry_add(e, "JIT_REASON", req->reason);
                /* For one of N approvals, the approver so far; for a decision, who decided. */
                entry_add(e, "JIT_APPROVER", type == RECORD_APPROVE || type == RECORD_DENY ? req->by : NULL);
                entry_add(e, "JIT_DECIDED_BY", req->by);
                /* A signed decision: whose SSH key signed it (the journal file holds the signature). */
                entry_add(e, "JIT_SIGNER", req->sig ? req->sig->signer : NULL);
                /* An approval token's: who handed it in (not the approver; the signer is). */
                if (req->sig && req->sig->redeemed)
                        entry_addf(e, "JIT_REDEEMED_BY_UID", "%u", (unsigned)req->sig->redeemed_by);
                entry_add(e, "JIT_COMMENT", req->comment);
                entry_add(e, "JIT_GRANT_ID", req->grant_id);
                entry_add(e, "JIT_RULE", req->rule ? req->rule->name : NULL);
                if (req->until_usec)
                        entry_addf(e, "JIT_UNTIL_USEC", "%llu", (unsigned long long)req->until_usec);
        }
        return entry_done(e);
}

MirrorEntry *mirror_entry_new_own(RecordType type, const MirrorLine *l)
{
        char note[NOTE_MAX_SIZE + 1];
        JournalRecordView v;
        const char *why;
        MirrorEntry *e = entry_new_for(type, l);

        if (!e)
                return NULL;
        switch (type) {
        case RECORD_CHECKPOINT:
                entry_addf(e, "MESSAGE", "checkpoint: records 0..%llu signed",
                           (unsigned long long)(l->seq ? l->seq - 1 : 0));
                break;
        case RECORD_KEY:
                entry_addf(e, "MESSAGE", "journal key record %llu: %s", (unsigned long long)l->seq,
                           l->seq == 0 ? "a new journal and its identity key"
                                       : "the next epoch's signing key");
                break;
        case RECORD_LINK:
                entry_addf(e, "MESSAGE", "the journal continues in a new file from record %llu",
                           (unsigned long long)l->seq);
                break;
        default:
                entry_addf(e, "MESSAGE",
                           "journal repaired at start-up (record %llu): a torn tail was cut off",
                           (unsigned long long)l->seq);
        }
        entry_add(e, "MESSAGE_ID", record_info[type].message_id);
        entry_addf(e, "PRIORITY", "%d", record_info[type].priority);
        /* Checkpoints come every few seconds: under an identifier of their own, `journalctl -t jitd`
         * reads as the list of decisions (jitctl verify --journald reads both). */
        entry_add(e, "SYSLOG_IDENTIFIER", type == RECORD_CHECKPOINT ? "jitd-checkpoint" : "jitd");
        entry_add_record(e, type, l);
        /* The note on its own too, for journalctl readers and the local cross-check. */
        if (type == RECORD_CHECKPOINT && journal_record_parse(l->line, l->len, &v, &why) >= 0 &&
            journal_record_get_field(&v, "note", note, sizeof(note), NULL) >= 0)
                entry_add_raw(e, "JIT_CHECKPOINT", note);
        return entry_done(e);
}

MirrorEntry *mirror_entry_new_gap(const MirrorGap *gap, const MirrorLine *l)
{
        MirrorEntry *e = mirror_entry_new(RECORD_MIRROR_GAP, NULL, l);
        int r;

        if (!e)
                return NULL;
        /* Replace the generic message with one that says what happened and what it means. */
        free(e->fields[0]);
        e->fields[0] = NULL;
        if (gap->have_seq)
                r = asprintf(&e->fields[0],
                             "MESSAGE=journald missed %llu jitd entries (records %llu..%llu); the signed "
                             "journal has every record",
                             (unsigned long long)gap->dropped, (unsigned long long)gap->first_seq,
                             (unsigned long long)gap->last_seq);
        else
                r = asprintf(&e->fields[0],
                             "MESSAGE=journald missed %llu jitd entries (checkpoints only); the signed "
                             "journal has every record",
                             (unsigned long long)gap->dropped);
        if (r < 0) {
                e->fields[0] = NULL;
                entry_fail(e, -ENOMEM);
        }
        entry_addf(e, "JIT_MIRROR_DROPPED", "%llu", (unsigned long long)gap->dropped);
        if (gap->have_seq) {
                entry_addf(e, "JIT_MIRROR_FIRST_SEQ", "%llu", (unsigned long long)gap->first_seq);
                entry_addf(e, "JIT_MIRROR_LAST_SEQ", "%llu", (unsigned long long)gap->last_seq);
        }
        return entry_done(e);
}

void mirror_entry_free(MirrorEntry *e)
{
        if (!e)
                return;
        for (size_t i = 0; i < e->n; i++)
                free(e->fields[i]);
        free(e->datagram);
        free(e);
}

/* ---- the native protocol ---- */

static void put(char *buf, size_t *o, const void *p, size_t n)
{
        memcpy(buf + *o, p, n);
        *o += n;
}

/* A value's length, cut to fit room without splitting a UTF-8 sequence. */
static size_t cut_utf8(const char *v, size_t len, size_t room)
{
        if (len <= room)
                return len;
        while (room > 0 && ((unsigned char)v[room] & 0xC0) == 0x80)
                room--;
        return room;
}

/* KEY=value\n, or KEY\n<64-bit LE length><value>\n for a value holding a newline (a checkpoint
 * note). Fields come in order of importance (MESSAGE_ID, JIT_RECORD, JIT_SEQ and JIT_LEAF_HASH
 * first), so when the entry would outgrow one datagram the later, free-text fields are cut and
 * JIT_MIRROR_TRUNCATED=1 says so. */
int mirror_entry_serialize(MirrorEntry *e)
{
        const size_t reserve = sizeof(MIRROR_TRUNCATED_FIELD) - 1;
        size_t o = 0;
        bool truncated = false;
        char *buf;

        assert(!e->datagram);
        buf = malloc(MIRROR_MAX_DATAGRAM);
        if (!buf)
                return -ENOMEM;
        for (size_t i = 0; i < e->n; i++) {
                const char *f = e->fields[i], *eq = strchr(f, '=');
                size_t klen, vlen, room, overhead;
                bool binary;

                assert(eq);
                klen = (size_t)(eq - f);
                vlen = strlen(eq + 1);
                binary = memchr(eq + 1, '\n', vlen) != NULL;
                overhead = klen + 2 + (binary ? 8 : 0);
                room = MIRROR_MAX_DATAGRAM - reserve - o;
                if (overhead >= room) {
                        truncated = true;
                        continue;
                }
                if (vlen > room - overhead) {
                        vlen = cut_utf8(eq + 1, vlen, room - overhead);
                        truncated = true;
                }
                put(buf, &o, f, klen);
                if (binary) {
                        uint8_t le[8];
                        for (size_t b = 0; b < 8; b++)
                                le[b] = (uint8_t)((uint64_t)vlen >> (8 * b));
                        put(buf, &o, "\n", 1);
                        put(buf, &o, le, 8);
                } else
                        put(buf, &o, "=", 1);
                put(buf, &o, eq + 1, vlen);
                put(buf, &o, "\n", 1);
        }
        if (truncated)
                put(buf, &o, MIRROR_TRUNCATED_FIELD, reserve);
        /* Queued entries are bounded by their length (MIRROR_MAX_QUEUE_BYTES): each keeps only
         * that much, not the 64 KiB it was built in (4096 queued would hold 256 MiB). */
        e->datagram = realloc(buf, o ? o : 1);
        if (!e->datagram)
                e->datagram = buf;
        e->len = o;
        for (size_t i = 0; i < e->n; i++)
                free(e->fields[i]);
        e->n = 0;
        return 0;
}
