/* Signed decisions checked offline (lib/approval-check.c), one record at a time, with a signature
 * the real ssh-keygen made: each field a forger could change is caught by the check itself, not
 * only by the hash chain around it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "approval-check.h"
#include "sha256.h"
#include "sshsig.h"
#include "statement.h"
#include "tap.h"
#include "util.h"

static char dir[] = "/tmp/test-approval-check-XXXXXX";

static char *slurp(const char *name)
{
        char path[256], *buf = NULL;
        size_t n = 0;
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "re");
        if (!f)
                return NULL;
        if (getdelim(&buf, &n, '\0', f) < 0) {
                free(buf);
                buf = NULL;
        }
        fclose(f);
        return buf;
}

/* bob's and carol's keys, and bob's signature of DIR/st, by the real ssh-keygen. */
static int keygen_and_sign(void)
{
        char buf[1024];

        snprintf(buf, sizeof(buf),
                 "ssh-keygen -q -t ed25519 -N '' -f %s/bob >/dev/null && ssh-keygen -q -t ed25519 -N '' -f "
                 "%s/carol "
                 ">/dev/null && ssh-keygen -q -Y sign -n pam-jit -f %s/bob %s/st",
                 dir, dir, dir, dir);
        return system(buf);
}

typedef struct Rec {
        JournalField f[24];
        JournalRecord r;
} Rec;

static void set(Rec *x, const char *key, const char *value)
{
        for (size_t i = 0; i < x->r.n_fields; i++)
                if (streq(x->f[i].key, key)) {
                        x->f[i].value = value;
                        return;
                }
        x->f[x->r.n_fields++] = (JournalField){key, value};
}

int main(void)
{
        Tap t = {};
        char reason[320], *armored, *pub, *b64 = NULL, *statement = NULL, *approvers = NULL, *other = NULL;
        char shash[129], ahash[65], ohash[65];
        uint8_t h[64], fh[32];
        ApprovalCheck *c = NULL;
        FILE *f;

        if (sodium_init() < 0 || !mkdtemp(dir))
                return 1;
        StatementFields sf = {.origin = "host.example/pam_jit",
                              .id = "K7Q2-M9XA",
                              .user = "alice",
                              .uid = "1001",
                              .service = "sudo",
                              .command_kind = "exact",
                              .command = "/usr/bin/true",
                              .cwd = "/home/alice",
                              .deadline_usec = "1700000000000000",
                              .scope = "command",
                              .requested_usec = "0",
                              .rule = "ops"};
        if (statement_build(&sf, &statement) < 0)
                return 1;
        char path[256];
        snprintf(path, sizeof(path), "%s/st", dir);
        f = fopen(path, "we");
        fputs(statement, f);
        fclose(f);
        tap_ok(&t, keygen_and_sign() == 0, "ssh-keygen signs a statement with bob's key");
        armored = slurp("st.sig");
        pub = slurp("bob.pub");
        if (!armored || !pub || sshsig_armored_to_base64(armored, strlen(armored), &b64) < 0)
                return 1;
        crypto_hash_sha512(h, (const uint8_t *)statement, strlen(statement));
        sodium_bin2hex(shash, sizeof(shash), h, sizeof(h));
        if (asprintf(&approvers, "bob namespaces=\"pam-jit\" %s", pub) < 0)
                return 1;
        jit_sha256_once(approvers, strlen(approvers), fh);
        sodium_bin2hex(ahash, sizeof(ahash), fh, sizeof(fh));
        free(pub);
        pub = slurp("carol.pub");
        if (!pub || asprintf(&other, "bob namespaces=\"pam-jit\" %s", pub) < 0)
                return 1;
        jit_sha256_once(other, strlen(other), fh);
        sodium_bin2hex(ohash, sizeof(ohash), fh, sizeof(fh));

        Rec good = {.r = {.seq = 7, .type = RECORD_APPROVE, .type_name = "approve"}};
        good.r.fields = good.f;
        const char *kv[][2] = {
            {"request_id", sf.id},
            {"user", sf.user},
            {"uid", sf.uid},
            {"service", sf.service},
            {"command_kind", "exact"},
            {"command", sf.command},
            {"cwd", sf.cwd},
            {"deadline_usec", sf.deadline_usec},
            {"scope", "command"},
            {"rule", "ops"},
            {"by", "bob"},
            {"signer", "bob"},
            {"signature", b64},
            {"statement_sha512", shash},
            {"approvers_sha256", ahash},
            {"approvers", approvers},
        };
        for (size_t i = 0; i < ELEMENTSOF(kv); i++)
                set(&good, kv[i][0], kv[i][1]);

#define CHECK(rec)                                                                                          \
        (approval_check_free(c), c = NULL, approval_check_new("host.example/pam_jit", &c),                  \
         approval_check_record(c, &(rec).r, reason, sizeof(reason)))
        tap_ok(&t, CHECK(good) == 0 && approval_check_signed(c) == 1 && approval_check_versions(c) == 1,
               "a signed approval as jitd records it checks out");

        Rec x = good;
        x.r.fields = x.f;
        set(&x, "command", "/bin/bash");
        tap_ok(&t, CHECK(x) == -EBADMSG && strstr(reason, "not the statement of the request"),
               "a51/a49 record changed: another command than the one signed is caught");
        x = good, x.r.fields = x.f;
        set(&x, "deadline_usec", "1800000000000000");
        tap_ok(&t, CHECK(x) == -EBADMSG, "...another deadline too");
        x = good, x.r.fields = x.f;
        set(&x, "by", "carol");
        tap_ok(&t, CHECK(x) == -EBADMSG && strstr(reason, "not among the record's approvers"),
               "the signer must be among the record's approvers");
        x = good, x.r.fields = x.f;
        set(&x, "signer", "carol");
        set(&x, "by", "carol");
        tap_ok(&t, CHECK(x) == -EBADMSG && strstr(reason, "does not list this key for carol"),
               "a50 another principal: bob's key does not sign for carol");
        x = good, x.r.fields = x.f;
        set(&x, "approvers", other);
        tap_ok(&t, CHECK(x) == -EBADMSG && strstr(reason, "does not hash to approvers_sha256"),
               "a51 approvers text swapped under the recorded hash is caught");
        x = good, x.r.fields = x.f;
        set(&x, "approvers", other);
        set(&x, "approvers_sha256", ohash);
        tap_ok(&t, CHECK(x) == -EBADMSG && strstr(reason, "does not list this key for bob"),
               "a51 approvers file swapped (hash and text): the signing key is not in it");
        x = good, x.r.n_fields--; /* no approvers text, and none recorded before */
        x.r.fields = x.f;
        tap_ok(&t, CHECK(x) == -EBADMSG && strstr(reason, "is not in the journal files given"),
               "an approvers version that no record holds is named as missing");
        tap_ok(&t,
               approval_check_record(c, &good.r, reason, sizeof(reason)) == 0 &&
                   approval_check_record(c, &x.r, reason, sizeof(reason)) == 0 &&
                   approval_check_signed(c) == 2,
               "...but once recorded, later records may name it by hash alone");
        x = good, x.r.fields = x.f;
        set(&x, "signature", "AAAA");
        tap_ok(&t, CHECK(x) == -EBADMSG, "a garbled signature is refused");
        x = good, x.r.fields = x.f;
        x.r.type = RECORD_REQUEST, x.r.type_name = "request";
        tap_ok(&t, CHECK(x) == -EBADMSG && strstr(reason, "carries signature fields"),
               "signature fields on a request record are refused");
        x = good, x.r.fields = x.f;
        approval_check_free(c);
        approval_check_new("other.example/pam_jit", &c);
        tap_ok(&t, approval_check_record(c, &x.r, reason, sizeof(reason)) == -EBADMSG,
               "a49 other host: the same record in another origin's journal does not verify");
        Rec u = {.r = {.type = RECORD_APPROVE, .type_name = "approve"}};
        u.r.fields = u.f;
        set(&u, "request_id", sf.id);
        set(&u, "by", "bob");
        tap_ok(&t, CHECK(u) == 0 && approval_check_signed(c) == 0,
               "an unsigned approval is not a signed decision");

        /* The approvers file went A -> B -> A: the version the latest decision used is A again, though
         * B was the last new one (jitctl verify --approvers compares the file on disk with it). */
        {
                _cleanup_free_ char *btext = NULL;
                char bhash[65];
                size_t last = SIZE_MAX;

                if (asprintf(&btext, "%s# version B\n", approvers) < 0)
                        return 1;
                jit_sha256_once(btext, strlen(btext), fh);
                sodium_bin2hex(bhash, sizeof(bhash), fh, sizeof(fh));
                Rec vb = good;
                vb.r.fields = vb.f;
                set(&vb, "approvers_sha256", bhash);
                set(&vb, "approvers", btext);
                tap_ok(&t,
                       CHECK(good) == 0 && approval_check_record(c, &vb.r, reason, sizeof(reason)) == 0 &&
                           approval_check_record(c, &good.r, reason, sizeof(reason)) == 0 &&
                           approval_check_versions(c) == 2 && approval_check_last_used(c, &last) &&
                           last == 0,
                       "A, B, then A again: two versions, and the last one used is A");
        }
        approval_check_free(c);

        free(armored), free(pub), free(b64), free(statement), free(approvers), free(other);
        snprintf(path, sizeof(path), "rm -rf %s", dir);
        (void)system(path);
        return tap_done(&t);
}
