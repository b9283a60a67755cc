/* Signed decisions checked offline: the statement is rebuilt from the record's own fields (the same
 * builder jitd used, lib/statement.c), so a signature proves that this person approved this request
 * as the journal describes it, on this host; the key must be the one the approvers file listed for
 * the signer when jitd accepted it, which the journal recorded (text and hash). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "approval-check.h"
#include "journal-util.h"
#include "sha256.h"
#include "sshsig.h"
#include "statement.h"
#include "util.h"

#define MAX_VERSIONS 4096
#define MAX_ALLOWED_SEEN 64

typedef struct Version {
        char hash[65];
        char *text;
        size_t len;
        uint64_t seq;
} Version;

/* A key the approvers file of one version lists for one signer: a journal holds few approvers and
 * many signatures, so the file is read once per (version, signer, key), not once per signature. */
typedef struct Allowed {
        size_t v; /* index into ApprovalCheck.v (which moves when it grows) */
        char signer[256];
        SshKey key;
} Allowed;

struct ApprovalCheck {
        char *origin;
        Version *v;
        size_t n_v;
        uint64_t n_signed;
        size_t last_used; /* 1 + the index of the version the latest signed decision used; 0: none */
        Allowed allowed[MAX_ALLOWED_SEEN];
        size_t n_allowed, next_allowed;
};

int approval_check_new(const char *origin, ApprovalCheck **ret)
{
        ApprovalCheck *c = calloc(1, sizeof(*c));

        if (!c || !(c->origin = strdup(origin))) {
                free(c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

void approval_check_free(ApprovalCheck *c)
{
        if (!c)
                return;
        for (size_t i = 0; i < c->n_v; i++)
                free(c->v[i].text);
        free(c->v);
        free(c->origin);
        free(c);
}

uint64_t approval_check_signed(const ApprovalCheck *c)
{
        return c->n_signed;
}

bool approval_check_last_used(const ApprovalCheck *c, size_t *ret_i)
{
        if (c->last_used == 0)
                return false;
        *ret_i = c->last_used - 1;
        return true;
}

size_t approval_check_versions(const ApprovalCheck *c)
{
        return c->n_v;
}

void approval_check_version(const ApprovalCheck *c, size_t i, const char **ret_hash, const char **ret_text,
                            uint64_t *ret_seq)
{
        *ret_hash = c->v[i].hash;
        *ret_text = c->v[i].text;
        *ret_seq = c->v[i].seq;
}

static bool allowed_seen(const ApprovalCheck *c, size_t v, const char *signer, const SshKey *key)
{
        for (size_t i = 0; i < c->n_allowed; i++)
                if (c->allowed[i].v == v && streq(c->allowed[i].signer, signer) &&
                    sshkey_equal(&c->allowed[i].key, key))
                        return true;
        return false;
}

static void allowed_remember(ApprovalCheck *c, size_t v, const char *signer, const SshKey *key)
{
        Allowed *a = &c->allowed[c->next_allowed];

        if (strlen(signer) >= sizeof(a->signer))
                return;
        *a = (Allowed){.v = v, .key = *key};
        strcpy(a->signer, signer);
        c->next_allowed = (c->next_allowed + 1) % MAX_ALLOWED_SEEN;
        if (c->n_allowed < MAX_ALLOWED_SEEN)
                c->n_allowed++;
}

static const char *field(const JournalRecord *rec, const char *key)
{
        for (size_t i = 0; i < rec->n_fields; i++)
                if (streq(rec->fields[i].key, key))
                        return rec->fields[i].value;
        return NULL;
}

static const char *field_or(const JournalRecord *rec, const char *key, const char *dflt)
{
        const char *v = field(rec, key);
        return v ? v : dflt;
}

static const Version *version_find(const ApprovalCheck *c, const char *hash)
{
        /* Newest first: a journal that goes back to an earlier file names its hash again. */
        for (size_t i = c->n_v; i > 0; i--)
                if (streq(c->v[i - 1].hash, hash))
                        return &c->v[i - 1];
        return NULL;
}

/* A version recorded in this record: its text must hash to the hash beside it. */
static int version_add(ApprovalCheck *c, const JournalRecord *rec, const char *hash, const char *text)
{
        uint8_t h[32];
        char hex[65];
        Version *nv;

        if (jit_sha256_once(text, strlen(text), h) < 0)
                return -EIO;
        sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
        if (!streq(hex, hash))
                return -EBADMSG;
        if (version_find(c, hash))
                return 0;
        if (c->n_v >= MAX_VERSIONS)
                return -E2BIG;
        nv = reallocarray(c->v, c->n_v + 1, sizeof(*c->v));
        if (!nv)
                return -ENOMEM;
        c->v = nv;
        c->v[c->n_v] = (Version){.text = strdup(text), .len = strlen(text), .seq = rec->seq};
        if (!c->v[c->n_v].text)
                return -ENOMEM;
        memcpy(c->v[c->n_v].hash, hex, sizeof(hex));
        c->n_v++;
        return 0;
}

/* Is name one of the comma-separated names in by? (The decision's record names every approver.) */
static bool names_include(const char *by, const char *name)
{
        size_t n = strlen(name);

        for (const char *p = by; *p;) {
                const char *comma = strchrnul(p, ',');
                if ((size_t)(comma - p) == n && memcmp(p, name, n) == 0)
                        return true;
                p = *comma ? comma + 1 : comma;
        }
        return false;
}

#define FAIL(...) (snprintf(reason, reason_size, __VA_ARGS__), -EBADMSG)

int approval_check_record(ApprovalCheck *c, const JournalRecord *rec, char *reason, size_t reason_size)
{
        const char *sig64 = field(rec, "signature"), *signer = field(rec, "signer"),
                   *hash = field(rec, "statement_sha512"), *ahash = field(rec, "approvers_sha256"),
                   *atext = field(rec, "approvers");
        _cleanup_free_ char *statement = NULL;
        uint8_t blob[2048], h[64], want[64];
        const Version *v;
        size_t len, vi;
        SshSig sig;
        int r;

        if (!sig64 && !signer && !hash && !ahash && !atext)
                return 0;
        if (rec->type != RECORD_APPROVE && rec->type != RECORD_DENY)
                return FAIL("a %s record carries signature fields", rec->type_name);
        if (!sig64 || !signer || !hash || !ahash)
                return FAIL(
                    "a signed decision lacks one of signature, signer, statement_sha512, approvers_sha256");
        if (atext) {
                r = version_add(c, rec, ahash, atext);
                if (r == -EBADMSG)
                        return FAIL("the approvers file recorded here does not hash to approvers_sha256");
                if (r < 0)
                        return r == -E2BIG
                                   ? FAIL("more than %d versions of the approvers file", MAX_VERSIONS)
                                   : r;
        }

        StatementFields f = {
            .origin = c->origin,
            .id = field(rec, "request_id"),
            .user = field(rec, "user"),
            .uid = field(rec, "uid"),
            .target = field(rec, "target"),
            .runas = field(rec, "runas"),
            .rungroup = field(rec, "rungroup"),
            .service = field(rec, "service"),
            .command_kind = field(rec, "command_kind"),
            .command = field(rec, "command"),
            .cwd = field(rec, "cwd"),
            .runcwd = field(rec, "runcwd"),
            .deadline_usec = field_or(rec, "deadline_usec", "0"),
            .scope = field(rec, "scope"),
            .requested_usec = field_or(rec, "requested_usec", "0"),
            .rule = field(rec, "rule"),
        };
        r = statement_build(&f, &statement);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return FAIL(
                    "the record's request cannot be stated (a field holds a character a statement cannot)");
        crypto_hash_sha512(h, (const uint8_t *)statement, strlen(statement));
        if (jit_hex_decode_strict(hash, strlen(hash), want, sizeof(want)) < 0 ||
            sodium_memcmp(h, want, sizeof(h)) != 0)
                return FAIL(
                    "the signed statement is not the statement of the request this record describes");
        if (jit_base64_decode_strict(sig64, strlen(sig64), blob, sizeof(blob), &len) < 0)
                return FAIL("the signature is not canonical base64");
        r = sshsig_parse_blob(blob, len, &sig);
        if (r == -EPROTONOSUPPORT)
                return FAIL("the signature is by a key type jitctl does not verify");
        if (r < 0)
                return FAIL("the signature is malformed");
        if (sshsig_verify_hash(&sig, SSHSIG_NAMESPACE, h) < 0)
                return FAIL("%s's signature does not verify over the request's statement", signer);
        v = version_find(c, ahash);
        if (!v)
                return FAIL(
                    "the approvers file this decision was checked against (sha256 %.16s...) is not in "
                    "the journal files given",
                    ahash);
        vi = (size_t)(v - c->v);
        r = allowed_seen(c, vi, signer, &sig.key)
                ? 1
                : sshsig_allowed(v->text, v->len, signer, SSHSIG_NAMESPACE, &sig.key);
        if (r > 0)
                allowed_remember(c, vi, signer, &sig.key);
        if (r < 0)
                return FAIL("the recorded approvers file (seq %" PRIu64 ") is malformed", v->seq);
        if (r == 0)
                return FAIL("the approvers file as recorded at seq %" PRIu64
                            " does not list this key for %s",
                            v->seq, signer);
        if (!names_include(field_or(rec, "by", ""), signer))
                return FAIL("the signer %s is not among the record's approvers", signer);
        c->n_signed++;
        c->last_used = vi + 1;
        return 0;
}
