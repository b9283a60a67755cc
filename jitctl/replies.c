/* jitd's answers as jitctl reads them: one table per kind of a{sv}, read by lib/asv.c, into JSON. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "asv.h"
#include "jit-limits.h"
#include "replies.h"
#include "sanitize.h"
#include "statement.h"
#include "util.h"

/* Every key jitd sends in a request, a grant or a summary. One struct serves the three tables: a
 * key means the same wherever it appears, and the JSON key is the member's name. */
typedef struct Fields {
        uint64_t requested_usec, default_grant_usec, max_grant_usec, created_usec, deadline_usec,
            decided_usec, until_usec;
        const char *front, *grant_scope, *command_kind, *runcwd, *id, *state, *user, *target, *service,
            *command, *tty, *rhost, *ruser, *cwd, *reason, *by, *comment, *rule, *grant, *scope;
        const char *runas, *rungroup;
        const char *statement; /* GetRequest: checked by statement_check(), never escaped */
        uint32_t uid, approvals, approvals_needed, uses;
} Fields;

#define F(type, member)                                                                                     \
        {                                                                                                   \
#member, type, offsetof(Fields, member)                                                     \
        }

/* In the order jitd sends them (jitd/bus-requests.c, bus-grants.c, signals.c), so that --json
 * prints them as jitd wrote them. */
static const AsvField request_fields[] = {
    F(ASV_UINT64, requested_usec),
    F(ASV_UINT64, default_grant_usec),
    F(ASV_UINT64, max_grant_usec),
    F(ASV_STRING, front),
    F(ASV_STRING, grant_scope),
    F(ASV_STRING, command_kind),
    F(ASV_STRING, runcwd),
    F(ASV_STRING, id),
    F(ASV_STRING, state),
    F(ASV_STRING, user),
    F(ASV_UINT32, uid),
    F(ASV_STRING, target),
    F(ASV_STRING, service),
    F(ASV_STRING, command),
    F(ASV_STRING, tty),
    F(ASV_STRING, rhost),
    F(ASV_STRING, ruser),
    F(ASV_STRING, cwd),
    F(ASV_STRING, reason),
    F(ASV_UINT64, created_usec),
    F(ASV_UINT64, deadline_usec),
    F(ASV_UINT64, decided_usec),
    F(ASV_UINT64, until_usec),
    F(ASV_STRING, by),
    F(ASV_STRING, comment),
    F(ASV_STRING, rule),
    F(ASV_UINT32, approvals),
    F(ASV_UINT32, approvals_needed),
    F(ASV_STRING, grant),
    F(ASV_STRING, runas),
    F(ASV_STRING, rungroup),
    F(ASV_STRING, statement),
};

static const AsvField grant_fields[] = {
    F(ASV_STRING, id),      F(ASV_STRING, user),         F(ASV_UINT32, uid),   F(ASV_STRING, service),
    F(ASV_STRING, command), F(ASV_STRING, command_kind), F(ASV_STRING, scope), F(ASV_UINT64, until_usec),
    F(ASV_STRING, by),      F(ASV_UINT32, uses),
};

static const AsvField created_fields[] = {
    F(ASV_STRING, user),         F(ASV_STRING, service), F(ASV_STRING, command),
    F(ASV_STRING, command_kind), F(ASV_STRING, tty),     F(ASV_UINT64, deadline_usec),
};

#undef F

/* jitd's answers may carry keys a newer jitd added: skipped, never refused. */
static const AsvTable tables[] = {
    [REPLY_REQUEST] = ASV_TABLE(request_fields, ASV_SKIP_UNKNOWN),
    [REPLY_GRANT] = ASV_TABLE(grant_fields, ASV_SKIP_UNKNOWN),
    [REPLY_CREATED] = ASV_TABLE(created_fields, ASV_SKIP_UNKNOWN),
};

/* A failed read names jitd's answer as the culprit, not the user's command line. */
static int malformed(sd_bus_error *error, const sd_bus_error *why, int r)
{
        if (sd_bus_error_is_set(why))
                (void)sd_bus_error_setf(error, why->name, "Malformed answer from jitd: %s", why->message);
        return r;
}

static json_object *value_to_json(const AsvField *f, const Fields *v)
{
        const void *p = (const char *)v + f->offset;

        switch (f->type) {
        case ASV_STRING: {
                const char *s = *(const char *const *)p;
                /* The statement is shown and signed byte for byte: reply_read_object() checked that
                 * it holds nothing a terminal would act on; escaping its newlines would change it. */
                if (streq(f->key, "statement"))
                        return json_object_new_string(s);
                _cleanup_free_ char *safe = jit_sanitize_terminal(s, strlen(s), JIT_MAX_COMMAND);
                return safe ? json_object_new_string(safe) : NULL;
        }
        case ASV_UINT32:
                return json_object_new_int64(*(const uint32_t *)p);
        case ASV_UINT64: {
                uint64_t t = *(const uint64_t *)p;
                return json_object_new_int64(t > INT64_MAX ? INT64_MAX : (int64_t)t);
        }
        default:
                return NULL; /* no table above holds another type */
        }
}

int reply_read_object(sd_bus_message *m, ReplyKind kind, json_object **ret, sd_bus_error *error)
{
        _cleanup_(sd_bus_error_free) sd_bus_error why = SD_BUS_ERROR_NULL;
        const AsvTable *t = &tables[kind];
        json_object *o;
        Fields v = {};
        uint64_t seen = 0;
        int r;

        r = asv_read(m, t, &v, &seen, &why);
        if (r <= 0)
                return malformed(error, &why, r);
        if (v.statement && statement_check(v.statement, strlen(v.statement), NULL, NULL) < 0) {
                (void)sd_bus_error_set(&why, SD_BUS_ERROR_INVALID_ARGS, "the statement is not well-formed");
                return malformed(error, &why, -EBADMSG);
        }
        o = json_object_new_object();
        if (!o)
                return -ENOMEM;
        for (size_t i = 0; i < t->n_fields; i++) {
                json_object *j;

                if (!(seen & (UINT64_C(1) << i)))
                        continue;
                j = value_to_json(&t->fields[i], &v);
                if (!j || json_object_object_add(o, t->fields[i].key, j) < 0) {
                        json_object_put(j);
                        json_object_put(o);
                        return -ENOMEM;
                }
        }
        *ret = o;
        return 1;
}

int reply_read_page(sd_bus_message *m, bool *ret_truncated, const char **ret_next, sd_bus_error *error)
{
        typedef struct Page {
                int truncated;
                const char *next;
        } Page;
        static const AsvField fields[] = {
            {"truncated", ASV_BOOL, offsetof(Page, truncated)},
            {"next", ASV_STRING, offsetof(Page, next)},
        };
        static const AsvTable table = ASV_TABLE(fields, ASV_SKIP_UNKNOWN);
        _cleanup_(sd_bus_error_free) sd_bus_error why = SD_BUS_ERROR_NULL;
        Page p = {.next = ""};
        int r;

        r = asv_read(m, &table, &p, NULL, &why);
        if (r == 0)
                r = -EBADMSG;
        if (r < 0)
                return malformed(error, &why, r);
        *ret_truncated = p.truncated;
        *ret_next = p.next;
        return 0;
}
