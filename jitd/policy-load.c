/* Loading jitd.conf and its drop-ins: files, their lines through libinih, and what depends on every file. */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "duration.h"
#include "fileio.h"
#include "policy-internal.h"
#include "sanitize.h"
#include "util.h"

#define DEFAULT_APPROVER_GROUP "jit-approvers"
#define DEFAULT_STATE_DIRECTORY "/var/lib/jit"
#define DEFAULT_JOURNAL_NAME "journal.jsonl"
#define DEFAULT_PUBLIC_KEY_NAME "journal.pub"
#define DEFAULT_APPROVERS_FILE "/etc/jit/approvers"

/* Debian's libinih turns its compile-time options into variables, among them the size of the line
 * buffer it hands to the reader (200 bytes by default). Weak, so that a libinih without the variable
 * still links; the reader refuses lines that do not fit either way, so nothing is ever cut. */
extern int ini_max_line;
#pragma weak ini_max_line

/* ---- Lines ----------------------------------------------------------------------------------- */

/* libinih is the one INI parser, but Debian builds it without INI_HANDLER_LINENO (no line number for
 * the handler) and without INI_CALL_HANDLER_ON_NEW_SECTION (a section header is seen only through the
 * keys after it, and not at all when none follow), and it keeps 49 bytes of a section name. So each
 * line goes to libinih on its own, between two lines of ours that no file can hold (the reader refuses
 * control bytes): a header that sets the section to SENTINEL, and after the line a probe key whose
 * call shows the section libinih is in. Still SENTINEL: the line was no header. The line number is
 * ours, and libinih's state (section, the key a continuation line would extend) cannot leak from one
 * line to the next. */
#define SENTINEL "\x01"

typedef struct LineFeed {
        Parser *p;
        const char *text[3]; /* "[SENTINEL]", the line, "SENTINEL=": what the reader hands libinih */
        size_t len[3];
        size_t n_read; /* of text[]; the handler runs for the line that was read last */
        bool header;   /* libinih read the line as a section header */
} LineFeed;

static int line_too_long(Parser *p, size_t limit)
{
        return parser_fail(p, -E2BIG, "the line is longer than %zu bytes",
                           limit < POLICY_MAX_LINE ? limit : POLICY_MAX_LINE);
}

/* libinih's reader: one text[] line at a time, whole, or NULL at the end or after an error. */
static char *feed_read(char *str, int num, void *userdata)
{
        LineFeed *f = userdata;
        size_t i = f->n_read, len;

        if (f->p->error_r < 0 || i >= ELEMENTSOF(f->text))
                return NULL;
        len = f->len[i];
        /* The line, its '\n' and a NUL must fit, or libinih would split it into two lines. */
        if (num < 2 || len + 2 > (size_t)num) {
                line_too_long(f->p, num < 2 ? 0 : (size_t)num - 2);
                return NULL;
        }
        memcpy(str, f->text[i], len);
        memcpy(str + len, "\n", 2);
        f->n_read++;
        return str;
}

/* libinih's handler. Nonzero means "fine". */
static int feed_key(void *userdata, const char *section, const char *key, const char *value)
{
        LineFeed *f = userdata;
        const char *s = f->text[1];

        if (f->n_read == ELEMENTSOF(f->text)) {
                f->header = !streq(section, SENTINEL);
                return 1;
        }
        /* libinih also reads "Key:Value" and skips leading whitespace; both are refused, so that a
         * file means one thing to every reader. */
        if (s[0] == ' ' || s[0] == '\t')
                return 0; /* reported as indented below, as for a header */
        if (s[strcspn(s, "=:")] == ':') {
                parser_fail(f->p, -EINVAL, "expected Key=Value (':' is not a separator here)");
                return 0;
        }
        return parser_key(f->p, key, value) >= 0;
}

/* One line, without its '\n', '\r' or a leading byte order mark; len <= POLICY_MAX_LINE. */
static int feed_line(Parser *p, const char *s, size_t len)
{
        char line[POLICY_MAX_LINE + 1]; /* the handler reads the line as a string */
        bool indented = len > 0 && (s[0] == ' ' || s[0] == '\t');
        LineFeed f = {
            .p = p,
            .text = {"[" SENTINEL "]", line, SENTINEL "="},
            .len = {strlen("[" SENTINEL "]"), len, strlen(SENTINEL "=")},
        };
        int r;

        assert(len < sizeof(line));
        memcpy(line, s, len);
        line[len] = '\0';
        r = ini_parse_stream(feed_read, &f, feed_key, &f);
        if (p->error_r < 0)
                return p->error_r;
        if (r < 0)
                return parser_fail_at(p, r == -2 ? -ENOMEM : -EIO, p->path, 0, "libinih failed (%d)", r);
        if (r == 0 && !f.header)
                return 0; /* a key, read by the handler; or blank, or a comment */

        /* A header, a key the handler left to us, or a line libinih refused. An indented line would be
         * a continuation to libinih reading the file whole, as any other libinih reader does. */
        if (indented)
                return parser_fail(p, -EINVAL,
                                   "an indented line; libinih would read it as more of the previous "
                                   "value, so remove the leading whitespace");
        while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
                len--;
        if (s[0] == '[') {
                /* libinih refuses a header without ']' or with a " ;" comment before it: the header
                 * checks say which, in the words they use for every other bad header. */
                r = parser_section_open(p, s, len);
                if (r < 0 || f.header)
                        return r;
                return parser_fail(p, -EINVAL, "a section header must end with ']' (nothing may follow it)");
        }
        return parser_fail(p, -EINVAL, "expected Key=Value, [Section] or a comment");
}

/* Split a file into lines and refuse, before libinih sees them, the bytes it would read wrongly: a NUL
 * would end its line early, and control characters have no place in a configuration. */
static int feed_file(Parser *p, const char *buf, size_t size)
{
        size_t pos = 0;
        int r;

        while (pos < size) {
                const char *s = buf + pos, *nl = memchr(s, '\n', size - pos);
                size_t len = nl ? (size_t)(nl - s) : size - pos;

                pos += nl ? len + 1 : len;
                p->line++;
                if (len > POLICY_MAX_LINE)
                        return line_too_long(p, POLICY_MAX_LINE);
                if (memchr(s, '\0', len))
                        return parser_fail(p, -EINVAL, "a NUL byte");
                /* libinih skips a UTF-8 byte order mark only on its own first line, which is ours. */
                if (p->line == 1 && len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
                        s += 3;
                        len -= 3;
                }
                if (len > 0 && s[len - 1] == '\r')
                        len--;
                for (size_t i = 0; i < len; i++)
                        if (((unsigned char)s[i] < ' ' && s[i] != '\t') || s[i] == 0x7f)
                                return parser_fail(p, -EINVAL, "a control character (byte 0x%02x)",
                                                   (unsigned char)s[i]);
                r = feed_line(p, s, len);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- Files ----------------------------------------------------------------------------------- */

/* Only root may write what decides who becomes root: a file or directory anyone else can write would
 * let its writer grant themselves root. The caller's own euid is accepted too, so unprivileged tests
 * work; jitd runs as root, where the two are the same. */
static int check_owner(Parser *p, const struct stat *st, const char *shown, bool dir)
{
        if (dir ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode))
                return parser_fail_at(p, dir ? -ENOTDIR : -EINVAL, shown, 0, "not a %s",
                                      dir ? "directory" : "regular file");
        if ((st->st_uid != 0 && st->st_uid != geteuid()) || (st->st_mode & (S_IWGRP | S_IWOTH)))
                return parser_fail_at(p, -EPERM, shown, 0,
                                      "refusing it: must be owned by root and not group- or world-writable "
                                      "(owner uid %u, mode %04o)",
                                      (unsigned)st->st_uid, (unsigned)(st->st_mode & 07777));
        return 0;
}

static int open_failed(Parser *p, int r, const char *shown)
{
        if (r == -ELOOP)
                return parser_fail_at(p, r, shown, 0, "refusing a symbolic link");
        return parser_fail_at(p, r, shown, 0, "cannot open: %s", strerror(-r));
}

/* Read one file whole: it is small (bounded), and reading it ourselves lets the reader see every byte. */
static int read_file(Parser *p, int dir_fd, const char *name, const char *shown, char **ret,
                     size_t *ret_size)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t size = 0;
        int r;

        /* O_NONBLOCK: a FIFO planted at the path must not hang the open; it is refused just below. */
        fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return open_failed(p, -errno, shown);
        if (fstat(fd, &st) < 0)
                return parser_fail_at(p, -errno, shown, 0, "cannot stat: %m");
        r = check_owner(p, &st, shown, false);
        if (r < 0)
                return r;
        if (st.st_size > POLICY_MAX_FILE)
                return parser_fail_at(p, -EFBIG, shown, 0, "larger than %d bytes", POLICY_MAX_FILE);

        /* One byte more than allowed, to notice a file that grew after the fstat(), and one for the NUL. */
        buf = malloc(POLICY_MAX_FILE + 2);
        if (!buf)
                return parser_fail_at(p, -ENOMEM, shown, 0, "out of memory");
        r = jit_read_fd_bounded(fd, buf, POLICY_MAX_FILE + 1, &size);
        if (r == -EFBIG)
                return parser_fail_at(p, -EFBIG, shown, 0, "larger than %d bytes", POLICY_MAX_FILE);
        if (r < 0) {
                errno = -r;
                return parser_fail_at(p, r, shown, 0, "cannot read: %m");
        }
        *ret = TAKE_PTR(buf);
        *ret_size = size;
        return 0;
}

static int add_file_name(Parser *p, char *shown)
{
        Policy *pol = p->policy;
        char **files = reallocarray(pol->files, pol->n_files + 1, sizeof(char *));

        if (!files) {
                free(shown);
                return parser_fail_at(p, -ENOMEM, NULL, 0, "out of memory");
        }
        pol->files = files;
        files[pol->n_files++] = shown;
        return 0;
}

static int parse_file(Parser *p, int dir_fd, const char *name, const char *shown_path)
{
        _cleanup_free_ char *buf = NULL;
        char *shown;
        size_t size = 0;
        int r;

        shown = strdup(shown_path);
        if (!shown)
                return parser_fail_at(p, -ENOMEM, NULL, 0, "out of memory");
        r = add_file_name(p, shown);
        if (r < 0)
                return r;
        r = read_file(p, dir_fd, name, shown, &buf, &size);
        if (r < 0)
                return r;

        p->path = shown;
        p->line = 0;
        p->section = SECTION_NONE;
        p->section_text[0] = '\0';
        r = feed_file(p, buf, size);
        if (r >= 0)
                r = parser_section_close(p);
        return r;
}

static int name_cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_free(char **names, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
}

/* dir/[!.]*.conf in strcmp() order: "10-a.conf" before "9-b.conf", as systemd and run-parts sort. */
static int parse_dropins(Parser *p, const char *dir)
{
        _cleanup_close_ int fd = -1;
        DIR *d;
        struct dirent *de;
        struct stat st;
        char **names = NULL;
        size_t n = 0;
        int r = 0;

        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 && errno == ENOENT)
                return 0; /* no drop-ins */
        if (fd < 0)
                return open_failed(p, -errno, dir);
        if (fstat(fd, &st) < 0)
                return parser_fail_at(p, -errno, dir, 0, "cannot stat: %m");
        /* Whoever can write the directory can delete a drop-in that denies something. */
        r = check_owner(p, &st, dir, true);
        if (r < 0)
                return r;

        d = fdopendir(fd);
        if (!d)
                return parser_fail_at(p, -errno, dir, 0, "cannot read the directory: %m");
        fd = -1; /* the DIR owns it now */

        for (errno = 0; (de = readdir(d)); errno = 0) {
                size_t len = strlen(de->d_name);
                char **more;

                if (de->d_name[0] == '.' || len <= 5 || !streq(de->d_name + len - 5, ".conf"))
                        continue;
                if (n >= POLICY_MAX_DROPINS) {
                        r = parser_fail_at(p, -E2BIG, dir, 0, "more than %d drop-in files",
                                           POLICY_MAX_DROPINS);
                        goto out;
                }
                more = reallocarray(names, n + 1, sizeof(char *));
                if (!more || !(more[n] = strdup(de->d_name))) {
                        if (more)
                                names = more;
                        r = parser_fail_at(p, -ENOMEM, NULL, 0, "out of memory");
                        goto out;
                }
                names = more;
                n++;
        }
        if (errno != 0) {
                r = parser_fail_at(p, -errno, dir, 0, "cannot read the directory: %m");
                goto out;
        }
        if (n > 0)
                qsort(names, n, sizeof(char *), name_cmp);

        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *shown = NULL;

                if (asprintf(&shown, "%s/%s", dir, names[i]) < 0) {
                        r = parser_fail_at(p, -ENOMEM, NULL, 0, "out of memory");
                        goto out;
                }
                r = parse_file(p, dirfd(d), names[i], shown);
                if (r < 0)
                        goto out;
        }
out:
        names_free(names, n);
        closedir(d);
        return r;
}

/* ---- After every file: what depends on the merged [Daemon] ------------------------------------ */

static int resolve(Parser *p)
{
        Policy *pol = p->policy;
        PolicyDaemon *d = &pol->daemon;
        char a[32], b[32];
        int r;

        if (d->default_grant_usec > d->max_grant_usec) {
                bool at_default = p->default_grant_line > 0;
                return parser_fail_at(p, -EINVAL, at_default ? p->default_grant_file : p->max_grant_file,
                                      at_default ? p->default_grant_line : p->max_grant_line,
                                      "[Daemon] DefaultGrant=%s is longer than MaxGrant=%s%s",
                                      jit_format_duration(d->default_grant_usec, a, sizeof(a)),
                                      jit_format_duration(d->max_grant_usec, b, sizeof(b)),
                                      at_default ? "" : " (DefaultGrant= is the built-in default)");
        }
        if (!d->journal_file &&
            asprintf(&d->journal_file, "%s/%s", d->state_directory, DEFAULT_JOURNAL_NAME) < 0) {
                d->journal_file = NULL;
                return parser_fail_at(p, -ENOMEM, NULL, 0, "out of memory");
        }
        /* The key is published from the state directory: jitd never writes under /etc (A45). */
        if (!d->public_key_file &&
            asprintf(&d->public_key_file, "%s/%s", d->state_directory, DEFAULT_PUBLIC_KEY_NAME) < 0) {
                d->public_key_file = NULL;
                return parser_fail_at(p, -ENOMEM, NULL, 0, "out of memory");
        }

        if (!d->approvers_file && !(d->approvers_file = strdup(DEFAULT_APPROVERS_FILE)))
                return parser_fail_at(p, -ENOMEM, NULL, 0, "out of memory");

        for (size_t i = 0; i < pol->n_rules; i++) {
                PolicyRule *rule = &pol->rules[i];
                const KeyLines *k = &p->key_lines[i];

                if (!k->signature)
                        rule->signature_required = d->signature_required;
                if (!k->max_grant)
                        rule->max_grant_usec = d->max_grant_usec;
                if (!k->default_grant)
                        rule->default_grant_usec = min_u64(d->default_grant_usec, rule->max_grant_usec);
                else if (rule->default_grant_usec > rule->max_grant_usec)
                        return parser_fail_at(p, -EINVAL, rule->file, k->default_grant,
                                              "DefaultGrant=%s is longer than MaxGrant=%s%s (rule %s)",
                                              jit_format_duration(rule->default_grant_usec, a, sizeof(a)),
                                              jit_format_duration(rule->max_grant_usec, b, sizeof(b)),
                                              k->max_grant ? "" : " of [Daemon]", rule->name);

                if (rule->action == POLICY_ACTION_REQUIRE && rule->approver_users.n == 0 &&
                    rule->approver_groups.n == 0) {
                        r = policy_list_add(&rule->approver_groups, d->approver_group,
                                            strlen(d->approver_group));
                        if (r < 0)
                                return parser_fail_at(p, r, NULL, 0, "out of memory");
                }
        }

        /* A rule behind a catch-all can never match: almost certainly a mistake, e.g. a drop-in rule
         * behind a catch-all in the main file (drop-ins come after it). */
        for (size_t i = 0; i < pol->n_rules; i++)
                if (policy_rule_is_catch_all(&pol->rules[i]) && i + 1 < pol->n_rules)
                        return parser_fail_at(
                            p, -EINVAL, pol->rules[i + 1].file, pol->rules[i + 1].line,
                            "rule %s can never match: rule %s (%s:%u) has no match keys and so "
                            "matches every request first",
                            pol->rules[i + 1].name, pol->rules[i].name, pol->rules[i].file,
                            pol->rules[i].line);

        pol->default_rule = (PolicyRule){
            .name = strdup(POLICY_DEFAULT_RULE_NAME),
            .action = POLICY_ACTION_REQUIRE,
            .approvals = 1,
            .reason = POLICY_REASON_NONE,
            .default_grant_usec = d->default_grant_usec,
            .max_grant_usec = d->max_grant_usec,
            .scope = POLICY_SCOPE_COMMAND,
            .signature_required = d->signature_required,
        };
        if (!pol->default_rule.name || policy_list_add(&pol->default_rule.approver_groups, d->approver_group,
                                                       strlen(d->approver_group)) < 0)
                return parser_fail_at(p, -ENOMEM, NULL, 0, "out of memory");
        return 0;
}

/* ---- The public face ------------------------------------------------------------------------- */

int policy_load(const char *main_path, const char *dropin_dir, Policy **ret, PolicyError *ret_error)
{
        _cleanup_(policy_freep) Policy *pol = NULL;
        Parser p = {};
        int r = 0;

        assert(ret);

        if (ret_error)
                *ret_error = (PolicyError){};
        /* Let libinih hand over lines as long as we accept (Debian's build reads this variable). */
        if (&ini_max_line && ini_max_line < POLICY_MAX_LINE + 2)
                ini_max_line = POLICY_MAX_LINE + 2;

        pol = calloc(1, sizeof(Policy));
        if (!pol)
                return -ENOMEM;
        pol->daemon = (PolicyDaemon){
            .approver_group = strdup(DEFAULT_APPROVER_GROUP),
            .request_timeout_usec = 5 * 60 * USEC_PER_SEC,
            .default_grant_usec = 15 * 60 * USEC_PER_SEC,
            .max_grant_usec = 8 * 3600 * USEC_PER_SEC,
            .epoch_length_usec = 3600 * USEC_PER_SEC,
            .mirror_queue = POLICY_DEFAULT_MIRROR_QUEUE,
            .max_file_size = POLICY_DEFAULT_MAX_FILE_SIZE,
            .state_directory = strdup(DEFAULT_STATE_DIRECTORY),
        };
        p.policy = pol;
        if (!pol->daemon.approver_group || !pol->daemon.state_directory)
                r = parser_fail_at(&p, -ENOMEM, NULL, 0, "out of memory");
        else if (main_path)
                r = parse_file(&p, AT_FDCWD, main_path, main_path);
        if (r >= 0 && dropin_dir)
                r = parse_dropins(&p, dropin_dir);
        if (r >= 0)
                r = resolve(&p);

        free(p.key_lines);
        if (r < 0) {
                if (ret_error)
                        *ret_error = p.error;
                else
                        policy_error_done(&p.error);
                return r;
        }
        *ret = TAKE_PTR(pol);
        return 0;
}
