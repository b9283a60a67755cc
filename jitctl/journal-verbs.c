/* jitctl verbs that read the signed journal offline: log, prove, verify-proof (verify and checkpoint are
 * in verify.c). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "jitctl.h"
#include "journal-files.h"
#include "journal-util.h"
#include "journal-verbs.h"
#include "journal.h"
#include "keys.h"
#include "sanitize.h"
#include "util.h"

#define RECEIPT_MAX JOURNAL_MAX_RECEIPT

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
                ctl_print_sanitized(stdout, rec->fields[i].value, 512);
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

static void show(const Ctl *ctl, const JournalRecord *rec, bool json)
{
        if (json)
                printf("%.*s\n", (int)rec->line_len, rec->line);
        else
                print_record(ctl, rec);
}

/* A rotated file, whole: it never changes again. */
static int show_file(const Ctl *ctl, const char *file, bool json)
{
        _cleanup_(journal_reader_freep) JournalReader *rd = NULL;
        JournalRecord rec;
        int r;

        r = journal_reader_open(file, &rd);
        while (r >= 0 && (r = journal_reader_next(rd, &rec)) > 0)
                show(ctl, &rec, json);
        if (r == -EBADMSG) {
                fflush(stdout);
                fprintf(stderr, "jitctl: log: %s: %s\n", file, journal_reader_error(rd));
        } else if (r < 0)
                fprintf(stderr, "jitctl: log: reading %s: %s\n", file, strerror(-r));
        return r < 0 ? EXIT_FAILED : 0;
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
        const char *path = ctl_default_journal();
        bool json = false, follow = false, draining = false;
        Ctl ctl = {}; /* only its --utc: this verb needs no bus */
        JournalRecord rec;
        int c, r = 0;

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
                        printf("Usage: jitctl log [--json] [--follow] [--journal FILE] [--utc]\n"
                               "Show the journal's records (--json: the raw JSON lines), from its rotated "
                               "files\n"
                               "(FILE-<seq>.jsonl) on; --follow goes on as jitd writes, into each new file. "
                               "Not a\n"
                               "verification: use jitctl verify for that.\n");
                        return 0;
                default:
                        return EXIT_USAGE;
                }
        if (optind != argc) {
                fprintf(stderr, "jitctl: log: unexpected argument '%s'\n", argv[optind]);
                return EXIT_USAGE;
        }
        /* The rotated files beside the journal first, oldest first: the whole history still here. */
        if (access(path, F_OK) == 0 || errno != ENOENT) {
                JournalFiles files = {};

                if (ctl_journal_files("log", path, NULL, 0, &files) < 0)
                        return EXIT_FAILED;
                for (size_t i = 0; i + 1 < files.n && r == 0; i++)
                        r = show_file(&ctl, files.paths[i], json);
                ctl_journal_files_done(&files);
                if (r != 0)
                        return r;
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
                        show(&ctl, &rec, json);
                        continue;
                }
                if (!follow)
                        break;
                if (!journal_reader_reads(rd, path)) {
                        /* jitd rotated the journal. It does so right after a commit, so the old file
                         * is complete once renamed: read it to its end once more, then go on in the
                         * new file from its link record. */
                        if (!draining) {
                                draining = true;
                                continue;
                        }
                        journal_reader_free(TAKE_PTR(rd));
                        r = journal_reader_open(path, &rd);
                        if (r < 0) {
                                fprintf(stderr, "jitctl: log: cannot open %s: %s\n", path, strerror(-r));
                                return EXIT_FAILED;
                        }
                        (void)inotify_add_watch(ifd, path, IN_MODIFY);
                        draining = false;
                        continue;
                }
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
        const char *path = ctl_default_journal(), *key = ctl_default_pubkey();
        JournalVerifyResult res = {};
        JournalFiles files = {};
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
        r = ctl_journal_verified("prove", path, key, true, &files, &res);
        if (r < 0)
                goto out;
        if (res.partial) {
                /* An inclusion proof needs every leaf, and the receipt every key certificate, from seq 0. */
                fprintf(stderr,
                        "jitctl: prove: the journal files begin at seq %" PRIu64
                        " (earlier ones were moved away): restore them beside %s\n",
                        res.first_seq, path);
                r = -ENOENT;
                goto out;
        }
        if (seq >= res.tree_size) {
                fprintf(stderr,
                        "jitctl: prove: seq %" PRIu64
                        " is not covered by the latest checkpoint (size %" PRIu64 ")\n",
                        seq, res.tree_size);
                r = -ERANGE;
                goto out;
        }
        r = journal_prove_series((const char *const *)files.paths, files.n, res.leaves, res.n_leaves, seq,
                                 &proof);
        if (r < 0) {
                fprintf(stderr, "jitctl: prove: cannot make a receipt for seq %" PRIu64 " from %s: %s\n",
                        seq, path, strerror(-r));
                goto out;
        }
        fputs(proof, stdout);
out:
        journal_verify_result_done(&res);
        ctl_journal_files_done(&files);
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
        const char *key = ctl_default_pubkey(), *journal = NULL, *in = "-", *why = NULL;
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
        r = ctl_read_text(in, RECEIPT_MAX, &receipt);
        if (r < 0) {
                fprintf(stderr, "jitctl: verify-proof: cannot read %s: %s\n", in, strerror(-r));
                return EXIT_FAILED;
        }
        if (journal) {
                JournalFiles files = {};

                r = ctl_journal_verified("verify-proof", journal, key, false, &files, &res);
                ctl_journal_files_done(&files);
                if (r < 0) {
                        journal_verify_result_done(&res);
                        return EXIT_FAILED;
                }
                keys = res.keys;
                n_keys = res.n_keys;
        } else {
                if (ctl_load_pubkey(key, &pub) < 0)
                        return EXIT_FAILED;
                (void)keys_parse_verifier_text(pub, strlen(pub), &identity.key);
        }
        r = journal_proof_verify(receipt, strlen(receipt), keys, n_keys, &record, &seq, &why);
        if (r < 0) {
                printf("receipt: FAILED: ");
                ctl_print_sanitized(stdout, why ? why : strerror(-r), 256);
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
