/* An approver's SSH signature of a request's statement, checked against the approvers file.
 *
 * The signature must be by a key that ApproversFile= (OpenSSH's allowed_signers format) lists for
 * the caller's own user name, in namespace pam-jit, over the statement jitd builds for this request
 * on this host: a signature of another request's statement, or by another principal's key, proves
 * nothing about this call. The file is read afresh for every signed call (an approver removed from it
 * is out at once) and its hash goes with the record; when the journal does not yet hold that version,
 * its text does too, so `jitctl verify` checks every signature offline against the file as it stood. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "fileio.h"
#include "jit-bus.h"
#include "jitd.h"
#include "sha256.h"
#include "sshsig.h"
#include "utf8.h"
#include "util.h"

bool signature_required(Context *ctx, const Request *req)
{
        return req->rule ? req->rule->signature_required : settings(ctx)->signature_required;
}

void signed_done(Signed *s)
{
        free(s->signature);
        free(s->approvers);
        *s = (Signed){};
}

/* The approvers file: root's, not writable by others, no link, bounded, UTF-8 (the journal keeps it). */
static int approvers_read(const char *path, char **ret, size_t *ret_len)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        int r;

        fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022))
                return -EPERM;
        buf = malloc(SSHSIG_MAX_ALLOWED + 2);
        if (!buf)
                return -ENOMEM;
        r = jit_read_fd_bounded(fd, buf, SSHSIG_MAX_ALLOWED + 1, ret_len);
        if (r < 0)
                return r;
        if (!jit_utf8_well_formed(buf, *ret_len) || memchr(buf, 0, *ret_len))
                return -EBADMSG;
        *ret = TAKE_PTR(buf);
        return 0;
}

static const char *approvers_problem(int r)
{
        return r == -ENOENT                 ? "missing"
               : r == -EPERM || r == -ELOOP ? "not root's, or writable by others, or a link"
               : r == -EFBIG                ? "too big"
                                            : "unreadable or malformed";
}

int signature_approvers_check(const char *path, const char **ret_problem)
{
        _cleanup_free_ char *text = NULL;
        const SshKey none = {};
        size_t len;
        int r;

        r = approvers_read(path, &text, &len);
        /* Every line is parsed whatever the principal: a principal no line names reads them all. */
        if (r >= 0 && sshsig_allowed(text, len, "", SSHSIG_NAMESPACE, &none) < 0)
                r = -EBADMSG;
        if (r < 0)
                *ret_problem = approvers_problem(r);
        return r;
}

static int parse_error(int r, sd_bus_error *error)
{
        if (r == -EPROTONOSUPPORT)
                return sd_bus_error_set(
                    error, JIT_ERROR_BAD_SIGNATURE,
                    "Only ssh-ed25519 and sk-ssh-ed25519 keys are verified; sign with one "
                    "of those (ssh-keygen -t ed25519 or ed25519-sk).");
        return sd_bus_error_set(error, JIT_ERROR_BAD_SIGNATURE, "The signature is malformed.");
}

/* A parsed signature (its blob in base64 in b64, which this takes) checked for principal. */
static int check_parsed(Context *ctx, const Request *req, const char *principal, const SshSig *sigp,
                        char *b64, Signed *ret, sd_bus_error *error)
{
        const char *path = settings(ctx)->approvers_file;
        _cleanup_free_ char *statement = NULL, *text = NULL;
        _cleanup_(signed_done) Signed s = {.signature = b64};
        uint8_t h[crypto_hash_sha512_BYTES], fh[32];
        const SshSig sig = *sigp;
        size_t len;
        int r;

        r = request_statement(req, journal_writer_origin(ctx->journal), &statement);
        if (r == -EINVAL)
                return sd_bus_error_setf(error, JIT_ERROR_BAD_SIGNATURE, "%s has no statement to sign.",
                                         req->id);
        if (r < 0)
                return r;
        crypto_hash_sha512(h, (const uint8_t *)statement, strlen(statement));
        if (sshsig_verify_hash(&sig, SSHSIG_NAMESPACE, h) < 0)
                return sd_bus_error_setf(
                    error, JIT_ERROR_BAD_SIGNATURE,
                    "The signature is not a signature of %s's statement in namespace " SSHSIG_NAMESPACE
                    " (sha512).",
                    req->id);

        r = approvers_read(path, &text, &len);
        if (r < 0)
                return sd_bus_error_setf(
                    error, JIT_ERROR_BAD_SIGNATURE,
                    "The approvers file cannot be used (%s); no signature can be checked.",
                    approvers_problem(r));
        r = sshsig_allowed(text, len, principal, SSHSIG_NAMESPACE, &sig.key);
        if (r < 0)
                return sd_bus_error_set(error, JIT_ERROR_BAD_SIGNATURE,
                                        "The approvers file is malformed; no signature can be checked.");
        if (r == 0)
                return sd_bus_error_setf(
                    error, JIT_ERROR_BAD_SIGNATURE,
                    "The approvers file lists no such key for %s in namespace " SSHSIG_NAMESPACE ".",
                    principal);

        sodium_bin2hex(s.statement_hash, sizeof(s.statement_hash), h, sizeof(h));
        r = jit_sha256_once(text, len, fh);
        if (r < 0)
                return r;
        sodium_bin2hex(s.approvers_hash, sizeof(s.approvers_hash), fh, sizeof(fh));
        /* The text goes into the journal only when the journal does not hold this version yet. */
        if (!streq(s.approvers_hash, ctx->approvers_recorded))
                s.approvers = TAKE_PTR(text);
        memcpy(s.key, sig.key.pk, sizeof(s.key));
        snprintf(s.signer, sizeof(s.signer), "%s", principal);
        *ret = s;
        s = (Signed){};
        return 0;
}

int signature_check(Context *ctx, const Request *req, const char *principal, const char *armored,
                    Signed *ret, sd_bus_error *error)
{
        char *b64 = NULL;
        SshSig sig;
        int r;

        r = sshsig_parse(armored, strlen(armored), &sig);
        if (r < 0)
                return parse_error(r, error);
        r = sshsig_armored_to_base64(armored, strlen(armored), &b64);
        if (r < 0)
                return r;
        return check_parsed(ctx, req, principal, &sig, b64, ret, error);
}

int signature_check_blob(Context *ctx, const Request *req, const char *principal, const char *b64,
                         Signed *ret, sd_bus_error *error)
{
        _cleanup_free_ uint8_t *blob = NULL;
        size_t len = 0;
        char *copy;
        SshSig sig;
        int r;

        blob = malloc(SSHSIG_MAX_ARMORED);
        if (!blob)
                return -ENOMEM;
        if (sodium_base642bin(blob, SSHSIG_MAX_ARMORED, b64, strlen(b64), NULL, &len, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0)
                return parse_error(-EBADMSG, error);
        r = sshsig_parse_blob(blob, len, &sig);
        if (r < 0)
                return parse_error(r, error);
        copy = strdup(b64);
        if (!copy)
                return -ENOMEM;
        return check_parsed(ctx, req, principal, &sig, copy, ret, error);
}
