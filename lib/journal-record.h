/* One journal record = one line of JSON in a fixed canonical form: writing it and parsing it strictly. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jit-record.h"
#include "merkle.h"

/* Longest line, counting its newline. */
#define JOURNAL_MAX_LINE 65536
#define JOURNAL_MAX_FIELDS 64
#define JOURNAL_MAX_KEY 64
#define JOURNAL_MAX_NUMBER INT64_MAX

typedef struct JournalField {
        const char *key;
        const char *value;
} JournalField;

/* A parsed record; pointers point into the line it was parsed from. */
typedef struct JournalRecordView {
        uint64_t seq;
        uint64_t time_usec;
        uint64_t epoch;
        RecordType type;
        MerkleHash prev;
        const char *fields; /* the text between the braces of "fields":{...} */
        size_t fields_len;
        size_t n_fields;
} JournalRecordView;

const char *journal_record_type_to_string(RecordType t);
/* RecordType, or -EINVAL for an unknown name. */
int journal_record_type_from_string(const char *s, size_t len);

/* Key names: [a-z][a-z0-9_]{0,63}. */
bool journal_field_key_valid(const char *key, size_t len);

/* Write one record and its newline into buf (at least JOURNAL_MAX_LINE bytes), fields sorted by key.
 * *ret_len counts the newline. -EINVAL for a bad type, key, duplicate key or non-UTF-8 value,
 * -EMSGSIZE if the line would exceed JOURNAL_MAX_LINE, -E2BIG for too many fields. */
int journal_record_format(uint64_t seq, uint64_t time_usec, uint64_t epoch, RecordType type,
                          const MerkleHash prev, const JournalField *fields, size_t n_fields, char *buf,
                          size_t *ret_len);

/* Parse a line (without its newline) that must be exactly in the canonical form journal_record_format()
 * writes. -EBADMSG with a reason otherwise. Does not decode field values. */
int journal_record_parse(const char *line, size_t len, JournalRecordView *ret, const char **ret_reason);

/* Decode the fields of a parsed record into buf (at least fields_len + n_fields bytes) and fields[]
 * (at least n_fields entries; the strings point into buf). */
int journal_record_decode_fields(const JournalRecordView *v, char *buf, size_t buf_size,
                                 JournalField *fields, size_t max_fields);

/* Find and decode one field's value into buf; -ENOENT if absent, -ENOBUFS if buf is too small. */
int journal_record_get_field(const JournalRecordView *v, const char *key, char *buf, size_t buf_size,
                             size_t *ret_len);
