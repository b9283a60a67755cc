/* What jitd's bus files share: who the caller is, what they may do, and the method handlers the
 * vtable in bus.c names. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

#include "jitd.h"

/* Who may call what. jitd authorises every call itself; the D-Bus policy is a second fence.
 *
 *   CreateRequest      uid 0 only (the module inside sudo, su, login, sshd)
 *   Approve            an approver the request's rule names, never the requester (but BreakGlass=yes)
 *   Deny               that, or a member of the daemon's approver group; never the requester
 *   Cancel             the requester, or uid 0
 *   Revoke             the grantee, a member of the approver group, or uid 0
 *   Redeem             anyone: the token's signature is the authority, checked as Approve checks
 *                      its signer's (never the requester, only an approver the rule names)
 *   RequestAccess      anyone, for themself
 *   List*, GetRequest  anyone; a non-approver sees only their own requests and grants */
typedef enum Access {
        ACCESS_APPROVER,  /* an approver the request's rule names, never the requester */
        ACCESS_DENIER,    /* that, or a member of the daemon's approver group */
        ACCESS_REQUESTER, /* the requester themself, or uid 0 */
} Access;

typedef struct Caller {
        uid_t uid;
        char *name;
        char **groups; /* every group of the caller, from NSS */
        bool approver; /* member of the daemon's approver group */
} Caller;

/* bus-caller.c: identity from the bus credentials only; any failure refuses the call. */
void caller_done(Caller *c);
int caller_get_uid(Context *ctx, sd_bus_message *m, uid_t *ret, sd_bus_error *error);
/* A unique name left the system bus (bus.c hears NameOwnerChanged): forget its cached uid. */
void caller_forget(Context *ctx, const char *name);
int caller_get(Context *ctx, sd_bus_message *m, Caller *ret, sd_bus_error *error);
/* The account named name (an approval token's signer) as a Caller, for the same checks. */
int caller_for_name(Context *ctx, const char *name, Caller *ret, sd_bus_error *error);
/* For calls that are budgeted: a read (the read budget and jitd's own send queue) or a write (the
 * churn budget, spent at once). */
int caller_get_budgeted(Context *ctx, sd_bus_message *m, bool read, Caller *ret, sd_bus_error *error);
bool caller_may_approve(const Caller *c, const Request *req);
bool caller_may_see(const Caller *c, const Request *req);
int caller_check(const Caller *c, Access access, const Request *req, sd_bus_error *error);
/* A request by id, if c may see it (c NULL: anyone). Unknown, stale, malformed and foreign ids all
 * get the same answer (A06). */
int caller_find_request(Context *ctx, const char *id, const Caller *c, Request **ret, sd_bus_error *error);
int bus_rate_check(Context *ctx, RateLimit *rl, uid_t uid, sd_bus_error *error);
int bus_rate_spend(Context *ctx, RateLimit *rl, uid_t uid, sd_bus_error *error);
void bus_read_charge(Context *ctx, uid_t uid, size_t bytes);
/* A record that could not be written: the caller is told, in our own words (A35). */
int bus_record_error(sd_bus_error *error, int r);
/* A string from a caller, sanitised and bounded, for the journal. */
char *bus_field_dup(const char *s, size_t max);

/* bus-requests.c */
int method_create_request(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_request_access(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_approve(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_deny(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_deny_with_options(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_cancel(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_list_requests(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_get_request(sd_bus_message *m, void *userdata, sd_bus_error *error);

/* bus-redeem.c */
int method_redeem(sd_bus_message *m, void *userdata, sd_bus_error *error);

/* bus-grants.c */
int method_list_grants(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_revoke(sd_bus_message *m, void *userdata, sd_bus_error *error);
