/* The request table's index by id: every request stays findable through inserts, removals (the
 * backward shift that closes each hole) and growth; a removed one is gone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jitd.h"

#include "tap.h"

#define N 5000

/* Every live request is found as itself, every removed one not at all. */
static bool check(const RequestIndex *x, Request *req, const bool *live, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (request_index_find(x, req[i].id) != (live[i] ? &req[i] : NULL))
                        return false;
        return true;
}

int main(void)
{
        Tap t = {};
        RequestIndex x = {};
        Request *req = calloc(N, sizeof(*req));
        bool *live = calloc(N, sizeof(*live));
        size_t added = 0, n_live = 0;
        bool ok = true;

        if (!req || !live)
                return 1;
        /* Ids like jit_id_new's but dense, so runs of neighbours and wrap-around both happen. */
        for (size_t i = 0; i < N; i++)
                snprintf(req[i].id, sizeof(req[i].id), "%04zX-%04zX", i % 7919, i);

        tap_ok(&t, request_index_find(&x, "K7Q2-M9XA") == NULL, "an empty index finds nothing");
        for (size_t i = 0; i < N / 2; i++, added++)
                ok &= request_index_add(&x, &req[i]) == 0 && (live[i] = true);
        tap_ok(&t, ok && check(&x, req, live, N),
               "%zu requests added: each is found (the table grew to %zu)", added, x.size);

        /* Remove every third, add the rest, remove every fifth of those still there. */
        for (size_t i = 0; i < N / 2; i += 3)
                request_index_remove(&x, &req[i]), live[i] = false;
        tap_ok(&t, check(&x, req, live, N),
               "every third removed: the rest are still found, the removed are not");
        for (size_t i = N / 2; i < N; i++)
                ok &= request_index_add(&x, &req[i]) == 0 && (live[i] = true);
        for (size_t i = 0; i < N; i += 5)
                if (live[i])
                        request_index_remove(&x, &req[i]), live[i] = false;
        for (size_t i = 0; i < N; i++)
                n_live += live[i];
        tap_ok(&t, ok && check(&x, req, live, N) && x.n == n_live,
               "after more adds and removals: %zu live, all found, index counts %zu", n_live, x.n);

        request_index_remove(&x, &req[0]);
        tap_ok(&t, x.n == n_live, "removing a request that is not there changes nothing");
        for (size_t i = 0; i < N; i++)
                if (live[i])
                        request_index_remove(&x, &req[i]), live[i] = false;
        tap_ok(&t, x.n == 0 && check(&x, req, live, N), "all removed: the index is empty");
        request_index_done(&x);
        free(req);
        free(live);
        return tap_done(&t);
}
