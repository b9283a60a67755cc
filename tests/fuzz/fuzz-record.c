/* Fuzz the journal record parser: whatever it accepts must re-serialise to the same bytes and be
 * JSON that json-c reads the same way; and the record walk must survive any sequence of lines, fed
 * from a file or as lines in memory (journal_verify_lines, the fleet collector's path, which also
 * starts a new file at each link record). */
#include <json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "journal-internal.h"
#include "journal-record.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The fixtures' identity key (tests/data/journal), so genesis records of the corpus get past the
 * first check. */
#define FIXTURE_KEY "fixtures.example/jit+7dd9192b+AVvODIyzELTHAZeenSAFZi7tGTQrfnJ8jlUXZOQhIm3n"

static void check_as_lines(const char *data, size_t size)
{
        JournalVerifyOptions o = {.pubkey_text = FIXTURE_KEY, .all_signatures = true};
        JournalLine lines[256];
        JournalVerifyResult res;
        const char *p = data, *end = data + size;
        size_t n = 0;
        int r;

        while (p < end && n < ELEMENTSOF(lines)) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

                lines[n++] = (JournalLine){p, len};
                if (!nl)
                        break;
                p = nl + 1;
        }
        r = journal_verify_lines(lines, n, &o, &res);
        if (r == 0 && !res.ok)
                abort();
        if (r == -EBADMSG && (res.ok || !res.reason[0]))
                abort();
        journal_verify_result_done(&res);
}

static void check_one_line(const char *line, size_t len)
{
        static char dec[JOURNAL_MAX_LINE], out[JOURNAL_MAX_LINE];
        JournalField f[JOURNAL_MAX_FIELDS];
        JournalRecordView v;
        struct json_tokener *tok;
        struct json_object *o;
        size_t n;

        if (journal_record_parse(line, len, &v, NULL) < 0)
                return;
        if (journal_record_decode_fields(&v, dec, sizeof(dec), f, ELEMENTSOF(f)) < 0)
                abort();
        /* Canonical: exactly one text per record. */
        if (journal_record_format(v.seq, v.time_usec, v.epoch, v.type, v.prev, f, v.n_fields, out, &n) < 0 ||
            n != len + 1 || memcmp(out, line, len) != 0)
                abort();
        tok = json_tokener_new();
        o = json_tokener_parse_ex(tok, line, (int)len);
        if (!o || json_tokener_get_error(tok) != json_tokener_success)
                abort();
        json_object_put(o);
        json_tokener_free(tok);
        for (size_t i = 0; i < v.n_fields; i++) {
                char small[256];
                size_t l;
                int r = journal_record_get_field(&v, f[i].key, small, sizeof(small), &l);
                if (r == 0 && (l != strlen(f[i].value) || memcmp(small, f[i].value, l) != 0))
                        abort();
                if (r < 0 && r != -ENOBUFS)
                        abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *p = (const char *)data, *end = p + size;
        JournalWalk w;

        if (size > 4 * JOURNAL_MAX_LINE)
                return 0;
        check_one_line(p, size);

        /* The same bytes as a journal: each line through the walk until it refuses one. */
        if (journal_walk_init(&w) < 0)
                abort();
        w.attribute = true;
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

                if (len < JOURNAL_MAX_LINE)
                        check_one_line(p, len);
                if (!nl || journal_walk_line(&w, p, len, (uint64_t)(p - (const char *)data)) < 0)
                        break;
                p = nl + 1;
        }
        (void)journal_walk_finish(&w);
        journal_walk_done(&w);
        check_as_lines((const char *)data, size);
        return 0;
}
