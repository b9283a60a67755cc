/* bench/make-signed-journal: a journal of N requests and their approvals, each approval signed as
 * `jitctl approve --sign` makes it (an SSHSIG by an Ed25519 key over the request's statement, with
 * the journal fields jitd writes), for timing `jitctl verify`; and the same journal unsigned, as
 * the baseline. Also M statements with their armored signatures and the approvers file, so that
 * the run can time `ssh-keygen -Y verify` on the same signatures (and check that it accepts them).
 *   make-signed-journal N M DIR  → DIR/signed/journal.jsonl, DIR/unsigned/journal.jsonl (+ keys,
 *                                  journal.pub), DIR/approvers, DIR/st-I.txt, DIR/st-I.txt.sig
 * The signature is made here with libsodium (ssh-keygen would take milliseconds per signature); the
 * run checks with ssh-keygen that the format is OpenSSH's. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sodium.h>

#include "journal.h"
#include "sha256.h"
#include "sshsig.h"
#include "statement.h"

static uint8_t *put_u32(uint8_t *p, uint32_t v)
{
        p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
        return p + 4;
}

static uint8_t *put_string(uint8_t *p, const void *s, size_t n)
{
        p = put_u32(p, (uint32_t)n);
        memcpy(p, s, n);
        return p + n;
}

/* The SSHSIG blob of msg by (pk, sk), PROTOCOL.sshsig; its length. */
static size_t sshsig_make(const uint8_t pk[32], const uint8_t sk[64], const char *msg, uint8_t *blob)
{
        uint8_t keyblob[51], *r = keyblob, data[128], *d = data, h[64], sig[64], sigblob[83], *s = sigblob,
                             *p = blob;

        r = put_string(r, "ssh-ed25519", 11);
        r = put_string(r, pk, 32);
        crypto_hash_sha512(h, (const uint8_t *)msg, strlen(msg));
        memcpy(d, "SSHSIG", 6), d += 6;
        d = put_string(d, SSHSIG_NAMESPACE, strlen(SSHSIG_NAMESPACE));
        d = put_string(d, "", 0);
        d = put_string(d, "sha512", 6);
        d = put_string(d, h, 64);
        crypto_sign_detached(sig, NULL, data, (size_t)(d - data), sk);
        s = put_string(s, "ssh-ed25519", 11);
        s = put_string(s, sig, 64);
        memcpy(p, "SSHSIG", 6), p += 6;
        p = put_u32(p, 1);
        p = put_string(p, keyblob, (size_t)(r - keyblob));
        p = put_string(p, SSHSIG_NAMESPACE, strlen(SSHSIG_NAMESPACE));
        p = put_string(p, "", 0);
        p = put_string(p, "sha512", 6);
        p = put_string(p, sigblob, (size_t)(s - sigblob));
        return (size_t)(p - blob);
}

static void write_file(const char *dir, const char *name, const char *text)
{
        char path[512];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "we");
        if (!f || fputs(text, f) < 0 || fclose(f) != 0)
                abort();
}

static int make(const char *dir, uint64_t n, uint64_t m, bool sign, const uint8_t pk[32],
                const uint8_t sk[64], const char *approvers)
{
        char path[512], keys[512], pub[512], id[16], deadline[32], until[32], shash[129], ahash[65],
            name[64];
        char b64[512], *statement;
        uint8_t blob[256], h[64], fh[32];
        struct timespec ts;
        JournalWriter *w;
        uint64_t t;
        int r = 0;

        snprintf(path, sizeof(path), "%s/journal.jsonl", dir);
        snprintf(keys, sizeof(keys), "%s/keys", dir);
        snprintf(pub, sizeof(pub), "%s/journal.pub", dir);
        clock_gettime(CLOCK_REALTIME, &ts);
        t = (uint64_t)ts.tv_sec * 1000000ULL - n * 1000000ULL;
        JournalOptions o = {
            .path = path, .state_dir = keys, .pubkey_path = pub, .origin = "bench/pam_jit", .now_usec = t};
        if (journal_writer_open(&o, &w) < 0)
                return -1;
        jit_sha256_once(approvers, strlen(approvers), fh);
        sodium_bin2hex(ahash, sizeof(ahash), fh, sizeof(fh));
        for (uint64_t i = 0; i < n && r >= 0; i++, t += 1000000) {
                snprintf(id, sizeof(id), "%04" PRIX64 "-%04" PRIX64, (i >> 16) & 0xffff, i & 0xffff);
                for (char *p = id; *p; p++) /* Crockford base32 has no I, L, O, U */
                        if (*p == 'I' || *p == 'L' || *p == 'O' || *p == 'U')
                                *p = '7';
                snprintf(deadline, sizeof(deadline), "%" PRIu64, t + (uint64_t)300000000);
                snprintf(until, sizeof(until), "%" PRIu64, t + (uint64_t)900000000);
                StatementFields f = {.origin = "bench/pam_jit",
                                     .id = id,
                                     .user = "alice",
                                     .uid = "2001",
                                     .service = "sudo",
                                     .command_kind = "exact",
                                     .command = "/usr/bin/systemctl restart nginx.service",
                                     .cwd = "/home/alice",
                                     .deadline_usec = deadline,
                                     .scope = "command",
                                     .requested_usec = "0",
                                     .rule = "ops"};
                if (statement_build(&f, &statement) < 0)
                        abort();
                size_t len = sshsig_make(pk, sk, statement, blob);
                sodium_bin2base64(b64, sizeof(b64), blob, len, sodium_base64_VARIANT_ORIGINAL);
                crypto_hash_sha512(h, (const uint8_t *)statement, strlen(statement));
                sodium_bin2hex(shash, sizeof(shash), h, sizeof(h));
                if (sign && i < m) {
                        /* ssh-keygen's armor: the base64 in lines of 70 (a memory stream: no
                         * fixed buffer to outgrow). */
                        char *armored = NULL;
                        size_t armored_len = 0;
                        FILE *a = open_memstream(&armored, &armored_len);
                        if (!a)
                                abort();
                        fputs("-----BEGIN SSH SIGNATURE-----\n", a);
                        for (size_t j = 0; j < strlen(b64); j += 70)
                                fprintf(a, "%.70s\n", b64 + j);
                        fputs("-----END SSH SIGNATURE-----\n", a);
                        if (fclose(a) != 0)
                                abort();
                        snprintf(name, sizeof(name), "../st-%" PRIu64 ".txt", i);
                        write_file(dir, name, statement);
                        snprintf(name, sizeof(name), "../st-%" PRIu64 ".txt.sig", i);
                        write_file(dir, name, armored);
                        free(armored);
                }
                free(statement);
                JournalField req[] = {
                    {"command", f.command}, {"command_kind", "exact"},
                    {"cwd", "/home/alice"}, {"deadline_usec", deadline},
                    {"request_id", id},     {"rule", "ops"},
                    {"scope", "command"},   {"service", "sudo"},
                    {"state", "pending"},   {"uid", "2001"},
                    {"user", "alice"},
                };
                /* In key order, as the journal requires; the signature fields only when signed. */
                JournalField dec[20];
                size_t nd = 0;
                dec[nd++] = (JournalField){"approver_uids", "1002"};
                if (sign && i == 0)
                        dec[nd++] = (JournalField){"approvers", approvers};
                if (sign)
                        dec[nd++] = (JournalField){"approvers_sha256", ahash};
                dec[nd++] = (JournalField){"by", "bob"};
                dec[nd++] = (JournalField){"command", f.command};
                dec[nd++] = (JournalField){"command_kind", "exact"};
                dec[nd++] = (JournalField){"cwd", "/home/alice"};
                dec[nd++] = (JournalField){"deadline_usec", deadline};
                dec[nd++] = (JournalField){"request_id", id};
                dec[nd++] = (JournalField){"rule", "ops"};
                dec[nd++] = (JournalField){"scope", "command"};
                dec[nd++] = (JournalField){"service", "sudo"};
                if (sign) {
                        dec[nd++] = (JournalField){"signature", b64};
                        dec[nd++] = (JournalField){"signer", "bob"};
                }
                dec[nd++] = (JournalField){"state", "approved"};
                if (sign)
                        dec[nd++] = (JournalField){"statement_sha512", shash};
                dec[nd++] = (JournalField){"uid", "2001"};
                dec[nd++] = (JournalField){"until_usec", until};
                dec[nd++] = (JournalField){"user", "alice"};
                r = journal_writer_append(w, RECORD_REQUEST, req, sizeof(req) / sizeof(req[0]), t, NULL,
                                          NULL);
                if (r >= 0)
                        r = journal_writer_append(w, RECORD_APPROVE, dec, nd, t, NULL, NULL);
                if (r >= 0 && i % 4 == 3)
                        r = journal_writer_commit(w, t);
        }
        if (r >= 0)
                r = journal_writer_commit(w, t);
        printf("%s: %" PRIu64 " records, %" PRIu64 " %s approvals (%s)\n", path, journal_writer_size(w), n,
               sign ? "signed" : "unsigned", r < 0 ? strerror(-r) : "ok");
        journal_writer_free(w);
        return r;
}

int main(int argc, char *argv[])
{
        uint8_t pk[32], sk[64], keyblob[51], *r = keyblob;
        char b64[128], *approvers = NULL, sub[512];

        if (argc != 4 || sodium_init() < 0)
                return 2;
        uint64_t n = strtoull(argv[1], NULL, 10), m = strtoull(argv[2], NULL, 10);
        crypto_sign_keypair(pk, sk);
        r = put_string(r, "ssh-ed25519", 11);
        r = put_string(r, pk, 32);
        sodium_bin2base64(b64, sizeof(b64), keyblob, (size_t)(r - keyblob), sodium_base64_VARIANT_ORIGINAL);
        if (asprintf(&approvers, "bob namespaces=\"pam-jit\" ssh-ed25519 %s bench\n", b64) < 0)
                return 1;
        write_file(argv[3], "approvers", approvers);
        snprintf(sub, sizeof(sub), "%s/signed", argv[3]);
        mkdir(sub, 0700);
        if (make(sub, n, m, true, pk, sk, approvers) < 0)
                return 1;
        snprintf(sub, sizeof(sub), "%s/unsigned", argv[3]);
        mkdir(sub, 0700);
        if (make(sub, n, 0, false, pk, sk, approvers) < 0)
                return 1;
        free(approvers);
        return 0;
}
