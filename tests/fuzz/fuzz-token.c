/* Fuzz the approval-token parser: bounded, no crash, no read out of bounds, and what parses is
 * consistent (names are printable, the id is an id, and formatting it again parses to the same). */
#include <errno.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "id.h"
#include "token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        Token t = {}, u = {};
        char *again = NULL;
        int r;

        if (sodium_init() < 0)
                abort();
        if (size > 2 * TOKEN_MAX)
                return 0;
        r = token_parse((const char *)data, size, &t);
        if (r != 0) {
                if (r != -EBADMSG && r != -EPROTONOSUPPORT && r != -ENOMEM)
                        abort();
                return 0;
        }
        if (!jit_id_valid(t.id) || !*t.origin || !*t.principal || !t.signature)
                abort();
        r = token_format(t.id, t.origin, t.principal, t.signature, &again);
        if (r == 0) {
                if (token_parse(again, strlen(again), &u) != 0 || strcmp(u.id, t.id) != 0 ||
                    strcmp(u.origin, t.origin) != 0 || strcmp(u.principal, t.principal) != 0 ||
                    strcmp(u.signature, t.signature) != 0)
                        abort();
        } else if (r != -EINVAL && r != -ENOMEM)
                abort();
        free(again);
        token_done(&u);
        token_done(&t);
        return 0;
}
