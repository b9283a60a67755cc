/* Accounts and their groups, remembered for a short time so a busy jitd does not read /etc/passwd
 * and /etc/group (or ask LDAP) on every request.
 *
 * Bounded both ways: an entry is used for at most USER_CACHE_TTL_USEC after its lookup, so an
 * account that changed (renamed, removed, added to or dropped from a group) is seen as it is
 * within that time (docs/jitd.conf.5.md, "Group="); and at most JIT_USER_CACHE_SIZE accounts are
 * held, the oldest lookup giving way. Only accounts that exist are remembered: a name or uid that
 * is not found is asked again each time, so a new account works at once and unknown names cannot
 * push real ones out. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "duration.h"
#include "jitd.h"
#include "util.h"

#define USER_CACHE_TTL_USEC (5ULL * USEC_PER_SEC)

static void entry_clear(UserCacheEntry *e)
{
        free(e->name);
        strv_free(e->groups);
        *e = (UserCacheEntry){};
}

void user_cache_done(UserCache *c)
{
        for (size_t i = 0; i < c->n; i++)
                entry_clear(&c->e[i]);
        c->n = 0;
}

static bool entry_fresh(const UserCacheEntry *e, uint64_t now)
{
        return e->name && now - e->at_usec < USER_CACHE_TTL_USEC;
}

/* Lookups by name and by uid are kept apart: with two names for one uid (root and toor), NSS
 * answers a uid with one of them, and the cache must answer as NSS does. */
static UserCacheEntry *find(UserCache *c, uid_t uid, const char *name, uint64_t now)
{
        for (size_t i = 0; i < c->n; i++) {
                UserCacheEntry *e = &c->e[i];
                if (entry_fresh(e, now) && e->by_name == !!name &&
                    (name ? streq(e->name, name) : e->uid == uid))
                        return e;
        }
        return NULL;
}

/* A slot for a new lookup: a free one, a stale one, or the oldest. */
static UserCacheEntry *slot(UserCache *c, uint64_t now)
{
        UserCacheEntry *oldest = NULL;

        if (c->n < ELEMENTSOF(c->e))
                return &c->e[c->n++];
        for (size_t i = 0; i < c->n; i++) {
                UserCacheEntry *e = &c->e[i];
                if (!entry_fresh(e, now) || !oldest || e->at_usec < oldest->at_usec)
                        oldest = e;
                if (!entry_fresh(e, now))
                        break;
        }
        entry_clear(oldest);
        return oldest;
}

/* Look the account up (by uid, or by name when name is set) and remember it. */
static int lookup(UserCache *c, uid_t uid, const char *name, UserCacheEntry **ret)
{
        uint64_t now = jit_now_usec(CLOCK_MONOTONIC);
        UserCacheEntry *e = find(c, uid, name, now);
        _cleanup_free_ char *found = NULL;
        int r;

        if (e) {
                *ret = e;
                return 0;
        }
        if (name) {
                r = user_uid_from_name(name, &uid);
                if (r >= 0 && !(found = strdup(name)))
                        r = -ENOMEM;
        } else
                r = user_name_from_uid(uid, &found);
        if (r < 0)
                return r;
        e = slot(c, now);
        *e = (UserCacheEntry){.uid = uid, .name = TAKE_PTR(found), .at_usec = now, .by_name = !!name};
        *ret = e;
        return 0;
}

int user_cache_name(UserCache *c, uid_t uid, char **ret)
{
        UserCacheEntry *e;
        int r;

        if (!uid_is_valid(uid))
                return -EINVAL;
        r = lookup(c, uid, NULL, &e);
        if (r < 0)
                return r;
        *ret = strdup(e->name);
        return *ret ? 0 : -ENOMEM;
}

int user_cache_uid(UserCache *c, const char *name, uid_t *ret)
{
        UserCacheEntry *e;
        int r;

        if (!name || !*name || strlen(name) > JIT_MAX_FIELD)
                return -EINVAL;
        r = lookup(c, 0, name, &e);
        if (r < 0)
                return r;
        *ret = e->uid;
        return 0;
}

static char **strv_copy(char *const *l)
{
        size_t n = 0;
        char **copy;

        while (l && l[n])
                n++;
        copy = calloc(n + 1, sizeof(char *));
        for (size_t i = 0; copy && i < n; i++)
                if (!(copy[i] = strdup(l[i]))) {
                        strv_free(copy);
                        return NULL;
                }
        return copy;
}

int user_cache_groups(UserCache *c, uid_t uid, char ***ret)
{
        UserCacheEntry *e;
        int r;

        r = lookup(c, uid, NULL, &e);
        if (r < 0)
                return r;
        /* The groups are looked up with the account, or on first use within its time. */
        if (!e->groups) {
                r = user_group_names(uid, &e->groups);
                if (r < 0)
                        return r;
        }
        *ret = strv_copy(e->groups);
        return *ret ? 0 : -ENOMEM;
}
