/* Epoch signing keys: created O_EXCL 0600 and fsync'ed, loaded into sodium_malloc memory, erased. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "journal-util.h"
#include "keys.h"
#include "util.h"

#define KEY_FILE_MAX 512

static void key_file_name(uint64_t epoch, char buf[64])
{
        snprintf(buf, 64, KEYS_FILE_PREFIX "%" PRIu64, epoch);
}

static int write_all(int fd, const char *p, size_t n)
{
        while (n > 0) {
                ssize_t r = write(fd, p, n);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += r;
                n -= (size_t)r;
        }
        return 0;
}

/* State belongs to root, or to the unprivileged user a test or a developer runs the writer as. */
static bool owner_trusted(uid_t uid)
{
        return uid == 0 || uid == geteuid();
}

int keys_open_dir(const char *path, int *ret_fd)
{
        _cleanup_close_ int fd = -1;
        struct stat st;

        if (mkdir(path, 0700) < 0 && errno != EEXIST)
                return -errno;
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        /* Checked on the fd in use, so nothing can be swapped in after jitd's start-up check. */
        if ((st.st_mode & 022) || !owner_trusted(st.st_uid))
                return -EPERM;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int keys_create(int dir_fd, uint64_t epoch, const char *name, NoteSigner **ret)
{
        _cleanup_(note_signer_freep) NoteSigner *s = NULL;
        _cleanup_close_ int fd = -1;
        char fn[64], *text;
        int r;

        r = note_signer_generate(name, &s);
        if (r < 0)
                return r;
        text = sodium_malloc(KEY_FILE_MAX);
        if (!text)
                return -ENOMEM;
        r = note_signer_format(s, text, KEY_FILE_MAX - 1);
        if (r < 0)
                goto out;
        strcat(text, "\n");

        key_file_name(epoch, fn);
        fd = openat(dir_fd, fn, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0) {
                r = -errno;
                goto out;
        }
        r = write_all(fd, text, strlen(text));
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (r >= 0 && fsync(dir_fd) < 0)
                r = -errno;
        if (r < 0)
                (void)unlinkat(dir_fd, fn, 0);
        else
                *ret = TAKE_PTR(s);
out:
        sodium_free(text);
        return r;
}

int keys_load(int dir_fd, uint64_t epoch, const char *name, NoteSigner **ret)
{
        _cleanup_(note_signer_freep) NoteSigner *s = NULL;
        _cleanup_close_ int fd = -1;
        struct stat st;
        char fn[64], *text;
        size_t n = 0;
        int r = 0;

        key_file_name(epoch, fn);
        /* O_NONBLOCK: a FIFO planted in place of a key must not hang the open. */
        fd = openat(dir_fd, fn, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADF;
        /* A key another user could read is no secret; one they could write is not ours. */
        if ((st.st_mode & 077) || !owner_trusted(st.st_uid))
                return -EPERM;
        text = sodium_malloc(KEY_FILE_MAX + 1);
        if (!text)
                return -ENOMEM;
        r = jit_read_fd_bounded(fd, text, KEY_FILE_MAX, &n);
        if (r == -EFBIG || (r >= 0 && (n == 0 || text[n - 1] != '\n')))
                r = -EBADMSG;
        if (r < 0)
                goto out;
        r = note_signer_parse(text, n - 1, &s);
        if (r < 0) {
                r = -EBADMSG;
                goto out;
        }
        if (!streq(s->verifier.name, name)) {
                r = -EBADMSG;
                goto out;
        }
        *ret = TAKE_PTR(s);
out:
        sodium_free(text);
        return r;
}

int keys_erase(int dir_fd, uint64_t epoch)
{
        _cleanup_close_ int fd = -1;
        static const char zeros[KEY_FILE_MAX];
        struct stat st;
        char fn[64];
        int r = 0;

        key_file_name(epoch, fn);
        fd = openat(dir_fd, fn, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        /* Overwrite in place before unlinking, so the secret does not linger in freed blocks. */
        if (st.st_size > 0 && st.st_size <= KEY_FILE_MAX) {
                r = write_all(fd, zeros, (size_t)st.st_size);
                if (r >= 0 && fdatasync(fd) < 0)
                        r = -errno;
        }
        if (unlinkat(dir_fd, fn, 0) < 0 && errno != ENOENT)
                return -errno;
        if (fsync(dir_fd) < 0)
                return -errno;
        return r;
}

int keys_list(int dir_fd, uint64_t *ret, size_t max, size_t *ret_n)
{
        _cleanup_close_ int fd = -1;
        struct dirent *de;
        size_t n = 0;
        DIR *d;
        int r = 0;

        fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d)
                return -errno;
        TAKE_FD(fd);
        while ((errno = 0, de = readdir(d))) {
                size_t plen = strlen(KEYS_FILE_PREFIX);
                uint64_t e;

                if (strncmp(de->d_name, KEYS_FILE_PREFIX, plen) != 0)
                        continue;
                if (jit_parse_u64_strict(de->d_name + plen, strlen(de->d_name + plen), INT64_MAX, &e) < 0)
                        continue;
                if (n >= max) {
                        r = -E2BIG;
                        break;
                }
                ret[n++] = e;
        }
        if (r == 0 && errno != 0)
                r = -errno;
        closedir(d);
        *ret_n = n;
        return r;
}

int keys_parse_verifier_text(const char *text, size_t len, NoteVerifier *ret)
{
        if (len > 0 && text[len - 1] == '\n')
                len--;
        return note_verifier_parse(text, len, ret);
}

static int read_small_file(const char *path, char *buf, size_t max, size_t *ret_len)
{
        _cleanup_close_ int fd = -1;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        return jit_read_fd_bounded(fd, buf, max, ret_len);
}

int keys_read_verifier(const char *path, NoteVerifier *ret)
{
        char buf[NOTE_VERIFIER_MAX + 2];
        size_t n;
        int r;

        r = read_small_file(path, buf, sizeof(buf) - 1, &n);
        if (r < 0)
                return r == -EFBIG ? -EBADMSG : r;
        r = keys_parse_verifier_text(buf, n, ret);
        return r < 0 ? -EBADMSG : 0;
}

int keys_publish(const char *path, const NoteVerifier *v)
{
        _cleanup_free_ char *tmp = NULL, *dir_copy = NULL;
        _cleanup_close_ int fd = -1, dfd = -1;
        char text[NOTE_VERIFIER_MAX + 1], old[NOTE_VERIFIER_MAX + 2];
        size_t n;
        int r;

        note_verifier_format(v, text);
        strcat(text, "\n");

        r = read_small_file(path, old, sizeof(old) - 1, &n);
        if (r >= 0)
                return n == strlen(text) && memcmp(old, text, n) == 0 ? 0 : -EEXIST;
        if (r != -ENOENT)
                return r == -EFBIG ? -EEXIST : r;

        if (asprintf(&tmp, "%s.tmp", path) < 0)
                return -ENOMEM;
        (void)unlink(tmp);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;
        r = write_all(fd, text, strlen(text));
        if (r >= 0 && fchmod(fd, 0644) < 0)
                r = -errno;
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (r >= 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0) {
                (void)unlink(tmp);
                return r;
        }
        dir_copy = strdup(path);
        if (!dir_copy)
                return -ENOMEM;
        dfd = open(dirname(dir_copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (dfd < 0)
                return -errno;
        if (fsync(dfd) < 0)
                return -errno;
        return 0;
}
