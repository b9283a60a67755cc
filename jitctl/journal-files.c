/* What jitctl's journal verbs share: default paths, small files, the trusted key, and the files of a
 * rotated journal. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "journal-files.h"
#include "journal-util.h"
#include "keys.h"
#include "sanitize.h"
#include "util.h"

#define DEFAULT_JOURNAL "/var/lib/jit/journal.jsonl"
#define DEFAULT_PUBKEY "/var/lib/jit/journal.pub"

const char *ctl_default_journal(void)
{
        const char *e = secure_getenv("JIT_JOURNAL");
        return e && *e ? e : DEFAULT_JOURNAL;
}

const char *ctl_default_pubkey(void)
{
        const char *e = secure_getenv("JIT_JOURNAL_PUB");
        return e && *e ? e : DEFAULT_PUBKEY;
}

int ctl_read_text(const char *path, size_t max, char **ret)
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

int ctl_load_pubkey(const char *path, char **ret)
{
        NoteVerifier v;
        int r;

        r = ctl_read_text(path, NOTE_VERIFIER_MAX + 2, ret);
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

void ctl_print_sanitized(FILE *f, const char *s, size_t max)
{
        _cleanup_free_ char *t = jit_sanitize(s, strlen(s), max);
        fputs(t ? t : "?", f);
}

void ctl_journal_files_done(JournalFiles *f)
{
        journal_series_free(f->paths);
        *f = (JournalFiles){};
}

static int files_add(JournalFiles *f, char **more, size_t n_more)
{
        char **p = reallocarray(f->paths, f->n + n_more + 1, sizeof(*p));

        if (!p)
                return -ENOMEM;
        f->paths = p;
        memcpy(p + f->n, more, n_more * sizeof(*p));
        f->n += n_more;
        p[f->n] = NULL;
        return 0;
}

int ctl_journal_files(const char *verb, const char *journal, char *const *args, size_t n_args,
                      JournalFiles *ret)
{
        JournalFiles f = {};
        int r = 0;

        /* With no file named, the journal and its rotated files: the whole history still on disk. */
        for (size_t i = 0; i < (n_args ? n_args : 1) && r >= 0; i++) {
                const char *a = n_args ? args[i] : journal;
                struct stat st;
                char **list = NULL;
                size_t n = 0;

                if (stat(a, &st) < 0) {
                        r = -errno;
                        fprintf(stderr, "jitctl: %s: cannot read %s: %s\n", verb, a, strerror(-r));
                        break;
                }
                if (S_ISDIR(st.st_mode) || !n_args)
                        r = journal_series_list(a, &list, &n);
                else {
                        list = calloc(2, sizeof(*list));
                        r = list && (list[0] = strdup(a)) ? 0 : -ENOMEM;
                        n = 1;
                }
                if (r >= 0 && n == 0) {
                        fprintf(stderr, "jitctl: %s: no journal files in %s\n", verb, a);
                        r = -ENOENT;
                }
                if (r >= 0)
                        r = files_add(&f, list, n);
                if (r >= 0)
                        free(list); /* its strings now belong to f */
                else
                        journal_series_free(list);
        }
        if (r < 0) {
                if (r == -ENOMEM)
                        fprintf(stderr, "jitctl: %s: out of memory\n", verb);
                ctl_journal_files_done(&f);
                return r;
        }
        *ret = f;
        return 0;
}

bool ctl_journal_files_changed(const JournalFiles *f, const char *journal)
{
        char **now = NULL;
        size_t n = 0;
        bool changed;

        if (journal_series_list(journal, &now, &n) < 0)
                return false;
        changed = n != f->n;
        for (size_t i = 0; i < n && !changed; i++)
                changed = !streq(now[i], f->paths[i]);
        journal_series_free(now);
        return changed;
}

int ctl_journal_verified(const char *verb, const char *journal, const char *key, bool keep_leaves,
                         JournalFiles *files, JournalVerifyResult *res)
{
        _cleanup_free_ char *pub = NULL;
        JournalVerifyOptions o = {.keep_leaves = keep_leaves};
        int r;

        *res = (JournalVerifyResult){};
        if (ctl_load_pubkey(key, &pub) < 0)
                return -EINVAL;
        o.pubkey_text = pub;
        for (int attempt = 0;; attempt++) {
                r = ctl_journal_files(verb, journal, NULL, 0, files);
                if (r < 0)
                        return r;
                r = journal_verify_series((const char *const *)files->paths, files->n, &o, res);
                if (r != -EBADMSG || attempt >= 2 || !ctl_journal_files_changed(files, journal))
                        break;
                journal_verify_result_done(res);
                ctl_journal_files_done(files);
        }
        if (r == -EBADMSG) {
                fprintf(stderr, "jitctl: %s: %s does not verify", verb, files->paths[res->bad_file]);
                if (res->bad_line)
                        fprintf(stderr, " at line %" PRIu64, res->bad_line);
                fprintf(stderr, ": ");
                ctl_print_sanitized(stderr, res->reason, sizeof(res->reason));
                fprintf(stderr, "\n");
        } else if (r < 0)
                fprintf(stderr, "jitctl: %s: cannot read %s: %s\n", verb, files->paths[res->bad_file],
                        strerror(-r));
        return r;
}
