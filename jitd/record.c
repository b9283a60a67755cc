/* The single point where records leave jitd, and the group commit that makes them durable.
 *
 * The transitions (decide.c) change state, append records and queue their replies and signals
 * here; this file calls nothing above it. Nothing queued
 * leaves jitd until the commit that follows has made the records durable (one write, one
 * fdatasync, one signed checkpoint for the whole group): a decision is never announced before its
 * record exists.
 *
 * A group is everything queued since the last commit. The commit runs from a defer source at the
 * idle priority, so it waits until the bus has nothing left to read: every request that arrived
 * while the last commit was syncing joins the next one, and 64 waiting requesters share one
 * fdatasync and one signature instead of paying one each. Two bounds keep a group from waiting
 * behind a bus that never goes quiet: its age (GROUP_MAX_DELAY_USEC, a timer at the bus's own
 * priority) and its size (GROUP_MAX_RECORDS, which raises the commit to the bus's priority), the
 * latter so that the journal's pending buffer can never overflow. If the journal cannot be written
 * (ENOSPC, EIO, a read-only file system), the undo action each record was appended with runs (the
 * transitions turn every decision of the failed group into a denial), the callers get
 * JournalUnavailable, and the next commit tries again (A35).
 *
 * The journald mirror follows each commit. It never waits for journald (A37): what journald does
 * not take at once is retried from a timer, and entries dropped meanwhile are named by one
 * mirror-gap record once journald takes entries again. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "duration.h"
#include "jit-bus.h"
#include "jitd.h"
#include "log.h"
#include "util.h"

#define RECORD_MAX_FIELDS 40
/* A group waits at most this long for the bus to go quiet: a p99 of a few ms under load. */
#define GROUP_MAX_DELAY_USEC (5ULL * 1000)
/* Every record fits in JOURNAL_MAX_LINE, so a group this size stays well within the writer's
 * JOURNAL_MAX_PENDING_BYTES (an append beyond it would fail with ENOBUFS). */
#define GROUP_MAX_RECORDS ((JOURNAL_MAX_PENDING_BYTES / JOURNAL_MAX_LINE) / 2)

typedef struct FieldSet {
        JournalField f[RECORD_MAX_FIELDS];
        char num[6][24];
        char hash[2 * SCOPE_HASH_LEN + 1];
        char uids[POLICY_MAX_APPROVALS * 12];
        char keys[POLICY_MAX_APPROVALS * 65];
        size_t n, n_num;
} FieldSet;

static void field_add(FieldSet *s, const char *key, const char *value)
{
        if (value && *value && s->n < RECORD_MAX_FIELDS)
                s->f[s->n++] = (JournalField){.key = key, .value = value};
}

static void field_add_u64(FieldSet *s, const char *key, uint64_t v, bool keep_zero)
{
        if ((v == 0 && !keep_zero) || s->n_num >= ELEMENTSOF(s->num))
                return;
        snprintf(s->num[s->n_num], sizeof(s->num[0]), "%" PRIu64, v);
        field_add(s, key, s->num[s->n_num++]);
}

/* The journal's fields for a request; the same facts the journald mirror carries as JIT_*. */
static void fields_for_request(FieldSet *s, const Request *req)
{
        field_add(s, "request_id", req->id);
        field_add(s, "state", request_state_to_string(req->state));
        field_add(s, "user", req->user);
        field_add_u64(s, "uid", req->uid, true);
        field_add(s, "target", req->target);
        field_add(s, "service", req->service);
        field_add(s, "command", req->command);
        field_add(s, "command_kind", command_kind_to_string(req->command_kind));
        field_add(s, "front", request_front(req));
        field_add(s, "runcwd", req->runcwd);
        field_add(s, "runas", req->runas);
        field_add(s, "rungroup", req->rungroup);
        field_add(s, "tty", req->tty);
        field_add(s, "rhost", req->rhost);
        field_add(s, "ruser", req->ruser);
        field_add(s, "cwd", req->cwd);
        field_add(s, "reason", req->reason);
        field_add(s, "by", req->by);
        field_add(s, "comment", req->comment);
        field_add_u64(s, "deadline_usec", req->deadline_usec, false);
        field_add_u64(s, "until_usec", req->until_usec, false);
        field_add(s, "grant", req->grant_id);
        if (req->ahead)
                field_add(s, "ahead", "1");
        if (req->break_glass)
                field_add(s, "break_glass", "1");
        if (req->requested_usec)
                field_add_u64(s, "requested_usec", req->requested_usec, false);
        if (req->rule) {
                PolicyScope scope = request_scope(req);
                const uint8_t *h = scope == POLICY_SCOPE_SERVICE ? req->hash_service : req->hash_command;
                field_add(s, "rule", req->rule->name);
                field_add(s, "scope", policy_scope_to_string(scope));
                sodium_bin2hex(s->hash, sizeof(s->hash), h, SCOPE_HASH_LEN);
                field_add(s, "scope_hash", s->hash);
        }
        /* Who has approved so far: replay rebuilds N-of-M counts from this. */
        size_t o = 0;
        for (size_t i = 0; i < req->n_approvals && o < sizeof(s->uids) - 12; i++)
                o += (size_t)snprintf(s->uids + o, sizeof(s->uids) - o, "%s%u", i ? "," : "",
                                      (unsigned)req->approvals[i]);
        field_add(s, "approver_uids", s->uids);
        /* The keys that signed approvals so far (hex): replay rebuilds "each key counts once". */
        o = 0;
        for (size_t i = 0; i < req->n_signer_keys && o + 66 <= sizeof(s->keys); i++) {
                if (i)
                        s->keys[o++] = ',';
                sodium_bin2hex(s->keys + o, 65, req->signer_keys[i], 32);
                o += 64;
        }
        field_add(s, "signer_keys", s->keys);
        /* A signed decision: who signed, the signature, what it covers and the approvers file it was
         * checked against (its text when the journal does not hold that version yet). `jitctl
         * verify` checks each one offline from these fields and the request's own. */
        if (req->sig) {
                field_add(s, "signer", req->sig->signer);
                field_add(s, "signature", req->sig->signature);
                field_add(s, "statement_sha512", req->sig->statement_hash);
                field_add(s, "approvers_sha256", req->sig->approvers_hash);
                field_add(s, "approvers", req->sig->approvers);
                /* A token's approval: the signer is the approver; this is only who carried it in. */
                if (req->sig->redeemed)
                        field_add_u64(s, "redeemed_by_uid", req->sig->redeemed_by, true);
        }
}

/* The first item of a group: the commit waits for the bus to go quiet, but not for longer than
 * GROUP_MAX_DELAY_USEC. After the loop has ended (the stop record) enabling fails, and
 * record_flush_all commits instead. */
static void group_open(Context *ctx)
{
        uint64_t limit = jit_now_usec(CLOCK_MONOTONIC) + GROUP_MAX_DELAY_USEC;

        ctx->group_records = 0;
        (void)sd_event_source_set_enabled(ctx->commit_source, SD_EVENT_ONESHOT);
        if (ctx->group_timer && sd_event_source_set_time(ctx->group_timer, limit) >= 0)
                (void)sd_event_source_set_enabled(ctx->group_timer, SD_EVENT_ONESHOT);
}

/* The line of the record just appended, for its journald entry. */
static MirrorLine appended_line(Context *ctx, uint64_t seq, const MerkleHash leaf)
{
        MirrorLine l = {.origin = journal_writer_origin(ctx->journal), .seq = seq, .leaf_hash = leaf};

        journal_writer_last_line(ctx->journal, &l.line, &l.len);
        return l;
}

/* Queue an item; takes ownership of mirror, even on failure. */
static int outbound_push(Context *ctx, RecordType type, const char *request_id, RecordUndo undo,
                         MirrorEntry *mirror, sd_bus_message *call, sd_bus_message *reply)
{
        Outbound *o = calloc(1, sizeof(*o));

        if (!o) {
                mirror_entry_free(mirror);
                return -ENOMEM;
        }
        o->type = type;
        o->undo = undo;
        if (request_id)
                snprintf(o->request_id, sizeof(o->request_id), "%s", request_id);
        o->mirror = mirror;
        o->call = call ? sd_bus_message_ref(call) : NULL;
        o->reply = reply ? sd_bus_message_ref(reply) : NULL;
        if (!ctx->outbound)
                group_open(ctx);
        *ctx->outbound_tail = o;
        ctx->outbound_tail = &o->next;
        if (type != _RECORD_TYPE_MAX && ++ctx->group_records >= GROUP_MAX_RECORDS)
                (void)sd_event_source_set_priority(ctx->commit_source, SD_EVENT_PRIORITY_NORMAL);
        return 0;
}

int record_emit(Context *ctx, RecordType type, const Request *req, RecordUndo undo)
{
        FieldSet s = {};
        MerkleHash leaf = {};
        uint64_t seq = 0;
        MirrorLine l;
        MirrorEntry *e;
        int r;

        if (req)
                fields_for_request(&s, req);
        else if (type == RECORD_START)
                field_add(&s, "host", ctx->host);

        r = journal_writer_append(ctx->journal, type, s.f, s.n, jit_now_usec(CLOCK_REALTIME), &seq, leaf);
        if (r < 0)
                return r;
        if (req && req->sig && req->sig->approvers)
                memcpy(ctx->approvers_recorded, req->sig->approvers_hash, sizeof(ctx->approvers_recorded));
        l = appended_line(ctx, seq, leaf);
        e = mirror_entry_new(type, req, &l);
        if (!e)
                return -ENOMEM; /* the record still goes to the journal; only the mirror lacks it */
        return outbound_push(ctx, type, req ? req->id : NULL, undo, e, NULL, NULL);
}

/* The signed record of a mirror gap: the journal says which records journald missed. */
static int record_emit_gap(Context *ctx, const MirrorGap *gap)
{
        FieldSet s = {};
        MerkleHash leaf = {};
        uint64_t seq = 0;
        MirrorLine l;
        MirrorEntry *e;
        int r;

        field_add_u64(&s, "dropped", gap->dropped, true);
        if (gap->have_seq) {
                field_add_u64(&s, "first_seq", gap->first_seq, true);
                field_add_u64(&s, "last_seq", gap->last_seq, true);
        }
        r = journal_writer_append(ctx->journal, RECORD_MIRROR_GAP, s.f, s.n, jit_now_usec(CLOCK_REALTIME),
                                  &seq, leaf);
        if (r < 0)
                return r;
        l = appended_line(ctx, seq, leaf);
        e = mirror_entry_new_gap(gap, &l);
        if (!e)
                return -ENOMEM; /* the record is in the journal; journald lacks only this entry */
        return outbound_push(ctx, RECORD_MIRROR_GAP, NULL, NULL, e, NULL, NULL);
}

static size_t mirror_queue_bound(Context *ctx)
{
        return ctx->config ? settings(ctx)->mirror_queue : POLICY_DEFAULT_MIRROR_QUEUE;
}

/* After entries went to journald (or did not): record a gap that has ended. The mirror itself comes
 * back for what still waits. */
static void mirror_follow_up(Context *ctx)
{
        MirrorGap gap;

        if (!mirror_take_gap(ctx->mirror, &gap))
                return;
        if (gap.have_seq)
                log_warning("journald missed %" PRIu64 " entries (records %" PRIu64 "..%" PRIu64
                            ") while it was not taking them; recording the gap",
                            gap.dropped, gap.first_seq, gap.last_seq);
        else
                log_warning("journald missed %" PRIu64 " checkpoint entries; recording the gap",
                            gap.dropped);
        if (record_emit_gap(ctx, &gap) < 0)
                mirror_gap_done(ctx->mirror, false);
}

static void on_mirror_retried(void *userdata)
{
        mirror_follow_up(userdata);
}

int record_send_after_commit(Context *ctx, sd_bus_message *call, sd_bus_message *reply)
{
        return outbound_push(ctx, _RECORD_TYPE_MAX, NULL, NULL, NULL, call, reply);
}

int record_send_when_durable(Context *ctx, sd_bus_message *call, sd_bus_message *reply)
{
        /* A read may show a state whose record is still in the open group (an approval the module
         * confirms with GetRequest): it waits for that commit, and turns into JournalUnavailable if
         * the commit fails, like the transition's own reply. With no group open, all is durable. */
        if (ctx->outbound)
                return record_send_after_commit(ctx, call, reply);
        return sd_bus_send(NULL, reply, NULL);
}

static void outbound_free(Outbound *o)
{
        mirror_entry_free(o->mirror);
        sd_bus_message_unref(o->call);
        sd_bus_message_unref(o->reply);
        free(o);
}

/* On the connection the message was made for: a reply goes back where its call came from, the system
 * bus or a private connection. */
static void send_or_warn(sd_bus_message *m)
{
        int r = sd_bus_send(NULL, m, NULL);
        if (r < 0)
                log_warning("Failed to send a reply or signal: %s", strerror(-r));
}

/* The journal writer's own records (checkpoints, key records, links, repairs), durable now: mirrored
 * like every other record, so journald holds every line of the journal. Called from inside the
 * writer, also while jitd opens the journal (then ctx->journal is not set yet). */
void record_own_line(void *userdata, const char *origin, uint64_t seq, RecordType type, const char *line,
                     size_t len, const MerkleHash leaf)
{
        Context *ctx = userdata;
        MirrorLine l = {.origin = origin, .line = line, .len = len, .seq = seq, .leaf_hash = leaf};

        if (ctx->mirror)
                mirror_push(ctx->mirror, mirror_entry_new_own(type, &l), mirror_queue_bound(ctx));
}

static int arm_epoch_timer(Context *ctx)
{
        uint64_t at = journal_writer_next_epoch_usec(ctx->journal);

        if (!ctx->epoch_source)
                return 0;
        (void)sd_event_source_set_time(ctx->epoch_source, at);
        return sd_event_source_set_enabled(ctx->epoch_source, SD_EVENT_ONESHOT);
}

/* ---- rotation ---- */

/* A live grant, restated as the approved request that opened it: replay opens it again from this
 * alone. */
static void fields_for_grant(FieldSet *s, Request *stub, const Grant *g)
{
        grant_as_request(g, stub);
        stub->state = REQUEST_APPROVED;
        stub->by = g->by;
        stub->until_usec = g->until_usec;
        fields_for_request(s, stub);
        field_add(s, "scope", policy_scope_to_string(g->scope));
        sodium_bin2hex(s->hash, sizeof(s->hash), g->hash, SCOPE_HASH_LEN);
        field_add(s, "scope_hash", s->hash);
        field_add_u64(s, "uses", g->uses, false);
}

typedef struct Restated {
        MirrorEntry **e;
        size_t n, cap;
} Restated;

static int restate_one(Context *ctx, const FieldSet *s, const Request *req, Restated *out)
{
        MirrorLine l;
        MerkleHash leaf = {};
        uint64_t seq = 0;
        int r;

        r = journal_writer_append(ctx->journal, RECORD_LIVE, s->f, s->n, jit_now_usec(CLOCK_REALTIME), &seq,
                                  leaf);
        if (r < 0)
                return r;
        if (out->n == out->cap) {
                size_t cap = out->cap ? 2 * out->cap : 64;
                MirrorEntry **e = reallocarray(out->e, cap, sizeof(*e));
                if (!e)
                        return -ENOMEM;
                out->e = e;
                out->cap = cap;
        }
        l = appended_line(ctx, seq, leaf);
        out->e[out->n] = mirror_entry_new(RECORD_LIVE, req, &l);
        if (out->e[out->n])
                out->n++; /* else only journald lacks it */
        return 0;
}

/* Every pending request and live grant, restated after the link record: a restart replays the
 * current file alone, so an admin may archive or delete rotated files without losing live state. */
static int restate_live(Context *ctx, Restated *out)
{
        uint64_t now = jit_now_usec(CLOCK_REALTIME);
        int r = 0;

        for (Request *req = ctx->requests; req && r >= 0; req = req->next)
                if (req->state == REQUEST_PENDING) {
                        FieldSet s = {};
                        fields_for_request(&s, req);
                        r = restate_one(ctx, &s, req, out);
                }
        for (Grant *g = ctx->grants; g && r >= 0; g = g->next)
                if (g->until_usec > now) {
                        FieldSet s = {};
                        Request stub;
                        fields_for_grant(&s, &stub, g);
                        r = restate_one(ctx, &s, &stub, out);
                }
        return r;
}

/* MaxFileSize reached: the next file begins, between two commits, with the link and the live state
 * in one durable step. A failure leaves the current file current (no decision is lost: everything is
 * in it) and is tried again a minute later. */
static void rotate_if_due(Context *ctx)
{
        _cleanup_free_ char *old_name = NULL;
        Restated live = {};
        uint64_t first = journal_writer_file_first_seq(ctx->journal);
        int r;

        /* The size is read at each commit, so a reload (SIGHUP) applies it at once. */
        journal_writer_set_max_file_size(ctx->journal, settings(ctx)->max_file_size);
        if (!ctx->state_complete || !journal_writer_wants_rotation(ctx->journal) ||
            jit_now_usec(CLOCK_MONOTONIC) < ctx->rotate_retry_usec)
                return;
        r = journal_writer_rotate_begin(ctx->journal, jit_now_usec(CLOCK_REALTIME));
        if (r >= 0)
                r = restate_live(ctx, &live);
        if (r >= 0)
                r = journal_writer_rotate_commit(ctx->journal);
        else
                journal_writer_rotate_abort(ctx->journal);
        for (size_t i = 0; i < live.n; i++)
                if (r >= 0)
                        mirror_push(ctx->mirror, live.e[i], mirror_queue_bound(ctx));
                else
                        mirror_entry_free(live.e[i]);
        free(live.e);
        if (r < 0) {
                ctx->rotate_retry_usec = jit_now_usec(CLOCK_MONOTONIC) + 60 * USEC_PER_SEC;
                log_error("Cannot rotate the journal %s (trying again in a minute; it stays current): %s",
                          settings(ctx)->journal_file, strerror(-r));
                return;
        }
        /* Each file holds the approvers file's text for the signatures in it, so that a rotated file
         * verifies on its own: the next signed decision records it again. */
        ctx->approvers_recorded[0] = '\0';
        (void)journal_rotated_name(settings(ctx)->journal_file, first, &old_name);
        log_info("Rotated the journal: %s continues from seq %" PRIu64 " (%zu live requests and grants "
                 "restated); the previous file is now %s",
                 settings(ctx)->journal_file, journal_writer_file_first_seq(ctx->journal), live.n,
                 old_name ? old_name : "renamed");
}

int record_commit(Context *ctx)
{
        Outbound *o;
        int r;

        r = journal_writer_commit(ctx->journal, jit_now_usec(CLOCK_REALTIME));
        if (r < 0) {
                log_crit(
                    "The journal is unavailable, denying every decision of this group (%zu records): %s",
                    ctx->group_records, strerror(-r));
                /* An approvers file's text in this group was not written: the next signed decision
                 * records it again. */
                ctx->approvers_recorded[0] = '\0';
        }

        while ((o = ctx->outbound)) {
                ctx->outbound = o->next;
                if (o->type == RECORD_MIRROR_GAP)
                        mirror_gap_done(ctx->mirror, r >= 0);
                if (r < 0) {
                        /* A record that will never be durable: the layer that wrote it undoes
                         * whatever it allowed, before the callers hear JournalUnavailable. */
                        if (o->undo)
                                o->undo(ctx, o->type, o->request_id);
                        if (o->call)
                                (void)sd_bus_reply_method_errorf(o->call, JIT_ERROR_JOURNAL_UNAVAILABLE,
                                                                 "The journal cannot be written: %s.",
                                                                 strerror(-r));
                } else {
                        if (o->mirror)
                                mirror_push(ctx->mirror, TAKE_PTR(o->mirror), mirror_queue_bound(ctx));
                        if (o->reply)
                                send_or_warn(o->reply);
                }
                outbound_free(o);
        }
        ctx->outbound_tail = &ctx->outbound;
        ctx->group_records = 0;
        /* The group is closed: whichever of the two sources did not run has nothing to do. */
        if (ctx->commit_source) {
                (void)sd_event_source_set_enabled(ctx->commit_source, SD_EVENT_OFF);
                (void)sd_event_source_set_priority(ctx->commit_source, SD_EVENT_PRIORITY_IDLE);
        }
        if (ctx->group_timer)
                (void)sd_event_source_set_enabled(ctx->group_timer, SD_EVENT_OFF);
        if (r >= 0)
                rotate_if_due(ctx);
        mirror_follow_up(ctx);
        (void)arm_epoch_timer(ctx);
        return r;
}

static int on_commit(sd_event_source *s, void *userdata)
{
        (void)record_commit(userdata);
        return 0;
}

static int on_group_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        (void)record_commit(userdata);
        return 0;
}

/* An epoch ended: seal it (a commit seals every epoch that has ended, even with nothing queued). */
static int on_epoch(sd_event_source *s, uint64_t usec, void *userdata)
{
        Context *ctx = userdata;

        return sd_event_source_set_enabled(ctx->commit_source, SD_EVENT_ONESHOT);
}

int record_mirror_setup(Context *ctx)
{
        return mirror_new(ctx->event, MIRROR_JOURNALD_SOCKET, on_mirror_retried, ctx, &ctx->mirror);
}

int record_setup(Context *ctx)
{
        int r;

        ctx->outbound_tail = &ctx->outbound;
        r = sd_event_add_defer(ctx->event, &ctx->commit_source, on_commit, ctx);
        if (r < 0)
                return r;
        r = sd_event_source_set_enabled(ctx->commit_source, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_source_set_priority(ctx->commit_source, SD_EVENT_PRIORITY_IDLE);
        if (r >= 0)
                /* Accuracy 1 µs: 0 would mean sd-event's default, which may fire 250 ms late. */
                r = sd_event_add_time(ctx->event, &ctx->group_timer, CLOCK_MONOTONIC, 0, 1, on_group_timer,
                                      ctx);
        if (r >= 0)
                r = sd_event_source_set_enabled(ctx->group_timer, SD_EVENT_OFF);
        if (r < 0)
                return r;
        r = sd_event_add_time(ctx->event, &ctx->epoch_source, CLOCK_REALTIME,
                              journal_writer_next_epoch_usec(ctx->journal), USEC_PER_SEC, on_epoch, ctx);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(ctx->epoch_source, SD_EVENT_ONESHOT);
}

void record_flush_all(Context *ctx)
{
        if (ctx->outbound && ctx->journal && ctx->mirror)
                (void)record_commit(ctx);
        ctx->commit_source = sd_event_source_disable_unref(ctx->commit_source);
        ctx->group_timer = sd_event_source_disable_unref(ctx->group_timer);
        ctx->epoch_source = sd_event_source_disable_unref(ctx->epoch_source);
        if (ctx->mirror) {
                MirrorGap gap;
                size_t left = mirror_flush(ctx->mirror);

                /* Nobody is left to record it: say so where an admin looks, once. */
                mirror_peek_gap(ctx->mirror, &gap);
                if (left > 0 || gap.dropped > 0)
                        log_warning(
                            "journald did not take %zu entries before jitd stopped and missed %" PRIu64
                            " earlier ones; the signed journal has every record",
                            left, gap.dropped);
                mirror_free(TAKE_PTR(ctx->mirror));
        }
}
