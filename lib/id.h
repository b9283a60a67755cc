/* Request ids: 40 random bits from the kernel, shown as Crockford base32 "XXXX-XXXX". */
#pragma once

#include <stdbool.h>
#include "jit-limits.h"

int jit_id_new(char ret[JIT_ID_LEN + 1]);
/* Canonical form of what a person typed (case, dash optional, I/L->1, O->0); -EINVAL if not an id. */
int jit_id_normalize(const char *in, char ret[JIT_ID_LEN + 1]);
bool jit_id_valid(const char *id);
