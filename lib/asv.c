/* The one a{sv} reader: a table of keys and types, for jitd, the module, the plugin and jitctl. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "asv.h"
#include "jit-bus.h"
#include "jit-limits.h"
#include "util.h"

void argv_done(Argv *a)
{
        free(a->buf);
        free(a->words);
        *a = (Argv){};
}

const char *asv_signature(AsvType t)
{
        static const char *const sig[_ASV_TYPE_MAX] = {
            [ASV_STRING] = "s", [ASV_UINT32] = "u", [ASV_UINT64] = "t", [ASV_BOOL] = "b", [ASV_STRV] = "as",
        };
        return (unsigned)t < _ASV_TYPE_MAX ? sig[t] : "?";
}

/* argv arrives as separate words, kept as words; jitd/command.c decides what they name. */
static int read_strv(sd_bus_message *m, Argv *ret)
{
        Argv a = {};
        const char *word;
        size_t len = 0, n = 0;
        int r;

        a.buf = malloc(JIT_MAX_ARGV_READ);
        if (!a.buf)
                return -ENOMEM;
        r = sd_bus_message_enter_container(m, 'a', "s");
        while (r >= 0 && (r = sd_bus_message_read_basic(m, 's', &word)) > 0) {
                size_t l = strlen(word) + 1;
                /* Too long to be approved as it is: the module refuses such argv; so do we. */
                if (len + l > JIT_MAX_ARGV_READ) {
                        r = -E2BIG;
                        break;
                }
                memcpy(a.buf + len, word, l);
                len += l;
                n++;
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r >= 0 && !(a.words = calloc(n + 1, sizeof(char *))))
                r = -ENOMEM;
        if (r < 0) {
                argv_done(&a);
                return r;
        }
        for (size_t i = 0, o = 0; i < n; i++) {
                a.words[i] = a.buf + o;
                o += strlen(a.buf + o) + 1;
        }
        a.n = n;
        *ret = a;
        return 0;
}

static int read_value(sd_bus_message *m, const AsvField *f, void *out)
{
        void *p = (char *)out + f->offset;
        int r;

        r = sd_bus_message_enter_container(m, 'v', asv_signature(f->type));
        if (r <= 0)
                return r < 0 ? r : -EBADMSG;
        switch (f->type) {
        case ASV_STRING:
                r = sd_bus_message_read_basic(m, 's', p);
                break;
        case ASV_UINT32:
                r = sd_bus_message_read_basic(m, 'u', p);
                break;
        case ASV_UINT64:
                r = sd_bus_message_read_basic(m, 't', p);
                break;
        case ASV_BOOL:
                r = sd_bus_message_read_basic(m, 'b', p);
                break;
        case ASV_STRV:
                r = read_strv(m, p);
                break;
        default:
                r = -EINVAL;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

/* One entry: the key, then its value read, or skipped when the table does not know it. */
static int read_entry(sd_bus_message *m, const AsvTable *t, void *out, uint64_t *seen, sd_bus_error *error)
{
        const char *key, *contents;
        const AsvField *f;
        char type;
        size_t i;
        int r;

        r = sd_bus_message_read_basic(m, 's', &key);
        if (r < 0)
                return r;
        for (i = 0; i < t->n_fields && !streq(key, t->fields[i].key); i++)
                ;
        if (i == t->n_fields) {
                /* The key is the sender's text: it is never echoed back, only our own names are. */
                if (t->unknown == ASV_SKIP_UNKNOWN)
                        return sd_bus_message_skip(m, "v");
                (void)sd_bus_error_set(error, JIT_ERROR_INVALID_ARGUMENT, "Unknown option.");
                return -EBADMSG;
        }
        f = &t->fields[i];
        /* Two values for one key would leave it to the reader which one counts. */
        if (*seen & (UINT64_C(1) << i)) {
                (void)sd_bus_error_setf(error, JIT_ERROR_INVALID_ARGUMENT, "Option '%s' is given twice.",
                                        f->key);
                return -EBADMSG;
        }
        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        if (type != 'v' || !contents || !streq(contents, asv_signature(f->type))) {
                (void)sd_bus_error_setf(error, JIT_ERROR_INVALID_ARGUMENT, "Option '%s' must be of type %s.",
                                        f->key, asv_signature(f->type));
                return -EBADMSG;
        }
        *seen |= UINT64_C(1) << i;
        return read_value(m, f, out);
}

int asv_read(sd_bus_message *m, const AsvTable *t, void *out, uint64_t *ret_seen, sd_bus_error *error)
{
        uint64_t seen = 0;
        size_t n = 0;
        int r;

        if (t->n_fields > ASV_MAX_FIELDS)
                return -EINVAL;
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r <= 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                /* Skipped entries count too: a reply of endless unknown keys is refused, not walked. */
                if (++n > ASV_MAX_ENTRIES) {
                        (void)sd_bus_error_set(error, JIT_ERROR_INVALID_ARGUMENT, "Too many options.");
                        return -EBADMSG;
                }
                r = read_entry(m, t, out, &seen, error);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        if (ret_seen)
                *ret_seen = seen;
        return 1;
}
