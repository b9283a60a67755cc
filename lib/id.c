/* Request id generation and parsing. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

#include "id.h"

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

int jit_id_new(char ret[JIT_ID_LEN + 1])
{
        uint8_t raw[5];
        uint64_t v = 0;
        ssize_t n;

        /* Block until the pool is initialised; never fall back to a weaker source. */
        do
                n = getrandom(raw, sizeof(raw), 0);
        while (n < 0 && errno == EINTR);
        if (n != (ssize_t)sizeof(raw))
                return n < 0 ? -errno : -EIO;

        for (size_t i = 0; i < sizeof(raw); i++)
                v = (v << 8) | raw[i];

        for (int i = 7, o = JIT_ID_LEN - 1; i >= 0; i--, o--) {
                if (o == 4)
                        ret[o--] = '-';
                ret[o] = crockford[v & 31];
                v >>= 5;
        }
        ret[JIT_ID_LEN] = '\0';
        return 0;
}

static int symbol_value(char c)
{
        if (c >= 'a' && c <= 'z')
                c = (char)(c - 'a' + 'A');
        switch (c) {
        case 'O':
                return 0;
        case 'I':
        case 'L':
                return 1;
        case 'U':
                return -1;
        }
        const char *p = c ? strchr(crockford, c) : NULL;
        return p ? (int)(p - crockford) : -1;
}

int jit_id_normalize(const char *in, char ret[JIT_ID_LEN + 1])
{
        size_t n = 0;

        if (!in)
                return -EINVAL;
        for (size_t i = 0; in[i]; i++) {
                if (in[i] == '-' && i == 4 && n == 4)
                        continue;
                if (n >= 8)
                        return -EINVAL;
                int v = symbol_value(in[i]);
                if (v < 0)
                        return -EINVAL;
                ret[n < 4 ? n : n + 1] = crockford[v];
                n++;
        }
        if (n != 8)
                return -EINVAL;
        ret[4] = '-';
        ret[JIT_ID_LEN] = '\0';
        return 0;
}

bool jit_id_valid(const char *id)
{
        char canon[JIT_ID_LEN + 1];

        return id && jit_id_normalize(id, canon) == 0 && strcmp(canon, id) == 0;
}
