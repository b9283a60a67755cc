/* Per-uid token buckets: how much journal growth and reply work one account may cause (A41, A42). */
#include <assert.h>
#include <errno.h>

#include "jitd.h"
#include "util.h"

/* Each bucket is kept as GCRA's "theoretical arrival time" (tat): the moment the account's bucket
 * would be full again. One number per uid, integer arithmetic only, and a bucket whose tat has
 * passed is indistinguishable from a fresh one, so it can be forgotten at no cost. That makes the
 * table's bound safe: evicting a full bucket forgives nothing. */

static RateBucket *bucket_find(RateLimit *rl, uid_t uid)
{
        for (size_t i = 0; i < rl->n; i++)
                if (rl->b[i].uid == uid)
                        return &rl->b[i];
        return NULL;
}

/* The bucket of uid, made on first use. When the table is full, the entry that is closest to full
 * gives up its place: usually one that is full already (nothing lost); when every account in the
 * table is in debt at once, the least indebted is forgiven, which bounds the leak to one burst. */
static RateBucket *bucket_get(RateLimit *rl, uid_t uid, uint64_t now)
{
        RateBucket *b = bucket_find(rl, uid), *victim;

        if (b)
                return b;
        if (rl->n < ELEMENTSOF(rl->b))
                b = &rl->b[rl->n++];
        else {
                victim = &rl->b[0];
                for (size_t i = 1; i < rl->n; i++)
                        if (rl->b[i].tat < victim->tat)
                                victim = &rl->b[i];
                b = victim;
        }
        *b = (RateBucket){.uid = uid, .tat = now};
        return b;
}

int ratelimit_check(RateLimit *rl, uid_t uid, uint64_t now, uint64_t *ret_wait_usec)
{
        const RateBucket *b;
        uint64_t tolerance, tat;

        assert(rl && rl->interval_usec > 0 && rl->burst > 0);
        b = bucket_find(rl, uid);
        if (!b || b->tat <= now)
                return 0;
        /* The first `burst` calls of a full bucket pass; then one per interval. */
        tolerance = (rl->burst - 1) * rl->interval_usec;
        tat = b->tat;
        if (tat - now <= tolerance)
                return 0;
        if (ret_wait_usec)
                *ret_wait_usec = tat - now - tolerance;
        return -EBUSY;
}

void ratelimit_charge(RateLimit *rl, uid_t uid, uint64_t now, uint64_t cost)
{
        RateBucket *b;
        uint64_t add;

        assert(rl && rl->interval_usec > 0);
        if (cost == 0)
                return;
        b = bucket_get(rl, uid, now);
        if (b->tat < now)
                b->tat = now;
        /* Debt is allowed (a reply is charged after it is built) but capped, so one huge charge cannot
         * lock an account out for longer than ten bursts take to refill. */
        add = cost * rl->interval_usec;
        if (cost > 10 * rl->burst || b->tat - now + add > 10 * rl->burst * rl->interval_usec)
                b->tat = now + 10 * rl->burst * rl->interval_usec;
        else
                b->tat += add;
}
