/* The lifetime of a loaded jitd.conf: loading, the references requests hold, and the SIGHUP swap. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "jitd.h"
#include "log.h"
#include "util.h"

Config *config_ref(Config *c)
{
        if (c)
                c->n_ref++;
        return c;
}

void config_unref(Config *c)
{
        if (c && --c->n_ref == 0) {
                policy_free(c->p);
                free(c);
        }
}

int config_load(const char *path, bool allow_missing, Config **ret, bool *ret_missing)
{
        _cleanup_free_ char *dropins = NULL;
        PolicyError error = {};
        struct stat st;
        bool missing;
        Config *c;
        int r;

        /* lstat, not stat: a dangling symbolic link is not "no file", and policy_load refuses links. */
        missing = allow_missing && lstat(path, &st) < 0 && errno == ENOENT;
        if (asprintf(&dropins, "%s.d", path) < 0)
                return -ENOMEM;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        r = policy_load(missing ? NULL : path, dropins, &c->p, &error);
        if (r < 0) {
                log_error("%s", error.message ? error.message : strerror(-r));
                free(c);
        } else {
                c->n_ref = 1;
                *ret = c;
                if (ret_missing)
                        *ret_missing = missing;
        }
        policy_error_done(&error);
        return r;
}

/* Did c come from a main file at path (or from the defaults because there was none)? */
static bool config_read_main(const Config *c, const char *path)
{
        return c->p->n_files > 0 && streq(c->p->files[0], path);
}

int config_reload(Context *ctx)
{
        Config *c = NULL;
        int r;

        /* A bad new config keeps the old one: never drop to defaults because of a typo. Nor because
         * the file went away: the defaults apply only if jitd already runs on them (no file at
         * start), since a file that vanishes may have held the deny rules. Requests already
         * pending keep the rules they were decided under. */
        r = config_load(ctx->config_path, !config_read_main(ctx->config, ctx->config_path), &c, NULL);
        if (r < 0) {
                log_error("Keeping the old configuration.");
                return r;
        }
        config_unref(ctx->config);
        ctx->config = c;
        log_info("Reloaded %s (%zu rules)", ctx->config_path, c->p->n_rules);
        return 0;
}
