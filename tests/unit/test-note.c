/* Signed notes, verifier keys and checkpoints: Go sumdb/note interop vectors and A34 malformed inputs. */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal-util.h"
#include "note.h"
#include "util.h"
#include "utf8.h"
#include "tap.h"

static Tap tap;
#define ok(cond, ...) tap_ok(&tap, (cond), __VA_ARGS__)

/* golang.org/x/mod/sumdb/note documentation example (Ed25519 signatures are deterministic). */
#define GO_VKEY "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
#define GO_SKEY "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
#define GO_TEXT                                                                                             \
        "If you think cryptography is the answer to your problem,\n"                                        \
        "then you don't know what your problem is.\n"
#define GO_NOTE                                                                                             \
        GO_TEXT "\n\xe2\x80\x94 PeterNeumann "                                                              \
                "x08go/ZJkuBS9UG/"                                                                          \
                "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"

#define ORIGIN "test.example/jit"

static NoteSigner *signer, *other;
static NoteVerifier key;

/* Sign a checkpoint body with the test key and try to open it; returns the error and reason. */
static int open_signed(const char *body, const char **why)
{
        _cleanup_free_ char *note = NULL;
        Checkpoint c;
        int r;

        r = note_sign(signer, body, strlen(body), &note);
        if (r < 0) {
                *why = "note_sign refused the body";
                return r;
        }
        return checkpoint_open(note, strlen(note), ORIGIN, &key, 1, &c, NULL, why);
}

static int open_raw(const char *note, const char **why)
{
        Checkpoint c;
        return checkpoint_open(note, strlen(note), ORIGIN, &key, 1, &c, NULL, why);
}

static char *good_note(void)
{
        char body[CHECKPOINT_MAX_BODY];
        MerkleHash root;
        char *note = NULL;

        memset(root, 0xab, sizeof(root));
        checkpoint_format(ORIGIN, 42, root, body);
        if (note_sign(signer, body, strlen(body), &note) < 0)
                abort();
        return note;
}

/* Replace the first occurrence of from in s by to. */
static char *replace(const char *s, const char *from, const char *to)
{
        const char *p = strstr(s, from);
        char *out;

        if (!p)
                abort();
        if (asprintf(&out, "%.*s%s%s", (int)(p - s), s, to, p + strlen(from)) < 0)
                abort();
        return out;
}

static void test_go_interop(void)
{
        _cleanup_(note_signer_freep) NoteSigner *s = NULL;
        _cleanup_free_ char *note = NULL;
        char buf[NOTE_VERIFIER_MAX], sbuf[256];
        NoteVerifier v;
        size_t text_len, idx;

        ok(note_verifier_parse(GO_VKEY, strlen(GO_VKEY), &v) == 0 && streq(v.name, "PeterNeumann") &&
               v.key_id == 0xc74f20a3,
           "go sumdb/note verifier key parses");
        note_verifier_format(&v, buf);
        ok(streq(buf, GO_VKEY), "verifier key formats back identically");
        ok(note_signer_parse(GO_SKEY, strlen(GO_SKEY), &s) == 0 && note_verifier_equal(&s->verifier, &v),
           "go sumdb/note signer key parses and matches its verifier key");
        ok(s && note_signer_format(s, sbuf, sizeof(sbuf)) == 0 && streq(sbuf, GO_SKEY),
           "signer key formats back identically");
        ok(s && note_sign(s, GO_TEXT, strlen(GO_TEXT), &note) == 0 && streq(note, GO_NOTE),
           "signing the go example text gives the go example note byte for byte");
        ok(note_verify(GO_NOTE, strlen(GO_NOTE), &v, 1, &text_len, &idx, NULL) == 0 &&
               text_len == strlen(GO_TEXT) && idx == 0,
           "go example note verifies");
}

static void test_verifier_keys(void)
{
        static const char *bad[] = {
            "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  /* wrong key id */
            "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  /* uppercase id */
            "PeterNeumann+c74f20a3+AhpC2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  /* other alg byte */
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",   /* short base64 */
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW ", /* trailing space */
            "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", /* space in name */
            "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",              /* empty name */
            "PeterNeumann+c74f20a3",                                               /* no key */
            "",
        };
        bool all = true;
        NoteVerifier v;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (note_verifier_parse(bad[i], strlen(bad[i]), &v) == 0)
                        all = false;
        ok(all, "malformed verifier keys are rejected (%zu cases)", ELEMENTSOF(bad));
}

static void test_roundtrip(void)
{
        _cleanup_free_ char *note = good_note();
        Checkpoint c;
        size_t idx;
        NoteVerifier keys[2] = {other->verifier, key};

        ok(checkpoint_open(note, strlen(note), ORIGIN, &key, 1, &c, &idx, NULL) == 0 && c.size == 42 &&
               streq(c.origin, ORIGIN) && c.root[0] == 0xab,
           "checkpoint signs and opens");
        ok(checkpoint_open(note, strlen(note), ORIGIN, keys, 2, &c, &idx, NULL) == 0 && idx == 1,
           "checkpoint opens with the right key among several");
        ok(note_find_signature(note, strlen(note), &key, NULL, NULL, NULL) == 0 &&
               note_find_signature(note, strlen(note), &other->verifier, NULL, NULL, NULL) == -ENOKEY,
           "note_find_signature names the signer without cryptography");
}

static void test_a34(void)
{
        _cleanup_free_ char *note = good_note();
        const char *why = NULL;
        char *m;
        int r;

        r = open_signed(ORIGIN "\n042\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n", &why);
        ok(r == -EBADMSG && strstr(why, "leading zeros"), "a34-leading-zero: tree size 042 rejected (%s)",
           why);
        r = open_signed(ORIGIN "\n00\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n", &why);
        ok(r == -EBADMSG, "a34-leading-zero: tree size 00 rejected (%s)", why);
        r = open_signed(ORIGIN "\n+42\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n", &why);
        ok(r == -EBADMSG, "a34-size-sign: tree size +42 rejected (%s)", why);
        r = open_signed(ORIGIN "\n18446744073709551616\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n",
                        &why);
        ok(r == -EBADMSG, "a34-size-overflow: tree size 2^64 rejected (%s)", why);

        {
                _cleanup_free_ char *n2 = NULL;
                Checkpoint c;
                char body[CHECKPOINT_MAX_BODY];
                MerkleHash root = {};

                checkpoint_format(ORIGIN, 1, root, body);
                note_sign(other, body, strlen(body), &n2);
                r = checkpoint_open(n2, strlen(n2), ORIGIN, &key, 1, &c, NULL, &why);
                ok(r == -ENOKEY, "a34-unknown-key: checkpoint signed only by an unknown key rejected (%s)",
                   why);
        }

        m = strdup(note);
        m[strlen(m) - 5] = m[strlen(m) - 5] == 'A' ? 'B' : 'A';
        r = open_raw(m, &why);
        ok(r == -EKEYREJECTED || r == -EBADMSG, "a34-bad-signature: flipped signature rejected (%s)", why);
        free(m);
        m = replace(note, "\n42\n", "\n43\n");
        r = open_raw(m, &why);
        ok(r == -EKEYREJECTED, "a34-bad-signature: altered size under an old signature rejected (%s)", why);
        free(m);

        r = open_signed("other.example/log\n42\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n", &why);
        ok(r == -EBADMSG && strstr(why, "origin"),
           "a34-wrong-origin: checkpoint for another origin rejected (%s)", why);

        m = replace(note, "\n42\n", "\n4\t2\n");
        r = open_raw(m, &why);
        ok(r == -EBADMSG && strstr(why, "control"), "a34-control-char: tab in a note rejected (%s)", why);
        free(m);
        m = replace(note, "\n42\n", "\n42\r\n");
        r = open_raw(m, &why);
        ok(r == -EBADMSG, "a34-control-char: CRLF line ending rejected (%s)", why);
        free(m);
        m = replace(note, ORIGIN "\n", ORIGIN "\x1b[2J\n");
        r = open_raw(m, &why);
        ok(r == -EBADMSG, "a34-control-char: terminal escape in origin rejected (%s)", why);
        free(m);

        r = open_signed(ORIGIN "\n42\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\nextension\n", &why);
        ok(r == -EBADMSG && strstr(why, "extra"),
           "a34-extra-lines: extension line in the body rejected (%s)", why);
        if (asprintf(&m, "%sjunk after the signatures\n", note) < 0)
                abort();
        r = open_raw(m, &why);
        ok(r == -EBADMSG, "a34-extra-lines: text after the signature lines rejected (%s)", why);
        free(m);
        if (asprintf(&m, "%s\n", note) < 0)
                abort();
        r = open_raw(m, &why);
        ok(r == -EBADMSG, "a34-extra-lines: blank line after the signatures rejected (%s)", why);
        free(m);
        r = open_signed(ORIGIN "\n42\n", &why);
        ok(r == -EBADMSG && strstr(why, "three"), "a34-missing-line: checkpoint without root rejected (%s)",
           why);

        m = replace(note, "\n\n\xe2\x80\x94", "\n\xe2\x80\x94");
        r = open_raw(m, &why);
        ok(r == -EBADMSG, "a34-no-blank-line: missing separator line rejected (%s)", why);
        free(m);
        m = strdup(note);
        m[strlen(m) - 1] = '\0';
        r = open_raw(m, &why);
        ok(r == -EBADMSG, "a34-no-final-newline: note without final newline rejected (%s)", why);
        free(m);
        m = replace(note, "\xe2\x80\x94 ", "- ");
        r = open_raw(m, &why);
        ok(r == -EBADMSG, "a34-no-em-dash: signature line without em dash rejected (%s)", why);
        free(m);
        m = replace(note, "\n42\n", "\n42\xff\n");
        r = open_raw(m, &why);
        ok(r == -EBADMSG && strstr(why, "UTF-8"), "a34-utf8: invalid UTF-8 rejected (%s)", why);
        free(m);
        r = open_signed(ORIGIN "\n42\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6t=\n", &why);
        ok(r == -EBADMSG && strstr(why, "base64"),
           "a34-base64: non-canonical root (padding bits) rejected (%s)", why);
        r = open_signed(ORIGIN "\n42\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urqw==\n", &why);
        ok(r == -EBADMSG, "a34-base64: 33-byte root rejected (%s)", why);
        r = open_signed(ORIGIN "\n42\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s\n", &why);
        ok(r == -EBADMSG, "a34-base64: unpadded root rejected (%s)", why);
        r = open_signed("test example\n42\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n", &why);
        ok(r == -EBADMSG, "a34-origin: origin with a space rejected (%s)", why);
        {
                char *big = malloc(NOTE_MAX_SIZE + 100);
                memset(big, 'a', NOTE_MAX_SIZE + 99);
                big[NOTE_MAX_SIZE + 99] = '\0';
                r = open_raw(big, &why);
                ok(r == -EBADMSG && strstr(why, "large"), "a34-size: oversized note rejected (%s)", why);
                free(big);
        }
        {
                /* 17 signature lines: more than a verifier has to accept. */
                char *many = strdup(note), *line = strstr(note, "\xe2\x80\x94");
                for (int i = 0; i < 16; i++) {
                        char *t;
                        if (asprintf(&t, "%s%s", many, line) < 0)
                                abort();
                        free(many);
                        many = t;
                }
                r = open_raw(many, &why);
                ok(r == -EBADMSG, "a34-signatures: 17 signature lines rejected (%s)", why);
                free(many);
        }
}

static void test_strict_helpers(void)
{
        uint64_t v;
        uint8_t out[8];
        size_t n;

        ok(jit_parse_u64_strict("0", 1, UINT64_MAX, &v) == 0 && v == 0 &&
               jit_parse_u64_strict("18446744073709551615", 20, UINT64_MAX, &v) == 0 && v == UINT64_MAX &&
               jit_parse_u64_strict("18446744073709551616", 20, UINT64_MAX, &v) < 0 &&
               jit_parse_u64_strict("01", 2, UINT64_MAX, &v) < 0 &&
               jit_parse_u64_strict("", 0, 10, &v) < 0 && jit_parse_u64_strict("11", 2, 10, &v) < 0,
           "strict decimal parser");
        ok(jit_base64_decode_strict("QQ==", 4, out, sizeof(out), &n) == 0 && n == 1 && out[0] == 'A' &&
               jit_base64_decode_strict("QR==", 4, out, sizeof(out), &n) < 0 &&
               jit_base64_decode_strict("QUI=", 4, out, sizeof(out), &n) == 0 && n == 2 &&
               jit_base64_decode_strict("QUJ=", 4, out, sizeof(out), &n) < 0 &&
               jit_base64_decode_strict("QQ", 2, out, sizeof(out), &n) < 0 &&
               jit_base64_decode_strict("Q===", 4, out, sizeof(out), &n) < 0 &&
               jit_base64_decode_strict("QQ=A", 4, out, sizeof(out), &n) < 0 &&
               jit_base64_decode_strict("QQ\xc7\x87", 4, out, sizeof(out), &n) < 0 &&
               jit_base64_decode_strict("====", 4, out, sizeof(out), &n) < 0,
           "strict base64 decoder accepts only canonical padded text (and no bytes >= 0x80, which libsodium "
           "lets through)");
        ok(jit_base64_decode_strict("QUJD", 4, out, sizeof(out), &n) == 0 && n == 3 &&
               memcmp(out, "ABC", 3) == 0 &&
               jit_base64_decode_strict("QQ==QUJD", 8, out, sizeof(out), &n) < 0 &&
               jit_base64_decode_strict("QU JD", 5, out, sizeof(out), &n) < 0 &&
               jit_base64_decode_strict("QU\nD", 4, out, sizeof(out), &n) < 0 &&
               jit_base64_decode_strict("QUJ\0", 4, out, sizeof(out), &n) < 0 &&
               jit_base64_decode_strict("QUJD", 4, out, 2, &n) < 0 &&
               jit_base64_decode_strict("QUI=", 4, out, 2, &n) == 0 && n == 2 &&
               jit_base64_decode_strict("QU-_", 4, out, sizeof(out), &n) < 0,
           "strict base64 decoder: padding only at the end, no whitespace or NUL, bounded by max, no "
           "URL-safe "
           "alphabet");
        ok(jit_utf8_well_formed("\xe2\x80\x94", 3) && !jit_utf8_well_formed("\xc0\x80", 2) &&
               !jit_utf8_well_formed("\xed\xa0\x80", 3) && !jit_utf8_well_formed("\xf4\x90\x80\x80", 4) &&
               !jit_utf8_well_formed("\xe2\x80", 2) && jit_utf8_well_formed("\xf0\x9f\x98\x80", 4),
           "UTF-8 validator rejects overlongs, surrogates, out of range and truncated sequences");
}

int main(void)
{
        if (sodium_init() < 0)
                return 1;
        if (note_signer_generate(ORIGIN, &signer) < 0 || note_signer_generate(ORIGIN, &other) < 0)
                return 1;
        key = signer->verifier;

        test_go_interop();
        test_verifier_keys();
        test_roundtrip();
        test_a34();
        test_strict_helpers();

        note_signer_free(signer);
        note_signer_free(other);
        printf("1..%d\n", tap.n);
        return tap.failed == 0 ? 0 : 1;
}
