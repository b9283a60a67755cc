/* The request table's index by id: an open-addressing hash table, so that finding a request (every
 * Approve, GetRequest, and each new id's uniqueness check) does not walk up to 11,000 requests.
 * jitd's profile under 64 requesters showed that walk (strcmp in request_find) at 12 % of its CPU.
 * Ids are random, so a plain FNV-1a of the text spreads them; linear probing with backward-shift
 * deletion needs no tombstones. The table doubles when half full. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jitd.h"
#include "util.h"

#define INDEX_MIN_SIZE 1024

static size_t id_hash(const char *id)
{
        uint64_t h = 14695981039346656037ULL;

        for (; *id; id++)
                h = (h ^ (uint8_t)*id) * 1099511628211ULL;
        return (size_t)h;
}

static void place(Request **slot, size_t mask, Request *req)
{
        size_t i = id_hash(req->id) & mask;

        while (slot[i])
                i = (i + 1) & mask;
        slot[i] = req;
}

static int grow(RequestIndex *x)
{
        size_t size = x->size ? 2 * x->size : INDEX_MIN_SIZE;
        Request **slot = calloc(size, sizeof(*slot));

        if (!slot)
                return -ENOMEM;
        for (size_t i = 0; i < x->size; i++)
                if (x->slot[i])
                        place(slot, size - 1, x->slot[i]);
        free(x->slot);
        x->slot = slot;
        x->size = size;
        return 0;
}

int request_index_add(RequestIndex *x, Request *req)
{
        if (2 * (x->n + 1) > x->size) {
                int r = grow(x);
                if (r < 0)
                        return r;
        }
        place(x->slot, x->size - 1, req);
        x->n++;
        return 0;
}

Request *request_index_find(const RequestIndex *x, const char *id)
{
        if (x->size == 0)
                return NULL;
        for (size_t i = id_hash(id) & (x->size - 1); x->slot[i]; i = (i + 1) & (x->size - 1))
                if (streq(x->slot[i]->id, id))
                        return x->slot[i];
        return NULL;
}

void request_index_remove(RequestIndex *x, const Request *req)
{
        size_t mask = x->size - 1, i, j;

        if (x->size == 0)
                return;
        for (i = id_hash(req->id) & mask; x->slot[i] != req; i = (i + 1) & mask)
                if (!x->slot[i])
                        return;
        x->slot[i] = NULL;
        x->n--;
        /* Move back each later entry of the run whose home is not between the hole and it, so
         * every entry stays reachable from its home without a gap. */
        for (j = (i + 1) & mask; x->slot[j]; j = (j + 1) & mask) {
                size_t home = id_hash(x->slot[j]->id) & mask;
                bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
                if (stays)
                        continue;
                x->slot[i] = x->slot[j];
                x->slot[j] = NULL;
                i = j;
        }
}

void request_index_done(RequestIndex *x)
{
        free(x->slot);
        *x = (RequestIndex){};
}
