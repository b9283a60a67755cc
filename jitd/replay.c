/* Rebuilding state after a restart by replaying the journal: pending requests, N-of-M approvals
 * and live grants. Decisions, grant uses and revocations run the transitions of decide.c with
 * ctx->replaying set (nothing recorded or signalled again). A module's wait ended with jitd's old
 * connection, so its pending requests are cancelled (and that is recorded); requests made ahead of time
 * (jitctl request) wait on. Only the current journal file is read: after a rotation it begins with
 * every request and grant that was live then ("live" records), so rotated files may be archived. */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "duration.h"
#include "jitd.h"
#include "log.h"
#include "util.h"

static const char *field(const JournalRecord *rec, const char *key)
{
        for (size_t i = 0; i < rec->n_fields; i++)
                if (streq(rec->fields[i].key, key))
                        return rec->fields[i].value;
        return "";
}

static uint64_t field_u64(const JournalRecord *rec, const char *key)
{
        const char *v = field(rec, key);
        char *end;
        unsigned long long n;

        errno = 0;
        n = strtoull(v, &end, 10);
        return *v && !*end && errno == 0 ? (uint64_t)n : 0;
}

static char *dup_field(const JournalRecord *rec, const char *key)
{
        return strdup(field(rec, key));
}

/* The rule a request was decided under, by name; gone from the config means the default rule. */
static const PolicyRule *rule_by_name(const Policy *p, const char *name)
{
        for (size_t i = 0; i < p->n_rules; i++)
                if (streq(p->rules[i].name, name))
                        return &p->rules[i];
        return &p->default_rule;
}

static int replay_request(Context *ctx, const JournalRecord *rec)
{
        const char *id = field(rec, "request_id");
        Request *req;
        int r;

        /* Ids are unique in a journal that verifies; no lookup here keeps a 1 M-record replay linear. */
        if (strlen(id) != JIT_ID_LEN)
                return 0;
        r = request_new(ctx, id, &req);
        if (r < 0)
                return r;
        req->uid = (uid_t)field_u64(rec, "uid");
        req->user = dup_field(rec, "user");
        req->target = *field(rec, "target") ? dup_field(rec, "target") : NULL;
        req->service = dup_field(rec, "service");
        req->command = dup_field(rec, "command");
        req->tty = dup_field(rec, "tty");
        req->rhost = dup_field(rec, "rhost");
        req->ruser = dup_field(rec, "ruser");
        req->cwd = dup_field(rec, "cwd");
        req->reason = dup_field(rec, "reason");
        req->command_kind = command_kind_from_string(field(rec, "command_kind"));
        req->plugin = streq(field(rec, "front"), "sudo-plugin");
        if ((*field(rec, "runcwd") && !(req->runcwd = dup_field(rec, "runcwd"))) ||
            (*field(rec, "runas") && !(req->runas = dup_field(rec, "runas"))) ||
            (*field(rec, "rungroup") && !(req->rungroup = dup_field(rec, "rungroup")))) {
                request_free(req);
                return -ENOMEM;
        }
        if (!req->user || !req->service || !req->command || !req->tty || !req->rhost || !req->ruser ||
            !req->cwd || !req->reason) {
                request_free(req);
                return -ENOMEM;
        }
        req->created_usec = rec->time_usec;
        req->deadline_usec = field_u64(rec, "deadline_usec");
        req->requested_usec = field_u64(rec, "requested_usec");
        req->ahead = streq(field(rec, "ahead"), "1");
        /* The recorded scope is the one the grant had (a request for no command: the service). */
        req->any_command = streq(field(rec, "scope"), "service");
        req->config = config_ref(ctx->config);
        req->rule = rule_by_name(ctx->config->p, field(rec, "rule"));
        /* The recorded scope hash stands for both: a grant uses the one its scope names. */
        if (sodium_hex2bin(req->hash_command, SCOPE_HASH_LEN, field(rec, "scope_hash"), 2 * SCOPE_HASH_LEN,
                           NULL, NULL, NULL) == 0)
                memcpy(req->hash_service, req->hash_command, SCOPE_HASH_LEN);
        return 0;
}

static void replay_approvals(Request *req, const JournalRecord *rec)
{
        const char *p = field(rec, "approver_uids");

        req->n_approvals = 0;
        while (*p && req->n_approvals < ELEMENTSOF(req->approvals)) {
                char *end;
                unsigned long u = strtoul(p, &end, 10);
                if (end == p)
                        break;
                req->approvals[req->n_approvals++] = (uid_t)u;
                p = *end == ',' ? end + 1 : end;
        }
        p = field(rec, "signer_keys");
        req->n_signer_keys = 0;
        while (strlen(p) >= 64 && req->n_signer_keys < ELEMENTSOF(req->signer_keys) &&
               sodium_hex2bin(req->signer_keys[req->n_signer_keys], 32, p, 64, NULL, NULL, NULL) == 0) {
                req->n_signer_keys++;
                p += 64;
                if (*p == ',')
                        p++;
        }
}

static int replay_decision(Context *ctx, const JournalRecord *rec)
{
        static const RequestState states[_RECORD_TYPE_MAX] = {
            [RECORD_APPROVE] = REQUEST_APPROVED,
            [RECORD_DENY] = REQUEST_DENIED,
            [RECORD_EXPIRE] = REQUEST_EXPIRED,
            [RECORD_CANCEL] = REQUEST_CANCELLED,
        };
        Request *req = request_find(ctx, field(rec, "request_id"));

        if (!req || req->state != REQUEST_PENDING)
                return 0;
        if (rec->type == RECORD_APPROVE) {
                replay_approvals(req, rec);
                if (streq(field(rec, "state"), "pending"))
                        return 0; /* one of N approvals */
                req->until_usec = field_u64(rec, "until_usec");
                req->break_glass = streq(field(rec, "break_glass"), "1");
        }
        return decide_end(ctx, req, states[rec->type], field(rec, "by"), field(rec, "comment"));
}

/* A pending request or live grant that a new journal file restated after its link record (record.c):
 * the file is read alone, so this is where they begin. */
static int replay_live(Context *ctx, const JournalRecord *rec)
{
        const char *state = field(rec, "state");
        Request *req;
        Grant *g;
        int r;

        r = replay_request(ctx, rec);
        if (r < 0)
                return r;
        req = request_find(ctx, field(rec, "request_id"));
        if (!req)
                return 0;
        if (streq(state, "pending")) {
                replay_approvals(req, rec);
                return 0;
        }
        if (!streq(state, "approved")) {
                /* Nothing else is restated; a record that says otherwise opens nothing. */
                request_free(req);
                return 0;
        }
        req->until_usec = field_u64(rec, "until_usec");
        req->break_glass = streq(field(rec, "break_glass"), "1");
        r = decide_end(ctx, req, REQUEST_APPROVED, field(rec, "by"), field(rec, "comment"));
        g = grant_find(ctx, req->id);
        if (r >= 0 && g)
                g->uses = (unsigned)field_u64(rec, "uses");
        return r;
}

static int replay_record(Context *ctx, const JournalRecord *rec)
{
        const char *id = field(rec, "request_id");
        Grant *g;

        switch (rec->type) {
        case RECORD_REQUEST:
                return replay_request(ctx, rec);
        case RECORD_APPROVE:
        case RECORD_DENY:
        case RECORD_EXPIRE:
        case RECORD_CANCEL:
                return replay_decision(ctx, rec);
        case RECORD_REVOKE:
                return decide_revoke(ctx, grant_find(ctx, id), request_find(ctx, id), field(rec, "by"),
                                     field(rec, "comment"));
        case RECORD_GRANT_USE:
                g = grant_find(ctx, field(rec, "grant"));
                return g ? decide_grant_use(ctx, g, NULL) : 0;
        case RECORD_LIVE:
                return replay_live(ctx, rec);
        default:
                return 0;
        }
}

static Request *pending_from(Request *req)
{
        while (req && req->state != REQUEST_PENDING)
                req = req->next;
        return req;
}

/* What was pending when jitd stopped: expired by now, orphaned (a module waited), or still open.
 * The walk steps from pending request to pending request: settling one may trim old decided
 * requests from the table, never a pending one. */
static int settle_pending(Context *ctx)
{
        uint64_t now = jit_now_usec(CLOCK_REALTIME);
        Request *req, *next;
        int r = 0;

        for (req = pending_from(ctx->requests); req && r >= 0; req = next) {
                next = pending_from(req->next);
                if (req->deadline_usec <= now)
                        r = decide_end(ctx, req, REQUEST_EXPIRED, "", "no decision before the deadline");
                else if (!req->ahead)
                        r = decide_end(ctx, req, REQUEST_CANCELLED, "",
                                       "jitd restarted while the requester waited");
                else
                        r = decide_arm_expiry(req);
        }
        return r;
}

int replay_journal(Context *ctx)
{
        JournalReader *rd = NULL;
        JournalRecord rec;
        uint64_t n = 0;
        int r;

        r = journal_reader_open(settings(ctx)->journal_file, &rd);
        if (r < 0)
                return r;
        ctx->replaying = true;
        while ((r = journal_reader_next(rd, &rec)) > 0) {
                r = replay_record(ctx, &rec);
                if (r < 0)
                        break;
                n++;
        }
        ctx->replaying = false;
        if (r < 0)
                log_error("Replay stopped at record %llu: %s", (unsigned long long)n,
                          journal_reader_error(rd) ? journal_reader_error(rd) : strerror(-r));
        journal_reader_free(rd);
        if (r < 0)
                return r;
        log_info("Replayed %llu records: %zu pending, %s", (unsigned long long)n, ctx->n_pending,
                 ctx->grants ? "live grants restored" : "no live grants");
        return settle_pending(ctx);
}
