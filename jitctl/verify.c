/* jitctl verify and checkpoint: check a journal, or a series of rotated journal files, as one history. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "duration.h"
#include "jitctl.h"
#include "journal-files.h"
#include "journal-util.h"
#include "journal-verbs.h"
#include "journald-check.h"
#include "journald-collect.h"
#include "journal.h"
#include "util.h"
#include "verify-signed.h"

/* The journald cross-check (--journald): every mirrored JIT_SEQ and JIT_LEAF_HASH must be in the
 * files, they must not be shorter than the mirror, every mirrored checkpoint must be their tree at
 * its size, and a record journald lacks must lie in a mirror-gap record's range. A mismatch marks the
 * result bad, with the reason. */
static int cross_check_journald(const JournalFiles *files, JournalVerifyResult *res)
{
        uint64_t n_checked = 0;
        int r;

        r = journald_cross_check((const char *const *)files->paths, files->n, res->leaves, res->n_leaves,
                                 res->partial ? res->first_seq : 0, &n_checked, res->reason,
                                 sizeof(res->reason));
        if (r == -EBADMSG) {
                res->ok = false;
                res->bad_line = 0;
                res->bad_seq = UINT64_MAX;
                res->bad_file = files->n - 1;
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

static const char *const verdict_names[] = {
    [COLLECT_OK] = "ok",
    [COLLECT_GAP] = "gap",
    [COLLECT_TAMPERED] = "tampered",
};

static void print_collected_json(const char *dir, const char *origin, const CollectReport *c)
{
        struct json_object *o = json_object_new_object();
        char b64[JIT_BASE64_LEN(MERKLE_HASH_SIZE) + 1];

        json_object_object_add(o, "directory", json_object_new_string(dir));
        json_object_object_add(o, "origin", json_object_new_string(origin));
        json_object_object_add(o, "ok", json_object_new_boolean(c->verdict == COLLECT_OK));
        json_object_object_add(o, "verdict", json_object_new_string(verdict_names[c->verdict]));
        json_object_object_add(o, "entries", json_object_new_int64((int64_t)c->n_entries));
        json_object_object_add(o, "records_verified", json_object_new_int64((int64_t)c->n_verified));
        json_object_object_add(o, "records_in_flight", json_object_new_int64((int64_t)c->n_tail));
        if (c->n_verified > 0) {
                jit_base64_encode(c->res.root, MERKLE_HASH_SIZE, b64);
                json_object_object_add(o, "tree_size", json_object_new_int64((int64_t)c->res.tree_size));
                json_object_object_add(o, "root", json_object_new_string(b64));
                json_object_object_add(o, "checkpoints",
                                       json_object_new_int64((int64_t)c->res.n_checkpoints));
                json_object_object_add(o, "signatures", json_object_new_int64((int64_t)c->res.n_signatures));
        }
        if (c->verdict == COLLECT_GAP && !c->reason[0]) {
                json_object_object_add(o, "gap_first", json_object_new_int64((int64_t)c->gap_first));
                json_object_object_add(o, "gap_last", json_object_new_int64((int64_t)c->gap_last));
                json_object_object_add(o, "gap_recorded", json_object_new_boolean(c->gap_recorded));
        }
        if (c->verdict == COLLECT_TAMPERED && c->bad_seq != UINT64_MAX)
                json_object_object_add(o, "bad_seq", json_object_new_int64((int64_t)c->bad_seq));
        if (c->reason[0])
                json_object_object_add(o, "reason", json_object_new_string(c->reason));
        ctl_print_json(o, false);
        json_object_put(o);
}

static void print_collected(const char *dir, const char *origin, const CollectReport *c)
{
        char b64[JIT_BASE64_LEN(MERKLE_HASH_SIZE) + 1];

        printf("%s: ", dir);
        switch (c->verdict) {
        case COLLECT_TAMPERED:
                printf("TAMPERED: host %s", origin);
                if (c->bad_seq != UINT64_MAX)
                        printf(", seq %" PRIu64, c->bad_seq);
                printf(": ");
                ctl_print_sanitized(stdout, c->reason, sizeof(c->reason));
                printf("\n  the collected journal holds a record the host's keys never signed: forged or "
                       "rewritten after it left the host, or the host itself was altered\n");
                return;
        case COLLECT_GAP:
                printf("GAP: host %s: ", origin);
                if (c->reason[0])
                        ctl_print_sanitized(stdout, c->reason, sizeof(c->reason));
                else {
                        if (c->gap_first == c->gap_last)
                                printf("record %" PRIu64 " is missing", c->gap_first);
                        else
                                printf("records %" PRIu64 "..%" PRIu64 " are missing", c->gap_first,
                                       c->gap_last);
                        if (c->gap_recorded)
                                printf("; a mirror-gap record after the gap (seq %" PRIu64
                                       ", not verified: it lies after the gap) says journald on the host "
                                       "did not take the entries",
                                       c->gap_record_seq);
                        else
                                printf(" and no mirror-gap record names the gap: never reached the "
                                       "collector (the upload stopped), or entries were removed");
                }
                if (c->n_verified > 0)
                        printf("\n  records 0..%" PRIu64 " verified;", c->n_verified - 1);
                else
                        printf("\n  no record verified;");
                printf(" after the gap nothing can be checked from journald alone:\n"
                       "  verify the host's journal file (jitctl verify)\n");
                if (c->n_no_line > 0)
                        printf(
                            "  note: %" PRIu64 " entries of this host carry no record line (written by a "
                            "jitd from before\n        JIT_RECORD_LINE): that history can only be checked "
                            "from the host's file\n",
                            c->n_no_line);
                return;
        case COLLECT_OK:
                break;
        }
        jit_base64_encode(c->res.root, MERKLE_HASH_SIZE, b64);
        printf("OK: host %s: records 0..%" PRIu64 " rebuilt from journald and verified: %" PRIu64
               " epochs, %" PRIu64 " checkpoints, %" PRIu64 " signatures checked\n",
               origin, c->n_verified - 1, c->res.epoch + 1, c->res.n_checkpoints, c->res.n_signatures);
        printf("  last checkpoint covers %" PRIu64 " records, root %s\n", c->res.tree_size, b64);
        if (c->n_tail > 0)
                printf("  note: %" PRIu64
                       " later records have no checkpoint at the collector yet (in flight)\n",
                       c->n_tail);
}

/* --journald --directory DIR: the host's journal rebuilt from a collected journal directory. The
 * origin defaults to the key's name (origin+id+key). */
static int verify_collected(const char *dir, const char *host, const char *pub, bool json)
{
        _cleanup_free_ char *origin = NULL;
        CollectReport c;
        int r;

        origin = host ? strdup(host) : strndup(pub, strcspn(pub, "+"));
        if (!origin)
                return -ENOMEM;
        r = journald_collect_verify(dir, origin, pub, &c);
        if (r == -ENODATA)
                fprintf(stderr, "jitctl: verify: %s holds no record of host %s\n", dir, origin);
        else if (r < 0)
                fprintf(stderr, "jitctl: verify: cannot read the journal directory %s: %s\n", dir,
                        strerror(-r));
        else if (json)
                print_collected_json(dir, origin, &c);
        else
                print_collected(dir, origin, &c);
        if (r >= 0 && c.verdict != COLLECT_OK)
                r = -EBADMSG;
        collect_report_done(&c);
        return r;
}

static void print_result_json(const JournalFiles *files, const JournalVerifyResult *res, const VerifySigned *vs)
{
        struct json_object *o = json_object_new_object(), *list = json_object_new_array();
        char b64[JIT_BASE64_LEN(MERKLE_HASH_SIZE) + 1];

        jit_base64_encode(res->root, MERKLE_HASH_SIZE, b64);
        for (size_t i = 0; i < files->n; i++)
                json_object_array_add(list, json_object_new_string(files->paths[i]));
        json_object_object_add(o, "journal", json_object_new_string(files->paths[files->n - 1]));
        json_object_object_add(o, "files", list);
        json_object_object_add(o, "ok", json_object_new_boolean(res->ok));
        json_object_object_add(o, "records", json_object_new_int64((int64_t)res->n_records));
        json_object_object_add(o, "checkpoints", json_object_new_int64((int64_t)res->n_checkpoints));
        json_object_object_add(o, "signatures", json_object_new_int64((int64_t)res->n_signatures));
        json_object_object_add(o, "epoch", json_object_new_int64((int64_t)res->epoch));
        json_object_object_add(o, "epoch_end_usec", json_object_new_int64((int64_t)res->epoch_end_usec));
        json_object_object_add(o, "tree_size", json_object_new_int64((int64_t)res->tree_size));
        json_object_object_add(o, "root", json_object_new_string(b64));
        json_object_object_add(o, "origin", json_object_new_string(res->origin));
        /* History before first_seq was not checked: the first file continues one not given. */
        json_object_object_add(o, "first_seq", json_object_new_int64((int64_t)res->first_seq));
        json_object_object_add(o, "complete", json_object_new_boolean(!res->partial));
        json_object_object_add(o, "signed_decisions", json_object_new_int64((int64_t)vs->n_signed));
        json_object_object_add(o, "approvers_versions", json_object_new_int64((int64_t)vs->n_versions));
        if (!res->ok) {
                json_object_object_add(o, "bad_file", json_object_new_string(files->paths[res->bad_file]));
                json_object_object_add(o, "bad_line", json_object_new_int64((int64_t)res->bad_line));
                if (res->bad_seq != UINT64_MAX)
                        json_object_object_add(o, "bad_seq", json_object_new_int64((int64_t)res->bad_seq));
                json_object_object_add(o, "reason", json_object_new_string(res->reason));
        }
        ctl_print_json(o, false);
        json_object_put(o);
}

static void print_result(const Ctl *ctl, const JournalFiles *files, const JournalVerifyResult *res,
                         const VerifySigned *vs, bool with_checkpoint)
{
        char b64[JIT_BASE64_LEN(MERKLE_HASH_SIZE) + 1], when[64];
        uint64_t now = jit_now_usec(CLOCK_REALTIME);
        const char *path = files->paths[files->n - 1];

        if (!res->ok) {
                printf("%s: FAILED", files->paths[res->bad_file]);
                if (res->bad_line > 0)
                        printf(" at line %" PRIu64 " (seq %" PRIu64 ")", res->bad_line, res->bad_seq);
                printf(": ");
                ctl_print_sanitized(stdout, res->reason, sizeof(res->reason));
                printf("\n");
                if (files->n > 1)
                        printf("  (file %zu of the %zu files checked as one history, oldest first)\n",
                               res->bad_file + 1, files->n);
                return;
        }
        jit_base64_encode(res->root, MERKLE_HASH_SIZE, b64);
        printf("%s: OK: %" PRIu64 " records, %" PRIu64 " epochs, %" PRIu64 " checkpoints, %" PRIu64
               " signatures checked\n",
               path, res->n_records - res->first_seq, res->epoch + 1, res->n_checkpoints, res->n_signatures);
        if (files->n > 1)
                printf("  %zu files checked as one history, from %s\n", files->n, files->paths[0]);
        printf("  origin %s, last checkpoint covers %" PRIu64 " records, root %s\n", res->origin,
               res->tree_size, b64);
        if (res->partial)
                /* The first file continues one that was not given: its link record was taken on its
                 * word, so neither the history before it nor its epoch key's certificate was checked. */
                printf("  note: %s begins at seq %" PRIu64 " and continues a file not given (the one that\n"
                       "        began at seq %" PRIu64 "): history before seq %" PRIu64
                       " is NOT checked, nor is the epoch key\n"
                       "        its link record names; give the earlier files (or their directory) to "
                       "check it,\n"
                       "        or --complete to require them\n",
                       files->paths[0], res->first_seq, res->prev_first_seq, res->first_seq);
        if (with_checkpoint)
                printf("  extends the saved checkpoint\n");
        if (vs->n_signed || vs->n_versions)
                printf("  %" PRIu64 " signed decisions checked against %zu recorded version%s of the approvers file\n",
                       vs->n_signed, vs->n_versions, vs->n_versions == 1 ? "" : "s");
        if (*vs->approvers_note) {
                printf("  ");
                ctl_print_sanitized(stdout, vs->approvers_note, sizeof(vs->approvers_note));
                printf("\n");
        }
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
            {"complete", no_argument, NULL, 'C'},
            {"json", no_argument, NULL, 'j'},
            {"journald", no_argument, NULL, 'D'},
            {"approvers", required_argument, NULL, 'A'},
            {"directory", required_argument, NULL, 'd'},
            {"host", required_argument, NULL, 'H'},
            {"utc", no_argument, NULL, 'u'},
            {"help", no_argument, NULL, 'h'},
            {},
        };
        _cleanup_free_ char *pub = NULL, *saved = NULL;
        const char *path = ctl_default_journal(), *key = ctl_default_pubkey(), *cp = NULL, *approvers = NULL,
                   *dir = NULL, *host = NULL;
        VerifySigned vs = {};
        bool json = false, journald = false, complete = false, journal_given = false;
        Ctl ctl = {}; /* only its --utc: this verb needs no bus */
        JournalVerifyOptions o = {};
        JournalVerifyResult res;
        JournalFiles files = {};
        int c, r;

        optind = 0;
        while ((c = ctl_getopt(argc, argv, "J:k:c:aCjA:h", options)) >= 0)
                switch (c) {
                case 'J':
                        path = optarg;
                        journal_given = true;
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
                case 'C':
                        complete = true;
                        break;
                case 'j':
                        json = true;
                        break;
                case 'D':
                        journald = true;
                        break;
                case 'A':
                        approvers = optarg;
                        break;
                case 'd':
                        dir = optarg;
                        break;
                case 'H':
                        host = optarg;
                        break;
                case 'u':
                        ctl.utc = true;
                        break;
                case 'h':
                        printf(
                            "Usage: jitctl verify [--journal FILE | FILE|DIR...] [--key FILE] [--checkpoint "
                            "FILE]\n"
                            "                     [--all-signatures] [--complete] [--json] [--journald] "
                            "[--approvers FILE] [--utc]\n"
                            "       jitctl verify --journald --directory DIR [--host ORIGIN] [--key FILE] "
                            "[--json]\n"
                            "Check every record, hash link, epoch key and checkpoint of a journal against "
                            "the\n"
                            "identity key. The journal is --journal FILE (default %s) and\n"
                            "the rotated files beside it (FILE-<seq>.jsonl), checked as one history; or the "
                            "files\n"
                            "given, oldest first (a directory stands for the journal files in it). A "
                            "missing,\n"
                            "reordered, altered or renamed file is named with the reason. If the first file "
                            "continues\n"
                            "one not given, history before it is not checked (a note says so); --complete "
                            "fails then.\n"
                            "With --checkpoint, also that the journal extends a checkpoint saved earlier "
                            "(catches\n"
                            "truncation and rollback); with --journald, that it agrees with jitd's journald "
                            "mirror.\n"
                            "Every checkpoint's root is compared; signatures are verified for seals, key "
                            "certificates,\n"
                            "each file's last checkpoint, and with --all-signatures for every checkpoint "
                            "(several\n"
                            "times slower). Every signed approval and denial is checked again: its "
                            "statement rebuilt\n"
                            "from the record, its SSH signature, and its key against the approvers file "
                            "as the journal\n"
                            "recorded it; --approvers FILE also fails if FILE is not the version recorded "
                            "last.\n"
                            "Exit 0 if intact, 1 otherwise.\n"
                            "With --directory, rebuild one host's journal (ORIGIN, by default the key's) "
                            "from the\n"
                            "record lines jitd mirrored, in a journal directory systemd-journal-remote "
                            "wrote, and\n"
                            "verify it: a record the keys never signed is TAMPERED, a missing range a "
                            "GAP.\n",
                            ctl_default_journal());
                        return 0;
                default:
                        return EXIT_USAGE;
                }
        if ((dir || host) && (!journald || !dir || journal_given || cp || optind < argc)) {
                fprintf(stderr, "jitctl: verify: --directory DIR [--host ORIGIN] goes with --journald, "
                                "without a journal file or --checkpoint\n");
                return EXIT_USAGE;
        }
        if (optind < argc && journal_given) {
                fprintf(stderr, "jitctl: verify: give --journal FILE or files, not both\n");
                return EXIT_USAGE;
        }
        if (ctl_load_pubkey(key, &pub) < 0)
                return EXIT_FAILED;
        if (dir)
                return verify_collected(dir, host, pub, json) == 0 ? 0 : EXIT_FAILED;
        if (cp) {
                r = ctl_read_text(cp, NOTE_MAX_SIZE, &saved);
                if (r < 0) {
                        fprintf(stderr, "jitctl: verify: cannot read the checkpoint %s: %s\n", cp,
                                strerror(-r));
                        return EXIT_FAILED;
                }
        }
        o.pubkey_text = pub;
        o.saved_checkpoint = saved;
        o.keep_leaves = journald;
        for (int attempt = 0;; attempt++) {
                if (ctl_journal_files("verify", path, argv + optind, (size_t)(argc - optind), &files) < 0)
                        return EXIT_FAILED;
                r = journal_verify_series((const char *const *)files.paths, files.n, &o, &res);
                /* A rotation between listing and reading looks like a missing file: list again. */
                if (r != -EBADMSG || optind < argc || attempt >= 2 ||
                    !ctl_journal_files_changed(&files, path))
                        break;
                journal_verify_result_done(&res);
                ctl_journal_files_done(&files);
        }
        if (r < 0 && r != -EBADMSG) {
                fprintf(stderr, "jitctl: verify: cannot read %s: %s\n", files.paths[res.bad_file],
                        strerror(-r));
                goto out;
        }
        if (r == 0 && complete && res.partial) {
                res.ok = false;
                res.bad_file = 0;
                res.bad_line = 1;
                res.bad_seq = res.first_seq;
                snprintf(res.reason, sizeof(res.reason),
                         "--complete: this file continues the one that began at seq %" PRIu64
                         ", which was not given (history before seq %" PRIu64 " is missing)",
                         res.prev_first_seq, res.first_seq);
                r = -EBADMSG;
        }
        if (r == 0) {
                r = verify_signed_decisions(&files, approvers, &res, &vs);
                if (r < 0 && r != -EBADMSG)
                        goto out;
        }
        if (r == 0 && journald) {
                r = cross_check_journald(&files, &res);
                if (r < 0 && r != -EBADMSG)
                        goto out;
        }
        if (json)
                print_result_json(&files, &res, &vs);
        else
                print_result(&ctl, &files, &res, &vs, saved != NULL);
out:
        journal_verify_result_done(&res);
        ctl_journal_files_done(&files);
        return r == 0 ? 0 : EXIT_FAILED;
}

int verb_checkpoint(int argc, char *argv[])
{
        static const struct option options[] = {
            {"journal", required_argument, NULL, 'J'},
            {"key", required_argument, NULL, 'k'},
            {"help", no_argument, NULL, 'h'},
            {},
        };
        const char *path = ctl_default_journal(), *key = ctl_default_pubkey();
        JournalVerifyResult res = {};
        JournalFiles files = {};
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
                        printf(
                            "Usage: jitctl checkpoint [--journal FILE] [--key FILE]\n"
                            "Print the journal's latest signed checkpoint (after verifying the journal and "
                            "its\n"
                            "rotated files), to keep elsewhere and pass to jitctl verify --checkpoint "
                            "later.\n");
                        return 0;
                default:
                        return EXIT_USAGE;
                }
        if (optind != argc) {
                fprintf(stderr, "jitctl: checkpoint: unexpected argument '%s'\n", argv[optind]);
                return EXIT_USAGE;
        }
        r = ctl_journal_verified("checkpoint", path, key, false, &files, &res);
        if (r == 0)
                fputs(res.last_checkpoint, stdout);
        journal_verify_result_done(&res);
        ctl_journal_files_done(&files);
        return r == 0 ? 0 : EXIT_FAILED;
}
