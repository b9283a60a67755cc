/* Shared by the policy's unit tests (tests/unit/test-policy-*.c); policy-helpers.c has the code. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "glob.h"
#include "policy.h"
#include "util.h"
#include "tap.h"

/* Finds tests/data/policy and makes the private scratch root; false (and the exit status) if the
 * program cannot run. */
bool policy_test_begin(int *ret_exit);
/* The plan; the scratch root is removed. */
int policy_test_end(Tap *t);

/* tests/data/policy/... and the like, as a path into the repository. */
char *src_path(const char *rel);
char *join(const char *a, const char *b);
/* A new empty directory (0755) under the test's private root. */
char *fresh_dir(void);
void write_file(const char *path, const void *data, size_t len, mode_t mode);
char *read_whole(const char *path, size_t *ret_len);
/* Copy one fixture file into dir with mode 0644, whatever the checkout's umask was. */
char *copy_into(const char *src, const char *dir, const char *name);
/* Copy tests/data/policy/NAME/{jitd.conf,jitd.conf.d/ *} into a fresh directory. */
char *copy_tree(const char *name, char **ret_dropins);
/* Write text as DIR/jitd.conf and load it, without drop-ins. */
int load_text(const char *text, Policy **ret, PolicyError *ret_error, char **ret_path);
/* Load text, which must load: one test. */
Policy *load_ok(Tap *t, const char *text, const char *what);
/* The error names the file and the line, and says what. */
void expect_error(Tap *t, int r, const PolicyError *e, int want_r, const char *file_name, unsigned line,
                  const char *text, const char *what);
const char *rule_name(const PolicyRule *r);
/* in matches the rule named want: one test. */
void matches(Tap *t, const Policy *p, const PolicyInput *in, const char *want, const char *what);
/* n times c, as a new string. */
char *repeat(char c, size_t n);
