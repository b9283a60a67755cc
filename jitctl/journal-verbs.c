/* jitctl verbs that read the signed journal offline: log, verify, checkpoint, prove, verify-proof. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <json.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "duration.h"
#include "fileio.h"
#include "jitctl.h"
#include "journal-util.h"
#include "journal-verbs.h"
#include "journald-check.h"
#include "journal.h"
#include "keys.h"
#include "sanitize.h"
#include "util.h"

#define DEFAULT_JOURNAL "/var/lib/jit/journal.jsonl"
#define DEFAULT_PUBKEY "/var/lib/jit/journal.pub"
#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define RECEIPT_MAX JOURNAL_MAX_RECEIPT

static const char *default_journal(void)
{
        const char *e = secure_getenv("JIT_JOURNAL");
        return e && *e ? e : DEFAULT_JOURNAL;
}

static const char *default_pubkey(void)
{
        const char *e = secure_getenv("JIT_JOURNAL_PUB");
        return e && *e ? e : DEFAULT_PUBKEY;
}

/* Read a small text file whole ("-" is stdin); NUL-terminated. */
static int read_text(const char *path, size_t max, char **ret)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        size_t n = 0;
        int r;

        if (streq(path, "-"))
                fd = dup(STDIN_FILENO);
        else
                fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        buf = malloc(max + 1);
        if (!buf)
                return -ENOMEM;
        r = jit_read_fd_bounded(fd, buf, max, &n);
        if (r < 0)
                return r;
        if (strlen(buf) != n)
                return -EBADMSG; /* a NUL inside */
        *ret = TAKE_PTR(buf);
        return 0;
}

/* The trusted identity key, checked for form. */
static int load_pubkey(const char *path, char **ret)
{
        NoteVerifier v;
        int r;

        r = read_text(path, NOTE_VERIFIER_MAX + 2, ret);
        if (r < 0) {
                fprintf(stderr, "jitctl: cannot read the journal key %s: %s\n", path, strerror(-r));
                return r;
        }
        if (keys_parse_verifier_text(*ret, strlen(*ret), &v) < 0) {
                fprintf(stderr, "jitctl: %s does not hold a verifier key (\"<name>+<hash>+<key>\")\n", path);
                free(*ret);
                *ret = NULL;
                return -EBADMSG;
        }
        return 0;
}

static void print_sanitized(FILE *f, const char *s, size_t max)
{
        _cleanup_free_ char *t = jit_sanitize(s, strlen(s), max);
        fputs(t ? t : "?", f);
}

/* ---- log ---- */

static void print_record(const Ctl *ctl, const JournalRecord *rec)
{
        char when[64];

        ctl_format_time(ctl, rec->time_usec, when, sizeof(when));
        printf("%-6" PRIu64 " %s  e%-3" PRIu64 " %-10s", rec->seq, when, rec->epoch, rec->type_name);
        if (rec->type == RECORD_CHECKPOINT && rec->n_fields == 1) {
                /* The note in brief: tree size and root. */
                const char *n = rec->fields[0].value, *l2 = strchr(n, '\n'),
                           *l3 = l2 ? strchr(l2 + 1, '\n') : NULL;
                const char *l4 = l3 ? strchr(l3 + 1, '\n') : NULL;
                if (l3 && l4) {
                        printf(" size=%.*s root=%.*s", (int)(l3 - l2 - 1), l2 + 1, (int)(l4 - l3 - 1),
                               l3 + 1);
                        putchar('\n');
                        return;
                }
        }
        for (size_t i = 0; i < rec->n_fields; i++) {
                if (rec->type == RECORD_KEY && streq(rec->fields[i].key, "cert"))
                        continue; /* shown by verify, not worth a screen here */
                printf(" %s=", rec->fields[i].key);
                print_sanitized(stdout, rec->fields[i].value, 512);
        }
        putchar('\n');
}

/* Wait until the file changes (or a second passes, in case inotify missed a rename). */
static int wait_for_change(int ifd)
{
        struct pollfd p = {.fd = ifd, .events = POLLIN};
        char buf[4096];

        if (poll(&p, 1, 1000) < 0)
                return errno == EINTR ? 0 : -errno;
        if (p.revents & POLLIN)
                while (read(ifd, buf, sizeof(buf)) > 0)
                        ;
        return 0;
}

int verb_log(int argc, char *argv[])
{
        static const struct option options[] = {
            {"json", no_argument, NULL, 'j'},          {"follow", no_argument, NULL, 'f'},
            {"journal", required_argument, NULL, 'J'}, {"utc", no_argument, NULL, 'u'},
            {"help", no_argument, NULL, 'h'},          {},
        };
        _cleanup_(journal_reader_freep) JournalReader *rd = NULL;
        _cleanup_close_ int ifd = -1;
        const char *path = default_journal();
        bool json = false, follow = false;
        Ctl ctl = {}; /* only its --utc: this verb needs no bus */
        JournalRecord rec;
        int c, r;

        optind = 0;
        while ((c = ctl_getopt(argc, argv, "jfJ:h", options)) >= 0)
                switch (c) {
                case 'j':
                        json = true;
                        break;
                case 'f':
                        follow = true;
                        break;
                case 'J':
                        path = optarg;
                        break;
                case 'u':
                        ctl.utc = true;
                        break;
                case 'h':
                        printf(
                            "Usage: jitctl log [--json] [--follow] [--journal FILE] [--utc]\n"
                            "Show the journal's records (--json: the raw JSON lines). Not a verification:\n"
                            "use jitctl verify for that.\n");
                        return 0;
                default:
                        return EXIT_USAGE;
                }
        if (optind != argc) {
                fprintf(stderr, "jitctl: log: unexpected argument '%s'\n", argv[optind]);
                return EXIT_USAGE;
        }
        r = journal_reader_open(path, &rd);
        if (r < 0) {
                fprintf(stderr, "jitctl: log: cannot open %s: %s\n", path, strerror(-r));
                return EXIT_FAILED;
        }
        if (follow) {
                ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
                if (ifd < 0 || inotify_add_watch(ifd, path, IN_MODIFY) < 0) {
                        fprintf(stderr, "jitctl: log: cannot watch %s: %m\n", path);
                        return EXIT_FAILED;
                }
        }
        for (;;) {
                r = journal_reader_next(rd, &rec);
                if (r == -EBADMSG) {
                        fflush(stdout);
                        fprintf(stderr, "jitctl: log: %s: %s\n", path, journal_reader_error(rd));
                        return EXIT_FAILED;
                }
                if (r < 0) {
                        fprintf(stderr, "jitctl: log: reading %s: %s\n", path, strerror(-r));
                        return EXIT_FAILED;
                }
                if (r > 0) {
                        if (json)
                                printf("%.*s\n", (int)rec.line_len, rec.line);
                        else
                                print_record(&ctl, &rec);
                        continue;
                }
                if (!follow)
                        break;
                fflush(stdout);
                r = wait_for_change(ifd);
                if (r < 0)
                        return EXIT_FAILED;
        }
        if (journal_reader_partial_bytes(rd) > 0)
                fprintf(stderr,
                        "jitctl: log: %s ends inside a record (%" PRIu64
                        " bytes): a torn tail, or a write in progress\n",
                        path, journal_reader_partial_bytes(rd));
        return 0;
}

/* ---- verify ---- */

/* The journald cross-check (--journald): every mirrored JIT_SEQ and JIT_LEAF_HASH must be in the
 * file, the file must not be shorter than the mirror, every mirrored checkpoint must be the
 * file's tree at its size, and a record journald lacks must lie in a mirror-gap record's range.
 * A mismatch marks the result bad, with the reason. */
static int cross_check_journald(const char *path, JournalVerifyResult *res)
{
        uint64_t n_checked = 0;
        int r;

        r = journald_cross_check(path, res->leaves, res->n_leaves, &n_checked, res->reason,
                                 sizeof(res->reason));
        if (r == -EBADMSG) {
                res->ok = false;
                res->bad_line = 0;
                res->bad_seq = UINT64_MAX;
                return -EBADMSG;
        }
        if (r < 0) {
                fprintf(stderr, "jitctl: verify: cannot read journald: %s\n", strerror(-r));
                return r;
        }
        fprintf(stderr,
                "jitctl: verify: consistent with journald (%" PRIu64 " mirrored records and checkpoints)\n",
                n_checked);
        return 0;
}

static void print_result_json(const char *path, const JournalVerifyResult *res)
{
        struct json_object *o = json_object_new_object();
        char b64[JIT_BASE64_LEN(MERKLE_HASH_SIZE) + 1];

        jit_base64_encode(res->root, MERKLE_HASH_SIZE, b64);
        json_object_object_add(o, "journal", json_object_new_string(path));
        json_object_object_add(o, "ok", json_object_new_boolean(res->ok));
        json_object_object_add(o, "records", json_object_new_int64((int64_t)res->n_records));
        json_object_object_add(o, "checkpoints", json_object_new_int64((int64_t)res->n_checkpoints));
        json_object_object_add(o, "signatures", json_object_new_int64((int64_t)res->n_signatures));
        json_object_object_add(o, "epoch", json_object_new_int64((int64_t)res->epoch));
        json_object_object_add(o, "epoch_end_usec", json_object_new_int64((int64_t)res->epoch_end_usec));
        json_object_object_add(o, "tree_size", json_object_new_int64((int64_t)res->tree_size));
        json_object_object_add(o, "root", json_object_new_string(b64));
        json_object_object_add(o, "origin", json_object_new_string(res->origin));
        if (!res->ok) {
                json_object_object_add(o, "bad_line", json_object_new_int64((int64_t)res->bad_line));
                if (res->bad_seq != UINT64_MAX)
                        json_object_object_add(o, "bad_seq", json_object_new_int64((int64_t)res->bad_seq));
                json_object_object_add(o, "reason", json_object_new_string(res->reason));
        }
        ctl_print_json(o, false);
        json_object_put(o);
}

static void print_result(const Ctl *ctl, const char *path, const JournalVerifyResult *res,
                         bool with_checkpoint)
{
        char b64[JIT_BASE64_LEN(MERKLE_HASH_SIZE) + 1], when[64];
        uint64_t now = jit_now_usec(CLOCK_REALTIME);

        if (!res->ok) {
                printf("%s: FAILED", path);
                if (res->bad_line > 0)
                        printf(" at line %" PRIu64 " (seq %" PRIu64 ")", res->bad_line, res->bad_seq);
                printf(": ");
                print_sanitized(stdout, res->reason, sizeof(res->reason));
                printf("\n");
                return;
        }
        jit_base64_encode(res->root, MERKLE_HASH_SIZE, b64);
        printf("%s: OK: %" PRIu64 " records, %" PRIu64 " epochs, %" PRIu64 " checkpoints, %" PRIu64
               " signatures checked\n",
               path, res->n_records, res->epoch + 1, res->n_checkpoints, res->n_signatures);
        printf("  origin %s, last checkpoint covers %" PRIu64 " records, root %s\n", res->origin,
               res->tree_size, b64);
        if (with_checkpoint)
                printf("  extends the saved checkpoint\n");
        if (res->epoch_end_usec < now) {
                /* Every epoch is sealed while jitd runs; a journal that stops early was cut, or its writer
                 * stopped. Only a saved checkpoint or the journald mirror can tell which. */
                ctl_format_time(ctl, res->epoch_end_usec, when, sizeof(when));
                printf("  note: the last epoch (%" PRIu64
                       ") ended %s and was not sealed since: jitd is not\n"
                       "        running, or this is an old or cut copy (check with --checkpoint)\n",
                       res->epoch, when);
        }
}

int verb_verify(int argc, char *argv[])
{
        static const struct option options[] = {
            {"journal", required_argument, NULL, 'J'},
            {"key", required_argument, NULL, 'k'},
            {"checkpoint", required_argument, NULL, 'c'},
            {"all-signatures", no_argument, NULL, 'a'},
            {"json", no_argument, NULL, 'j'},
            {"journald", no_argument, NULL, 'D'},
            {"utc", no_argument, NULL, 'u'},
            {"help", no_argument, NULL, 'h'},
            {},
        };
        _cleanup_free_ char *pub = NULL, *saved = NULL;
        const char *path = default_journal(), *key = default_pubkey(), *cp = NULL;
        bool json = false, journald = false;
        Ctl ctl = {}; /* only its --utc: this verb needs no bus */
        JournalVerifyOptions o = {};
        JournalVerifyResult res;
        int c, r;

        optind = 0;
        while ((c = ctl_getopt(argc, argv, "J:k:c:ajh", options)) >= 0)
                switch (c) {
                case 'J':
                        path = optarg;
                        break;
                case 'k':
                        key = optarg;
                        break;
                case 'c':
                        cp = optarg;
                        break;
                case 'a':
                        o.all_signatures = true;
                        break;
                case 'j':
                        json = true;
                        break;
                case 'D':
                        journald = true;
                        break;
                case 'u':
                        ctl.utc = true;
                        break;
                case 'h':
                        printf(
                            "Usage: jitctl verify [--journal FILE] [--key FILE] [--checkpoint FILE] "
                            "[--all-signatures]\n"
                            "                     [--json] [--journald] [--utc]\n"
                            "Check every record, hash link, epoch key and checkpoint of a journal against "
                            "the\n"
                            "identity key; with --checkpoint, also that the journal extends a checkpoint "
                            "saved\n"
                            "earlier (catches truncation and rollback). Every checkpoint's root is "
                            "compared; "
                            "signatures\n"
                            "are verified for seals, key certificates and the last checkpoint, and with "
                            "--all-signatures\n"
                            "for every checkpoint (several times slower). Exit 0 if intact, 1 otherwise.\n");
                        return 0;
                default:
                        return EXIT_USAGE;
                }
        if (optind != argc) {
                fprintf(stderr, "jitctl: verify: unexpected argument '%s'\n", argv[optind]);
                return EXIT_USAGE;
        }
        if (load_pubkey(key, &pub) < 0)
                return EXIT_FAILED;
        if (cp) {
                r = read_text(cp, NOTE_MAX_SIZE, &saved);
                if (r < 0) {
                        fprintf(stderr, "jitctl: verify: cannot read the checkpoint %s: %s\n", cp,
                                strerror(-r));
                        return EXIT_FAILED;
                }
        }
        o.pubkey_text = pub;
        o.saved_checkpoint = saved;
        o.keep_leaves = journald;
        r = journal_verify_full(path, &o, &res);
        if (r < 0 && r != -EBADMSG) {
                fprintf(stderr, "jitctl: verify: cannot read %s: %s\n", path, strerror(-r));
                journal_verify_result_done(&res);
                return EXIT_FAILED;
        }
        if (r == 0 && journald) {
                r = cross_check_journald(path, &res);
                if (r < 0 && r != -EBADMSG) {
                        journal_verify_result_done(&res);
                        return EXIT_FAILED;
                }
        }
        if (json)
                print_result_json(path, &res);
        else
                print_result(&ctl, path, &res, saved != NULL);
        journal_verify_result_done(&res);
        return r == 0 ? 0 : EXIT_FAILED;
}

/* ---- checkpoint ---- */

/* Verify the journal (so that what is printed can be trusted) and hand back the result. */
static int verified(const char *verb, const char *path, const char *key, bool keep_leaves,
                    JournalVerifyResult *res)
{
        _cleanup_free_ char *pub = NULL;
        JournalVerifyOptions o = {.keep_leaves = keep_leaves};
        int r;

        if (load_pubkey(key, &pub) < 0) {
                *res = (JournalVerifyResult){};
                return -EINVAL;
        }
        o.pubkey_text = pub;
        r = journal_verify_full(path, &o, res);
        if (r == -EBADMSG) {
                fprintf(stderr, "jitctl: %s: %s does not verify", verb, path);
                if (res->bad_line)
                        fprintf(stderr, " at line %" PRIu64, res->bad_line);
                fprintf(stderr, ": ");
                print_sanitized(stderr, res->reason, sizeof(res->reason));
                fprintf(stderr, "\n");
        } else if (r < 0)
                fprintf(stderr, "jitctl: %s: cannot read %s: %s\n", verb, path, strerror(-r));
        return r;
}

int verb_checkpoint(int argc, char *argv[])
{
        static const struct option options[] = {
            {"journal", required_argument, NULL, 'J'},
            {"key", required_argument, NULL, 'k'},
            {"help", no_argument, NULL, 'h'},
            {},
        };
        const char *path = default_journal(), *key = default_pubkey();
        JournalVerifyResult res;
        int c, r;

        optind = 0;
        while ((c = ctl_getopt(argc, argv, "J:k:h", options)) >= 0)
                switch (c) {
                case 'J':
                        path = optarg;
                        break;
                case 'k':
                        key = optarg;
                        break;
                case 'h':
                        printf("Usage: jitctl checkpoint [--journal FILE] [--key FILE]\n"
                               "Print the journal's latest signed checkpoint (after verifying the journal), "
                               "to keep\n"
                               "elsewhere and pass to jitctl verify --checkpoint later.\n");
                        return 0;
                default:
                        return EXIT_USAGE;
                }
        if (optind != argc) {
                fprintf(stderr, "jitctl: checkpoint: unexpected argument '%s'\n", argv[optind]);
                return EXIT_USAGE;
        }
        r = verified("checkpoint", path, key, false, &res);
        if (r == 0)
                fputs(res.last_checkpoint, stdout);
        journal_verify_result_done(&res);
        return r == 0 ? 0 : EXIT_FAILED;
}

/* ---- prove / verify-proof ---- */

int verb_prove(int argc, char *argv[])
{
        static const struct option options[] = {
            {"journal", required_argument, NULL, 'J'},
            {"key", required_argument, NULL, 'k'},
            {"help", no_argument, NULL, 'h'},
            {},
        };
        _cleanup_free_ char *proof = NULL;
        const char *path = default_journal(), *key = default_pubkey();
        JournalVerifyResult res;
        uint64_t seq;
        int c, r;

        optind = 0;
        while ((c = ctl_getopt(argc, argv, "J:k:h", options)) >= 0)
                switch (c) {
                case 'J':
                        path = optarg;
                        break;
                case 'k':
                        key = optarg;
                        break;
                case 'h':
                        printf("Usage: jitctl prove SEQ [--journal FILE] [--key FILE]\n"
                               "Print an inclusion receipt (c2sp.org/tlog-proof@v1) for record SEQ against "
                               "the first\n"
                               "checkpoint that covers it, with the key certificates from the identity key "
                               "to that\n"
                               "checkpoint's epoch: jitctl verify-proof checks it with the identity key "
                               "alone.\n");
                        return 0;
                default:
                        return EXIT_USAGE;
                }
        if (optind + 1 != argc ||
            jit_parse_u64_strict(argv[optind], strlen(argv[optind]), JOURNAL_MAX_NUMBER, &seq) < 0) {
                fprintf(stderr, "jitctl: prove: expected one record number (SEQ)\n");
                return EXIT_USAGE;
        }
        r = verified("prove", path, key, true, &res);
        if (r < 0)
                goto out;
        if (seq >= res.tree_size) {
                fprintf(stderr,
                        "jitctl: prove: seq %" PRIu64
                        " is not covered by the latest checkpoint (size %" PRIu64 ")\n",
                        seq, res.tree_size);
                r = -ERANGE;
                goto out;
        }
        r = journal_prove(path, res.leaves, res.n_leaves, seq, &proof);
        if (r < 0) {
                fprintf(stderr, "jitctl: prove: cannot make a receipt for seq %" PRIu64 " from %s: %s\n",
                        seq, path, strerror(-r));
                goto out;
        }
        fputs(proof, stdout);
out:
        journal_verify_result_done(&res);
        return r < 0 ? EXIT_FAILED : 0;
}

int verb_verify_proof(int argc, char *argv[])
{
        static const struct option options[] = {
            {"key", required_argument, NULL, 'k'},
            {"journal", required_argument, NULL, 'J'},
            {"help", no_argument, NULL, 'h'},
            {},
        };
        _cleanup_free_ char *receipt = NULL, *pub = NULL, *record = NULL;
        const char *key = default_pubkey(), *journal = NULL, *in = "-", *why = NULL;
        JournalVerifyResult res = {};
        JournalEpochKey identity = {};
        const JournalEpochKey *keys = &identity;
        size_t n_keys = 1;
        uint64_t seq;
        int c, r;

        optind = 0;
        while ((c = ctl_getopt(argc, argv, "k:J:h", options)) >= 0)
                switch (c) {
                case 'k':
                        key = optarg;
                        break;
                case 'J':
                        journal = optarg;
                        break;
                case 'h':
                        printf("Usage: jitctl verify-proof [--key FILE] [--journal FILE] [RECEIPT|-]\n"
                               "Check an inclusion receipt made by jitctl prove with the identity key alone "
                               "(the receipt\n"
                               "carries the key certificates of later epochs). With --journal, the journal "
                               "is verified\n"
                               "too and the receipt's keys must be its keys.\n");
                        return 0;
                default:
                        return EXIT_USAGE;
                }
        if (optind + 1 < argc) {
                fprintf(stderr, "jitctl: verify-proof: at most one receipt\n");
                return EXIT_USAGE;
        }
        if (optind < argc)
                in = argv[optind];
        r = read_text(in, RECEIPT_MAX, &receipt);
        if (r < 0) {
                fprintf(stderr, "jitctl: verify-proof: cannot read %s: %s\n", in, strerror(-r));
                return EXIT_FAILED;
        }
        if (journal) {
                r = verified("verify-proof", journal, key, false, &res);
                if (r < 0) {
                        journal_verify_result_done(&res);
                        return EXIT_FAILED;
                }
                keys = res.keys;
                n_keys = res.n_keys;
        } else {
                if (load_pubkey(key, &pub) < 0)
                        return EXIT_FAILED;
                (void)keys_parse_verifier_text(pub, strlen(pub), &identity.key);
        }
        r = journal_proof_verify(receipt, strlen(receipt), keys, n_keys, &record, &seq, &why);
        if (r < 0) {
                printf("receipt: FAILED: ");
                print_sanitized(stdout, why ? why : strerror(-r), 256);
                printf("\n");
        } else {
                printf("receipt: OK: record %" PRIu64 " is in the journal\n  ", seq);
                {
                        /* The record is JSON: keep its escapes, make the rest terminal-safe. */
                        _cleanup_free_ char *t =
                            jit_sanitize_terminal(record, strlen(record), JOURNAL_MAX_LINE);
                        fputs(t ? t : "?", stdout);
                }
                printf("\n");
        }
        journal_verify_result_done(&res);
        return r < 0 ? EXIT_FAILED : 0;
}
