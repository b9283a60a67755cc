/* Canonical JSON Lines records: the writer's serialiser and the strict, bounded parser that mirrors it. */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal-record.h"
#include "journal-util.h"
#include "util.h"
#include "utf8.h"

static const char *const type_names[_RECORD_TYPE_MAX] = {
    [RECORD_REQUEST] = "request",
    [RECORD_APPROVE] = "approve",
    [RECORD_DENY] = "deny",
    [RECORD_EXPIRE] = "expire",
    [RECORD_CANCEL] = "cancel",
    [RECORD_GRANT_USE] = "grant-use",
    [RECORD_REVOKE] = "revoke",
    [RECORD_KEY] = "key",
    [RECORD_START] = "start",
    [RECORD_STOP] = "stop",
    [RECORD_REPAIR] = "repair",
    [RECORD_CHECKPOINT] = "checkpoint",
    [RECORD_MIRROR_GAP] = "mirror-gap",
    [RECORD_LINK] = "link",
    [RECORD_LIVE] = "live",
};

const char *journal_record_type_to_string(RecordType t)
{
        if ((unsigned)t >= _RECORD_TYPE_MAX)
                return NULL;
        return type_names[t];
}

int journal_record_type_from_string(const char *s, size_t len)
{
        for (int t = 0; t < _RECORD_TYPE_MAX; t++)
                if (strlen(type_names[t]) == len && memcmp(type_names[t], s, len) == 0)
                        return t;
        return -EINVAL;
}

bool journal_field_key_valid(const char *key, size_t len)
{
        if (len == 0 || len > JOURNAL_MAX_KEY || key[0] < 'a' || key[0] > 'z')
                return false;
        for (size_t i = 1; i < len; i++)
                if (!((key[i] >= 'a' && key[i] <= 'z') || (key[i] >= '0' && key[i] <= '9') || key[i] == '_'))
                        return false;
        return true;
}

/* ---- writing ---- */

typedef struct Out {
        char *buf;
        size_t len;
        bool overflow;
} Out;

static void put(Out *o, const char *s, size_t n)
{
        /* Leave room for the newline. */
        if (o->overflow || n > JOURNAL_MAX_LINE - 1 - o->len) {
                o->overflow = true;
                return;
        }
        memcpy(o->buf + o->len, s, n);
        o->len += n;
}

static void puts_(Out *o, const char *s)
{
        put(o, s, strlen(s));
}

static void put_u64(Out *o, uint64_t v)
{
        char tmp[24];
        int n = snprintf(tmp, sizeof(tmp), "%" PRIu64, v);
        put(o, tmp, (size_t)n);
}

/* The one escaping rule: quote, backslash and control characters (and DEL); everything else raw. */
static void put_string(Out *o, const char *s)
{
        const char *run = s;

        put(o, "\"", 1);
        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;
                char esc[7];

                if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
                        continue;
                put(o, run, (size_t)(s - run));
                run = s + 1;
                switch (c) {
                case '"':
                        put(o, "\\\"", 2);
                        break;
                case '\\':
                        put(o, "\\\\", 2);
                        break;
                case '\b':
                        put(o, "\\b", 2);
                        break;
                case '\f':
                        put(o, "\\f", 2);
                        break;
                case '\n':
                        put(o, "\\n", 2);
                        break;
                case '\r':
                        put(o, "\\r", 2);
                        break;
                case '\t':
                        put(o, "\\t", 2);
                        break;
                default:
                        snprintf(esc, sizeof(esc), "\\u%04x", c);
                        put(o, esc, 6);
                }
        }
        put(o, run, (size_t)(s - run));
        put(o, "\"", 1);
}

static int field_cmp(const void *a, const void *b)
{
        return strcmp(((const JournalField *)a)->key, ((const JournalField *)b)->key);
}

int journal_record_format(uint64_t seq, uint64_t time_usec, uint64_t epoch, RecordType type,
                          const MerkleHash prev, const JournalField *fields, size_t n_fields, char *buf,
                          size_t *ret_len)
{
        JournalField sorted[JOURNAL_MAX_FIELDS];
        char hex[2 * MERKLE_HASH_SIZE + 1];
        Out o = {.buf = buf};

        if (!journal_record_type_to_string(type))
                return -EINVAL;
        if (seq > JOURNAL_MAX_NUMBER || time_usec > JOURNAL_MAX_NUMBER || epoch > JOURNAL_MAX_NUMBER)
                return -ERANGE;
        if (n_fields > JOURNAL_MAX_FIELDS)
                return -E2BIG;
        for (size_t i = 0; i < n_fields; i++) {
                if (!fields[i].key || !fields[i].value ||
                    !journal_field_key_valid(fields[i].key, strlen(fields[i].key)) ||
                    !jit_utf8_well_formed(fields[i].value, strlen(fields[i].value)))
                        return -EINVAL;
                sorted[i] = fields[i];
        }
        if (n_fields > 0)
                qsort(sorted, n_fields, sizeof(sorted[0]), field_cmp);
        for (size_t i = 1; i < n_fields; i++)
                if (streq(sorted[i - 1].key, sorted[i].key))
                        return -EINVAL;

        sodium_bin2hex(hex, sizeof(hex), prev, MERKLE_HASH_SIZE);
        puts_(&o, "{\"seq\":");
        put_u64(&o, seq);
        puts_(&o, ",\"time\":");
        put_u64(&o, time_usec);
        puts_(&o, ",\"epoch\":");
        put_u64(&o, epoch);
        puts_(&o, ",\"type\":\"");
        puts_(&o, journal_record_type_to_string(type));
        puts_(&o, "\",\"prev\":\"");
        puts_(&o, hex);
        puts_(&o, "\",\"fields\":{");
        for (size_t i = 0; i < n_fields; i++) {
                if (i > 0)
                        put(&o, ",", 1);
                put_string(&o, sorted[i].key);
                put(&o, ":", 1);
                put_string(&o, sorted[i].value);
        }
        puts_(&o, "}}");
        if (o.overflow)
                return -EMSGSIZE;
        buf[o.len] = '\n';
        *ret_len = o.len + 1;
        return 0;
}

/* ---- parsing ---- */

typedef struct In {
        const char *p, *end;
        const char *reason;
} In;

static bool fail(In *in, const char *reason)
{
        if (!in->reason)
                in->reason = reason;
        return false;
}

static bool expect(In *in, const char *lit, size_t n, const char *reason)
{
        if ((size_t)(in->end - in->p) < n || memcmp(in->p, lit, n) != 0)
                return fail(in, reason);
        in->p += n;
        return true;
}
#define EXPECT(in, lit, reason) expect(in, lit, sizeof(lit) - 1, reason)

static bool number(In *in, uint64_t *ret, const char *reason)
{
        const char *s = in->p;

        while (in->p < in->end && *in->p >= '0' && *in->p <= '9')
                in->p++;
        if (jit_parse_u64_strict(s, (size_t)(in->p - s), JOURNAL_MAX_NUMBER, ret) < 0)
                return fail(in, reason);
        return true;
}

static int hexdigit(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

/* Bytes that stand for themselves inside a string: printable ASCII but the quote and the backslash. */
static const bool plain[256] = {
    /* 0x00-0x7f; the rest (non-ASCII) is 0 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
};

/* Scan a canonical JSON string starting at the opening quote; on success in->p is past the closing quote
 * and *ret_decoded_len is the length of its decoded value. */
static bool string(In *in, size_t *ret_decoded_len)
{
        const unsigned char *p = (const unsigned char *)in->p, *end = (const unsigned char *)in->end;
        size_t n = 0;

        if (p >= end || *p != '"')
                return fail(in, "expected a string");
        p++;
        for (;;) {
                unsigned char c;

                /* Fast path: plain printable ASCII. */
                while (p < end && plain[*p]) {
                        p++;
                        n++;
                }
                if (p >= end)
                        return fail(in, "unterminated string");
                c = *p;
                if (c == '"')
                        break;
                if (c == '\\') {
                        if (end - p < 2)
                                return fail(in, "unterminated escape");
                        switch (p[1]) {
                        case '"':
                        case '\\':
                        case 'b':
                        case 'f':
                        case 'n':
                        case 'r':
                        case 't':
                                p += 2;
                                n++;
                                continue;
                        case 'u': {
                                int hi, lo;
                                /* Only \u00XX for control characters and DEL without a short form. */
                                if (end - p < 6 || p[2] != '0' || p[3] != '0')
                                        return fail(in, "non-canonical \\u escape");
                                hi = hexdigit((char)p[4]);
                                lo = hexdigit((char)p[5]);
                                if (hi < 0 || lo < 0)
                                        return fail(in, "non-canonical \\u escape");
                                c = (unsigned char)(hi << 4 | lo);
                                if ((c >= 0x20 && c != 0x7f) || c == 0 || c == '\b' || c == '\f' ||
                                    c == '\n' || c == '\r' || c == '\t')
                                        return fail(in, "non-canonical \\u escape");
                                p += 6;
                                n++;
                                continue;
                        }
                        default:
                                return fail(in, "non-canonical escape");
                        }
                }
                if (c < 0x20 || c == 0x7f)
                        return fail(in, "unescaped control character in string");
                /* Non-ASCII: one well-formed UTF-8 sequence. */
                {
                        uint32_t cp;
                        size_t r = jit_utf8_decode((const char *)p, (size_t)(end - p), &cp);
                        if (r == 0)
                                return fail(in, "invalid UTF-8 in string");
                        p += r;
                        n += r;
                }
        }
        in->p = (const char *)p + 1;
        if (ret_decoded_len)
                *ret_decoded_len = n;
        return true;
}

int journal_record_parse(const char *line, size_t len, JournalRecordView *ret, const char **ret_reason)
{
        In in = {.p = line, .end = line + len};
        JournalRecordView v = {};
        const char *s, *prev_key = NULL;
        size_t prev_key_len = 0;
        int t;

        if (len >= JOURNAL_MAX_LINE) {
                in.reason = "line too long";
                goto bad;
        }
        if (!EXPECT(&in, "{\"seq\":", "record does not start with {\"seq\":") ||
            !number(&in, &v.seq, "seq is not a canonical decimal") ||
            !EXPECT(&in, ",\"time\":", "expected \"time\" after \"seq\"") ||
            !number(&in, &v.time_usec, "time is not a canonical decimal") ||
            !EXPECT(&in, ",\"epoch\":", "expected \"epoch\" after \"time\"") ||
            !number(&in, &v.epoch, "epoch is not a canonical decimal") ||
            !EXPECT(&in, ",\"type\":\"", "expected \"type\" after \"epoch\""))
                goto bad;
        s = in.p;
        while (in.p < in.end && ((*in.p >= 'a' && *in.p <= 'z') || *in.p == '-'))
                in.p++;
        t = journal_record_type_from_string(s, (size_t)(in.p - s));
        if (t < 0) {
                fail(&in, "unknown record type");
                goto bad;
        }
        v.type = (RecordType)t;
        if (!EXPECT(&in, "\",\"prev\":\"", "expected \"prev\" after \"type\""))
                goto bad;
        if (in.end - in.p < 2 * MERKLE_HASH_SIZE ||
            jit_hex_decode_strict(in.p, 2 * MERKLE_HASH_SIZE, v.prev, MERKLE_HASH_SIZE) < 0) {
                fail(&in, "prev is not 64 lowercase hex digits");
                goto bad;
        }
        in.p += 2 * MERKLE_HASH_SIZE;
        if (!EXPECT(&in, "\",\"fields\":{", "expected \"fields\" after \"prev\""))
                goto bad;
        v.fields = in.p;
        while (in.p < in.end && *in.p != '}') {
                const char *r;
                size_t klen;
                int c;

                if (v.n_fields > 0 && !EXPECT(&in, ",", "expected ',' between fields"))
                        goto bad;
                if (v.n_fields >= JOURNAL_MAX_FIELDS) {
                        fail(&in, "too many fields");
                        goto bad;
                }
                r = in.p + 1;
                if (!string(&in, NULL))
                        goto bad;
                klen = (size_t)(in.p - 1 - r);
                if (!journal_field_key_valid(r, klen)) {
                        fail(&in, "invalid field name");
                        goto bad;
                }
                /* Keys strictly ascending: one canonical order, and no duplicates. */
                if (prev_key) {
                        c = memcmp(prev_key, r, prev_key_len < klen ? prev_key_len : klen);
                        if (c > 0 || (c == 0 && prev_key_len >= klen)) {
                                fail(&in, "field names not in strictly ascending order");
                                goto bad;
                        }
                }
                prev_key = r;
                prev_key_len = klen;
                if (!EXPECT(&in, ":", "expected ':' after field name") || !string(&in, NULL))
                        goto bad;
                v.n_fields++;
        }
        v.fields_len = (size_t)(in.p - v.fields);
        if (!EXPECT(&in, "}}", "record does not end with }}"))
                goto bad;
        if (in.p != in.end) {
                fail(&in, "trailing bytes after the record");
                goto bad;
        }
        *ret = v;
        return 0;
bad:
        if (ret_reason)
                *ret_reason = in.reason ? in.reason : "malformed record";
        return -EBADMSG;
}

/* Decode the canonical string at in->p (already validated) into out. */
static size_t decode_string(In *in, char *out)
{
        const char *p = in->p + 1;
        size_t n = 0;

        while (*p != '"') {
                if (*p != '\\') {
                        out[n++] = *p++;
                        continue;
                }
                switch (p[1]) {
                case 'b':
                        out[n++] = '\b';
                        break;
                case 'f':
                        out[n++] = '\f';
                        break;
                case 'n':
                        out[n++] = '\n';
                        break;
                case 'r':
                        out[n++] = '\r';
                        break;
                case 't':
                        out[n++] = '\t';
                        break;
                case 'u':
                        out[n++] = (char)(hexdigit(p[4]) << 4 | hexdigit(p[5]));
                        p += 4;
                        break;
                default:
                        out[n++] = p[1];
                }
                p += 2;
        }
        in->p = p + 1;
        return n;
}

int journal_record_decode_fields(const JournalRecordView *v, char *buf, size_t buf_size,
                                 JournalField *fields, size_t max_fields)
{
        In in = {.p = v->fields, .end = v->fields + v->fields_len};
        size_t used = 0;

        if (v->n_fields > max_fields)
                return -E2BIG;
        if (buf_size < v->fields_len + v->n_fields)
                return -ENOBUFS;
        for (size_t i = 0; i < v->n_fields; i++) {
                size_t n;

                if (i > 0)
                        in.p++; /* ',' */
                fields[i].key = buf + used;
                n = decode_string(&in, buf + used);
                buf[used + n] = '\0';
                used += n + 1;
                in.p++; /* ':' */
                fields[i].value = buf + used;
                n = decode_string(&in, buf + used);
                buf[used + n] = '\0';
                used += n + 1;
        }
        return 0;
}

int journal_record_get_field(const JournalRecordView *v, const char *key, char *buf, size_t buf_size,
                             size_t *ret_len)
{
        In in = {.p = v->fields, .end = v->fields + v->fields_len};
        size_t key_len = strlen(key);

        for (size_t i = 0; i < v->n_fields; i++) {
                const char *r;
                size_t dlen, klen;
                In probe;

                if (i > 0)
                        in.p++; /* ',' */
                r = in.p + 1;
                (void)string(&in, NULL);
                klen = (size_t)(in.p - 1 - r);
                in.p++; /* ':' */
                probe = in;
                (void)string(&in, &dlen);
                if (klen == key_len && memcmp(r, key, key_len) == 0) {
                        if (dlen + 1 > buf_size)
                                return -ENOBUFS;
                        decode_string(&probe, buf);
                        buf[dlen] = '\0';
                        if (ret_len)
                                *ret_len = dlen;
                        return 0;
                }
        }
        return -ENOENT;
}
