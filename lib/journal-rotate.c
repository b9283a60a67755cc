/* Journal rotation: a new file for the same log once the current one is large, and the names of a series.
 *
 * Crash safety comes from the order of four durable steps: (1) the next file is written whole under
 * "<path>.new" and fdatasync'ed; (2) the current file gets a second name, its rotated one (link(2)), and
 * the directory is fsync'ed; (3) "<path>.new" is renamed over path; (4) the directory is fsync'ed. A
 * crash before (3) leaves the old file current: the next open removes "<path>.new" and the rotated name
 * if it still names the current file. A crash after (3) leaves the new file current and complete. The
 * new file holds no decision, only the link and what the caller restated, so dropping it loses
 * nothing; and no decision is written while the rotation runs (the writer refuses commits). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal-writer-internal.h"
#include "util.h"

#define SEQ_DIGITS 16
#define DEFAULT_NAME "journal.jsonl"

int journal_fsync_dir_of(const char *path)
{
        _cleanup_free_ char *dir = strdup(path);
        _cleanup_close_ int fd = -1;

        if (!dir)
                return -ENOMEM;
        fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 || fsync(fd) < 0)
                return -errno;
        return 0;
}

/* Split a file name into stem and extension (from its last dot, if the dot is not the first byte). */
static void split_name(const char *name, size_t *ret_stem_len)
{
        const char *dot = strrchr(name, '.');
        *ret_stem_len = dot && dot != name ? (size_t)(dot - name) : strlen(name);
}

int journal_rotated_name(const char *path, uint64_t first_seq, char **ret)
{
        const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : path;
        size_t stem;

        split_name(name, &stem);
        if (asprintf(ret, "%.*s-%0*" PRIu64 "%s", (int)(name - path + stem), path, SEQ_DIGITS, first_seq,
                     name + stem) < 0)
                return -ENOMEM;
        return 0;
}

uint64_t journal_writer_file_first_seq(JournalWriter *w)
{
        return w->file_first_seq;
}

void journal_writer_set_max_file_size(JournalWriter *w, uint64_t max_file_size)
{
        w->max_file_size = max_file_size;
}

bool journal_writer_wants_rotation(JournalWriter *w)
{
        return w->max_file_size > 0 && !w->rotating && w->buf_len == 0 && w->last_is_checkpoint &&
               !w->needs_truncate && w->size >= w->max_file_size && w->size > 2 * w->head_size;
}

int journal_writer_rotate_begin(JournalWriter *w, uint64_t now_usec)
{
        char epoch[24], len[24], first[24], start[24], prev_first[24], key[NOTE_VERIFIER_MAX];
        _cleanup_free_ char *tree = malloc(JOURNAL_FRONTIER_TEXT_MAX);
        int r;

        if (w->rotating || w->buf_len > 0 || !w->last_is_checkpoint || !w->last_checkpoint)
                return -EBUSY;
        if (!tree)
                return -ENOMEM;
        journal_frontier_format(&w->durable.before_checkpoint, tree);
        note_verifier_format(&w->cur.key, key);
        snprintf(epoch, sizeof(epoch), "%" PRIu64, w->cur.epoch);
        snprintf(len, sizeof(len), "%" PRIu64, w->cur.epoch_usec);
        snprintf(first, sizeof(first), "%" PRIu64, w->cur.first_seq);
        snprintf(start, sizeof(start), "%" PRIu64, w->cur.start_usec);
        snprintf(prev_first, sizeof(prev_first), "%" PRIu64, w->file_first_seq);
        JournalField f[] = {
            {"epoch", epoch},
            {"epoch_usec", len},
            {"first_seq", first},
            {"identity", w->identity},
            {"key", key},
            {"origin", w->origin},
            {"prev_checkpoint", w->last_checkpoint},
            {"prev_first_seq", prev_first},
            {"start_usec", start},
            {"tree", tree},
        };
        r = journal_writer_buffer(w, RECORD_LINK, f, ELEMENTSOF(f), now_usec, NULL, NULL);
        if (r < 0)
                return r;
        w->rotating = true;
        return 0;
}

void journal_writer_rotate_abort(JournalWriter *w)
{
        journal_writer_drop_pending(w);
        w->rotating = false;
}

static int same_file(int fd, const char *path)
{
        struct stat a, b;

        if (fstat(fd, &a) < 0)
                return -errno;
        if (lstat(path, &b) < 0)
                return errno == ENOENT ? 0 : -errno;
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int journal_writer_rotate_commit(JournalWriter *w)
{
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        _cleanup_free_ char *note = NULL, *tmp = NULL, *rotated = NULL;
        _cleanup_close_ int fd = -1;
        bool linked = false;
        int r;

        if (!w->rotating)
                return -EINVAL;
        if (asprintf(&tmp, "%s.new", w->path) < 0 ||
            journal_rotated_name(w->path, w->file_first_seq, &rotated) < 0) {
                r = -ENOMEM;
                goto fail;
        }
        r = journal_writer_buffer_checkpoint(w, &note);
        if (r < 0)
                goto fail;

        /* (1) The next file, whole and durable, under a name nobody reads. */
        if (unlink(tmp) < 0 && errno != ENOENT) {
                r = -errno;
                goto fail;
        }
        fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0640);
        if (fd < 0 || fcntl(fd, F_OFD_SETLK, &fl) < 0) {
                r = -errno;
                goto fail;
        }
        r = journal_write_all_at(fd, w->buf, w->buf_len, 0);
        if (r >= 0 && fdatasync(fd) < 0)
                r = -errno;
        if (r < 0)
                goto fail;

        /* (2) The current file under its rotated name too. A name taken by another file is never replaced:
         * it may be an archived copy. */
        if (link(w->path, rotated) < 0) {
                r = -errno;
                if (r != -EEXIST || same_file(w->fd, rotated) != 1)
                        goto fail;
        } else
                linked = true;
        r = journal_fsync_dir_of(w->path);
        if (r < 0)
                goto fail;

        /* (3) The switch. */
        if (rename(tmp, w->path) < 0) {
                r = -errno;
                goto fail;
        }
        /* (4) Made durable. Should this fail, both states a crash can leave are consistent, and the new
         * file holds no decision: go on with it. */
        (void)journal_fsync_dir_of(w->path);

        close(w->fd); /* the old file's lock goes with it */
        w->fd = TAKE_FD(fd);
        w->file_first_seq = w->durable.n;
        journal_writer_report_lines(w);
        w->size = w->head_size = w->buf_len;
        w->buf_len = 0;
        w->durable = w->live;
        free(w->last_checkpoint);
        w->last_checkpoint = TAKE_PTR(note);
        w->last_is_checkpoint = true;
        w->rotating = false;
        return 0;

fail:
        if (fd >= 0)
                (void)unlink(tmp);
        if (linked)
                (void)unlink(rotated);
        journal_writer_rotate_abort(w);
        return r;
}

int journal_writer_rotation_cleanup(JournalWriter *w)
{
        _cleanup_free_ char *tmp = NULL, *rotated = NULL;
        int r;

        if (asprintf(&tmp, "%s.new", w->path) < 0 ||
            journal_rotated_name(w->path, w->file_first_seq, &rotated) < 0)
                return -ENOMEM;
        if (unlink(tmp) < 0 && errno != ENOENT)
                return -errno;
        r = same_file(w->fd, rotated);
        if (r < 0)
                return r;
        if (r == 1) {
                if (unlink(rotated) < 0)
                        return -errno;
                return journal_fsync_dir_of(w->path);
        }
        return 0;
}

/* ---- the files of a series ---- */

void journal_series_free(char **list)
{
        if (!list)
                return;
        for (char **p = list; *p; p++)
                free(*p);
        free(list);
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Is name "<stem>-<16 digits><ext>"? */
static bool is_rotated_name(const char *name, const char *stem, size_t stem_len, const char *ext)
{
        size_t n = strlen(name), ext_len = strlen(ext);

        if (n != stem_len + 1 + SEQ_DIGITS + ext_len || strncmp(name, stem, stem_len) != 0 ||
            name[stem_len] != '-' || !streq(name + stem_len + 1 + SEQ_DIGITS, ext))
                return false;
        for (size_t i = 0; i < SEQ_DIGITS; i++)
                if (name[stem_len + 1 + i] < '0' || name[stem_len + 1 + i] > '9')
                        return false;
        return true;
}

bool journal_rotated_name_seq(const char *path, uint64_t *ret)
{
        const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : path, *dash;
        size_t stem;

        split_name(name, &stem);
        dash = memrchr(name, '-', stem);
        if (!dash || (size_t)(name + stem - dash - 1) != SEQ_DIGITS)
                return false;
        for (size_t i = 1; i <= SEQ_DIGITS; i++)
                if (dash[i] < '0' || dash[i] > '9')
                        return false;
        /* Sixteen digits fit below 2^63. */
        *ret = strtoull(dash + 1, NULL, 10);
        return true;
}

int journal_series_list(const char *path, char ***ret, size_t *ret_n)
{
        _cleanup_free_ char *dir = NULL, *current = NULL;
        char **list = NULL;
        size_t n = 0, cap = 0, stem_len;
        const char *name;
        struct stat st;
        DIR *d;
        int r = 0;

        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
                dir = strdup(path);
                if (asprintf(&current, "%s/%s", path, DEFAULT_NAME) < 0)
                        current = NULL;
        } else {
                char *copy = strdup(path);
                dir = copy ? strdup(dirname(copy)) : NULL;
                free(copy);
                current = strdup(path);
        }
        if (!dir || !current)
                return -ENOMEM;
        name = strrchr(current, '/') ? strrchr(current, '/') + 1 : current;
        split_name(name, &stem_len);

        d = opendir(dir);
        if (!d)
                return -errno;
        for (struct dirent *de; (de = readdir(d));) {
                if (!is_rotated_name(de->d_name, name, stem_len, name + stem_len))
                        continue;
                if (n + 2 > cap) {
                        char **l = reallocarray(list, cap ? 2 * cap : 16, sizeof(*l));
                        if (!l) {
                                r = -ENOMEM;
                                break;
                        }
                        list = l;
                        cap = cap ? 2 * cap : 16;
                }
                if (asprintf(&list[n], "%s/%s", dir, de->d_name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                n++;
        }
        closedir(d);
        if (r >= 0 && n + 2 > cap) {
                char **l = reallocarray(list, n + 2, sizeof(*l));
                if (l)
                        list = l;
                else
                        r = -ENOMEM;
        }
        if (r < 0) {
                for (size_t i = 0; i < n; i++)
                        free(list[i]);
                free(list);
                return r;
        }
        /* Zero-padded seqs: name order is seq order. The current file comes last. */
        qsort(list, n, sizeof(*list), cmp_str);
        if (stat(current, &st) == 0) {
                struct stat newest;

                /* The newest rotated name still naming the current file is a rotation between its
                 * steps (2) and (3), live or interrupted: the file is not rotated yet. */
                if (n > 0 && stat(list[n - 1], &newest) == 0 && newest.st_dev == st.st_dev &&
                    newest.st_ino == st.st_ino)
                        free(list[--n]);
                list[n++] = TAKE_PTR(current);
        }
        list[n] = NULL;
        *ret = list;
        *ret_n = n;
        return 0;
}
