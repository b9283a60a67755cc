/* Request ids: format, randomness, normalisation of what people type. */
#include <stdlib.h>
#include <string.h>

#include "id.h"
#include "tap.h"

static int cmp(const void *a, const void *b)
{
        return strcmp(a, b);
}

int main(void)
{
        static char ids[20000][JIT_ID_LEN + 1];
        char canon[JIT_ID_LEN + 1];
        Tap t = {};
        bool shape = true, dup = false;

        for (size_t i = 0; i < 20000; i++) {
                if (jit_id_new(ids[i]) < 0 || !jit_id_valid(ids[i]) || strlen(ids[i]) != JIT_ID_LEN ||
                    ids[i][4] != '-')
                        shape = false;
        }
        tap_ok(&t, shape, "20000 new ids are XXXX-XXXX in canonical Crockford base32");
        qsort(ids, 20000, sizeof(ids[0]), cmp);
        for (size_t i = 1; i < 20000; i++)
                dup |= strcmp(ids[i - 1], ids[i]) == 0;
        tap_ok(&t, !dup, "no repeats among 20000 ids (40 random bits)");

        tap_ok(&t, jit_id_normalize("k7q2-m9xa", canon) == 0 && strcmp(canon, "K7Q2-M9XA") == 0,
               "lower case is accepted and canonicalised");
        tap_ok(&t, jit_id_normalize("K7Q2M9XA", canon) == 0 && strcmp(canon, "K7Q2-M9XA") == 0,
               "the dash is optional");
        tap_ok(&t, jit_id_normalize("KOQI-L9XA", canon) == 0 && strcmp(canon, "K0Q1-19XA") == 0,
               "O reads as 0, I and L as 1");
        tap_ok(&t, jit_id_normalize("K7Q2-M9XU", canon) < 0, "U is not a Crockford symbol");
        tap_ok(&t, jit_id_normalize("K7Q2-M9X", canon) < 0, "too short is rejected");
        tap_ok(&t, jit_id_normalize("K7Q2-M9XAB", canon) < 0, "too long is rejected");
        tap_ok(&t, jit_id_normalize("K7Q2--M9XA", canon) < 0, "a second dash is rejected");
        tap_ok(&t, jit_id_normalize("K7-Q2M9XA", canon) < 0, "a dash elsewhere is rejected");
        tap_ok(&t, jit_id_normalize("../../etc", canon) < 0, "path-like input is rejected");
        tap_ok(&t, jit_id_normalize("", canon) < 0 && jit_id_normalize(NULL, canon) < 0, "empty and NULL");
        tap_ok(&t, !jit_id_valid("k7q2-m9xa") && jit_id_valid("K7Q2-M9XA"), "valid means canonical");
        return tap_done(&t);
}
