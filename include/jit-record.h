/* Record types: one MESSAGE_ID each in journald, one "type" each in the signed journal. */
#pragma once

typedef enum RecordType {
        RECORD_REQUEST,
        RECORD_APPROVE,
        RECORD_DENY,
        RECORD_EXPIRE,
        RECORD_CANCEL,
        RECORD_GRANT_USE,
        RECORD_REVOKE,
        RECORD_KEY,
        RECORD_START,
        RECORD_STOP,
        RECORD_REPAIR,
        RECORD_CHECKPOINT,
        RECORD_MIRROR_GAP, /* journald missed mirror entries; the journal itself has every record */
        RECORD_LINK,       /* first record of a rotated-in file: commits to the end of the previous file */
        RECORD_LIVE,       /* a pending request or live grant restated at the head of a new file */
        _RECORD_TYPE_MAX,
} RecordType;

/* Fixed MESSAGE_IDs (128-bit, hex); packaging/pam_jit.catalog explains each one. */
#define JIT_MESSAGE_REQUEST "5a1b0e2c9d4f4e6f8a7b3c2d1e0f9a01"
#define JIT_MESSAGE_APPROVE "5a1b0e2c9d4f4e6f8a7b3c2d1e0f9a02"
#define JIT_MESSAGE_DENY "5a1b0e2c9d4f4e6f8a7b3c2d1e0f9a03"
#define JIT_MESSAGE_EXPIRE "5a1b0e2c9d4f4e6f8a7b3c2d1e0f9a04"
#define JIT_MESSAGE_CANCEL "5a1b0e2c9d4f4e6f8a7b3c2d1e0f9a05"
#define JIT_MESSAGE_GRANT_USE "5a1b0e2c9d4f4e6f8a7b3c2d1e0f9a06"
#define JIT_MESSAGE_REVOKE "5a1b0e2c9d4f4e6f8a7b3c2d1e0f9a07"
#define JIT_MESSAGE_KEY "5a1b0e2c9d4f4e6f8a7b3c2d1e0f9a08"
#define JIT_MESSAGE_START "5a1b0e2c9d4f4e6f8a7b3c2d1e0f9a09"
#define JIT_MESSAGE_STOP "5a1b0e2c9d4f4e6f8a7b3c2d1e0f9a0a"
#define JIT_MESSAGE_REPAIR "5a1b0e2c9d4f4e6f8a7b3c2d1e0f9a0b"
#define JIT_MESSAGE_CHECKPOINT "5a1b0e2c9d4f4e6f8a7b3c2d1e0f9a0c"
#define JIT_MESSAGE_MIRROR_GAP "5a1b0e2c9d4f4e6f8a7b3c2d1e0f9a0d"
#define JIT_MESSAGE_LIVE "5a1b0e2c9d4f4e6f8a7b3c2d1e0f9a0e"
