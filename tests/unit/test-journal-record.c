/* Journal records: canonical serialisation, the strict parser, and agreement with a real JSON parser. */
#include <errno.h>
#include <inttypes.h>
#include <json.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal-record.h"
#include "util.h"
#include "tap.h"

static Tap tap;
#define ok(cond, ...) tap_ok(&tap, (cond), __VA_ARGS__)

static char buf[JOURNAL_MAX_LINE];

#define PREV "\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\""
#define HEAD "{\"seq\":1,\"time\":2,\"epoch\":3,\"type\":\"request\"," PREV ",\"fields\":{"

/* json-c must read the same values our parser decodes. */
static bool agrees_with_json_c(const char *line, size_t len)
{
        JournalRecordView v;
        JournalField f[JOURNAL_MAX_FIELDS];
        static char dec[JOURNAL_MAX_LINE];
        struct json_tokener *tok = json_tokener_new();
        struct json_object *o, *fields, *x;
        bool same = false;

        o = json_tokener_parse_ex(tok, line, (int)len);
        json_tokener_free(tok);
        if (!o)
                return false;
        if (journal_record_parse(line, len, &v, NULL) < 0 ||
            journal_record_decode_fields(&v, dec, sizeof(dec), f, ELEMENTSOF(f)) < 0)
                goto out;
        if (!json_object_object_get_ex(o, "seq", &x) || (uint64_t)json_object_get_int64(x) != v.seq ||
            !json_object_object_get_ex(o, "type", &x) ||
            !streq(json_object_get_string(x), journal_record_type_to_string(v.type)) ||
            !json_object_object_get_ex(o, "fields", &fields) ||
            json_object_object_length(fields) != (int)v.n_fields)
                goto out;
        for (size_t i = 0; i < v.n_fields; i++) {
                if (!json_object_object_get_ex(fields, f[i].key, &x) ||
                    (size_t)json_object_get_string_len(x) != strlen(f[i].value) ||
                    memcmp(json_object_get_string(x), f[i].value, strlen(f[i].value)) != 0)
                        goto out;
        }
        same = true;
out:
        json_object_put(o);
        return same;
}

static void test_roundtrip(void)
{
        MerkleHash prev;
        JournalField in[] = {
            {"user", "alice"},
            {"command", "systemctl restart \"nginx\" \\ \x01\x1f\x7f tab\there\nnewline\r\b\f"},
            {"reason", "d\xc3\xa9ploy \xe2\x80\x94 \xf0\x9f\x9a\x80 / slash"},
            {"empty", ""},
            {"a_1", "x"},
        };
        JournalRecordView v;
        JournalField out[JOURNAL_MAX_FIELDS];
        static char dec[JOURNAL_MAX_LINE];
        const char *why = NULL;
        size_t len;
        bool same = true;

        memset(prev, 0x5a, sizeof(prev));
        ok(journal_record_format(7, 1700000000000000, 2, RECORD_GRANT_USE, prev, in, ELEMENTSOF(in), buf,
                                 &len) == 0 &&
               buf[len - 1] == '\n',
           "record formats, ending in a newline");
        ok(journal_record_parse(buf, len - 1, &v, &why) == 0 && v.seq == 7 &&
               v.time_usec == 1700000000000000 && v.epoch == 2 && v.type == RECORD_GRANT_USE &&
               memcmp(v.prev, prev, 32) == 0 && v.n_fields == ELEMENTSOF(in),
           "formatted record parses back (%s)", why ? why : "ok");
        ok(journal_record_decode_fields(&v, dec, sizeof(dec), out, ELEMENTSOF(out)) == 0, "fields decode");
        for (size_t i = 0; i + 1 < v.n_fields; i++)
                if (strcmp(out[i].key, out[i + 1].key) >= 0)
                        same = false;
        for (size_t i = 0; i < ELEMENTSOF(in); i++) {
                bool found = false;
                for (size_t r = 0; r < v.n_fields; r++)
                        if (streq(out[r].key, in[i].key) && streq(out[r].value, in[i].value))
                                found = true;
                same = same && found;
        }
        ok(same, "decoded fields equal the input, sorted by key");
        ok(agrees_with_json_c(buf, len - 1), "json-c reads the same record");
        ok(strstr(buf, "\\u0001") && strstr(buf, "\\u007f") && strstr(buf, "\\t") && strstr(buf, "\\\\") &&
               strstr(buf, "\xe2\x80\x94") && strstr(buf, " / slash"),
           "escapes are the canonical ones, non-ASCII stays raw");
        {
                char small[64];
                size_t n;
                ok(journal_record_get_field(&v, "user", small, sizeof(small), &n) == 0 &&
                       streq(small, "alice") &&
                       journal_record_get_field(&v, "nope", small, sizeof(small), &n) == -ENOENT &&
                       journal_record_get_field(&v, "command", small, 4, &n) == -ENOBUFS,
                   "get_field finds, misses and bounds");
        }
}

static void test_format_rejects(void)
{
        MerkleHash prev = {};
        size_t len;
        static char big[JOURNAL_MAX_LINE];
        JournalField f;

        f = (JournalField){"User", "x"};
        ok(journal_record_format(0, 0, 0, RECORD_START, prev, &f, 1, buf, &len) == -EINVAL,
           "uppercase key refused");
        f = (JournalField){"user", "\xc0\x80"};
        ok(journal_record_format(0, 0, 0, RECORD_START, prev, &f, 1, buf, &len) == -EINVAL,
           "non-UTF-8 value refused");
        {
                JournalField d[] = {{"a", "1"}, {"a", "2"}};
                ok(journal_record_format(0, 0, 0, RECORD_START, prev, d, 2, buf, &len) == -EINVAL,
                   "duplicate key refused");
        }
        memset(big, 'x', sizeof(big) - 1);
        f = (JournalField){"big", big};
        ok(journal_record_format(0, 0, 0, RECORD_START, prev, &f, 1, buf, &len) == -EMSGSIZE,
           "line over 64 KiB refused");
        big[JOURNAL_MAX_LINE - 300] = '\0';
        ok(journal_record_format(0, 0, 0, RECORD_START, prev, &f, 1, buf, &len) == 0 &&
               len < JOURNAL_MAX_LINE,
           "line just under 64 KiB accepted");
        ok(journal_record_format(0, 0, 0, (RecordType)99, prev, NULL, 0, buf, &len) == -EINVAL,
           "unknown type refused");
        ok(journal_record_format((uint64_t)INT64_MAX + 1, 0, 0, RECORD_START, prev, NULL, 0, buf, &len) ==
               -ERANGE,
           "seq above 2^63-1 refused");
}

static void test_parse_rejects(void)
{
        static const char *bad[] = {
            HEAD "}} ",
            " " HEAD "}}",
            HEAD "}}\r",
            "{\"seq\":01,\"time\":2,\"epoch\":3,\"type\":\"request\"," PREV ",\"fields\":{}}",
            "{\"seq\":-1,\"time\":2,\"epoch\":3,\"type\":\"request\"," PREV ",\"fields\":{}}",
            "{\"seq\":1.0,\"time\":2,\"epoch\":3,\"type\":\"request\"," PREV ",\"fields\":{}}",
            "{\"seq\":9223372036854775808,\"time\":2,\"epoch\":3,\"type\":\"request\"," PREV
            ",\"fields\":{}}",
            "{\"time\":2,\"seq\":1,\"epoch\":3,\"type\":\"request\"," PREV ",\"fields\":{}}",
            "{\"seq\": 1,\"time\":2,\"epoch\":3,\"type\":\"request\"," PREV ",\"fields\":{}}",
            "{\"seq\":1,\"time\":2,\"epoch\":3,\"type\":\"bogus\"," PREV ",\"fields\":{}}",
            "{\"seq\":1,\"time\":2,\"epoch\":3,\"type\":\"Request\"," PREV ",\"fields\":{}}",
            "{\"seq\":1,\"time\":2,\"epoch\":3,\"type\":\"request\",\"prev\":\"00\",\"fields\":{}}",
            "{\"seq\":1,\"time\":2,\"epoch\":3,\"type\":\"request\",\"prev\":"
            "\"A000000000000000000000000000000000000000000000000000000000000000\",\"fields\":{}}",
            HEAD "\"b\":\"1\",\"a\":\"2\"}}",
            HEAD "\"a\":\"1\",\"a\":\"2\"}}",
            HEAD "\"a\":1}}",
            HEAD "\"a\":\"x\",}}",
            HEAD "\"A\":\"x\"}}",
            HEAD "\"1a\":\"x\"}}",
            HEAD "\"a\":\"\\u0041\"}}",
            HEAD "\"a\":\"\\u000a\"}}",
            HEAD "\"a\":\"\\u0000\"}}",
            HEAD "\"a\":\"\\/\"}}",
            HEAD "\"a\":\"\\x41\"}}",
            HEAD "\"a\":\"\\U0001\"}}",
            HEAD "\"a\":\"\t\"}}",
            HEAD "\"a\":\"\x7f\"}}",
            HEAD "\"a\":\"\xc3\"}}",
            HEAD "\"a\":\"\xed\xa0\x80\"}}",
            HEAD "\"a\":\"\xe0\x80\xaf\"}}",
            HEAD "\"a\":\"x}}",
            HEAD "\"a\":\"x\"}",
            HEAD "\"a\" :\"x\"}}",
            HEAD "}}}",
            "",
            "{}",
        };
        bool all = true;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                JournalRecordView v;
                const char *why = NULL;
                if (journal_record_parse(bad[i], strlen(bad[i]), &v, &why) != -EBADMSG || !why) {
                        printf("# accepted: %s\n", bad[i]);
                        all = false;
                }
        }
        ok(all, "%zu non-canonical or malformed lines are rejected with a reason", ELEMENTSOF(bad));
        {
                JournalRecordView v;
                const char *good = HEAD "\"a\":\"\\u001b\\\\\\\"\",\"ab\":\"\",\"b\":\"\xf0\x9f\x98\x80\"}}";
                ok(journal_record_parse(good, strlen(good), &v, NULL) == 0 && v.n_fields == 3 &&
                       agrees_with_json_c(good, strlen(good)),
                   "hand-written canonical line accepted and agrees with json-c");
        }
}

static void test_random_roundtrip(void)
{
        bool all = true;
        MerkleHash prev;

        /* Random printable and control bytes, valid UTF-8 only: format, parse, decode, compare. */
        for (int iter = 0; iter < 2000 && all; iter++) {
                char values[4][200], keys[4][24];
                JournalField in[4], out[JOURNAL_MAX_FIELDS];
                static char dec[JOURNAL_MAX_LINE];
                JournalRecordView v;
                size_t len, n = (size_t)randombytes_uniform(5);

                randombytes_buf(prev, sizeof(prev));
                for (size_t i = 0; i < n; i++) {
                        size_t l = randombytes_uniform(199);
                        for (size_t r = 0; r < l; r++) {
                                uint8_t c = (uint8_t)(1 + randombytes_uniform(127));
                                values[i][r] = (char)c;
                        }
                        values[i][l] = '\0';
                        snprintf(keys[i], sizeof(keys[i]), "k%zu", i);
                        in[i] = (JournalField){keys[i], values[i]};
                }
                if (journal_record_format(randombytes_random(), randombytes_random(), randombytes_uniform(9),
                                          (RecordType)randombytes_uniform(_RECORD_TYPE_MAX), prev, in, n,
                                          buf, &len) < 0 ||
                    journal_record_parse(buf, len - 1, &v, NULL) < 0 ||
                    journal_record_decode_fields(&v, dec, sizeof(dec), out, ELEMENTSOF(out)) < 0 ||
                    v.n_fields != n || !agrees_with_json_c(buf, len - 1))
                        all = false;
                for (size_t i = 0; all && i < n; i++)
                        if (!streq(out[i].key, in[i].key) || !streq(out[i].value, in[i].value))
                                all = false;
        }
        ok(all, "2000 random records round-trip and agree with json-c");
}

int main(void)
{
        if (sodium_init() < 0)
                return 1;
        test_roundtrip();
        test_format_rejects();
        test_parse_rejects();
        test_random_roundtrip();
        printf("1..%d\n", tap.n);
        return tap.failed == 0 ? 0 : 1;
}
