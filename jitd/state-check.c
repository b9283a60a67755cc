/* Start-up check of jitd's state files: whoever can write them can swap keys or history (A43). */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal.h"
#include "keys.h"
#include "state-check.h"
#include "util.h"

/* What one kind of state file must be. fix_mode is the mode jitd itself creates it with, so the
 * suggested chmod restores what a fresh installation has. */
typedef struct StateSpec {
        const char *what;
        bool directory;
        mode_t forbidden;
        mode_t fix_mode;
} StateSpec;

static const StateSpec spec_state_dir = {"the state directory", true, 022, 0700};
static const StateSpec spec_key_dir = {"the key directory", true, 022, 0700};
static const StateSpec spec_key_file = {"a key file", false, 077, 0600};
static const StateSpec spec_journal = {"the journal", false, 022, 0640};
static const StateSpec spec_published_key = {"the published key", false, 022, 0644};
static const StateSpec spec_rotated = {"a rotated journal file", false, 022, 0640};
static const StateSpec spec_file_dir = {"a directory holding the journal or its key", true, 022, 0755};

__attribute__((format(printf, 3, 4))) static int problem(char **ret_message, int r, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(ret_message, fmt, ap) < 0) {
                *ret_message = NULL;
                r = -ENOMEM;
        }
        va_end(ap);
        return r;
}

static void describe_owner(uid_t uid, char *buf, size_t size)
{
        char pwbuf[4096];
        struct passwd pw, *found = NULL;

        if (getpwuid_r(uid, &pw, pwbuf, sizeof(pwbuf), &found) == 0 && found)
                snprintf(buf, size, "%s (uid %u)", found->pw_name, (unsigned)uid);
        else
                snprintf(buf, size, "uid %u", (unsigned)uid);
}

static int check_stat(const char *path, const struct stat *st, const StateSpec *spec, char **ret_message)
{
        uid_t euid = geteuid();
        char owner[128];

        if (S_ISLNK(st->st_mode))
                return problem(ret_message, -ELOOP,
                               "%s is a symlink; %s must not be one (whoever controls the link chooses what "
                               "jitd trusts): replace it with a real %s owned by root, mode %04o",
                               path, spec->what, spec->directory ? "directory" : "file", spec->fix_mode);
        if (spec->directory ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode))
                return problem(ret_message, spec->directory ? -ENOTDIR : -EBADF,
                               "%s is not a %s; %s must be one: move it away", path,
                               spec->directory ? "directory" : "regular file", spec->what);
        /* Root's, or the daemon's own user's when it runs unprivileged: nobody else may own it,
         * since an owner can chmod it back to writable at any time. */
        if (st->st_uid != 0 && st->st_uid != euid) {
                describe_owner(st->st_uid, owner, sizeof(owner));
                if (euid == 0)
                        return problem(ret_message, -EPERM,
                                       "%s is owned by %s; %s must be owned by root: chown root %s", path,
                                       owner, spec->what, path);
                return problem(
                    ret_message, -EPERM,
                    "%s is owned by %s; %s must be owned by root or by uid %u, which jitd runs as: "
                    "chown %u %s",
                    path, owner, spec->what, (unsigned)euid, (unsigned)euid, path);
        }
        if (st->st_mode & spec->forbidden)
                return problem(ret_message, -EPERM, "%s is mode %04o; %s must not be %s: chmod %04o %s",
                               path, (unsigned)(st->st_mode & 07777), spec->what,
                               spec->forbidden == 077 ? "readable or writable by group or others"
                                                      : "group- or world-writable",
                               (unsigned)spec->fix_mode, path);
        return 0;
}

/* Open a directory without following a symlink and check the fd that was opened, so what is
 * checked is what is used. A missing directory is not an error (*ret_fd = -1): the writer
 * creates it 0700. */
static int open_dir(int at_fd, const char *name, const char *path, const StateSpec *spec, int *ret_fd,
                    char **ret_message)
{
        _cleanup_close_ int fd = -1;
        struct stat st;
        int r;

        *ret_fd = -1;
        fd = openat(at_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                r = -errno;
                if (r == -ENOENT)
                        return 0;
                /* ELOOP (a symlink) or ENOTDIR: say which, from the entry itself. */
                if ((r == -ELOOP || r == -ENOTDIR) && fstatat(at_fd, name, &st, AT_SYMLINK_NOFOLLOW) >= 0) {
                        int k = check_stat(path, &st, spec, ret_message);
                        if (k < 0)
                                return k;
                }
                return problem(ret_message, r, "cannot open %s, %s: %s", path, spec->what, strerror(-r));
        }
        if (fstat(fd, &st) < 0) {
                r = -errno;
                return problem(ret_message, r, "cannot check %s, %s: %s", path, spec->what, strerror(-r));
        }
        r = check_stat(path, &st, spec, ret_message);
        if (r < 0)
                return r;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* Every key file, whatever its epoch: a planted key for a future epoch would be loaded later. */
static int check_key_files(int keys_fd, const char *keys_path, char **ret_message)
{
        _cleanup_close_ int fd = -1;
        struct dirent *de;
        DIR *d;
        int r = 0;

        fd = openat(keys_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                r = -errno;
                return problem(ret_message, r, "cannot list %s: %s", keys_path, strerror(-r));
        }
        d = fdopendir(fd);
        if (!d) {
                r = -errno;
                return problem(ret_message, r, "cannot list %s: %s", keys_path, strerror(-r));
        }
        TAKE_FD(fd);
        while (r >= 0 && (errno = 0, de = readdir(d))) {
                _cleanup_free_ char *path = NULL;
                struct stat st;

                if (strncmp(de->d_name, KEYS_FILE_PREFIX, strlen(KEYS_FILE_PREFIX)) != 0)
                        continue;
                if (fstatat(keys_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno == ENOENT)
                                continue;
                        r = -errno;
                        r = problem(ret_message, r, "cannot check %s/%s: %s", keys_path, de->d_name,
                                    strerror(-r));
                        break;
                }
                if (asprintf(&path, "%s/%s", keys_path, de->d_name) < 0) {
                        path = NULL;
                        r = -ENOMEM;
                        break;
                }
                r = check_stat(path, &st, &spec_key_file, ret_message);
        }
        if (r >= 0 && errno != 0) {
                r = -errno;
                r = problem(ret_message, r, "cannot list %s: %s", keys_path, strerror(-r));
        }
        closedir(d);
        return r;
}

/* A file that may live outside the state directory. lstat() explains; the journal writer then
 * opens it O_NOFOLLOW and checks owner and mode on its own fd, so a swap in between is refused
 * there too. */
static int check_file(const char *path, const StateSpec *spec, char **ret_message)
{
        struct stat st;
        int r;

        if (lstat(path, &st) < 0) {
                r = -errno;
                if (r == -ENOENT)
                        return 0;
                return problem(ret_message, r, "cannot check %s, %s: %s", path, spec->what, strerror(-r));
        }
        return check_stat(path, &st, spec, ret_message);
}

/* The directory of a file that lives outside the state directory: whoever may write it may rename
 * the file away and put another in its place. Followed if a link: the link's own directory is the
 * admin's choice of layout. */
static int check_dir_of(const char *path, const char *state_dir, char **ret_message)
{
        _cleanup_free_ char *copy = strdup(path);
        const char *dir;
        struct stat st;
        int r;

        if (!copy)
                return -ENOMEM;
        dir = dirname(copy);
        if (streq(dir, state_dir))
                return 0; /* checked already, and more strictly */
        if (stat(dir, &st) < 0) {
                r = -errno;
                if (r == -ENOENT)
                        return 0;
                return problem(ret_message, r, "cannot check %s, %s: %s", dir, spec_file_dir.what,
                               strerror(-r));
        }
        return check_stat(dir, &st, &spec_file_dir, ret_message);
}

/* The journal's rotated files: verify reads them as history, so they are held to the journal's
 * rules although jitd itself never opens them again. */
static int check_rotated(const char *journal, char **ret_message)
{
        char **files = NULL;
        size_t n = 0;
        int r;

        r = journal_series_list(journal, &files, &n);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return problem(ret_message, r, "cannot list the rotated files of %s: %s", journal,
                               strerror(-r));
        for (size_t i = 0; i < n && r >= 0; i++)
                if (!streq(files[i], journal))
                        r = check_file(files[i], &spec_rotated, ret_message);
        journal_series_free(files);
        return r;
}

int state_check(const PolicyDaemon *d, char **ret_message)
{
        _cleanup_close_ int state_fd = -1, keys_fd = -1;
        _cleanup_free_ char *keys_path = NULL;
        int r;

        assert(d);
        assert(ret_message);

        *ret_message = NULL;
        r = open_dir(AT_FDCWD, d->state_directory, d->state_directory, &spec_state_dir, &state_fd,
                     ret_message);
        if (r < 0)
                return r;
        if (state_fd >= 0) {
                if (asprintf(&keys_path, "%s/keys", d->state_directory) < 0) {
                        keys_path = NULL;
                        return -ENOMEM;
                }
                r = open_dir(state_fd, "keys", keys_path, &spec_key_dir, &keys_fd, ret_message);
                if (r < 0)
                        return r;
                if (keys_fd >= 0) {
                        r = check_key_files(keys_fd, keys_path, ret_message);
                        if (r < 0)
                                return r;
                }
        }
        r = check_dir_of(d->journal_file, d->state_directory, ret_message);
        if (r >= 0)
                r = check_file(d->journal_file, &spec_journal, ret_message);
        if (r >= 0)
                r = check_rotated(d->journal_file, ret_message);
        if (r >= 0)
                r = check_dir_of(d->public_key_file, d->state_directory, ret_message);
        if (r < 0)
                return r;
        return check_file(d->public_key_file, &spec_published_key, ret_message);
}
